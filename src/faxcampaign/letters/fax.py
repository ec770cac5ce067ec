"""Fax-specific output: TIFF class F (CCITT Group 4, 204x196 dpi) made with Ghostscript.

Many letters go through one Ghostscript process: it starts once (about 40 ms) and switches its output
file between letters, instead of one process a letter. Ghostscript numbers pages across the whole run
(the TIFF PageNumber tag), so each file's numbers are set back to count from its own first page: the
files are the same, byte for byte, as one process a letter gives.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from faxcampaign.errors import OutputError, ToolMissingError

GS_ARGS = ["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffg4", "-r204x196", "-dFIXEDMEDIA",
           "-dPDFFitPage", "-dTIFFDateTime=false"]
PAGE_NUMBER = 297  # TIFF tag: (page index, page total), two SHORTs
SHORT = 3


def ghostscript() -> str:
    """The path of ``gs``, or a clear error saying how to install it."""
    found = shutil.which("gs")
    if not found:
        raise ToolMissingError("TIFF output needs Ghostscript, which is not installed "
                               "(Debian/Ubuntu: apt-get install ghostscript; macOS: brew install ghostscript)")
    return found


def _ps_string(path: Path) -> str:
    """A PostScript string literal for ``path``, every byte outside a safe set written in octal."""
    safe = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-"
    return "(" + "".join(chr(b) if b in safe else f"\\{b:03o}" for b in bytes(path)) + ")"


def renumber_pages(tiff: bytearray) -> None:
    """Set each page's PageNumber index to its place in this file (0, 1, ...), in place."""
    order = {b"II": "<", b"MM": ">"}.get(bytes(tiff[:2]))
    if order is None:
        raise OutputError("Ghostscript wrote something that is not a TIFF")
    (offset,) = struct.unpack_from(order + "I", tiff, 4)
    page = 0
    while offset:
        (count,) = struct.unpack_from(order + "H", tiff, offset)
        for entry in range(offset + 2, offset + 2 + 12 * count, 12):
            tag, kind, n = struct.unpack_from(order + "HHI", tiff, entry)
            if tag == PAGE_NUMBER and kind == SHORT and n == 2:
                struct.pack_into(order + "H", tiff, entry + 8, page)
        (offset,) = struct.unpack_from(order + "I", tiff, offset + 2 + 12 * count)
        page += 1


def page_count(document: bytes) -> int | None:
    """The pages in one of our letters, PDF or TIFF (None for anything else): the `pages_total` every
    attempt records beside the pages a backend says it sent."""
    import re

    if document.startswith(b"%PDF"):
        return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", document)) or None
    order = {b"II": "<", b"MM": ">"}.get(document[:2])
    if order is None or len(document) < 8:
        return None
    (offset,) = struct.unpack_from(order + "I", document, 4)
    pages = 0
    try:
        while offset and pages < 10_000:
            (count,) = struct.unpack_from(order + "H", document, offset)
            (offset,) = struct.unpack_from(order + "I", document, offset + 2 + 12 * count)
            pages += 1
    except struct.error:
        return None
    return pages


class Conversion:
    """PDFs being converted to fax TIFFs by one Ghostscript process, started at once and running while
    the caller gets on with other work (rendering the next letters); ``result()`` waits for the TIFFs."""

    def __init__(self, pdfs: Sequence[bytes], paper: str = "a4"):
        gs = ghostscript()
        self.count = len(pdfs)
        try:
            self.folder = tempfile.TemporaryDirectory(prefix="faxcampaign-")
            folder = self.path = Path(self.folder.name).resolve()
            program = []
            for i, pdf in enumerate(pdfs):
                (folder / f"{i}.pdf").write_bytes(pdf)
                program.append(f"<< /OutputFile {_ps_string(folder / f'{i}.tif')} >> setpagedevice "
                               f"{_ps_string(folder / f'{i}.pdf')} run\n")
            (folder / "batch.ps").write_text("".join(program), encoding="ascii")
            command = [gs, *GS_ARGS, f"-sPAPERSIZE={paper}", f"--permit-file-read={folder}/",
                       f"--permit-file-write={folder}/", f"-sOutputFile={folder / 'unused.tif'}",
                       str(folder / "batch.ps")]
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT)
        except OSError as e:  # the temporary folder full or not writable
            raise _no_room(e) from e

    def result(self) -> list[bytes]:
        """The TIFFs, in the order of the PDFs."""
        try:
            output, _ = self.process.communicate()
            targets = [self.path / f"{i}.tif" for i in range(self.count)]
            if self.process.returncode != 0 or not all(t.exists() for t in targets):
                message = output.decode("utf-8", "replace").strip()[:500]
                raise OutputError(f"Ghostscript failed ({self.process.returncode}): {message}")
            tiffs = []
            for target in targets:
                data = bytearray(target.read_bytes())
                renumber_pages(data)
                tiffs.append(bytes(data))
            return tiffs
        except OSError as e:
            raise _no_room(e) from e
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Stop Ghostscript if it still runs, and remove the temporary files."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()
        self.folder.cleanup()


def _no_room(e: OSError) -> OutputError:
    return OutputError(f"cannot make the fax TIFF in {tempfile.gettempdir()}: {e.strerror or e} "
                       "(set TMPDIR to a folder with room)")


def pdfs_to_tiffs(pdfs: Sequence[bytes], paper: str = "a4") -> list[bytes]:
    """Convert PDFs to multi-page fax TIFFs (Group 4, 204x196 dpi, fitted to ``paper``), one
    Ghostscript process for all of them."""
    return Conversion(pdfs, paper).result() if pdfs else []


def pdf_to_tiff(pdf: bytes, paper: str = "a4") -> bytes:
    """Convert a PDF to a multi-page fax TIFF (Group 4, 204x196 dpi, fitted to ``paper``)."""
    return pdfs_to_tiffs([pdf], paper)[0]

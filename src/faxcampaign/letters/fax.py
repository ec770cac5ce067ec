"""Fax-specific output: TIFF class F (CCITT Group 4, 204x196 dpi) made with Ghostscript.

Many letters go through one Ghostscript process: it starts once (70 ms or so) and switches its output
file between letters, instead of one process a letter; a render keeps two for all its letters. A batch of
letters comes as one PDF, with each letter's page count: opening a PDF and loading its fonts costs
Ghostscript about as much as drawing a letter, so it is done once a batch, and the output file is switched
between the letters' pages. Ghostscript numbers pages across the whole run (the TIFF PageNumber tag), so
each file's numbers are set back to count from its own first page: the files are the same, byte for byte,
as one process a letter, from a PDF of the letter alone, gives (tested).
"""

from __future__ import annotations

import collections
import itertools
import os
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


def _output(target: Path) -> str:
    """PostScript that closes the output file and opens ``target`` for the pages that follow."""
    return f"<< /OutputFile {_ps_string(target)} >> setpagedevice"


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


Submitted = tuple[int, list[Path], list[Path]]  # a batch's number, its TIFFs to come and its PDFs


class Ghostscript:
    """One Ghostscript process kept for many batches of letters. It reads its program from a pipe, so it
    starts once rather than once a batch (70 ms or so of work each time), and converts while the caller
    gets on with other work (rendering the next letters). `submit` hands it PDFs; `result` waits for
    their TIFFs. Use it as a context manager: leaving stops it and removes its temporary files."""

    MARK = "faxcampaign-done "  # what it prints once a batch's TIFFs are written and closed
    READ = 4096  # more than Ghostscript reads of its program at a time (1 KiB in Ghostscript 10)
    PATIENCE = 300  # seconds without a word from it before it is taken to be stuck

    def __init__(self, paper: str = "a4"):
        gs = ghostscript()
        self._batches = itertools.count()
        self._files = itertools.count()
        self._said: collections.deque[bytes] = collections.deque(maxlen=20)  # its last messages
        self._unread = b""  # its output read but not yet taken as lines
        try:
            self.folder = tempfile.TemporaryDirectory(prefix="faxcampaign-")
            folder = self.path = Path(self.folder.name).resolve()
            command = [gs, *GS_ARGS, f"-sPAPERSIZE={paper}", f"--permit-file-read={folder}/",
                       f"--permit-file-write={folder}/", f"-sOutputFile={folder / 'unused.tif'}", "-"]
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.STDOUT)  # (its output read by fd: _line)
        except OSError as e:  # the temporary folder full or not writable
            raise _no_room(e) from e

    def __enter__(self) -> Ghostscript:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def submit(self, pdfs: Sequence[bytes], pages: Sequence[Sequence[int]] | None = None) -> Submitted:
        """Queue ``pdfs`` for conversion, a TIFF a letter; what `result` takes to wait for their TIFFs.

        Without ``pages`` each PDF is one letter; with it, ``pages[i]`` is the number of pages of each
        letter that ``pdfs[i]`` holds, in order. Many letters in one PDF convert faster than a PDF each:
        Ghostscript opens the file and loads its fonts once, not once a letter."""
        batch = next(self._batches)
        program, targets, sources = [], [], []
        try:
            for i, pdf in enumerate(pdfs):
                source = self.path / f"{next(self._files)}.pdf"
                source.write_bytes(pdf)
                sources.append(source)
                if pages is None:
                    target = self._target(source)
                    program.append(f"{_output(target)} {_ps_string(source)} run\n")
                    targets.append(target)
                    continue
                # pdf_main.ps's own steps of `run` for a PDF, with the output file switched between page ranges
                program.append(f"{_ps_string(source)} (r) file dup runpdfbegin process_trailer_attrs\n")
                first = 1
                for count in pages[i]:
                    target = self._target(source)
                    program.append(f"{_output(target)} {first} {first + count - 1} dopdfpages\n")
                    targets.append(target)
                    first += count
                program.append("runpdfend closefile\n")
            # another output file closes the batch's last TIFF; then it says the batch is done. It reads
            # its program a kilobyte at a time, waiting for each whole: a comment fills the last one
            program.append(f"{_output(self.path / 'idle.tif')} ({self.MARK}{batch}\\n) print flush\n"
                           f"%{' ' * self.READ}\n")
            assert self.process.stdin is not None
            self.process.stdin.write("".join(program).encode("ascii"))
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # it has stopped: `result` says why
        except OSError as e:
            raise _no_room(e) from e
        return batch, targets, sources

    def result(self, submitted: Submitted) -> list[bytes]:
        """The TIFFs of one `submit`, in the order of its letters (batches are taken in the order given)."""
        batch, targets, sources = submitted
        done = f"{self.MARK}{batch}".encode()
        while (line := self._line()) != done:
            if line is None:
                raise OutputError(f"Ghostscript failed ({self.process.wait()}): {self._last_words()}")
            self._said.append(line)
        tiffs = []
        try:
            for target in targets:
                if not target.exists():
                    raise OutputError(f"Ghostscript made no fax TIFF of a letter: {self._last_words()}")
                data = bytearray(target.read_bytes())
                renumber_pages(data)
                tiffs.append(bytes(data))
                target.unlink()
            for source in sources:
                source.unlink()
        except OSError as e:
            raise _no_room(e) from e
        return tiffs

    def _target(self, source: Path) -> Path:
        """A new TIFF's place for a letter of ``source``: N-M.tif for N.pdf."""
        return source.with_name(f"{source.stem}-{next(self._files)}.tif")

    def _line(self) -> bytes | None:
        """Its next line of output; None once it has ended."""
        import select

        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self._unread:
            if not select.select([fd], [], [], self.PATIENCE)[0]:
                self.close()
                raise OutputError(f"Ghostscript said nothing for {self.PATIENCE} s converting letters; stopped it")
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self._unread += chunk
        line, _, self._unread = self._unread.partition(b"\n")
        return line

    def _last_words(self) -> str:
        return b"\n".join(self._said).decode("utf-8", "replace").strip()[:500]

    def close(self) -> None:
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
    if not pdfs:
        return []
    with Ghostscript(paper) as gs:
        return gs.result(gs.submit(pdfs))


def pdf_to_tiff(pdf: bytes, paper: str = "a4") -> bytes:
    """Convert a PDF to a multi-page fax TIFF (Group 4, 204x196 dpi, fitted to ``paper``)."""
    return pdfs_to_tiffs([pdf], paper)[0]

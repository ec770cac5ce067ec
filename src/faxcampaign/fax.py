"""Fax-specific output: TIFF class F (CCITT Group 4, 204x196 dpi) made with Ghostscript."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from faxcampaign.errors import OutputError, ToolMissingError

GS_ARGS = ["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffg4", "-r204x196", "-dFIXEDMEDIA",
           "-dPDFFitPage", "-dTIFFDateTime=false"]


def ghostscript() -> str:
    """The path of ``gs``, or a clear error saying how to install it."""
    found = shutil.which("gs")
    if not found:
        raise ToolMissingError("TIFF output needs Ghostscript, which is not installed "
                               "(Debian/Ubuntu: apt-get install ghostscript; macOS: brew install ghostscript)")
    return found


def pdf_to_tiff(pdf: bytes, paper: str = "a4") -> bytes:
    """Convert a PDF to a multi-page fax TIFF (Group 4, 204x196 dpi, fitted to ``paper``)."""
    gs = ghostscript()
    try:
        with tempfile.TemporaryDirectory(prefix="faxcampaign-") as tmp:
            source, target = Path(tmp) / "in.pdf", Path(tmp) / "out.tif"
            source.write_bytes(pdf)
            command = [gs, *GS_ARGS, f"-sPAPERSIZE={paper}", f"-sOutputFile={target}", str(source)]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0 or not target.exists():
                raise OutputError(f"Ghostscript failed ({done.returncode}): {done.stderr.strip()[:500]}")
            return target.read_bytes()
    except OSError as e:  # the temporary folder full or not writable
        raise OutputError(f"cannot make the fax TIFF in {tempfile.gettempdir()}: {e.strerror or e} "
                          "(set TMPDIR to a folder with room)") from e

"""Every rendered fax TIFF survives real T.30 transmission (spandsp's fax engine, in-process over audio)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import need
from faxcampaign.cli import cli
from t30 import library, transmit


def pages(path: Path) -> list[tuple[tuple[int, int], bytes]]:
    from PIL import Image, ImageSequence

    with Image.open(path) as image:
        return [(page.size, page.convert("1").tobytes()) for page in ImageSequence.Iterator(image)]


@pytest.fixture
def spandsp():  # type: ignore[no-untyped-def]
    lib = library()
    need(lib is not None, "libspandsp.so.2 (apt-get install libspandsp2)")
    need(shutil.which("gs") is not None, "Ghostscript (apt-get install ghostscript)")
    return lib


def test_rendered_letters_arrive_identical(spandsp, example: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "fax"
    result = CliRunner().invoke(cli, ["render", str(example), "--out", str(out), "--format", "tiff", "--cover",
                                      "--date", "2003-01-06", "--jobs", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    letters = sorted(out.glob("*.tif"))
    assert len(letters) == 3
    for letter in letters:
        received = tmp_path / f"received-{letter.name}"
        caller, callee, seconds = transmit(spandsp, letter, received)
        assert (caller, callee) == (0, 0), letter.name
        sent_pages, got_pages = pages(letter), pages(received)
        assert len(sent_pages) == 2  # the cover sheet and the letter
        assert got_pages == sent_pages, letter.name
        assert 20 < seconds < 200  # plausible line time for two pages at 14,400 bit/s


def test_a_silent_far_end_fails_with_no_initial_communication(spandsp, example: Path,  # type: ignore[no-untyped-def]
                                                              tmp_path: Path) -> None:
    out = tmp_path / "fax"
    CliRunner().invoke(cli, ["render", str(example), "--out", str(out), "--format", "tiff", "--recipient",
                             "president", "--date", "2003-01-06"], catch_exceptions=False)
    caller, _, _ = transmit(spandsp, out / "president.tif", tmp_path / "nothing.tif", answer=False, max_seconds=120)
    assert caller == 2  # T30_ERR_T0_EXPIRED: timed out waiting for initial communication

"""Outputs stay the same bytes: what each command writes for the example campaign against the digests
recorded in tests/golden/digests.json, and the fast paths (worker processes, one Ghostscript for many
letters) against the plain ones."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import reportlab

from conftest import need
from faxcampaign.letters.fax import GS_ARGS

GOLDEN = Path(__file__).parent / "golden"
spec = importlib.util.spec_from_file_location("golden_make", GOLDEN / "make.py")
assert spec and spec.loader
make = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make)


def test_every_output_matches_its_recorded_digest(tmp_path: Path) -> None:
    recorded = json.loads((GOLDEN / "digests.json").read_text())
    found = make.outputs(make.example(tmp_path))
    assert set(found) == set(recorded["digests"])
    # PDF bytes are reportlab's: compared with the version that made them; text outputs always.
    same_reportlab = reportlab.Version == recorded["reportlab"]
    compared = {name for name, data in found.items() if same_reportlab or not data.startswith(b"%PDF")}
    assert len(compared) >= 8
    changed = [name for name in sorted(compared)
               if hashlib.sha256(found[name]).hexdigest() != recorded["digests"][name]]
    assert changed == []


def signers(path: Path, count: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "address"])
        writer.writerows([f"Volunteer {i}", f"{i} High Street;London"] for i in range(count))
    return path


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["pdf", "tiff"])
def test_two_processes_write_what_one_writes(tmp_path: Path, fmt: str) -> None:
    if fmt == "tiff":
        need(shutil.which("gs") is not None, "Ghostscript")
    folder = make.example(tmp_path)
    roster = signers(tmp_path / "signers.csv", 14)
    command = ["render", "campaign.yaml", "--signers", str(roster), "--date", "2003-01-06", "--format", fmt]
    make.run([*command, "--out", "one", "--jobs", "1"], folder)
    make.run([*command, "--out", "two", "--jobs", "2"], folder)
    one, two = files(folder / "one"), files(folder / "two")
    assert len(one) == 14 * 3
    assert one == two


def test_one_ghostscript_for_many_letters_writes_what_one_per_letter_writes(tmp_path: Path) -> None:
    """A render keeps two Ghostscript processes, taking batches of letters in turn (here three batches:
    one of them takes two): every TIFF is the one a Ghostscript of its own makes from the letter's PDF."""
    need(shutil.which("gs") is not None, "Ghostscript")
    folder = make.example(tmp_path)
    roster = signers(tmp_path / "signers.csv", 12)
    command = ["render", "campaign.yaml", "--signers", str(roster), "--date", "2003-01-06", "--cover", "--jobs", "1"]
    make.run([*command, "--out", "pdf"], folder)
    make.run([*command, "--out", "tiff", "--format", "tiff"], folder)
    tiffs = files(folder / "tiff")
    pdfs = sorted((folder / "pdf").rglob("*.pdf"))
    assert len(tiffs) == len(pdfs) == 36
    for pdf in pdfs:
        alone = tmp_path / "alone.tif"
        subprocess.run(["gs", *GS_ARGS, "-sPAPERSIZE=a4", f"-sOutputFile={alone}", str(pdf)], check=True)
        assert tiffs[str(pdf.relative_to(folder / "pdf").with_suffix(".tif"))] == alone.read_bytes(), pdf


def test_a_ghostscript_that_fails_says_why_and_leaves_nothing(tmp_path: Path) -> None:
    from faxcampaign.errors import OutputError
    from faxcampaign.letters.fax import Ghostscript

    need(shutil.which("gs") is not None, "Ghostscript")
    make.run(["render", "campaign.yaml", "--date", "2003-01-06", "--out", str(tmp_path / "out")],
             make.example(tmp_path))
    letter = sorted((tmp_path / "out").glob("*.pdf"))[0]
    with Ghostscript() as gs:
        folder = gs.path
        with pytest.raises(OutputError, match=r"^Ghostscript made no fax TIFF of a letter: .*Error"):
            gs.result(gs.submit([b"%PDF-1.4 not really a PDF"]))
        assert len(gs.result(gs.submit([letter.read_bytes()]))) == 1  # it goes on with the next letters
        gs.process.kill()
        with pytest.raises(OutputError, match=r"^Ghostscript failed \(-9\)"):
            gs.result(gs.submit([letter.read_bytes()]))
    assert not folder.exists()


def test_calendars_are_the_same_bytes_whatever_the_string_hashing(tmp_path: Path) -> None:
    """Python salts string hashes per process: nothing may depend on the order of a set of names. A plan
    and a rota over offices in five zones, written by processes with different hash seeds."""
    zones = ["Asia/Almaty", "Europe/London", "America/New_York", "Asia/Tokyo", "Africa/Nairobi"]
    (tmp_path / "letter.md.j2").write_text("Dear {{ recipient.name }}\n")
    recipients = "".join(f"  - {{id: o{i}, name: Office {i}, fax: '+7 7212 42 02 2{i}', timezone: {zone}}}\n"
                         for i, zone in enumerate(zones))
    (tmp_path / "campaign.yaml").write_text("title: T\nletter: letter.md.j2\ndefaults: {country: KZ, hours: "
                                            f"'Mo-Fr 09:00-17:00'}}\nrecipients:\n{recipients}")
    (tmp_path / "team.csv").write_text("name,timezone,available\nAnn,Europe/London,Mo-Su 00:00-24:00\n"
                                       "Bob,America/New_York,Mo-Su 00:00-24:00\n")
    when = ["--from", "2026-12-07", "--days", "2", "--tz", "UTC", "--now", "2026-12-07T00:00"]
    commands = [["plan", "campaign.yaml", *when, "--format", "ics"],
                ["rota", "campaign.yaml", "--volunteers", "team.csv", *when, "--format", "ics"]]
    for command in commands:
        written = {subprocess.run([sys.executable, "-m", "faxcampaign", *command], cwd=tmp_path, check=True,
                                  capture_output=True, env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
                   for seed in range(6)}
        assert len(written) == 1, command
        assert next(iter(written)).count(b"BEGIN:VTIMEZONE") >= 2  # several zones, in one order


def test_a_letter_is_the_same_bytes_whatever_was_rendered_before_it(tmp_path: Path) -> None:
    """A process reuses what it parsed and formatted for earlier letters (paragraphs, font subsets and
    their widths): a long letter, whose repeated paragraphs break across pages, written after others is
    the letter written alone."""
    folder = make.example(tmp_path)
    letter = folder / "templates" / "letter.md.j2"
    letter.write_text(letter.read_text(encoding="utf-8") + "\n\n" + "\n\n".join(
        [f"Paragraph {n}: " + "the same words again, " * 40 for n in range(3)] * 4), encoding="utf-8")
    every = signers(tmp_path / "every.csv", 6)
    last = tmp_path / "last.csv"
    lines = every.read_text(encoding="utf-8").splitlines()
    last.write_text("\n".join([lines[0], lines[-1]]) + "\n", encoding="utf-8")
    command = ["render", "campaign.yaml", "--date", "2003-01-06", "--jobs", "1"]
    make.run([*command, "--signers", str(every), "--out", "every"], folder)
    make.run([*command, "--signers", str(last), "--out", "last"], folder)
    alone = files(folder / "last")
    assert len(alone) == 3
    assert {name: files(folder / "every")[name] for name in alone} == alone
    assert all(data.count(b"/Type /Page\n") >= 2 for data in alone.values())

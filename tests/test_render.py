from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import MODERN
from faxcampaign.cli import cli

DATE = ["--date", "2026-12-14"]


def run(*args: str, ok: bool = True) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=not ok)


def text_of(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_example_letters(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("render", str(example), "--out", str(out), "--date", "2003-01-06", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["karaganda-akimat.pdf", "karaganda-court.pdf", "president.pdf"]
    reader = PdfReader(out / "president.pdf")
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    text = text_of(out / "president.pdf")
    for expected in ["N. Nazarbayev", "President of the Republic of Kazakhstan", "Dear President Nazarbayev,",
                     "By fax: +7 317 232-49-59 or +7 317 232-19-04", "Ref: KAR-2003-01", "6 January 2003",
                     "Kazakhstan Solidarity Campaign", "Yours sincerely,", "KAR-2003-01 · page 1 of 1",
                     "Rustam Zhunusov, Saken Zhunusov and Ramil Mingazov", "15 years"]:
        assert expected in text, expected
    assert "Copies to: Karaganda Oblast Court; Karaganda Oblast Akimat." in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Free the Karaganda worker activists: letter to N. Nazarbayev"
    assert reader.metadata.author == "Kazakhstan Solidarity Campaign"
    assert reader.metadata.subject == "KAR-2003-01"


def test_cyrillic_and_kazakh_come_out_as_text(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    letter = ("Просим принять факс. Мы пишем из {{ context.city }}.\n\n"
              "Қазақстан Республикасының Президенті: Ә Ғ Қ Ң Ө Ұ Ү Һ І\n")
    path = write_campaign(letter=letter)
    out = tmp_path / "out"
    assert run("render", str(path), "--out", str(out), *DATE, "--recipient", "president").exit_code == 0
    text = text_of(out / "president.pdf")
    assert "Просим принять факс. Мы пишем из Караганды." in text
    assert "Қазақстан Республикасының Президенті: Ә Ғ Қ Ң Ө Ұ Ү Һ І" in text
    assert "Президент Республики Казахстан" in text
    assert not (out / "court.pdf").exists()


def test_user_text_is_never_markup(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    text = MODERN.replace("name: Karaganda Oblast Court", "name: 'Smith & <b>Sons</b> *not italic*'")
    path = write_campaign(text, letter="To {{ recipient.name }} from {{ sender.name }}.\n")
    out = tmp_path / "out"
    result = run("render", str(path), "--out", str(out), *DATE, "--signer", "Jo <i>Bloggs</i> & Co",
                 "--recipient", "court")
    assert result.exit_code == 0, result.output
    pdf_text = text_of(out / "court.pdf")
    assert "To Smith & <b>Sons</b> *not italic* from Jo <i>Bloggs</i> & Co." in pdf_text
    assert pdf_text.count("Smith & <b>Sons</b>") == 2  # the address block and the body


def test_signer_options(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("render", str(write_campaign()), "--out", str(out), *DATE, "--signer", "Ann Smith",
                 "--organisation", "Leeds Trades Council", "--address", "1 Park Row", "--address", "Leeds",
                 "--email", "ann@example.org", "--recipient", "court")
    assert result.exit_code == 0
    text = text_of(out / "court.pdf")
    assert "Ann Smith\nLeeds Trades Council\n1 Park Row\nLeeds\nann@example.org" in text
    assert PdfReader(out / "court.pdf").metadata.author == "Ann Smith"  # type: ignore[union-attr]


def test_signers_csv_writes_a_folder_per_signer_and_combines(
    write_campaign: Callable[..., Path], tmp_path: Path
) -> None:
    signers = tmp_path / "signers.csv"
    signers.write_text("name,organisation,address,email\nAnn Smith,Leeds TC,1 Park Row; Leeds,ann@example.org\n"
                       "Пётр Иванов,,,\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("render", str(write_campaign()), "--out", str(out), *DATE, "--signers", str(signers),
                 "--combine", "--jobs", "2")
    assert result.exit_code == 0, result.output
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*.pdf"))
    cyrillic = "pyotr-ivanov"
    assert files == ["ann-smith/court.pdf", "ann-smith/president.pdf", "letters.pdf",
                     f"{cyrillic}/court.pdf", f"{cyrillic}/president.pdf"]
    assert "Пётр Иванов" in text_of(out / cyrillic / "court.pdf")
    combined = PdfReader(out / "letters.pdf")
    assert len(combined.pages) == 4
    assert "page 1 of 1" in combined.pages[3].extract_text()
    assert "1 Park Row\nLeeds" in text_of(out / "ann-smith" / "court.pdf")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"signer,email\nAnn,a@example.org\n", ":1: no 'name' column; the header names name and, if you like, "
                                               "organisation, address, email"),
        (b"name\tmail\nAnn\ta@example.org\n", ":1: no 'name' column (is it separated by something other than "
                                               "commas or semicolons?)"),
        (b"name,email\n" + b"x" * 200_000 + b",a@example.org\n",
         ":2:1: name: longer than 300 characters (it has 200,000)"),
        ("name\nAnn \U0001F642\n".encode(), ":2: the letter font cannot print '\U0001F642' (U+1F642) in the "
                                          "signer 'Ann \U0001F642'"),
        (b"name,organisation,address,email\nAnn,,,\ncaf\xe9,,,\n", ":3:4: not UTF-8 (byte 0xe9)"),
        (b"name,organisation,address,email\nAnn,,,\n,,,\n", ":3: the name is empty"),
        (b"name,organisation,address,email\nAnn Smith,,,\nann smith,,,\n", ":3:1: 'ann smith' makes the same folder"),
    ],
)
def test_bad_signers_csv(write_campaign: Callable[..., Path], tmp_path: Path, content: bytes, message: str) -> None:
    signers = tmp_path / "signers.csv"
    signers.write_bytes(content)
    out = tmp_path / "out"
    result = run("render", str(write_campaign()), "--out", str(out), *DATE, "--signers", str(signers))
    assert result.exit_code == 1
    assert f"{signers}{message}" in result.stderr
    assert not out.exists()


def test_signers_csv_needs_only_names_and_may_use_semicolons(write_campaign: Callable[..., Path],
                                                             tmp_path: Path) -> None:
    signers = tmp_path / "signers.csv"
    signers.write_text("name;address\nAnn Smith;1 Park Row\nBen Jones;\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("render", str(write_campaign()), "--out", str(out), *DATE, "--signers", str(signers))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["ann-smith", "ben-jones"]
    assert "1 Park Row" in text_of(out / "ann-smith" / "court.pdf")


def test_a_symlinked_signer_folder_is_not_followed(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    signers = tmp_path / "signers.csv"
    signers.write_text("name\nAnn Smith\n", encoding="utf-8")
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "ann-smith").symlink_to(elsewhere)
    result = run("render", str(write_campaign()), "--out", str(out), *DATE, "--signers", str(signers))
    assert result.exit_code == 1
    assert f"{out / 'ann-smith'} is a link or a file, not a folder" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_combine_never_replaces_a_recipients_letter(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    from conftest import MODERN

    path = write_campaign(MODERN.replace("id: court", "id: letters"))
    result = run("render", str(path), "--out", str(tmp_path / "out"), *DATE, "--combine")
    assert result.exit_code == 1
    assert "--combine writes" in result.stderr and "also the letter of the recipient 'letters'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_two_runs_are_byte_identical(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    path = write_campaign()
    one, two = tmp_path / "one", tmp_path / "two"
    assert run("render", str(path), "--out", str(one), *DATE, "--cover", "--jobs", "1").exit_code == 0
    assert run("render", str(path), "--out", str(two), *DATE, "--cover", "--jobs", "2").exit_code == 0
    for name in ("court.pdf", "president.pdf"):
        assert (one / name).read_bytes() == (two / name).read_bytes()


def test_cover_sheet_and_page_count(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    path = write_campaign(MODERN.replace("  address: [1 High Street, London]",
                                         "  address: [1 High Street, London]\n  email: tst@example.org"))
    assert run("render", str(path), "--out", str(out), *DATE, "--cover", "--recipient", "court").exit_code == 0
    reader = PdfReader(out / "court.pdf")
    assert len(reader.pages) == 2
    cover = reader.pages[0].extract_text()
    assert "FAX" in cover
    assert "2 including this cover sheet" in cover
    assert "+7 7212 42 02 20" in cover
    assert "If this fax reached you in error, please contact tst@example.org." in cover
    assert "TST-1 · page 1 of 2" in cover
    assert "TST-1 · page 2 of 2" in reader.pages[1].extract_text()


def test_long_letter_numbers_its_pages(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    path = write_campaign(letter="A long letter.\n\n" + "\n\n".join(["Paragraph of text. " * 30] * 12))
    assert run("render", str(path), "--out", str(out), *DATE, "--recipient", "court").exit_code == 0
    reader = PdfReader(out / "court.pdf")
    assert len(reader.pages) == 3
    assert "page 3 of 3" in reader.pages[2].extract_text()


def test_letter_paper(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("render", str(write_campaign()), "--out", str(out), *DATE, "--paper", "letter").exit_code == 0
    box = PdfReader(out / "court.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_failing_template_writes_nothing(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    path = write_campaign(letter="{% if recipient.id == 'president' %}{{ nope }}{% endif %}Hello\n")
    out = tmp_path / "out"
    result = run("render", str(path), "--out", str(out), *DATE)
    assert result.exit_code == 1
    assert "recipient 'president': undefined: nope" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_unwritable_out(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("render", str(write_campaign()), "--out", str(blocker / "sub"), *DATE)
    assert result.exit_code == 1
    assert f"cannot create {blocker / 'sub'}" in result.stderr


def test_interrupted_write_keeps_old_file_and_leaves_no_temporary(
    write_campaign: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    path = write_campaign()
    assert run("render", str(path), "--out", str(out), *DATE, "--jobs", "1").exit_code == 0
    before = (out / "court.pdf").read_bytes()

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    result = run("render", str(path), "--out", str(out), "--date", "2027-01-05", "--jobs", "1")
    assert result.exit_code == 1  # click reports the interrupt as "Aborted!"
    assert (out / "court.pdf").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["court.pdf", "president.pdf"]


def test_usage_errors(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    path = str(write_campaign())
    out = str(tmp_path / "o")
    assert run("render", path, ok=False).exit_code == 2  # no --out
    both = run("render", path, "--out", out, "--signer", "A", "--signers", "x.csv", ok=False)
    assert both.exit_code == 2 and "either --signer or --signers" in both.stderr
    stray = run("render", path, "--out", out, "--email", "a@example.org", ok=False)
    assert stray.exit_code == 2 and "give --signer too" in stray.stderr
    assert run("render", path, "--out", out, "--format", "png", ok=False).exit_code == 2


def tiff_tags(data: bytes) -> dict[int, int | tuple[int, int]]:
    """The first page's tags of a little- or big-endian TIFF: numbers, and rationals as pairs."""
    order = "<" if data[:2] == b"II" else ">"
    assert struct.unpack(order + "H", data[2:4])[0] == 42
    offset = struct.unpack(order + "I", data[4:8])[0]
    count = struct.unpack(order + "H", data[offset:offset + 2])[0]
    tags: dict[int, int | tuple[int, int]] = {}
    for i in range(count):
        entry = data[offset + 2 + 12 * i: offset + 14 + 12 * i]
        tag, kind, _n = struct.unpack(order + "HHI", entry[:8])
        if kind == 3:
            tags[tag] = struct.unpack(order + "H", entry[8:10])[0]
        elif kind == 4:
            tags[tag] = struct.unpack(order + "I", entry[8:12])[0]
        elif kind == 5:
            at = struct.unpack(order + "I", entry[8:12])[0]
            tags[tag] = struct.unpack(order + "II", data[at:at + 8])
    return tags


def test_tiff_is_group4_at_fax_resolution(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("render", str(write_campaign()), "--out", str(out), *DATE, "--format", "tiff", "--cover",
                 "--recipient", "court")
    assert result.exit_code == 0, result.output
    data = (out / "court.tif").read_bytes()
    tags = tiff_tags(data)
    assert tags[259] == 4  # Compression: CCITT Group 4
    x, y = tags[282], tags[283]  # XResolution, YResolution
    assert isinstance(x, tuple) and isinstance(y, tuple)
    assert (round(x[0] / x[1]), round(y[0] / y[1])) == (204, 196)
    assert tags[256] == 1728  # ImageWidth: A4 at 204 dpi, the fax line width
    assert data.count(b"\x03\x01\x03\x00") + data.count(b"\x01\x03\x00\x03") >= 2  # two pages carry tag 259
    again = tmp_path / "again"
    run("render", str(write_campaign()), "--out", str(again), *DATE, "--format", "tiff", "--cover",
        "--recipient", "court")
    assert (again / "court.tif").read_bytes() == data


def test_tiff_without_ghostscript_is_a_clear_error(
    write_campaign: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "out"
    result = run("render", str(write_campaign()), "--out", str(out), *DATE, "--format", "tiff")
    assert result.exit_code == 1
    assert "TIFF output needs Ghostscript, which is not installed" in result.stderr
    assert not out.exists()

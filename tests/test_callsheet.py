from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from conftest import MODERN
from faxcampaign.cli import cli

RUSSIAN = MODERN.replace(
    "call_script: 'Say \"prinyat fax\" to {{ recipient.name }}, hear \"da\", then send.'",
    "call_script: 'Say \"Примите факс\" (prinyat fax) to {{ recipient.name }}, hear \"da\", then send.'",
)


def run(*args: str, ok: bool = True) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=not ok)


@pytest.fixture
def campaign(write_campaign: Callable[..., Path]) -> Path:
    return write_campaign(RUSSIAN)


def test_winter_monday_text_sheet_from_london(campaign: Path) -> None:
    result = run("callsheet", str(campaign), "--date", "2026-12-14", "--tz", "Europe/London", "--dial-from", "GB")
    assert result.exit_code == 0
    assert result.stdout == """\
Test campaign (TST-1)
Call sheet for Mon 14 Dec 2026; times in Europe/London; numbers dialled from GB.
382 days left until the deadline (Fri 31 Dec 2027).

1. Karaganda Oblast Court
   When:   04:00-08:00 (their 09:00-13:00 +05)
           09:00-13:00 (their 14:00-18:00 +05)
   Dial:   00 7 7212 42 02 20  (+77212420220)
   Manual line: phone first.
   Say:    Say "Примите факс" (prinyat fax) to Karaganda Oblast Court, hear
           "da", then send.
   [ ] delivered  [ ] partial  [ ] busy  [ ] no-answer  [ ] refused  [ ] not-fax
   [ ] wrong-number  [ ] failed  [ ] line-error

2. Президент Республики Казахстан
   When:   04:00-08:00 (their 09:00-13:00 +05)
           09:00-13:00 (their 14:00-18:00 +05)
   Dial:   00 7 7172 32 49 59  (+77172324959)
   or      00 7 7172 32 19 04  (+77172321904)
   Manual line: phone first.
   Say:    Say "Примите факс" (prinyat fax) to Президент Республики Казахстан,
           hear "da", then send.
   [ ] delivered  [ ] partial  [ ] busy  [ ] no-answer  [ ] refused  [ ] not-fax
   [ ] wrong-number  [ ] failed  [ ] line-error
"""


def test_numbers_dial_from_the_us(campaign: Path) -> None:
    result = run("callsheet", str(campaign), "--date", "2026-12-14", "--tz", "America/New_York",
                 "--dial-from", "US")
    assert "   Dial:   011 7 7212 42 02 20  (+77212420220)" in result.stdout.splitlines()
    # Monday 09:00 in Almaty is 23:00 on Sunday in New York: Monday's sheet starts with the 14:00 opening.
    assert "   When:   04:00-08:00 (their 14:00-18:00 +05)" in result.stdout.splitlines()
    assert "           23:00-03:00 +1 day (their Tue 09:00-13:00 +05)" in result.stdout.splitlines()


def test_holiday_shows_office_closed_with_reason(campaign: Path) -> None:
    result = run("callsheet", str(campaign), "--date", "2026-12-16", "--tz", "Europe/London")
    assert result.exit_code == 0
    assert result.stdout.endswith(
        "Nothing to call today: no office is open.\n\nClosed today:\n"
        "- Karaganda Oblast Court: Independence Day (Wed 16 Dec local)\n"
        "- Президент Республики Казахстан: Independence Day (Wed 16 Dec local)\n"
    )


def test_weekend_says_nothing_to_call(campaign: Path) -> None:
    result = run("callsheet", str(campaign), "--date", "2026-12-19", "--tz", "Europe/London")
    assert result.exit_code == 0
    assert "Nothing to call today: no office is open." in result.stdout
    assert "Closed today" not in result.stdout


def test_html_is_self_contained_with_tel_links_and_escaped_text(write_campaign: Callable[..., Path],
                                                              tmp_path: Path) -> None:
    path = write_campaign(RUSSIAN.replace("name: Karaganda Oblast Court", "name: 'Court <script>x</script>'"))
    out = tmp_path / "sheets" / "{date}.html"
    args = ["callsheet", str(path), "--date", "2026-12-14", "--tz", "Europe/London", "--dial-from", "GB",
            "--format", "html", "--out", str(out)]
    result = run(*args)
    assert result.exit_code == 0
    page = tmp_path / "sheets" / "2026-12-14.html"
    html = page.read_text(encoding="utf-8")
    assert '<a href="tel:+77212420220">00 7 7212 42 02 20</a>' in html
    assert "Court &lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>x" not in html
    assert html.count("<script") == 1  # the one "Save outcomes" script, allowed by its hash alone
    assert "script-src 'sha256-" in html and "default-src 'none'" in html
    assert "<style>" in html and "http:" not in html and "https:" not in html and "src=" not in html
    assert "Примите факс" in html
    assert html.count('type="radio"') == 2 * 9
    first = page.read_bytes()
    assert run(*args).exit_code == 0
    assert page.read_bytes() == first


def test_markdown_sheet(campaign: Path) -> None:
    result = run("callsheet", str(campaign), "--date", "2026-12-14", "--tz", "Europe/London", "--dial-from", "GB",
                 "--format", "markdown")
    assert "- **Dial:** [00 7 7212 42 02 20](tel:+77212420220)" in result.stdout
    assert result.stdout.startswith("# Test campaign (TST-1)\n")


def test_csv_rows(campaign: Path) -> None:
    result = run("callsheet", str(campaign), "--date", "2026-12-14", "--tz", "Europe/London", "--dial-from", "GB",
                 "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["date", "id", "name", "viewer_start", "viewer_end", "office_start", "office_end", "e164",
                       "dial", "manual", "outcome", "at", "by", "note"]
    assert rows[1] == ["2026-12-14", "court", "Karaganda Oblast Court", "2026-12-14T04:00:00+00:00",
                       "2026-12-14T08:00:00+00:00", "2026-12-14T09:00:00+05:00", "2026-12-14T13:00:00+05:00",
                       "+77212420220", "00 7 7212 42 02 20", "yes", "", "", "", ""]
    # a row per window and number: the court has one number, the president two; two windows each
    assert len(rows) == 1 + 2 * 1 + 2 * 2


def test_pdf_sheet(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet-{date}.pdf"
    result = run("callsheet", str(campaign), "--date", "2026-12-14", "--tz", "Europe/London", "--dial-from", "GB",
                 "--format", "pdf", "--out", str(out))
    assert result.exit_code == 0
    reader = PdfReader(tmp_path / "sheet-2026-12-14.pdf")
    text = reader.pages[0].extract_text()
    assert "04:00-08:00 (their 09:00-13:00 +05)" in text
    assert "00 7 7212 42 02 20" in text
    assert "Примите факс" in text
    assert round(float(reader.pages[0].mediabox.height)) == 842


def test_letters_column_names_the_rendered_file(campaign: Path, tmp_path: Path) -> None:
    letters = tmp_path / "letters"
    assert run("render", str(campaign), "--out", str(letters), "--recipient", "court", "--date", "2026-12-14")\
        .exit_code == 0
    result = run("callsheet", str(campaign), "--date", "2026-12-14", "--tz", "UTC", "--letters", str(letters))
    lines = result.stdout.splitlines()
    assert f"   Letter: {letters / 'court.pdf'}" in lines
    assert f"   Letter: {letters / 'president'}.pdf (not rendered yet: faxcampaign render --out {letters})" in lines


def test_date_words_and_usage_errors(campaign: Path, tmp_path: Path) -> None:
    assert run("callsheet", str(campaign), "--date", "tomorrow", "--tz", "UTC").exit_code == 0
    bad = run("callsheet", str(campaign), "--date", "2026-02-30", "--tz", "UTC", ok=False)
    assert bad.exit_code == 2 and "not a date: '2026-02-30'" in bad.stderr
    pattern = run("callsheet", str(campaign), "--tz", "UTC", "--out", str(tmp_path / "{day}.txt"), ok=False)
    assert pattern.exit_code == 2 and "the placeholders are {date} and, with a rota, {volunteer}" in pattern.stderr
    pdf = run("callsheet", str(campaign), "--tz", "UTC", "--format", "pdf", ok=False)
    assert pdf.exit_code == 2 and "--format pdf needs --out" in pdf.stderr


def test_errors_exit_1_without_traceback(tmp_path: Path) -> None:
    result = run("callsheet", str(tmp_path / "missing.yaml"), "--tz", "UTC")
    assert result.exit_code == 1
    assert "cannot read the campaign file" in result.stderr
    assert "Traceback" not in result.output


def test_automatic_line_says_just_send(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(RUSSIAN.replace("    salutation: Dear Sir or Madam,\n", "    manual: false\n"))
    result = run("callsheet", str(path), "--date", "2026-12-14", "--tz", "UTC")
    lines = result.stdout.splitlines()
    assert lines.count("   Automatic line: just send.") == 1
    assert lines.count("   Manual line: phone first.") == 1


def test_letters_of_one_signer_among_many(campaign: Path, tmp_path: Path) -> None:
    signers = tmp_path / "signers.csv"
    signers.write_text("name\nAnn Smith\nBen Jones\n", encoding="utf-8")
    letters = tmp_path / "letters"
    rendered = run("render", str(campaign), "--out", str(letters), "--signers", str(signers), "--recipient", "court")
    assert rendered.exit_code == 0, rendered.output
    result = run("callsheet", str(campaign), "--date", "2026-12-14", "--tz", "UTC", "--letters", str(letters),
                 "--signer", "Ann Smith")
    lines = result.stdout.splitlines()
    assert f"   Letter: {letters / 'ann-smith' / 'court.pdf'}" in lines
    assert (f"   Letter: {letters / 'ann-smith' / 'president'}.pdf (not rendered yet: faxcampaign render --out "
            f"{letters} --signers FILE.csv, with 'Ann Smith' in the file)") in lines

"""Odd and hostile input gets a clear error with its place, never a traceback; outputs are never markup."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import MODERN, need
from faxcampaign.cli import cli


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and "internal error" not in result.output


@pytest.mark.parametrize("text, expected", [
    ("starts: 2003-02-30", ":2:9: error: starts: the value '2003-02-30' cannot be read: day is out of range "
                           "for month; write dates as YYYY-MM-DD"),
    ("starts: !!timestamp 2003-13-01", ":2:9: error: starts: the value '2003-13-01' cannot be read"),
    ("flag: !!bool maybe", ":2:7: error: flag: the value 'maybe' cannot be read: 'maybe'; write true or false"),
    ("deadline: 9999-12-31", ":2:11: error: deadline: 9999-12-31 is out of range: campaigns run between 1900 "
                             "and 2200"),
    ("starts: 0001-01-01", ":2:9: error: starts: 0001-01-01 is out of range"),
    ("title2: a\x07b", ":2:10: error: the character U+0007 is not allowed in a YAML file; remove it"),
    ("\tletter: x", ":2:1: error: not valid YAML: a tab: indent with spaces, not tabs"),
    ("letter: a: b", ":2:10: error: not valid YAML: a ':' where a plain value was expected: check the "
                     "indentation, or quote a value that contains ': '"),
])
def test_bad_values_are_located(write_campaign: Callable[..., Path], text: str, expected: str) -> None:
    path = write_campaign("title: T\n" + text + "\n" + MODERN.split("\n", 1)[1].replace("starts: 2026-01-01\n", "")
                          .replace("deadline: 2027-12-31\n", ""))
    result = run("check", str(path))
    no_traceback(result)
    assert result.exit_code == 1
    assert expected in result.output


def test_a_fifo_or_a_folder_as_the_campaign(tmp_path: Path) -> None:
    fifo = tmp_path / "campaign.yaml"
    os.mkfifo(fifo)
    result = run("check", str(fifo))  # would block forever if it were opened
    assert result.exit_code == 1
    assert f"{fifo}: error: cannot read the campaign file: not a regular file" in result.output


@pytest.mark.parametrize("args, message", [
    (["plan", "--from", "9999-12-30"], "9999-12-30 is out of range: use a date between 1900 and 2200"),
    (["plan", "--now", "0001-01-01T00:00"], "0001-01-01 is out of range"),
    (["callsheet", "--date", "0002-03-04"], "0002-03-04 is out of range"),
    (["callsheet", "--out", "{date.__class__}"], "'{date.__class__}': the placeholders are {date} and"),
    (["callsheet", "--out", "sheet-{0}.txt"], "the placeholders are {date}"),
])
def test_bad_command_lines_are_usage_errors(write_campaign: Callable[..., Path], args: list[str],
                                            message: str) -> None:
    result = run(args[0], str(write_campaign()), *args[1:])
    no_traceback(result)
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.mark.parametrize("out", [".", "/", "sub/.."])
def test_callsheet_out_may_not_be_a_folder(write_campaign: Callable[..., Path], tmp_path: Path, out: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_campaign()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    result = run("callsheet", str(path), "--out", out)
    no_traceback(result)
    assert result.exit_code == 1 and "it is a folder; give a file name" in result.stderr


def test_newlines_and_carriage_returns_in_the_title_do_not_break_the_calendar(
        write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(MODERN.replace("title: Test campaign", 'title: "Free\\nthe \\r workers"')
                          .replace("name: Karaganda Oblast Court", 'name: "Court\\r\\nof appeal"'))
    result = run("plan", str(path), "--format", "ics", "--from", "2026-12-14", "--days", "1", "--now",
                 "2026-12-14T00:00")
    no_traceback(result)
    assert result.exit_code == 0
    lines = result.stdout_bytes.decode().split("\r\n")
    assert "X-WR-CALNAME:Free the workers" in lines
    assert "SUMMARY:Fax Court of appeal" in lines
    assert all("\r" not in line and "\n" not in line for line in lines)


def test_source_date_epoch_neither_crashes_nor_changes_the_letters(write_campaign: Callable[..., Path],
                                                                  tmp_path: Path) -> None:
    path = write_campaign()
    outputs = []
    for value in (None, "abc", "1700000000"):
        out = tmp_path / f"out-{value}"
        env = {"SOURCE_DATE_EPOCH": value} if value else None
        result = run("render", str(path), "--out", str(out), "--date", "2026-12-14", "--jobs", "1", env=env)
        no_traceback(result)
        assert result.exit_code == 0, result.output
        outputs.append((out / "court.pdf").read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_csv_outputs_neutralise_formulas(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(MODERN.replace("name: Karaganda Oblast Court", "name: '=HYPERLINK(\"http://x\")'"))
    for args in (["plan", "--from", "2026-12-14", "--days", "1", "--format", "csv"],
                 ["callsheet", "--date", "2026-12-14", "--format", "csv"]):
        result = run(args[0], str(path), "--tz", "UTC", *args[1:])
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        names = {r["name"] for r in rows}
        assert "'=HYPERLINK(\"http://x\")" in names, args
        assert not any(n.startswith(("=", "+", "-", "@")) for n in names)
        assert all(r["e164"].startswith("+") for r in rows)  # our own numbers are left as they are


def test_markdown_sheet_never_turns_names_into_markup(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(MODERN.replace("name: Karaganda Oblast Court",
                                         "name: \"Court\\n\\n===\\n~~x~~ &amp; <b>bold</b> [link](http://x)\""))
    result = run("callsheet", str(path), "--date", "2026-12-14", "--tz", "UTC", "--format", "markdown")
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("strikethrough").enable("table").render(result.stdout)
    assert "<h1>Test campaign (TST-1)</h1>" in html
    assert html.count("<h1>") == 1 and "<del>" not in html and "<b>" not in html and "<a href=\"http://x\"" not in html
    assert "Court === ~~x~~ &amp;amp; &lt;b&gt;bold&lt;/b&gt; [link](http://x)" in html


def test_render_workers_die_with_their_parent(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    signers = tmp_path / "signers.csv"
    signers.write_text("name\n" + "".join(f"Volunteer {i}\n" for i in range(600)), encoding="utf-8")
    for how in (signal.SIGTERM, signal.SIGKILL):
        out = tmp_path / f"out-{how}"
        process = subprocess.Popen([sys.executable, "-m", "faxcampaign", "render", str(write_campaign()), "--out",
                                    str(out), "--date", "2026-12-14", "--jobs", "2", "--signers", str(signers)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(out.rglob("*.pdf")):
            time.sleep(0.1)
        workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        assert workers, "the render had no worker processes"
        process.send_signal(how)
        process.wait(10)
        time.sleep(1)
        alive = [w for w in workers if Path(f"/proc/{w}").exists()
                 and "Z" not in Path(f"/proc/{w}/stat").read_text().split()[2]]
        assert alive == [], how
        written = len(list(out.rglob("*.pdf")))
        time.sleep(1)
        assert len(list(out.rglob("*.pdf"))) == written  # nothing goes on writing


def test_ghostscript_with_no_room_is_a_clear_error(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    """The temporary folder is a 16 KB tmpfs in a private mount namespace: too small for the letter."""
    import shutil

    need(shutil.which("gs") is not None and shutil.which("unshare") is not None and os.geteuid() == 0,
         "Ghostscript, unshare and root")
    small = tmp_path / "small"
    small.mkdir()
    script = (f"mount -t tmpfs -o size=16k tmpfs {small} && TMPDIR={small} {sys.executable} -m faxcampaign render "
              f"{write_campaign()} --out {tmp_path / 'out'} --format tiff --jobs 1")
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Error: cannot make the fax TIFF in " in done.stderr and "No space left on device" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "court.tif").exists()


@pytest.mark.parametrize("text, expected", [
    ('starts: "6 Jan 2003"', ":2:9: error: starts: not a date: '6 Jan 2003'; write YYYY-MM-DD, e.g. 2003-01-06"),
    ("starts: 2003-1-6", ":2:9: error: starts: not a date: '2003-1-6'; write YYYY-MM-DD"),
])
def test_dates_in_library_words_are_explained(write_campaign: Callable[..., Path], text: str, expected: str) -> None:
    path = write_campaign("title: T\n" + text + "\n" + MODERN.split("\n", 1)[1].replace("starts: 2026-01-01\n", ""))
    result = run("check", str(path))
    assert expected in result.output


@pytest.mark.parametrize("zone, hint", [
    ("UTC+3", "a fixed offset is 'Etc/GMT-3' (the sign is turned"),
    ("Istanbul", "did you mean 'Europe/Istanbul'?"),
])
def test_time_zone_hints(write_campaign: Callable[..., Path], zone: str, hint: str) -> None:
    path = write_campaign(MODERN.replace("timezone: Asia/Almaty", f"timezone: {zone}"))
    result = run("check", str(path))
    assert f"defaults.timezone: unknown time zone {zone!r}; {hint}" in result.output


def test_day_names_hint(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(MODERN.replace("Mo-Fr 09:00-13:00", "Mon-Fri 09:00-13:00"))
    result = run("check", str(path))
    assert "found 'Mon'; write days with two letters: 'Mo', as in 'Mo-Fr 09:00-17:00'" in result.output

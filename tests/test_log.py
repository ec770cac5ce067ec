"""The outcome log: recording, voiding, importing, status and history, on a real SQLite file."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import MODERN
from faxcampaign.cli import cli
from faxcampaign.log.store import MIGRATIONS, open_log

LONDON = ["--tz", "Europe/London"]


def run(*args: str, ok: bool = True, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=not ok, env=env)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def campaign(write_campaign: Callable[..., Path]) -> Path:
    return write_campaign()


def log_exists(campaign: Path) -> bool:
    """Whether the campaign's log (the SQLite file beside it, or $FAXCAMPAIGN_LOG's database) exists."""
    where = os.environ.get("FAXCAMPAIGN_LOG")
    if where is None:
        return (campaign.parent / "campaign.log.sqlite").exists()
    with open_log(where, "TST-1", create=False) as log:
        return log.exists


def history(campaign: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(run("history", str(campaign)).stdout)))


def status(campaign: Path, now: str = "2026-12-15T12:00") -> dict:  # type: ignore[type-arg]
    return json.loads(run("status", str(campaign), *LONDON, "--now", now, "--format", "json").stdout)


def test_log_records_an_attempt(campaign: Path, backend: str) -> None:
    result = run("log", str(campaign), "court", "busy", "--by", "Ann", "--at", "2026-12-14T04:40", *LONDON,
                 "--note", "engaged tone")
    assert result.stderr == "recorded attempt 1: court busy on +77212420220\n"
    assert log_exists(campaign)
    assert (campaign.parent / "campaign.log.sqlite").is_file() == (backend == "sqlite")  # beside the campaign
    assert history(campaign) == [{
        "entry": "1", "at": "2026-12-14T04:40:00Z", "recipient": "court", "number": "+77212420220",
        "outcome": "busy", "by": "Ann", "signer": "", "pages": "", "note": "engaged tone", "source": "manual",
        "job": "", "voided_by": "", "void_note": "", "pages_total": "", "remote_id": "", "provider_job": "",
        "error_code": "", "completed_at": "", "unconfirmed": ""}]


def test_number_as_written_or_e164_and_volunteer_from_the_environment(campaign: Path, backend: str) -> None:
    run("log", str(campaign), "president", "delivered", "--number", "+7 7172 32 19 04", "--pages", "2",
        env={"FAXCAMPAIGN_VOLUNTEER": "Bob"})
    run("log", str(campaign), "president", "no-answer", "--number", "+77172321904")
    rows = history(campaign)
    assert [(r["number"], r["outcome"], r["by"], r["pages"]) for r in rows] == [
        ("+77172321904", "delivered", "Bob", "2"), ("+77172321904", "no-answer", "", "")]


def test_log_path_from_option_and_environment(campaign: Path, tmp_path: Path) -> None:
    run("log", str(campaign), "court", "busy", "--log", str(tmp_path / "a.sqlite"))
    run("log", str(campaign), "court", "busy", env={"FAXCAMPAIGN_LOG": str(tmp_path / "b.sqlite")})
    assert (tmp_path / "a.sqlite").is_file() and (tmp_path / "b.sqlite").is_file()
    assert not log_exists(campaign)
    assert len(history(campaign)) == 0
    assert len(list(csv.reader(io.StringIO(run("history", str(campaign), "--log", str(tmp_path / "a.sqlite"))
                                         .stdout)))) == 2


def test_bad_recipient_outcome_and_number(campaign: Path, backend: str) -> None:
    result = run("log", str(campaign), "curt", "busy", ok=False)
    assert result.exit_code == 1
    assert "no recipient 'curt' in the campaign; did you mean 'court'?" in result.stderr
    result = run("log", str(campaign), "court", "engaged", ok=False)
    assert result.exit_code == 2
    assert ("'engaged' is not an outcome; one of: delivered, partial, busy, no-answer, refused, not-fax, "
            "wrong-number, failed, line-error") in result.stderr
    result = run("log", str(campaign), "court", "busy", "--number", "+77172321904", ok=False)
    assert result.exit_code == 1
    assert "'+77172321904' is not a number of 'court'; its numbers are: +77212420220" in result.stderr
    assert not log_exists(campaign)


def test_void_marks_the_attempt_and_status_leaves_it_out(campaign: Path, backend: str) -> None:
    run("log", str(campaign), "court", "delivered", "--at", "2026-12-15T05:00", *LONDON)
    assert status(campaign)["totals"]["deliveries"] == 1
    run("log", str(campaign), "--void", "1", "--note", "it was the akimat")
    assert status(campaign)["totals"]["deliveries"] == 0
    assert history(campaign)[0]["voided_by"] == "1" and history(campaign)[0]["void_note"] == "it was the akimat"
    again = run("log", str(campaign), "--void", "1", "--note", "twice", ok=False)
    assert again.exit_code == 1 and "already voided" in again.stderr
    missing = run("log", str(campaign), "--void", "9", "--note", "x", ok=False)
    assert missing.exit_code == 1 and "no attempt 9" in missing.stderr


def test_the_log_is_append_only(campaign: Path) -> None:
    run("log", str(campaign), "court", "busy")
    db = sqlite3.connect(campaign.parent / "campaign.log.sqlite")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE attempt SET outcome = 'delivered'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM attempt")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("content, message", [
    (b"outcome,at\nbusy,now\n", "not a faxcampaign log (file is not a database)"),
    (None, "not a faxcampaign log (another SQLite database)"),
    ("newer", "written by a newer faxcampaign"),
])
def test_a_file_that_is_not_our_log_is_left_untouched(campaign: Path, tmp_path: Path, content: bytes | str | None,
                                                      message: str) -> None:
    path = tmp_path / "other.db"
    if content is None:
        sqlite3.connect(path).execute("CREATE TABLE notes (x)").connection.commit()
    elif content == "newer":
        run("log", str(campaign), "court", "busy", "--log", str(path))
        db = sqlite3.connect(path)
        db.execute("PRAGMA user_version = 99")
        db.close()
    else:
        assert isinstance(content, bytes)
        path.write_bytes(content)
    before = path.read_bytes()
    for args in (["log", str(campaign), "court", "busy"], ["status", str(campaign)], ["history", str(campaign)],
                 ["callsheet", str(campaign)]):
        result = run(*args, "--log", str(path), ok=False)
        assert result.exit_code == 1, args
        assert message in result.stderr
        assert "Traceback" not in result.output
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("other")) == ["other.db"]


def test_an_older_log_is_migrated_and_keeps_its_rows(campaign: Path, tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        db.execute(statement.format(serial="INTEGER PRIMARY KEY"))
    db.execute("INSERT INTO attempt (campaign, at, recipient, number, outcome, source, key, recorded) VALUES "
               "('TST-1', '2026-12-14T05:00:00Z', 'court', '+77212420220', 'delivered', 'manual', 'k1', "
               "'2026-12-14T05:00:00Z')")
    db.execute("PRAGMA application_id = 1178687555")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    assert status(campaign, "2026-12-14T12:00") is not None
    result = json.loads(run("status", str(campaign), "--log", str(path), "--now", "2026-12-14T12:00", *LONDON,
                            "--format", "json").stdout)
    assert result["totals"]["deliveries"] == 1
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("SELECT count(*) FROM job").fetchone()[0] == 0


def _writer(args: tuple[str, int]) -> int:
    import datetime as dt

    from faxcampaign.log.store import Attempt

    where, n = args
    at = dt.datetime(2026, 12, 14, 5, tzinfo=dt.timezone.utc)
    for i in range(200):
        with open_log(where, "TST-1", create=True) as log:
            log.record([Attempt(at, "court", "+77212420220", "busy", f"p{n}", note=str(i))], at)
    return n


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_eight_processes_writing_at_once_lose_nothing(campaign: Path, tmp_path: Path, kind: str,
                                                      request: pytest.FixtureRequest) -> None:
    where = str(tmp_path / "shared.sqlite") if kind == "sqlite" else request.getfixturevalue("postgres").new_database()
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        assert sorted(pool.map(_writer, [(where, n) for n in range(8)])) == list(range(8))
    with open_log(where, "TST-1", create=False) as log:
        entries = log.entries()
    assert len(entries) == 1600
    assert len({(e.attempt.volunteer, e.attempt.note) for e in entries}) == 1600


def test_status_orders_unreached_first_and_counts_today_in_the_office_clock(campaign: Path, backend: str) -> None:
    # 23:30 London on the 14th is 04:30 on the 15th in Almaty (+05): the court's "today" is the 15th
    run("log", str(campaign), "court", "delivered", "--at", "2026-12-14T23:30", *LONDON, "--by", "Ann")
    run("log", str(campaign), "court", "delivered", "--at", "2026-12-14T04:00", *LONDON)
    run("log", str(campaign), "president", "busy", "--at", "2026-12-15T04:00", *LONDON)
    doc = status(campaign, "2026-12-15T10:00")
    assert [o["id"] for o in doc["offices"]] == ["president", "court"]
    court = doc["offices"][1]
    assert (court["reached"], court["delivered_today"], court["delivered"]) == (True, 1, 2)
    assert court["last_delivery"] == {"utc": "2026-12-14T23:30:00Z", "office": "2026-12-15T04:30:00+05:00",
                                      "viewer": "2026-12-14T23:30:00+00:00"}
    assert doc["totals"] == {"offices": 2, "reached": 1, "deliveries": 2}
    assert doc["offices"][0]["by_outcome"]["busy"] == 1
    table = run("status", str(campaign), *LONDON, "--now", "2026-12-15T10:00").stdout
    assert "Status at Tue 15 Dec 2026 10:00 (Europe/London).\n1 of 2 offices reached, 2 deliveries; " in table
    assert table.index("Not yet reached") < table.index("Президент") < table.index("Reached") < \
        table.index("Karaganda Oblast Court")
    assert "last delivery: Tue 15 Dec 04:30 their time (+05), Mon 23:30 yours" in table


def test_suspect_numbers(campaign: Path, backend: str) -> None:
    def log(outcome: str, at: str) -> None:
        run("log", str(campaign), "court", outcome, "--at", at, *LONDON)

    log("wrong-number", "2026-12-14T05:00")
    log("wrong-number", "2026-12-14T06:00")  # the same day: not yet suspect
    assert status(campaign)["offices"][0]["numbers"][0]["suspect"] is False
    log("line-error", "2026-12-15T05:00")  # says nothing about the number
    log("not-fax", "2026-12-15T06:00")
    number = next(o for o in status(campaign)["offices"] if o["id"] == "court")["numbers"][0]
    assert number["suspect"] is True and number["consecutive_failures"] == 3
    assert number["reason"] == ("wrong number or not a fax line on 2 days (2026-12-14, 2026-12-15) with no "
                                "delivery since")
    log("delivered", "2026-12-16T05:00")
    number = next(o for o in status(campaign, "2026-12-16T12:00")["offices"] if o["id"] == "court")["numbers"][0]
    assert number["suspect"] is False and number["consecutive_failures"] == 0


def test_callsheet_reads_the_log_and_lists_suspect_numbers_last(campaign: Path, backend: str) -> None:
    sheet = ["callsheet", str(campaign), "--date", "2026-12-18", *LONDON, "--dial-from", "GB",
             "--now", "2026-12-18T06:00"]
    before = run(*sheet).stdout
    assert "Log:" not in before
    for day in ("14", "15"):
        run("log", str(campaign), "president", "wrong-number", "--number", "+77172324959",
            "--at", f"2026-12-{day}T05:00", *LONDON, "--by", "Ann")
    run("log", str(campaign), "court", "delivered", "--at", "2026-12-18T04:10", *LONDON, "--by", "Bob")
    after = run(*sheet).stdout
    assert "Log:    reached 1 today, 1 in total; last: delivered at Fri 18 Dec 09:10\n" \
           "           their time (+05), 04:10 yours, by Bob" in after
    president = after[after.index("Президент"):]
    assert president.index("+77172321904") < president.index("+77172324959")
    assert "suspect: wrong number or not a fax line on 2 days" in president
    skipped = run(*sheet, "--skip-delivered").stdout
    assert "Karaganda Oblast Court" not in skipped and "Президент" in skipped


def test_renamed_recipient_keeps_its_rows_under_the_old_id(write_campaign: Callable[..., Path], backend: str) -> None:
    path = write_campaign()
    run("log", str(path), "court", "delivered", "--at", "2026-12-14T05:00", *LONDON)
    write_campaign(MODERN.replace("id: court", "id: oblast-court"))
    doc = status(path)
    old = doc["offices"][-1]
    assert (old["id"], old["in_campaign"], old["delivered"]) == ("court", False, 1)
    assert doc["totals"]["reached"] == 0
    assert "No longer in the campaign (logged under an old id)\n  court\n" in run("status", str(path)).stdout


def sheet_csv(campaign: Path) -> list[list[str]]:
    out = run("callsheet", str(campaign), "--date", "2026-12-14", *LONDON, "--format", "csv").stdout
    return list(csv.reader(io.StringIO(out)))


def test_import_a_filled_in_call_sheet_once(campaign: Path, tmp_path: Path, backend: str) -> None:
    rows = sheet_csv(campaign)
    header = rows[0]
    court = next(r for r in rows if r[1] == "court")
    court[header.index("outcome")] = "Delivered"
    court[header.index("at")] = "2026-12-14T04:12"  # no offset: the row's own (viewer_start's)
    court[header.index("note")] = "=HYPERLINK(\"x\")"
    president = next(r for r in rows if r[1] == "president")
    president[header.index("outcome")] = "no answer"
    filled = tmp_path / "back.csv"
    with filled.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    result = run("log", str(campaign), "--import", str(filled), "--by", "Cem")
    assert result.stderr == f"{filled}: recorded 2 of 2 outcome(s)\n"
    again = run("log", str(campaign), "--import", str(filled), "--by", "Cem")
    assert again.stderr == f"{filled}: recorded 0 of 2 outcome(s); 2 were already in the log\n"
    got = history(campaign)
    assert [(r["recipient"], r["outcome"], r["at"], r["by"], r["source"]) for r in got] == [
        ("president", "no-answer", "2026-12-14T04:00:00Z", "Cem", "import"),  # no 'at': the window's start
        ("court", "delivered", "2026-12-14T04:12:00Z", "Cem", "import")]
    assert got[1]["note"] == "'=HYPERLINK(\"x\")"  # history's CSV does not pass a formula on


def test_import_semicolon_csv(campaign: Path, tmp_path: Path, backend: str) -> None:
    filled = tmp_path / "back.csv"
    filled.write_text("id;e164;outcome;at\ncourt;+77212420220;busy;2026-12-14T09:40+05:00\n", encoding="utf-8")
    run("log", str(campaign), "--import", str(filled))
    assert history(campaign)[0]["at"] == "2026-12-14T04:40:00Z"


def test_import_with_bad_rows_records_nothing_and_names_each_line(campaign: Path, tmp_path: Path, backend: str) -> None:
    filled = tmp_path / "back.csv"
    filled.write_text(textwrap.dedent("""\
        id,e164,outcome,at,pages
        court,+77212420220,busy,2026-12-14T09:40+05:00,
        curt,+77212420220,busy,2026-12-14T09:40+05:00,
        court,+77212420220,engaged,2026-12-14T09:40+05:00,
        court,+77212420220,busy,yesterday-ish,
        court,+77212420220,busy,,
        court,+77212420220,delivered,2026-12-14T09:40+05:00,two
        court,,,,
        """), encoding="utf-8")
    result = run("log", str(campaign), "--import", str(filled), ok=False)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{filled}:3: error: no recipient 'curt' in the campaign; did you mean 'court'? the ids are: court, "
        "president",
        f"{filled}:4: error: unknown outcome 'engaged'; one of: delivered, partial, busy, no-answer, refused, "
        "not-fax, wrong-number, failed, line-error",
        f"{filled}:5: error: not a date and time in 'at' or 'viewer_start' (write e.g. 2003-01-06T09:40+06:00)",
        f"{filled}:6: error: no time: fill in 'at'",
        f"{filled}:7: error: pages must be a whole number: 'two'",
    ]
    assert not log_exists(campaign)


KILLER = """
import os, signal, sys, datetime as dt
from faxcampaign.log.store import Attempt, open_log
at = dt.datetime(2026, 12, 14, 5, tzinfo=dt.timezone.utc)
def attempts():
    for i in range(1000):
        if i == 500:
            os.kill(os.getpid(), signal.SIGKILL)
        yield Attempt(at, "court", "+77212420220", "busy", key=f"k{i}")
with open_log(sys.argv[1], "TST-1", create=True) as log:
    log.record(attempts(), at)
"""


def test_an_import_killed_halfway_leaves_the_log_as_it_was(campaign: Path, tmp_path: Path) -> None:
    where = tmp_path / "log.sqlite"
    run("log", str(campaign), "court", "busy", "--log", str(where))
    killed = subprocess.run([sys.executable, "-c", KILLER, str(where)], check=False)
    assert killed.returncode == -9
    with open_log(str(where), "TST-1", create=False) as log:
        assert len(log.entries()) == 1
    assert sqlite3.connect(where).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert os.path.getsize(where) > 0


def test_history_json(campaign: Path, backend: str) -> None:
    run("log", str(campaign), "court", "partial", "--pages", "1", "--at", "2026-12-14T05:00", *LONDON)
    doc = json.loads(run("history", str(campaign), "--format", "json").stdout)
    assert doc == [{"entry": 1, "at": "2026-12-14T05:00:00Z", "recipient": "court", "number": "+77212420220",
                    "outcome": "partial", "by": None, "signer": None, "pages": 1, "note": None, "source": "manual",
                    "job": None, "voided_by": None, "void_note": None, "pages_total": None, "remote_id": None,
                    "provider_job": None, "error_code": None, "completed_at": None, "unconfirmed": False}]


def test_no_log_reads_as_empty_and_creates_nothing(campaign: Path, backend: str) -> None:
    doc = status(campaign)
    assert doc["totals"] == {"offices": 2, "reached": 0, "deliveries": 0}
    assert run("history", str(campaign)).stdout.startswith("entry,at,")
    assert not log_exists(campaign)


def test_the_roster_cache_follows_every_change_to_the_campaign_file(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign()
    run("log", str(path), "court", "busy")
    db = sqlite3.connect(path.parent / "campaign.log.sqlite")
    assert db.execute("SELECT count(*) FROM roster").fetchone()[0] == 1
    write_campaign(MODERN.replace("id: court", "id: oblast-court"))
    assert run("log", str(path), "court", "busy", ok=False).exit_code == 1
    run("log", str(path), "oblast-court", "busy")
    write_campaign(MODERN.replace("timezone: Asia/Almaty", "timezone: Asia/Karaganda"))
    broken = run("log", str(path), "court", "busy", ok=False)
    assert broken.exit_code == 1
    assert f"{path}:12:13: error: defaults.timezone: unknown time zone" in broken.stderr
    assert len(history(write_campaign())) == 2


def test_plan_reads_the_log_when_there_is_one(campaign: Path, backend: str) -> None:
    args = ["plan", str(campaign), "--from", "2026-12-14", "--days", "1", *LONDON, "--now", "2026-12-14T05:00"]
    assert "Log:" not in run(*args).stdout
    assert "log" not in json.loads(run(*args, "--format", "json").stdout)["recipients"][0]
    run("log", str(campaign), "court", "delivered", "--at", "2026-12-14T04:30", *LONDON)
    assert "Log: 1 of 2 offices reached; not yet: president.\n" in run(*args).stdout
    recipients = json.loads(run(*args, "--format", "json").stdout)["recipients"]
    assert {r["id"]: r["log"] for r in recipients} == {
        "court": {"delivered_today": 1, "delivered": 1, "attempts": 1},
        "president": {"delivered_today": 0, "delivered": 0, "attempts": 0}}


def test_history_is_written_as_it_is_read_and_says_the_same(campaign: Path, backend: str) -> None:
    """`history` reads the log a page at a time: across pages (and attempts sharing a second across a
    page's edge), with a void, it writes what the whole list written at once says, in both formats."""
    import datetime as dt

    from faxcampaign.log.roster import open_campaign_log
    from faxcampaign.log.store import Attempt
    from faxcampaign.outputs.status import history_csv_chunks, history_json_chunks

    start = dt.datetime(2026, 12, 14, 4, tzinfo=dt.timezone.utc)
    attempts = [Attempt(start + dt.timedelta(seconds=i // 700), "court", "+77212420220", "busy", f"v{i % 7}",
                        note=f"=note {i}") for i in range(4499)]
    run("log", str(campaign), "court", "busy", "--at", "2026-12-14T03:00", *LONDON)  # the log's first entry
    log, _ = open_campaign_log(campaign, None)
    with log:
        ids = log.record(attempts, start)
        log.void(ids[2000], "typo", None, start)
        whole = log.entries()
    assert len(whole) == 4500
    for fmt, writer in (("csv", history_csv_chunks), ("json", history_json_chunks)):
        written = run("history", str(campaign), "--format", fmt).stdout
        assert written == "".join(writer(whole))  # the list written at once, in one piece
        assert written == "".join(writer(whole, 1000))  # and in other pieces
    rows = json.loads(run("history", str(campaign), "--format", "json").stdout)
    assert [r["entry"] for r in rows] == [e.id for e in whole] and rows[2001]["void_note"] == "typo"
    assert list(csv.DictReader(io.StringIO(run("history", str(campaign)).stdout)))[6]["note"] == "'=note 5"


@pytest.mark.parametrize(("instant", "text"), [
    ("2026-12-01T09:30:00+00:00", "2026-12-01T09:30:00Z"),
    ("2026-12-01T05:06:07.999999+06:00", "2026-11-30T23:06:07Z"),  # to UTC, and to the second
    ("2026-03-29T01:30:00+01:00", "2026-03-29T00:30:00Z"),
    ("0999-01-01T00:00:00+00:00", "999-01-01T00:00:00Z"),  # as the log has always written such a year
])
def test_the_log_writes_each_instant_in_utc_to_the_second(instant: str, text: str) -> None:
    import datetime as dt

    from faxcampaign.log.store import utc_text

    assert utc_text(dt.datetime.fromisoformat(instant)) == text
    with pytest.raises(ValueError, match="naive"):
        utc_text(dt.datetime.fromisoformat(instant).replace(tzinfo=None))

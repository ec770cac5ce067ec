"""The campaign log on PostgreSQL, where a team shares one database: what only a server can show.

(The whole log suite also runs on PostgreSQL: tests/test_log.py's `backend` fixture.)"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import MODERN
from faxcampaign.cli import cli
from faxcampaign.log.store import open_log


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture
def url(postgres) -> str:  # type: ignore[no-untyped-def]
    return str(postgres.new_database())


def count(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as db:
        return int(db.execute("SELECT count(*) FROM faxcampaign.attempt").fetchone()[0])


def test_the_log_refuses_updates_and_deletes(write_campaign: Callable[..., Path], url: str) -> None:
    import psycopg

    assert run("log", str(write_campaign()), "court", "busy", "--log", url).exit_code == 0
    with psycopg.connect(url) as db, pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        db.execute("UPDATE faxcampaign.attempt SET outcome = 'delivered'")
    with psycopg.connect(url) as db, pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        db.execute("DELETE FROM faxcampaign.attempt")
    assert count(url) == 1


def test_a_database_with_other_tables_is_not_touched(write_campaign: Callable[..., Path], url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("CREATE TABLE members (name TEXT)")
        db.execute("INSERT INTO members VALUES ('Ann')")
    assert run("log", str(write_campaign()), "court", "busy", "--log", url).exit_code == 0
    with psycopg.connect(url) as db:
        assert db.execute("SELECT name FROM public.members").fetchall() == [("Ann",)]
        tables = {r[0] for r in db.execute("SELECT table_schema FROM information_schema.tables WHERE table_schema "
                                           "NOT IN ('pg_catalog', 'information_schema')").fetchall()}
    assert tables == {"public", "faxcampaign"}  # ours live in their own schema


def test_a_schema_of_that_name_that_is_not_ours_is_an_error(write_campaign: Callable[..., Path], url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("CREATE SCHEMA faxcampaign")
        db.execute("CREATE TABLE faxcampaign.notes (x TEXT)")
    result = run("log", str(write_campaign()), "court", "busy", "--log", url)
    assert result.exit_code == 1
    assert "not a faxcampaign log (the schema 'faxcampaign' holds other tables); left untouched" in result.stderr
    with psycopg.connect(url) as db:
        assert db.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'faxcampaign'"
                          ).fetchone()[0] == 1


def test_two_campaigns_in_one_database_never_see_each_others_attempts(write_campaign: Callable[..., Path],
                                                                      url: str, tmp_path: Path) -> None:
    first = write_campaign()
    second = write_campaign(MODERN.replace("reference: TST-1", "reference: TST-2"), name="other.yaml")
    assert run("log", str(first), "court", "delivered", "--log", url).exit_code == 0
    assert run("log", str(second), "court", "busy", "--log", url).exit_code == 0
    assert run("log", str(second), "court", "busy", "--log", url).exit_code == 0
    one = list(csv.DictReader(io.StringIO(run("history", str(first), "--log", url).stdout)))
    two = list(csv.DictReader(io.StringIO(run("history", str(second), "--log", url).stdout)))
    assert [r["outcome"] for r in one] == ["delivered"]
    assert [r["outcome"] for r in two] == ["busy", "busy"]
    voided = run("log", str(second), "--void", one[0]["entry"], "--note", "not ours", "--log", url)
    assert voided.exit_code == 1 and "no attempt" in voided.stderr


STOPPER = """
import subprocess, sys, datetime as dt
from faxcampaign.log.store import Attempt, LogError, open_log
url, pg_ctl, data, user = sys.argv[1:5]
at = dt.datetime(2026, 12, 14, 5, tzinfo=dt.timezone.utc)
def attempts():
    for i in range(1000):
        if i == 500:  # the server goes away in the middle of the import
            as_user = ["runuser", "-u", user, "--"] if user != "-" else []
            subprocess.run([*as_user, pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"], check=True,
                           capture_output=True)
        yield Attempt(at, "court", "+77212420220", "busy", key=f"k{i}")
with open_log(url, "TST-1", create=True) as log:
    try:
        log.record(attempts(), at)
    except LogError as e:
        print(e)
        sys.exit(1)
"""


def test_a_server_stopped_in_the_middle_of_an_import_leaves_the_log_as_it_was(
        write_campaign: Callable[..., Path], url: str, postgres) -> None:  # type: ignore[no-untyped-def]
    import pwd

    assert run("log", str(write_campaign()), "court", "busy", "--log", url).exit_code == 0
    user = pwd.getpwuid(postgres.run_as["user"]).pw_name if postgres.run_as else "-"  # "-": ourselves
    done = subprocess.run([sys.executable, "-c", STOPPER, url, str(postgres.bin / "pg_ctl"), str(postgres.data),
                           user], capture_output=True, text=True, timeout=120)
    postgres.start()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "cannot write to the log" in done.stdout and "nothing was recorded" in done.stdout
    assert count(url) == 1


def test_an_unreachable_server_is_a_clear_error_with_what_to_do(write_campaign: Callable[..., Path],
                                                                tmp_path: Path) -> None:
    url = f"postgresql://nobody@/none?host={tmp_path}&connect_timeout=2"
    result = run("log", str(write_campaign()), "court", "busy", "--log", url)
    assert result.exit_code == 1
    assert "cannot reach the log" in result.stderr and "faxcampaign log-copy" in result.stderr
    assert "Traceback" not in result.output
    status = run("status", str(write_campaign()), "--log", url)  # a read-only command: says it read nothing
    assert status.exit_code == 1 and "nothing was read from it or recorded in it" in status.stderr


def test_a_password_on_the_command_line_is_warned_about_and_never_printed(write_campaign: Callable[..., Path],
                                                                          tmp_path: Path) -> None:
    url = f"postgresql://ann:s3cret@/none?host={tmp_path}&connect_timeout=2"
    result = run("status", str(write_campaign()), "--log", url)
    assert "warning: a password in --log is visible to every user of this machine" in result.stderr
    assert "s3cret" not in result.output
    quiet = run("status", str(write_campaign()), env={"FAXCAMPAIGN_LOG": url})
    assert "warning: a password" not in quiet.stderr  # from the environment: not on the command line


def test_log_copy_grows_a_laptop_log_into_the_team_database_and_back(write_campaign: Callable[..., Path],
                                                                     url: str, tmp_path: Path) -> None:
    path = write_campaign()
    local = tmp_path / "campaign.log.sqlite"
    for outcome in ("busy", "no-answer", "delivered"):
        assert run("log", str(path), "court", outcome, "--log", str(local)).exit_code == 0
    assert run("log", str(path), "--void", "2", "--note", "wrong office", "--log", str(local)).exit_code == 0
    copied = run("log-copy", str(path), str(local), url)
    assert copied.exit_code == 0, copied.output
    assert "copied 3 attempt(s), 1 void(s) and 0 job(s) of TST-1" in copied.stderr
    again = run("log-copy", str(path), str(local), url)
    assert "copied 0 attempt(s), 0 void(s) and 0 job(s)" in again.stderr
    assert count(url) == 3
    back = tmp_path / "back.sqlite"
    assert run("log-copy", str(path), url, str(back)).exit_code == 0
    assert run("log-copy", str(path), str(back), url).stderr.startswith("copied 0 attempt(s)")
    for place in (str(local), url, str(back)):
        rows = list(csv.DictReader(io.StringIO(run("history", str(path), "--log", place).stdout)))
        assert [(r["outcome"], bool(r["voided_by"])) for r in rows] == [
            ("busy", False), ("no-answer", True), ("delivered", False)], place
    with open_log(url, "TST-1", create=False) as log:
        assert log.exists


def test_a_rota_saved_in_the_team_database_gives_each_volunteer_their_sheet(tmp_path: Path, url: str) -> None:
    """`rota --save` into PostgreSQL; a volunteer's sheet and `status` read it there; `log-copy` carries it."""
    import json

    from test_rota import rota_json, sheet_starts, slot_runs, write

    campaign, team = write(tmp_path)
    document = rota_json(campaign, team, "2026-12-07", 2, "--save", "--log", url)
    ann = run("callsheet", str(campaign), "--volunteer", "Ann Smith", "--date", "2026-12-08", "--now",
              "2026-12-07T00:00", "--log", url)
    assert ann.exit_code == 0, ann.output
    assert sorted(sheet_starts(ann.stdout)) == slot_runs(document, "Ann Smith", dt.date(2026, 12, 8)) != []
    saved = json.loads(run("status", str(campaign), "--log", url, "--format", "json", "--tz", "UTC").stdout)["rota"]
    assert saved["slots"] == len(document["slots"])
    local = tmp_path / "laptop.sqlite"
    assert run("log-copy", str(campaign), url, str(local)).exit_code == 0
    copied = json.loads(run("status", str(campaign), "--log", str(local), "--format", "json", "--tz", "UTC").stdout)
    assert copied["rota"] == saved

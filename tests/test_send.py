"""Sending without a fax server: the policy's promises (hypothesis), HylaFAX's status words, dry runs,
and bad servers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from faxcampaign import clock
from faxcampaign.cli import cli
from faxcampaign.send.hylafax import outcome_of
from faxcampaign.send.policy import OfficeState, Rules, decide

AUTOMATIC = """\
title: Auto test
reference: AUTO-1
starts: 2026-01-01
deadline: 2027-12-31
letter: letter.md.j2
sender: {name: Test Sender, email: sender@example.org}
defaults:
  country: KZ
  timezone: Asia/Almaty
  hours: "Mo-Fr 09:00-13:00,14:00-18:00; PH off"
  manual: false
context: {city: Karaganda}
recipients:
  - id: court
    name: Karaganda Oblast Court
    fax: "+7 7212 42 02 20"
  - id: old
    name: Old Number Office
    fax: "+7 3212 42 02 21"
  - id: akimat
    name: Karaganda Akimat
    manual: true
    fax: "+7 7212 74 27 83"
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("state, status, pages, dials, expected", [
    ("D", "", " 1:1 ", " 1:3", ("done", "delivered", 1)),
    ("F", "Busy signal detected", " 0:1 ", " 3:3", ("failed", "busy", 0)),
    ("F", "No answer from remote", " 0:1 ", " 1:1", ("failed", "no-answer", 0)),
    ("F", "Too many attempts to dial: No answer from remote", " 0:1", "3:3", ("failed", "no-answer", 0)),
    ("F", "No local dialtone", "0:1", "1:3", ("failed", "line-error", 0)),
    ("F", "Job aborted by request", "0:1", "0:3", ("cancelled", None, 0)),
    ("F", "Kill time expired", "0:2", "0:3", ("expired", None, 0)),
    ("F", "Remote fax disconnected prematurely", "1:2", "1:3", ("failed", "partial", 1)),
    ("F", "Something new", "0:1", "1:3", ("failed", "failed", 0)),
])
def test_hylafax_status_words_become_outcomes(state: str, status: str, pages: str, dials: str,
                                              expected: tuple[str, str | None, int]) -> None:
    assert outcome_of(state, status, pages, dials) == expected


ZONES = ["Asia/Almaty", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kathmandu"]


@st.composite
def office_states(draw: st.DrawFn) -> tuple[OfficeState, dt.datetime, Rules]:
    zone = draw(st.sampled_from(ZONES))
    day = draw(st.dates(dt.date(2024, 1, 1), dt.date(2028, 12, 31)))
    windows = []
    for offset in range(draw(st.integers(0, 4))):
        start = draw(st.integers(0, 1380))
        length = draw(st.integers(1, 1440 - start))
        windows.append((clock.wall(zone, day + dt.timedelta(days=offset), start),
                        clock.wall(zone, day + dt.timedelta(days=offset), start + length)))
    windows = [w for w in windows if w[1] > w[0]]
    now = clock.wall(zone, day, 0) + dt.timedelta(minutes=draw(st.integers(-600, 5 * 1440)),
                                                  seconds=draw(st.integers(0, 59)))
    last = None
    if draw(st.booleans()):
        last = (now - dt.timedelta(minutes=draw(st.integers(0, 600))),
                draw(st.sampled_from(["busy", "no-answer", "failed", "line-error", "delivered", "not-fax"])))
    delivered = {w[0].date(): draw(st.integers(0, 4)) for w in windows}
    rules = Rules(per_office_per_day=draw(st.integers(1, 5)))
    state = OfficeState("x", zone, windows, ["+77212420220"], ["Ann"], {"Ann": 0}, None, last, delivered)
    return state, now, rules


@settings(max_examples=400, deadline=None)
@given(office_states())
def test_no_job_starts_outside_an_open_window_or_ends_after_it(case: tuple[OfficeState, dt.datetime, Rules]) -> None:
    state, now, rules = case
    decision = decide(state, now, rules)
    if not decision.goes:
        return
    assert decision.send_at is not None and decision.kill_at is not None
    assert decision.send_at >= now
    assert any(start <= decision.send_at and decision.kill_at == end and decision.send_at < end
               for start, end in state.windows)
    assert decision.kill_at - decision.send_at >= rules.min_window
    assert decision.send_at.second == 0
    assert state.delivered_on.get(decision.send_at.date(), 0) < rules.per_office_per_day
    if state.last_attempt:
        at, outcome = state.last_attempt
        assert decision.send_at >= at + rules.backoff[outcome]


def test_deliveries_are_spread_over_the_day() -> None:
    zone = "Asia/Almaty"
    day = dt.date(2026, 12, 14)
    windows = [(clock.wall(zone, day, 9 * 60), clock.wall(zone, day, 13 * 60)),
               (clock.wall(zone, day, 14 * 60), clock.wall(zone, day, 18 * 60))]
    now = clock.wall(zone, day, 8 * 60)
    starts = []
    for done in range(4):
        state = OfficeState("x", zone, windows, ["+77212420220"], ["Ann"], {}, delivered_on={day: done})
        decision = decide(state, now, Rules(per_office_per_day=4))
        starts.append(decision.send_at.strftime("%H:%M") if decision.send_at else None)
    assert starts == ["09:00", "11:00", "14:00", "16:00"]  # 8 open hours split in four


def test_dry_run_lists_jobs_in_both_clocks_and_submits_nothing(write_campaign: Callable[..., Path],
                                                               tmp_path: Path) -> None:
    path = write_campaign(AUTOMATIC)
    result = run("send", str(path), "--via", "hylafax://127.0.0.1:1", "--dry-run", "--tz", "Europe/London",
                 "--now", "2026-12-14T03:30")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "court: would send to +77212420220 from Mon 14 Dec 09:00 +05 (Mon 04:00 yours) until Mon 14 Dec 13:00 +05 "
        "(Mon 08:00 yours), signed by Test Sender",
        "old: left out: +73212420221 is not valid under today's numbering plan (--allow-invalid to dial it)",
        "old: no number to dial (suspect, or not valid today: see check and status)",
        "manual lines, to phone (faxcampaign callsheet): akimat",
    ]
    assert not (tmp_path / "campaign.log.sqlite").exists()
    allowed = run("send", str(path), "--via", "hylafax://127.0.0.1:1", "--dry-run", "--tz", "Europe/London",
                  "--now", "2026-12-16T03:30", "--allow-invalid", "--recipient", "old")
    # 16 December is Independence Day in Kazakhstan: the first window is the 17th's
    assert allowed.stdout.splitlines() == [
        "old: would send to +73212420221 from Thu 17 Dec 09:00 +05 (Thu 04:00 yours) until Thu 17 Dec 13:00 +05 "
        "(Thu 08:00 yours), signed by Test Sender"]


def test_suspect_numbers_are_not_dialled(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(AUTOMATIC)
    for day in ("14", "15"):
        run("log", str(path), "court", "wrong-number", "--at", f"2026-12-{day}T04:00", "--tz", "UTC")
    result = run("send", str(path), "--via", "hylafax://127.0.0.1:1", "--dry-run", "--tz", "UTC",
                 "--now", "2026-12-17T03:00", "--recipient", "court")
    assert result.stdout.startswith("court: left out: +77212420220 is suspect (wrong number or not a fax line on "
                                    "2 days")


def test_an_unreachable_server_is_a_clear_error_and_nothing_is_recorded(write_campaign: Callable[..., Path],
                                                                         tmp_path: Path) -> None:
    path = write_campaign(AUTOMATIC.replace("Mo-Fr 09:00-13:00,14:00-18:00; PH off", "Mo-Su 00:00-24:00"))
    result = run("send", str(path), "--via", "hylafax://127.0.0.1:1", "--recipient", "court")
    assert result.exit_code == 1
    assert "Error: HylaFAX at 127.0.0.1:1: cannot log in: [Errno 111] Connection refused" in result.stderr
    history = run("history", str(path), "--format", "json")
    assert history.stdout == "[]\n"
    from faxcampaign.log.store import open_log

    with open_log(str(tmp_path / "campaign.log.sqlite"), "AUTO-1", create=False) as log:
        assert log.open_jobs() == []


@pytest.mark.parametrize("via, message", [
    ("ftp://x", "unknown backend"),
    ("smtp://user:secret@mail.example.org", "do not put a password in --via"),
    ("hylafax://", "no host"),
])
def test_bad_via(write_campaign: Callable[..., Path], via: str, message: str) -> None:
    result = run("send", str(write_campaign(AUTOMATIC)), "--via", via, "--dry-run")
    assert result.exit_code == 1 and message in result.stderr


def test_now_only_with_dry_run(write_campaign: Callable[..., Path]) -> None:
    result = run("send", str(write_campaign(AUTOMATIC)), "--via", "hylafax://x", "--now", "2026-12-14T03:00")
    assert result.exit_code == 2 and "--now is for --dry-run" in result.stderr


@settings(max_examples=400, deadline=None)
@given(office_states(), st.integers(1, 12), st.integers(1, 6))
def test_a_backend_that_sends_at_once_sends_only_in_an_open_window(case: tuple[OfficeState, dt.datetime, Rules],
                                                                  pages: int, calls: int) -> None:
    """For email gateways and Sinch (they dial when they are handed the job): a job is handed over only
    while a window is open, and Sinch's own retries, as we set them, end before that window closes."""
    from faxcampaign.send.base import FaxJob
    from faxcampaign.send.run import _due
    from faxcampaign.send.sinch import RETRY_DELAY, fits, retries

    state, now, rules = case
    decision = decide(state, now, rules)
    if not decision.goes or not _due(decision, now):
        return
    assert decision.send_at is not None and decision.kill_at is not None and decision.opens is not None
    assert any(start <= now < end and decision.kill_at == end for start, end in state.windows)
    job = FaxJob("x", "+77212420220", "Ann", None, max(now, decision.send_at), decision.kill_at, "tag", "s", "f.pdf",
                 calls=calls, pages_total=pages)
    if not fits(job):
        return
    tries, delay = retries(job)
    assert 0 <= tries <= min(5, calls - 1) and RETRY_DELAY[0] <= delay <= RETRY_DELAY[1]
    call = dt.timedelta(minutes=2 + pages)
    assert job.send_at + (tries + 1) * call + tries * dt.timedelta(seconds=delay) <= decision.kill_at

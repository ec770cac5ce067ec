"""Which letter goes to which office when: pure (an office's windows and history, now) -> one decision.

The rules (docs/send.md):

- One job at a time per office: while one is queued, nothing else is submitted to it (so never two jobs
  in flight to one number).
- A job's send time is inside one of the office's open windows (from the scheduler, so never on a
  holiday, at lunch or after the deadline) and its kill time is that window's end. A window with less
  than `Rules.min_window` left is skipped.
- At most `Rules.per_office_per_day` deliveries per office-local day, spread over the day's open time:
  the k-th delivery of a day waits until k/N of the day's open minutes have passed, rather than all of
  them going at opening time.
- After a failed attempt the office rests for a back-off that depends on the outcome (`BACKOFF`).
- A letter (one signer's letter to one office) is given up after `Rules.max_attempts` attempts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from faxcampaign import clock

BACKOFF: Mapping[str, dt.timedelta] = {
    "delivered": dt.timedelta(0),
    "partial": dt.timedelta(minutes=10),
    "busy": dt.timedelta(minutes=10),
    "no-answer": dt.timedelta(minutes=30),
    "line-error": dt.timedelta(minutes=5),
    "failed": dt.timedelta(hours=1),
    "refused": dt.timedelta(hours=4),
    "not-fax": dt.timedelta(hours=4),
    "wrong-number": dt.timedelta(hours=4),
}


@dataclasses.dataclass(frozen=True)
class Rules:
    per_office_per_day: int = 3
    max_attempts: int = 10
    calls_per_job: int = 3  # calls the fax server may make within one window (it waits between them)
    min_window: dt.timedelta = dt.timedelta(minutes=10)
    backoff: Mapping[str, dt.timedelta] = dataclasses.field(default_factory=lambda: dict(BACKOFF))


@dataclasses.dataclass(frozen=True)
class OfficeState:
    """What the policy knows of one office. Times are aware; windows in the office's own time, in order."""

    office_id: str
    timezone: str
    windows: Sequence[tuple[dt.datetime, dt.datetime]]
    numbers: Sequence[str]  # the numbers it may dial, best first
    pending: Sequence[str]  # signers whose letter has not been delivered, in order
    attempts: Mapping[str, int]  # attempts so far per signer (line errors left out)
    in_flight: str | None = None  # the queued job's id, if any
    last_attempt: tuple[dt.datetime, str] | None = None  # when, outcome
    delivered_on: Mapping[dt.date, int] = dataclasses.field(default_factory=dict)  # office-local dates


@dataclasses.dataclass(frozen=True)
class Decision:
    office_id: str
    signer: str | None = None
    number: str | None = None
    send_at: dt.datetime | None = None  # office's time
    kill_at: dt.datetime | None = None
    opens: dt.datetime | None = None  # the start of the window the job is in
    skipped: str | None = None  # why nothing goes, when nothing does

    @property
    def goes(self) -> bool:
        return self.skipped is None


def _day_slot(windows: Sequence[tuple[dt.datetime, dt.datetime]], k: int, per_day: int) -> dt.datetime:
    """The instant after k/per_day of the day's open time (``windows`` are one day's, in order)."""
    total = sum((end - start for start, end in windows), dt.timedelta())
    wanted = total * k / per_day
    for start, end in windows:
        if wanted < end - start:
            return start + wanted
        wanted -= end - start
    return windows[-1][1]


def _whole_minute(instant: dt.datetime) -> dt.datetime:
    """Rounded up: fax servers take send times in whole minutes, and a job must not start early."""
    if instant.second or instant.microsecond:
        return instant.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    return instant


def decide(state: OfficeState, now: dt.datetime, rules: Rules) -> Decision:
    """The next job for one office, or why there is none."""
    office = state.office_id
    if state.in_flight:
        return Decision(office, skipped=f"job {state.in_flight} is still queued")
    letters = [s for s in state.pending if state.attempts.get(s, 0) < rules.max_attempts]
    if not state.pending:
        return Decision(office, skipped="every letter has been delivered")
    if not letters:
        return Decision(office, skipped=f"gave up after {rules.max_attempts} attempts per letter")
    if not state.numbers:
        return Decision(office, skipped="no number to dial (suspect, or not valid today: see check and status)")
    earliest = now
    if state.last_attempt is not None:
        at, outcome = state.last_attempt
        earliest = max(earliest, at + rules.backoff.get(outcome, dt.timedelta(hours=1)))
    by_day: dict[dt.date, list[tuple[dt.datetime, dt.datetime]]] = {}
    for start, end in state.windows:
        by_day.setdefault(start.date(), []).append((start, end))
    for day, windows in by_day.items():
        done = state.delivered_on.get(day, 0)
        if done >= rules.per_office_per_day:
            continue
        slot = _day_slot(windows, done, rules.per_office_per_day)
        for start, end in windows:
            send_at = _whole_minute(max(start, slot, earliest))
            if end - send_at >= rules.min_window:
                return Decision(office, letters[0], state.numbers[0], clock.convert(send_at, state.timezone), end,
                                start)
    return Decision(office, skipped="no open window left in the days looked at")

"""The campaign's progress from its log: pure (campaign, the log's summary, now) -> per office and number.

Rules (docs/log.md):
- An office is *reached* once it has a `delivered` attempt. "Today" is the office's own date at ``now``.
- A number's *consecutive failures* are its attempts since its last `delivered` or `partial`, leaving out
  `line-error` (a problem on the sender's side says nothing about the number).
- A number is *suspect* when, since its last `delivered` or `partial`, it had `wrong-number` or `not-fax`
  on two or more different days (the office's dates).
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from faxcampaign import clock
from faxcampaign.log.roster import Roster
from faxcampaign.log.store import RotaSlot, Summary, from_utc_text, utc_text
from faxcampaign.outcomes import DEAD_LINE, DELIVERED, GOT_THROUGH, NOT_COUNTED


@dataclasses.dataclass
class NumberHealth:
    e164: str
    attempts: int = 0
    consecutive_failures: int = 0
    last_outcome: str | None = None
    dead_days: set[dt.date] = dataclasses.field(default_factory=set)

    @property
    def suspect(self) -> bool:
        return len(self.dead_days) >= 2

    @property
    def reason(self) -> str | None:
        if not self.suspect:
            return None
        days = ", ".join(d.isoformat() for d in sorted(self.dead_days))
        return f"wrong number or not a fax line on {len(self.dead_days)} days ({days}) with no delivery since"

    def follow(self, outcome: str, at: dt.datetime, timezone: str) -> None:
        """One attempt of the number's tail (its attempts from its last delivery on, oldest first): the
        rules above, one attempt at a time. `progress` has the database do the same over the whole log
        (`Summary.health`, `Summary.dead`); tests check the two agree."""
        self.last_outcome = outcome
        if outcome in GOT_THROUGH:
            self.consecutive_failures = 0
            self.dead_days.clear()
        elif outcome not in NOT_COUNTED:
            self.consecutive_failures += 1
            if outcome in DEAD_LINE:
                self.dead_days.add(clock.local_date(at, timezone))


@dataclasses.dataclass(frozen=True)
class Last:
    at: dt.datetime
    number: str
    outcome: str
    volunteer: str | None
    proof: dict[str, Any] = dataclasses.field(default_factory=dict)  # PROOF's fields, as the log has them
    unconfirmed: bool = False  # a delivery recorded on a gateway's acceptance alone (older versions)


PROOF = ("pages", "pages_total", "remote_id", "provider_job", "error_code", "completed_at")
REPORT_WAIT = dt.timedelta(hours=24)  # a job with no result after this long is shown as awaiting a report


@dataclasses.dataclass(frozen=True)
class InFlight:
    """A job handed to a backend that has not ended (an email gateway's, until its report is read)."""

    backend: str
    job: str
    number: str
    submitted: dt.datetime
    awaiting_report: bool  # no result after REPORT_WAIT: `send` leaves the office alone; see docs/send.md


@dataclasses.dataclass
class OfficeProgress:
    id: str
    name: str
    timezone: str
    in_campaign: bool  # False for rows logged under an id the campaign no longer has
    numbers: dict[str, NumberHealth]
    by_outcome: Counter[str] = dataclasses.field(default_factory=Counter)
    delivered_today: int = 0
    last_delivery: dt.datetime | None = None
    last: Last | None = None
    unconfirmed: int = 0  # deliveries recorded on a gateway's acceptance alone
    in_flight: list[InFlight] = dataclasses.field(default_factory=list)

    @property
    def delivered(self) -> int:
        return self.by_outcome[DELIVERED]

    @property
    def attempts(self) -> int:
        return sum(self.by_outcome.values())

    def healthy_first(self) -> list[NumberHealth]:
        """The office's numbers, suspect ones last (each group in the campaign's order)."""
        return sorted(self.numbers.values(), key=lambda n: n.suspect)


@dataclasses.dataclass
class Progress:
    title: str
    reference: str | None
    now: dt.datetime
    deadline: dt.date | None
    offices: list[OfficeProgress]  # not yet reached first, then by name
    rota: Coverage | None = None  # the saved rota's coverage, when there is one
    deliveries_by_hour: tuple[tuple[dt.datetime, int], ...] = ()  # live deliveries per UTC hour (charts)

    @property
    def reached(self) -> int:
        return sum(1 for o in self.offices if o.in_campaign and o.delivered)

    @property
    def in_campaign(self) -> int:
        return sum(1 for o in self.offices if o.in_campaign)

    @property
    def deliveries(self) -> int:
        return sum(o.delivered for o in self.offices)

    def days_left(self, zone: str) -> int | None:
        return None if self.deadline is None else (self.deadline - clock.local_date(self.now, zone)).days

    def office(self, office_id: str) -> OfficeProgress | None:
        return next((o for o in self.offices if o.id == office_id), None)


@dataclasses.dataclass(frozen=True)
class Helper:
    """One volunteer's part of the saved rota."""

    name: str
    assigned: int
    due: int  # slots already over
    reported: int  # of those, slots with an attempt they logged


@dataclasses.dataclass(frozen=True)
class Coverage:
    """How the saved rota covers the offices' hours, and how much of it was reported back."""

    first: dt.datetime
    last: dt.datetime
    slots: int
    volunteers: list[Helper]  # by name
    uncovered: list[tuple[str, dt.datetime, dt.datetime]]  # (office id, start, end): runs nobody has
    offices: dict[str, tuple[int, int, int]] = dataclasses.field(default_factory=dict)
    # by office id: (slots, assigned, reported back)

    @property
    def assigned(self) -> int:
        return sum(h.assigned for h in self.volunteers)

    @property
    def due(self) -> int:
        return sum(h.due for h in self.volunteers)

    @property
    def reported(self) -> int:
        return sum(h.reported for h in self.volunteers)


def coverage(slots: Sequence[RotaSlot], reports: Sequence[tuple[str, str, str]], now: dt.datetime
             ) -> Coverage | None:
    """The saved rota against the log. A slot is *reported back* when its volunteer logged an attempt on
    its office from one slot length before its start to one slot length after its end (people log a
    little early or late); a slot is *due* once it is over."""
    if not slots:
        return None
    logged: dict[tuple[str, str], list[dt.datetime]] = {}
    for recipient, volunteer, at in reports:
        logged.setdefault((recipient, " ".join(volunteer.split()).casefold()), []).append(from_utc_text(at))
    counts: dict[str, list[int]] = {}
    used: dict[tuple[str, str], int] = {}  # per office and volunteer: attempts already matched to a slot
    uncovered: list[tuple[str, dt.datetime, dt.datetime]] = []
    per_office: dict[str, list[int]] = {}
    for s in sorted(slots, key=lambda s: (s.recipient, s.start)):
        office_tally = per_office.setdefault(s.recipient, [0, 0, 0])
        office_tally[0] += 1
        if s.volunteer is None:
            if uncovered and uncovered[-1][0] == s.recipient and uncovered[-1][2] == s.start:
                uncovered[-1] = (s.recipient, uncovered[-1][1], s.end)
            else:
                uncovered.append((s.recipient, s.start, s.end))
            continue
        tally = counts.setdefault(s.volunteer, [0, 0, 0])
        tally[0] += 1
        office_tally[1] += 1
        if s.end <= now:
            tally[1] += 1
            key = (s.recipient, " ".join(s.volunteer.split()).casefold())
            times = logged.get(key, [])
            length = s.end - s.start
            i = max(bisect.bisect_left(times, s.start - length), used.get(key, 0))
            if i < len(times) and times[i] <= s.end + length:
                tally[2] += 1
                office_tally[2] += 1
                used[key] = i + 1  # one attempt reports one slot
    uncovered.sort(key=lambda u: (u[1], u[0]))
    return Coverage(min(s.start for s in slots), max(s.end for s in slots), len(slots),
                    [Helper(name, *counts[name]) for name in sorted(counts, key=str.casefold)], uncovered,
                    {office: (a, b, c) for office, (a, b, c) in per_office.items()})


def today_bounds(timezone: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The office's own today, as instants."""
    day = clock.local_date(now, timezone)
    return clock.wall(timezone, day, 0), clock.wall(timezone, day, 1440)


def earliest_today(roster: Roster, now: dt.datetime) -> dt.datetime:
    """The first instant that is "today" in any office (and in UTC, for ids no longer in the campaign)."""
    zones = {"UTC", *(o.timezone for o in roster.offices)}
    return min(today_bounds(zone, now)[0] for zone in zones)


def progress(roster: Roster, summary: Summary, now: dt.datetime) -> Progress:
    """Tally the log's summary per office and per number."""
    offices: dict[str, OfficeProgress] = {}
    for o in roster.offices:
        offices[o.id] = OfficeProgress(o.id, o.name, o.timezone, True, {n: NumberHealth(n) for n in o.fax})

    def find(recipient: str) -> OfficeProgress:
        if recipient not in offices:
            offices[recipient] = OfficeProgress(recipient, recipient, "UTC", False, {})
        return offices[recipient]

    office: OfficeProgress
    for recipient, outcome, count, latest in summary.counts:
        office = find(recipient)
        office.by_outcome[outcome] = count
        if outcome == DELIVERED:
            office.last_delivery = from_utc_text(latest)
    for recipient, number, count in summary.numbers:
        office = find(recipient)
        office.numbers.setdefault(number, NumberHealth(number)).attempts = count
    for recipient, at, number, outcome, volunteer, *proof, unconfirmed in summary.last:
        find(recipient).last = Last(from_utc_text(at), number, outcome, volunteer, dict(zip(PROOF, proof, strict=True)),
                                    bool(unconfirmed))
    for recipient, count in summary.unconfirmed:
        find(recipient).unconfirmed = int(count)
    for job in summary.jobs:
        find(job.recipient).in_flight.append(InFlight(job.backend, job.job, job.number, job.submitted,
                                                      now - job.submitted >= REPORT_WAIT))
    for recipient, number, last_outcome, failures in summary.health:
        health = find(recipient).numbers[number]
        health.last_outcome, health.consecutive_failures = last_outcome, failures
    for recipient, number, first, last in summary.dead:
        office = find(recipient)
        office.numbers[number].dead_days.update(clock.local_date(from_utc_text(at), office.timezone)
                                                for at in (first, last))
    todays: dict[str, tuple[str, str]] = {}
    for recipient, at in summary.delivered_since:
        office = find(recipient)
        if office.timezone not in todays:
            start, end = today_bounds(office.timezone, now)
            todays[office.timezone] = utc_text(start), utc_text(end)
        start_text, end_text = todays[office.timezone]
        if start_text <= at < end_text:
            office.delivered_today += 1
    ordered = sorted(offices.values(), key=lambda o: (not o.in_campaign, o.delivered > 0, o.name.casefold()))
    return Progress(roster.title, roster.reference, now, roster.deadline, ordered)

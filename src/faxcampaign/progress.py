"""The campaign's progress from its log: pure (campaign, the log's summary, now) -> per office and number.

Rules (docs/log.md):
- An office is *reached* once it has a `delivered` attempt. "Today" is the office's own date at ``now``.
- A number's *consecutive failures* are its attempts since its last `delivered` or `partial`, leaving out
  `line-error` (a problem on the sender's side says nothing about the number).
- A number is *suspect* when, since its last `delivered` or `partial`, it had `wrong-number` or `not-fax`
  on two or more different days (the office's dates).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

from faxcampaign import clock
from faxcampaign.log import Summary, from_utc_text, utc_text
from faxcampaign.outcomes import DEAD_LINE, DELIVERED, GOT_THROUGH, NOT_COUNTED
from faxcampaign.roster import Roster


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
        """One attempt of the number's tail (its attempts from its last delivery on, oldest first)."""
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
    for recipient, at, number, outcome, volunteer in summary.last:
        find(recipient).last = Last(from_utc_text(at), number, outcome, volunteer)
    for recipient, number, outcome, at in summary.tails:
        office = find(recipient)
        office.numbers[number].follow(outcome, from_utc_text(at), office.timezone)
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

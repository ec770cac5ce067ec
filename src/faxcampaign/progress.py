"""The campaign's progress from its log: pure (campaign, attempts, now) -> per office and per number.

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
from collections.abc import Iterable

from faxcampaign import clock
from faxcampaign.campaign import Campaign
from faxcampaign.log import Attempt
from faxcampaign.outcomes import DEAD_LINE, DELIVERED, GOT_THROUGH, NOT_COUNTED, OUTCOMES


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

    def add(self, attempt: Attempt, timezone: str) -> None:
        self.attempts += 1
        self.last_outcome = attempt.outcome
        if attempt.outcome in GOT_THROUGH:
            self.consecutive_failures = 0
            self.dead_days.clear()
        elif attempt.outcome not in NOT_COUNTED:
            self.consecutive_failures += 1
            if attempt.outcome in DEAD_LINE:
                self.dead_days.add(clock.local_date(attempt.at, timezone))


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
    last: Attempt | None = None

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


def progress(campaign: Campaign, attempts: Iterable[Attempt], now: dt.datetime) -> Progress:
    """Tally the attempts (oldest first, voided ones already left out) per office and per number."""
    offices: dict[str, OfficeProgress] = {}
    today: dict[str, tuple[dt.datetime, dt.datetime]] = {}  # the office's today, as instants

    def add_office(office_id: str, name: str, timezone: str, numbers: Iterable[str], known: bool) -> OfficeProgress:
        offices[office_id] = OfficeProgress(office_id, name, timezone, known, {n: NumberHealth(n) for n in numbers})
        day = clock.local_date(now, timezone)
        today[office_id] = clock.wall(timezone, day, 0), clock.wall(timezone, day, 1440)
        return offices[office_id]

    for office in campaign.offices:
        add_office(office.id, office.name, office.timezone, office.fax, True)
    for attempt in attempts:
        found = offices.get(attempt.recipient) or add_office(attempt.recipient, attempt.recipient, "UTC", (), False)
        health = found.numbers.get(attempt.number)
        if health is None:
            health = found.numbers[attempt.number] = NumberHealth(attempt.number)
        health.add(attempt, found.timezone)
        found.by_outcome[attempt.outcome] += 1
        found.last = attempt
        if attempt.outcome == DELIVERED:
            found.last_delivery = attempt.at
            start, end = today[attempt.recipient]
            if start <= attempt.at < end:
                found.delivered_today += 1
    ordered = sorted(offices.values(), key=lambda o: (not o.in_campaign, o.delivered > 0, o.name.casefold()))
    data = campaign.data
    return Progress(data.title, data.reference, now, data.deadline, ordered)


def outcome_names() -> list[str]:
    return list(OUTCOMES)

"""When each office can be reached: pure functions of (campaign, date range, viewer zone).

No I/O and no clock reading: "now" is an argument. Every conversion between wall clocks and instants goes
through `faxcampaign.clock`.

The rules, for each office-local day D within ``starts``..``deadline``:

1. D listed in ``open`` (campaign's or recipient's): open with the entry's ``hours`` for that weekday,
   else the office's Monday hours.
2. D a worked weekend day known to the ``holidays`` package (``weekend_workdays``): Monday's hours.
3. D listed in ``closed``: shut, with that reason, if its weekly hours would have opened it.
4. D a public holiday of the office's ``country`` (English names; observed and substituted days
   included): the hours' ``PH`` rules apply; if they shut an otherwise open day, the holiday's name is
   the reason.
5. Otherwise the weekly hours.

A viewer sees a window on the viewer-local day on which it starts; the range is the viewer-local days
``first`` .. ``first + days - 1``. A closed office-local day is in range when its would-be first opening
falls in range.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import operator
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from faxcampaign import clock
from faxcampaign.campaign.hours import Span as Minutes
from faxcampaign.campaign.model import Campaign, Office
from faxcampaign.schedule import calendars


@dataclasses.dataclass(frozen=True)
class Window:
    """A span when a person can be reached at an office; ``start``/``end`` are in the office's local time."""

    office: Office
    start: dt.datetime
    end: dt.datetime

    def viewed(self, zone_name: str) -> tuple[dt.datetime, dt.datetime]:
        return clock.convert(self.start, zone_name), clock.convert(self.end, zone_name)

    def contains(self, instant: dt.datetime) -> bool:
        return self.start <= instant < self.end


@dataclasses.dataclass(frozen=True)
class ClosedDay:
    office: Office
    date: dt.date  # office-local
    reason: str
    would_open: dt.datetime  # the first opening the weekly hours would have given


Span = tuple[dt.datetime, dt.datetime]  # start, end: instants in the office's local time


@dataclasses.dataclass(frozen=True)
class _Days:
    """What one office calendar gives over a range; shared by every office with the same calendar."""

    spans: tuple[Span, ...]
    closed: tuple[tuple[dt.date, str, dt.datetime], ...]
    last: Span | None = None


@dataclasses.dataclass
class OfficePlan:
    office: Office
    days: _Days

    @functools.cached_property
    def windows(self) -> list[Window]:
        return [Window(self.office, start, end) for start, end in self.days.spans]

    @functools.cached_property
    def closed(self) -> list[ClosedDay]:
        return [ClosedDay(self.office, day, reason, at) for day, reason, at in self.days.closed]

    @functools.cached_property
    def last_chance(self) -> Window | None:
        """The office's last window on or before the deadline."""
        return Window(self.office, *self.days.last) if self.days.last else None


class Viewed(NamedTuple):
    """A span on the viewer's clock, with its instants as timestamps for quick comparison."""

    at: float
    until: float
    start: dt.datetime
    end: dt.datetime


@dataclasses.dataclass
class Plan:
    campaign: Campaign
    viewer_zone: str
    first: dt.date
    days: int
    offices: list[OfficePlan]
    now: dt.datetime

    @property
    def range_start(self) -> dt.datetime:
        return clock.wall(self.viewer_zone, self.first, 0)

    @property
    def range_end(self) -> dt.datetime:
        return clock.wall(self.viewer_zone, self.first + dt.timedelta(days=self.days), 0)

    def windows(self) -> list[Window]:
        """Every window of every office, in order of start (then of the campaign file)."""
        return [w for w, _, _ in self.timeline()]

    def timeline(self) -> list[tuple[Window, dt.datetime, dt.datetime]]:
        """Every window with its start and end on the viewer's clock, in order of start (then of the
        campaign file)."""
        return [(p.windows[i], v.start, v.end) for p, i, v in self.slots()]

    def slots(self) -> list[tuple[OfficePlan, int, Viewed]]:
        """(office plan, index of its span, that span on the viewer's clock) for every window, in order of
        start (then of the campaign file), without building a Window for each: offices that share a
        calendar share its spans and their conversions, which is what makes big plans quick."""
        zone = self.viewer_zone
        calendars: dict[int, tuple[list[Viewed], list[int], list[OfficePlan]]] = {}
        for order, p in enumerate(self.offices):
            if id(p.days) not in calendars:
                calendars[id(p.days)] = ([Viewed(s.timestamp(), e.timestamp(), clock.convert(s, zone),
                                                 clock.convert(e, zone)) for s, e in p.days.spans], [], [])
            calendars[id(p.days)][1].append(order)
            calendars[id(p.days)][2].append(p)
        # Few distinct calendars: order their spans, then give each span's offices in the campaign's order
        # (offices of several calendars whose spans start together are merged by that order).
        starts: dict[float, list[tuple[list[int], list[OfficePlan], int, Viewed]]] = {}
        for spans, orders, plans in calendars.values():
            for i, v in enumerate(spans):
                starts.setdefault(v.at, []).append((orders, plans, i, v))
        result: list[tuple[OfficePlan, int, Viewed]] = []
        for at in sorted(starts):
            group = starts[at]
            if len(group) == 1:
                _, plans, i, v = group[0]
                result.extend(zip(plans, itertools.repeat(i), itertools.repeat(v), strict=False))
            else:
                # each office is in one calendar: its place in the file orders the rows without ties
                rows = [(order, (p, i, v)) for orders, plans, i, v in group
                        for order, p in zip(orders, plans, strict=True)]
                rows.sort(key=operator.itemgetter(0))
                result.extend(row for _, row in rows)
        return result

    def before_campaign(self) -> bool:
        starts = self.campaign.data.starts
        return starts is not None and all(
            clock.local_date(self.range_end - dt.timedelta(microseconds=1), p.office.timezone) < starts
            for p in self.offices
        )

    def after_deadline(self) -> bool:
        deadline = self.campaign.data.deadline
        return deadline is not None and all(
            clock.local_date(self.range_start, p.office.timezone) > deadline for p in self.offices
        )

    def last_chances(self) -> set[Window]:
        return {p.last_chance for p in self.offices if p.last_chance is not None}


def day_spans(office: Office, day: dt.date, calendar: tuple[dict[dt.date, str], frozenset[dt.date]]
              ) -> tuple[tuple[Minutes, ...], str | None, tuple[Minutes, ...]]:
    """(open spans, reason closed or None, the spans the weekly hours alone would give) for one local day."""
    weekday = day.weekday()
    if day in office.open:
        _, hours = office.open[day]
        spans = hours.spans(weekday) if hours else office.hours.spans(0)
        return spans, None, spans
    holidays, workdays = calendar
    if day in workdays:
        spans = office.hours.spans(0)
        return spans, None, spans
    normal = office.hours.spans(weekday)
    if day in office.closed:
        return (), (office.closed[day] if normal else None), normal
    name = holidays.get(day)
    if name is not None:
        spans = office.hours.spans(weekday, holiday=True)
        return spans, (name if normal and not spans else None), normal
    return normal, None, normal


def _signature(office: Office) -> tuple[object, ...]:
    """Everything about an office that its calendar depends on."""
    return (office.timezone, office.country, office.hours, frozenset(office.closed.items()),
            frozenset(office.open.items()))


def office_days(
    office: Office, first: dt.date, last: dt.date, starts: dt.date | None, deadline: dt.date | None,
    range_start: dt.datetime, range_end: dt.datetime,
) -> tuple[list[Span], list[tuple[dt.date, str, dt.datetime]]]:
    """Open spans and closed days of one office for office-local days ``first``..``last``, keeping those
    that start in [range_start, range_end)."""
    lo = max(first, starts) if starts else first
    hi = min(last, deadline) if deadline else last
    years = tuple(range(lo.year, hi.year + 1)) if lo <= hi else ()
    calendar = calendars.calendar(office.country, years) if office.country and years else ({}, frozenset())
    spans: list[Span] = []
    closed: list[tuple[dt.date, str, dt.datetime]] = []
    zone = office.timezone
    day = lo
    one = dt.timedelta(days=1)
    while day <= hi:
        day_spans_, reason, normal = day_spans(office, day, calendar)
        for begin, end in day_spans_:
            start = clock.wall(zone, day, begin)
            if range_start <= start < range_end:
                finish = clock.wall(zone, day, end)
                if finish > start:  # a span wholly inside a clock change's gap never happened
                    spans.append((start, finish))
        if reason is not None:
            would_open = clock.wall(zone, day, normal[0][0])
            if range_start <= would_open < range_end:
                closed.append((day, reason, would_open))
        day += one
    return spans, closed


def plan(
    campaign: Campaign,
    first: dt.date,
    days: int,
    viewer_zone: str,
    now: dt.datetime,
    only: Sequence[str] | None = None,
) -> Plan:
    """The windows of every office (or of the ids in ``only``) that start on the viewer-local days
    ``first`` .. ``first + days - 1``."""
    if days < 1:
        raise ValueError("days must be at least 1")
    result = Plan(campaign, viewer_zone, first, days, [], now)
    range_start, range_end = result.range_start, result.range_end
    starts, deadline = campaign.data.starts, campaign.data.deadline
    shared: dict[tuple[object, ...], _Days] = {}
    for office in _select(campaign.offices, only):
        key = _signature(office)
        if key not in shared:
            # Office-local days that can hold a window starting in range (zones differ by < 2 days).
            lo = clock.local_date(range_start, office.timezone) - dt.timedelta(days=1)
            hi = clock.local_date(range_end, office.timezone) + dt.timedelta(days=1)
            spans, closed = office_days(office, lo, hi, starts, deadline, range_start, range_end)
            shared[key] = _Days(tuple(spans), tuple(closed), _last_chance(office, starts, deadline))
        result.offices.append(OfficePlan(office, shared[key]))
    return result


def _last_chance(office: Office, starts: dt.date | None, deadline: dt.date | None) -> Span | None:
    """The office's last span on or before the deadline (looking back at most 31 days)."""
    if deadline is None:
        return None
    earliest = deadline - dt.timedelta(days=31)
    if starts:
        earliest = max(starts, earliest)
    far = (clock.wall(office.timezone, earliest, 0), clock.wall(office.timezone, deadline, 1440))
    spans, _ = office_days(office, earliest, deadline, starts, deadline, *far)
    return spans[-1] if spans else None


def _select(offices: Iterable[Office], only: Sequence[str] | None) -> list[Office]:
    if not only:
        return list(offices)
    wanted = set(only)
    return [o for o in offices if o.id in wanted]


NEVER_OPEN_HORIZON = 400  # days looked at when a campaign has no deadline


def never_open(campaign: Campaign, offices: Iterable[Office], today: dt.date) -> list[Office]:
    """The offices whose hours open no window at all between ``starts`` (else ``today``) and the
    deadline (else a little more than a year on): "PH off" alone, or only weekend hours in a weekday
    campaign. They would silently vanish from every plan and sheet."""
    first = campaign.data.starts or today
    last = campaign.data.deadline or first + dt.timedelta(days=NEVER_OPEN_HORIZON)
    if last < first:
        return []
    last = min(last, first + dt.timedelta(days=NEVER_OPEN_HORIZON))
    result, verdicts = [], {}
    for office in offices:
        key = _signature(office)
        if key not in verdicts:
            far = (clock.wall(office.timezone, first, 0), clock.wall(office.timezone, last, 1440))
            spans, _ = office_days(office, first, last, campaign.data.starts, campaign.data.deadline, *far)
            verdicts[key] = not spans
        if verdicts[key]:
            result.append(office)
    return result

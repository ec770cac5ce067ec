"""`faxcampaign rota`: the team's calls spread over every office's open hours.

The method (docs/rota.md says it for users):

1. Every open window of every office, from the scheduler, is cut into slots of the given length from its
   opening (a last piece shorter than a slot is left out, and reported).
2. Each volunteer's availability, read on their own clock for each of their days, becomes instants.
3. Slots are filled in order of time. At each moment, the offices with a slot then are taken in order of
   need: offices the log shows not yet reached first, then the office whose last window before the
   deadline comes soonest, then the office with the fewest slots filled that day, then file order.
   Each takes the free volunteer who has had the fewest calls so far (fairness), preferring one who has
   not called that office in the past hour (so the same voice does not ring the same clerk at every
   slot), then file order.
4. A volunteer is free for a slot if it lies wholly inside their availability, they are on no other slot
   at the same time, they take that office, and they are under their daily cap. A cap is paced over
   their day: by the k-th of their n available moments they may have made at most ceil(cap * k / n)
   calls, so a capped volunteer's calls spread over their hours instead of bunching at the start.

Hard rules, always kept: every slot inside an open window; one volunteer per slot; nobody on two slots at
once; nobody outside their availability or over their cap. The same inputs give the same rota.

Slots are cut and filled a day at a time, and only those someone has are kept: the others are cut again
from the plan when they are written, so a rota's memory grows with the team's calls, not with the hours.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import itertools
import math
import operator
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from faxcampaign import clock
from faxcampaign.errors import FaxCampaignError
from faxcampaign.log.store import RotaSlot
from faxcampaign.schedule.plan import Plan
from faxcampaign.team.volunteers import Volunteer

HOUR = 3600.0
DAY = 86400.0  # the slots are cut and filled a day at a time: memory does not grow with the number of days


class Slot(NamedTuple):
    office: int  # index into Rota.offices
    start: float  # POSIX seconds
    end: float
    day: dt.date  # the office's local day
    volunteer: int | None  # index into Rota.volunteers


_new = tuple.__new__  # Slot(...) without NamedTuple's Python-level __new__: there are millions of slots


@dataclasses.dataclass
class Rota:
    plan: Plan
    volunteers: list[Volunteer]
    minutes: int
    taken: list[Slot]  # the slots someone has, in order of start, then of office
    total: int  # the slots in all, taken or not
    short: list[tuple[int, float, float]]  # (office, start, end): windows shorter than one slot

    @functools.cached_property
    def _by_volunteer(self) -> list[list[Slot]]:
        found: list[list[Slot]] = [[] for _ in self.volunteers]
        for slot in self.taken:
            found[slot.volunteer].append(slot)  # type: ignore[index]  # taken slots have a volunteer
        return found

    def assigned(self, volunteer: int) -> list[Slot]:
        """The slots one volunteer (by index) has, in order of time."""
        return self._by_volunteer[volunteer]

    def slots(self) -> Iterator[Slot]:
        """Every slot, in order of start, then of office; nobody's has the volunteer None. Made again from
        the plan as they are read, a day at a time, so a rota of many days is never held whole."""
        length = self.minutes * 60.0
        taken = iter(self.taken)
        mine = next(taken, None)
        for chunk, _ in _chunks(self.plan, length):
            for at, office, day in chunk:
                if mine is not None and mine.start == at and mine.office == office:
                    yield mine
                    mine = next(taken, None)
                else:
                    yield _new(Slot, (office, at, at + length, day, None))

    def uncovered(self) -> Iterator[tuple[int, float, float]]:
        """(office, start, end) of each run of consecutive slots nobody has, in order of office then time."""
        length = self.minutes * 60.0
        by_office: dict[int, set[float]] = defaultdict(set)
        for slot in self.taken:
            by_office[slot.office].add(slot.start)
        for office, office_plan in enumerate(self.plan.offices):
            mine = by_office.get(office, set())
            run: tuple[float, float] | None = None
            for at in _starts_of(office_plan.days.spans, length):  # in order: windows never overlap
                if at in mine:
                    continue
                if run is not None and run[1] == at:
                    run = (run[0], at + length)
                    continue
                if run is not None:
                    yield (office, *run)
                run = (at, at + length)
            if run is not None:
                yield (office, *run)

    def volunteer(self, name: str) -> int | None:
        """The index of the volunteer called ``name`` (or with that file name), case aside."""
        wanted = " ".join(name.split()).casefold()
        for i, v in enumerate(self.volunteers):
            if v.name.casefold() == wanted or wanted in (v.slug, v.old_slug):
                return i
        return None


@functools.lru_cache(maxsize=1 << 16)
def instant(seconds: float, zone: str) -> dt.datetime:
    """POSIX seconds on ``zone``'s clock (slots share their starts: each is converted once)."""
    return clock.convert(dt.datetime.fromtimestamp(seconds, dt.timezone.utc), zone)


@functools.lru_cache(maxsize=1 << 16)
def iso(seconds: float, zone: str) -> str:
    """`instant` in ISO 8601, with the zone's offset."""
    return instant(seconds, zone).isoformat()


Spans = Sequence[tuple[dt.datetime, dt.datetime]]


def _cut(spans: Spans, first: int, length: float, lo: float, hi: float) -> tuple[list[tuple[float, dt.date]], int]:
    """The slots of the windows ``spans[first:]`` (in order of opening) that start in [lo, hi): (start, the
    window's local day), each window cut from its opening; and the index of the first window that may still
    have a slot starting at ``hi`` or later."""
    found: list[tuple[float, dt.date]] = []
    for start, end in itertools.islice(spans, first, None):
        begin = start.timestamp()
        if begin >= hi:
            break
        finish = end.timestamp()
        at = begin if begin >= lo else begin + math.ceil((lo - begin) / length) * length  # whole seconds: exact
        day = start.date()
        while at + length <= finish and at < hi:
            found.append((at, day))
            at += length
    while first < len(spans) and spans[first][1].timestamp() - length < hi:
        first += 1  # no slot of this window starts at hi or later
    return found, first


def _starts_of(spans: Spans, length: float) -> list[float]:
    """The start of every slot of the windows ``spans``, in order."""
    return [at for at, _ in _cut(spans, 0, length, -math.inf, math.inf)[0]]


def _chunks(plan: Plan, length: float) -> Iterator[tuple[list[tuple[float, int, dt.date]], dt.date | None]]:
    """Every slot of the plan as (start, office, the office's local day), in order of start then office, a
    day at a time; with each day's slots, the earliest local day a slot still to come can have (None: no
    more). Offices with the same calendar share their windows (schedule/plan.py), so each is cut once."""
    groups: dict[int, tuple[Spans, list[int]]] = {}
    for index, office_plan in enumerate(plan.offices):
        groups.setdefault(id(office_plan.days), (office_plan.days.spans, []))[1].append(index)
    todo = [(spans, offices, 0) for spans, offices in groups.values() if spans]
    lo = plan.range_start.timestamp()
    while todo:
        hi = lo + DAY
        chunk: list[tuple[float, int, dt.date]] = []
        left = []
        for spans, offices, first in todo:
            found, first = _cut(spans, first, length, lo, hi)
            for at, day in found:
                chunk += [(at, office, day) for office in offices]
            if first < len(spans):
                left.append((spans, offices, first))
        todo = left
        chunk.sort()  # by start, then office: no two slots share both
        yield chunk, min((spans[first][0].date() for spans, _, first in todo), default=None)
        lo = hi


def _short(plan: Plan, length: float) -> list[tuple[int, float, float]]:
    """(office, start, end) of each window's last piece shorter than a slot, in order of office then time."""
    short = []
    for index, office_plan in enumerate(plan.offices):
        for start, end in office_plan.days.spans:
            begin, finish = start.timestamp(), end.timestamp()
            at = begin + ((finish - begin) // length) * length
            if at < finish:
                short.append((index, at, finish))
    return short


def _starts(plan: Plan, length: float) -> list[float]:
    """Every moment a slot starts, in order."""
    found: set[float] = set()
    for spans in {id(p.days): p.days.spans for p in plan.offices}.values():
        found.update(_starts_of(spans, length))
    return sorted(found)
def _availability(volunteers: Sequence[Volunteer], plan: Plan, starts: list[float], length: float
                  ) -> tuple[dict[float, list[tuple[int, int, int]]], list[int]]:
    """For each slot start, the volunteers available for the whole slot, in file order: (volunteer, their
    day's number, the place of this moment among their available moments that day); and for each day's
    number, how many moments that day has. A volunteer's day is a day on their own clock."""
    places: dict[float, list[tuple[int, int, int]]] = {}
    totals: list[int] = []
    for index, volunteer in enumerate(volunteers):
        first = clock.local_date(plan.range_start, volunteer.timezone) - dt.timedelta(days=2)
        last = clock.local_date(plan.range_end, volunteer.timezone) + dt.timedelta(days=2)
        numbers: dict[dt.date, int] = {}
        for day, start, end in volunteer.spans(first, last):
            number = numbers.get(day)
            if number is None:
                number = numbers[day] = len(totals)
                totals.append(0)
            lo = bisect.bisect_left(starts, start.timestamp())
            hi = bisect.bisect_right(starts, end.timestamp() - length)
            for at in starts[lo:hi]:
                entries = places.get(at)
                if entries is None:
                    places[at] = entries = []
                elif entries[-1][0] == index:
                    continue  # spans that overlap (one past midnight): available once
                entries.append((index, number, totals[number]))
                totals[number] += 1
    return places, totals


def _takes(volunteers: Sequence[Volunteer], plan: Plan) -> list[frozenset[int] | None]:
    """For each volunteer, the offices (indices) they take; None: any."""
    from faxcampaign.campaign.language import primary

    ids = {p.office.id: i for i, p in enumerate(plan.offices)}
    found: list[frozenset[int] | None] = []
    for v in volunteers:
        if not v.offices and not v.languages:
            found.append(None)
            continue
        chosen = {ids[o] for o in v.offices if o in ids} if v.offices else set(ids.values())
        if v.languages:
            spoken = {primary(language) for language in v.languages}
            chosen = {i for i in chosen if primary(plan.offices[i].office.language) in spoken}
        found.append(frozenset(chosen))
    return found


def make_rota(plan: Plan, volunteers: Sequence[Volunteer], minutes: int, reached: frozenset[str] = frozenset()
              ) -> Rota:
    """Assign the plan's slots to ``volunteers``; ``reached``: ids of offices the log shows delivered."""
    length = minutes * 60.0
    available, moments = _availability(volunteers, plan, _starts(plan, length), length)
    ids = [p.office.id for p in plan.offices]
    last_chance = [p.days.last[1].timestamp() if p.days.last else float("inf") for p in plan.offices]
    need = [(ids[o] in reached, last_chance[o]) for o in range(len(ids))]  # the order's fixed part
    count = len(volunteers)
    load = [0] * count
    busy_until = [0.0] * count
    day_of = [0] * count  # each candidate's day number at the moment being filled
    used = [0] * len(moments)  # calls on each volunteer's day
    filled: dict[dt.date, dict[int, int]] = defaultdict(dict)  # slots filled on each office-local day, by office
    last_call: dict[tuple[int, int], float] = {}
    caps = [v.cap for v in volunteers]
    takes = _takes(volunteers, plan)
    taken: list[Slot] = []
    total = 0
    never = -HOUR * 2
    for chunk, oldest in _chunks(plan, length):
        total += len(chunk)
        for at, moment in itertools.groupby(chunk, key=operator.itemgetter(0)):
            group = list(moment)
            candidates = []  # load * count + volunteer: by load, then file order
            for volunteer, number, place in available.pop(at, ()):
                if busy_until[volunteer] > at:
                    continue
                cap = caps[volunteer]
                # the cap paced over their day: by their (place + 1)-th available moment, at most
                # ceil(cap * (place + 1) / moments) calls
                if cap is not None and used[number] * moments[number] >= cap * (place + 1):
                    continue
                day_of[volunteer] = number
                candidates.append(load[volunteer] * count + volunteer)
            candidates.sort()
            # those who take any office, in order; those who take some, in order per office of this moment
            anyone = [c for c in candidates if takes[c % count] is None]
            some: dict[int, list[int]] = defaultdict(list)
            if len(anyone) < len(candidates):
                here = {office for _, office, _ in group}
                for c in candidates:
                    allowed = takes[c % count]
                    if allowed is not None:
                        for office in allowed & here:
                            some[office].append(c)
            on_a_line = set()
            done: list[Slot] = []
            order = sorted(group, key=lambda s: (need[s[1]], filled[s[2]].get(s[1], 0), s[1])) \
                if len(group) > 1 else group
            for _, office, office_day in order:
                # the first free volunteer who takes the office, preferring one who has not called it in the
                # past hour
                first = fresh = None
                if anyone:
                    first = anyone[0]
                    if at - last_call.get((first % count, office), never) >= HOUR:
                        fresh = first
                    else:
                        fresh = next((c for c in anyone if at - last_call.get((c % count, office), never) >= HOUR),
                                     None)
                for c in some.get(office, ()):
                    if c % count in on_a_line:
                        continue
                    if first is None or c < first:
                        first = c
                    if at - last_call.get((c % count, office), never) >= HOUR:
                        fresh = c if fresh is None or c < fresh else fresh
                        break
                pick = fresh if fresh is not None else first
                if pick is None:
                    continue
                volunteer = pick % count
                if takes[volunteer] is None:
                    anyone.remove(pick)
                on_a_line.add(volunteer)
                load[volunteer] += 1
                used[day_of[volunteer]] += 1
                busy_until[volunteer] = at + length
                day_filled = filled[office_day]
                day_filled[office] = day_filled.get(office, 0) + 1
                last_call[volunteer, office] = at
                done.append(_new(Slot, (office, at, at + length, office_day, volunteer)))
            done.sort()  # by office: the group shares its start
            taken += done
        # forget what no slot to come can ask: days before the earliest still to come, calls over an hour ago
        for day in [d for d in filled if oldest is None or d < oldest]:
            del filled[day]
        if chunk:
            last_call = {k: v for k, v in last_call.items() if chunk[-1][0] - v < HOUR}
    return Rota(plan, list(volunteers), minutes, taken, total, _short(plan, length))


# Outputs. Each volunteer's times are on their own clock; an office's beside them on its own.

def saved_slots(rota: Rota) -> Iterator[RotaSlot]:
    """Every slot of the rota, with its volunteer or none, as the log keeps them."""
    for slot in rota.slots():
        office = rota.plan.offices[slot.office].office
        start, end = instant(slot.start, "UTC"), instant(slot.end, "UTC")
        if slot.volunteer is None:
            yield RotaSlot(office.id, start, end, None)
        else:
            v = rota.volunteers[slot.volunteer]
            yield RotaSlot(office.id, start, end, v.name, v.timezone, v.country)


class RotaFileError(FaxCampaignError):
    """A rota file (from `rota --format json`) cannot be read: FILE[:LINE:COL]: message."""


def read_rota_file(path: Path) -> list[RotaSlot]:
    """The slots of a file that `rota --format json` wrote (one volunteer's or the whole team's)."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise RotaFileError(f"{path}: cannot read: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise RotaFileError(f"{path}: not UTF-8 text (byte {e.start})") from e
    except json.JSONDecodeError as e:
        raise RotaFileError(f"{path}:{e.lineno}:{e.colno}: not JSON: {e.msg}") from e

    def fail(where: str, message: str) -> RotaFileError:
        return RotaFileError(f"{path}: {where}: {message} (write the file with `faxcampaign rota --format json`)")

    if not isinstance(data, dict) or not isinstance(data.get("slots"), list) or \
            not isinstance(data.get("volunteers"), list):
        raise fail("top level", "not a rota: no 'volunteers' and 'slots' lists")
    people: dict[str, tuple[str, str | None]] = {}
    for i, v in enumerate(data["volunteers"]):
        if not isinstance(v, dict) or not isinstance(v.get("name"), str) or not isinstance(v.get("timezone"), str):
            raise fail(f"volunteers[{i}]", "needs a name and a timezone")
        if not clock.is_zone(v["timezone"]):
            raise fail(f"volunteers[{i}].timezone", f"unknown time zone {v['timezone']!r}")
        country = v.get("country")
        people[v["name"]] = (v["timezone"], country if isinstance(country, str) else None)
    result = []
    for i, item in enumerate(data["slots"]):
        if not isinstance(item, dict) or not isinstance(item.get("office"), str):
            raise fail(f"slots[{i}]", "needs an office")
        try:
            start = dt.datetime.fromisoformat(item["start"])
            end = dt.datetime.fromisoformat(item["end"])
        except (KeyError, TypeError, ValueError):
            raise fail(f"slots[{i}]", "start and end must be ISO date-times with an offset") from None
        if start.tzinfo is None or end.tzinfo is None or end <= start:
            raise fail(f"slots[{i}]", "start and end must carry an offset, the end after the start")
        name = item.get("volunteer")
        if name is not None and name not in people:
            raise fail(f"slots[{i}].volunteer", f"{name!r} is not among the file's volunteers")
        zone, country = people[name] if name is not None else (None, None)
        result.append(RotaSlot(item["office"], start, end, name, zone, country))
    return result


def parse_slot(text: str) -> int:
    """Minutes from "15m", "30m", "1h", "90" (minutes); 5 to 240."""
    value = text.strip().lower()
    factor = 60 if value.endswith("h") else 1
    number = value.rstrip("hm").strip()
    if not number.isdigit():
        raise ValueError(f"{text!r} is not a slot length; write e.g. 15m, 30m or 1h")
    minutes = int(number) * factor
    if not 5 <= minutes <= 240:
        raise ValueError(f"{text!r}: a slot is from 5 minutes to 4 hours")
    return minutes

"""The one place that converts between an office's wall clock, absolute instants and a viewer's clock.

Everything uses pytz with its discipline: naive wall times are ``localize``d, never given as ``tzinfo=``,
and results of arithmetic are ``normalize``d. Nothing here reads the current time; callers pass ``now``.

A wall time that happens twice (the clocks went back, or Kazakhstan's move from +06 to +05 at
2024-03-01 00:00) means its first occurrence. A wall time that never happened (the clocks jumped over it)
means the moment of the jump: in London on 2027-03-28, 01:30 means 02:00 BST. Both rules keep the order
of wall times, so windows made from ordered spans never overlap, and a span wholly inside a gap has no
length (the scheduler drops it).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytz


# pytz is imported where a zone is first needed: `log` of one attempt in UTC needs none.

@functools.lru_cache(maxsize=1024)  # a campaign names the same few zones again and again
def is_zone(name: str) -> bool:
    import pytz

    return name in pytz.all_timezones_set


def zone_names() -> list[str]:
    import pytz

    return list(pytz.all_timezones)


def common_zone_names() -> list[str]:
    """The tz database's current zone names, without legacy links such as Asia/Istanbul."""
    import pytz

    return list(pytz.common_timezones)


def country_zones(country: str) -> list[str]:
    """The time zones of a country (ISO code), as the tz database lists them; [] if unknown."""
    import pytz

    return list(pytz.country_timezones.get(country.upper(), []))


@functools.cache
def zone(name: str) -> pytz.BaseTzInfo:
    import pytz

    try:
        return pytz.timezone(name)
    except pytz.UnknownTimeZoneError as e:
        raise ValueError(f"unknown time zone {name!r}") from e


@functools.lru_cache(maxsize=1 << 16)
def wall(zone_name: str, day: dt.date, minutes: int) -> dt.datetime:
    """The instant at ``minutes`` past midnight on ``day`` by the wall clock of ``zone_name``.

    ``minutes`` may be 1440 (24:00, the next midnight). Returned aware in that zone's local time.
    """
    import pytz

    tz = zone(zone_name)
    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)
    try:
        return tz.localize(naive, is_dst=None)
    except pytz.AmbiguousTimeError:
        # Happens twice: the first occurrence (whatever pytz's DST flags say).
        candidates = [tz.localize(naive, is_dst=flag) for flag in (True, False)]
        return min(candidates, key=lambda c: c.astimezone(pytz.utc))
    except pytz.NonExistentTimeError:
        return _jump(tz, naive)


def _jump(tz: pytz.BaseTzInfo, naive: dt.datetime) -> dt.datetime:
    """The instant the clocks jumped over ``naive`` (which lies in the gap): found by bisection between
    the two instants ``naive`` would be under the offsets before and after the change."""
    import pytz

    before = tz.normalize(tz.localize(naive - dt.timedelta(hours=6), is_dst=True)).utcoffset()
    after = tz.normalize(tz.localize(naive + dt.timedelta(hours=6), is_dst=True)).utcoffset()
    assert before is not None and after is not None
    lo, hi = naive - after, naive - before  # UTC; the change happened in (lo, hi]
    while hi - lo > dt.timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if pytz.utc.localize(mid).astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    result: dt.datetime = pytz.utc.localize(hi.replace(microsecond=0)).astimezone(tz)
    return result


def convert(instant: dt.datetime, zone_name: str) -> dt.datetime:
    """The same instant on another zone's clock."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime given where an instant is needed")
    return instant.astimezone(zone(zone_name))


def local_date(instant: dt.datetime, zone_name: str) -> dt.date:
    return convert(instant, zone_name).date()


def parse_instant(text: str, zone_name: str) -> dt.datetime:
    """Parse an ISO-like date-time; one without an offset is wall time in ``zone_name``."""
    from dateutil import parser

    value = parser.isoparse(text) if "T" in text else parser.parse(text)
    if value.tzinfo is None:
        value = wall(zone_name, value.date(), value.hour * 60 + value.minute).replace(
            second=value.second, microsecond=value.microsecond
        )
    return value


def system_zone_name() -> str:
    """This computer's IANA zone: $TZ, /etc/timezone, the /etc/localtime link, or UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        if name and is_zone(name):
            return name
    return "UTC"


def utc_now() -> dt.datetime:
    """The current instant: only the CLI calls this, and passes the result into the core."""
    return dt.datetime.now(dt.timezone.utc)

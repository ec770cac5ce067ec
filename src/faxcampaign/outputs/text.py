"""Small text helpers every output format shares (and nothing heavy to import)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str | None) -> str:
    """User text for a CSV cell: a leading = + - @ (or tab, CR) gets a ' so no spreadsheet runs it as a
    formula (the OWASP advice on CSV injection). Only for free text: numbers and times are ours."""
    if not text:
        return ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def offset_text(instant: dt.datetime) -> str:
    """The UTC offset as people write it: +06, +05:45, -08."""
    offset = instant.utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}" + (f":{rest:02d}" if rest else "")


def span_text(start: dt.datetime, end: dt.datetime) -> str:
    """'09:00-13:00'; an end at the next midnight is 24:00."""
    end_hour = 24 if end.hour == end.minute == 0 and end.date() > start.date() else end.hour
    return f"{start.hour:02d}:{start.minute:02d}-{end_hour:02d}:{end.minute:02d}"


def add_timezones(calendar: Any) -> None:
    """The VTIMEZONEs an icalendar Calendar needs, in order of TZID: icalendar adds them in the order of
    a set of names, which changes from one run to the next (string hashing), so the same plan would not
    give the same bytes."""
    calendar.add_missing_timezones()
    zones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
    rest = [c for c in calendar.subcomponents if c.name != "VTIMEZONE"]
    calendar.subcomponents[:] = sorted(zones, key=lambda c: str(c["TZID"])) + rest


# --- iCalendar text, without icalendar ------------------------------------------------------------
# A plan's calendar is written here, line by line, with icalendar's own TEXT escaping and folding (the
# bytes are icalendar's: tested); icalendar itself is imported only to make a time zone's VTIMEZONE the
# first time it is needed, which is then kept in the cache folder.


def ics_line(name: str, text: str) -> str:
    """A TEXT property, escaped (RFC 5545 3.3.11) and folded, without the line break."""
    escaped = (text.replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
               .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))  # in this order
    return ics_fold(f"{name}:{escaped}")


CHUNK = 1000  # rows, recipients, slots or events a piece of output holds (written as it is made)


def ics_head(kind: str, name: str, zones: Iterable[str]) -> str:
    """A calendar's opening as icalendar writes it: VERSION, PRODID, its name (X-WR-CALNAME is not TEXT:
    folded, never escaped) and the VTIMEZONEs of ``zones`` that are not written as UTC."""
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//faxcampaign//{kind}//EN\r\n"
            f"{ics_fold('X-WR-CALNAME:' + name)}\r\n" + vtimezones(z for z in zones if not written_as_utc(z)))


def ics_stamp(instant: dt.datetime) -> str:
    """The DTSTAMP line of every event of a calendar made at ``instant``."""
    from faxcampaign import clock

    return f"DTSTAMP:{clock.convert(instant, 'UTC'):%Y%m%dT%H%M%SZ}"


def ics_time(name: str, instant: dt.datetime) -> str:
    """A DTSTART or DTEND on the clock of ``instant``'s zone, as icalendar writes a pytz time."""
    from faxcampaign import clock

    zone = str(getattr(instant.tzinfo, "zone", ""))
    if written_as_utc(zone):
        return f"{name}:{clock.convert(instant, 'UTC'):%Y%m%dT%H%M%S}Z"
    return f"{name};TZID={zone}:{instant:%Y%m%dT%H%M%S}"


def ics_fold(line: str) -> str:
    """A content line folded before 75 octets, never inside an escape (as icalendar folds)."""
    if len(line) < 75 and line.isascii():
        return line
    lines: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = 1 if char < "\x80" else len(char.encode("utf-8"))
        if current and size + width >= 75:
            if len(current) > 1 and current[-1] in "\\^":
                carried = current.pop()
                lines.append("".join(current))
                current, size = [carried], 1
            else:
                lines.append("".join(current))
                current, size = [], 0
        current.append(char)
        size += width
    lines.append("".join(current))
    return "\r\n ".join(lines)


# One VTIMEZONE component as icalendar writes it (or none, for a zone written in UTC)
_VTIMEZONE = re.compile(r"(BEGIN:VTIMEZONE\r\n(?:[^\r\n]*\r\n)*?END:VTIMEZONE\r\n)?")


def _zone_stamp() -> str:
    from faxcampaign import cache

    return cache.stamp("icalendar") + "\n" + cache.stamp("pytz")


@functools.cache
def _zone(name: str) -> tuple[bool, str]:
    """Whether icalendar writes times of zone ``name`` as UTC ('Z', no TZID), and else its VTIMEZONE."""
    from faxcampaign import cache

    entries = cache.table("timezones", _zone_stamp())
    entry = entries.get(name)
    if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], bool) and isinstance(entry[1], str) \
            and _VTIMEZONE.fullmatch(entry[1]) and (entry[1] == "") == entry[0]:
        return entry[0], entry[1]
    import icalendar

    from faxcampaign import clock

    instant = clock.wall(name, dt.date(2000, 1, 1), 0)
    utc = "TZID" not in icalendar.vDDDTypes(instant).params
    calendar = icalendar.Calendar()
    if not utc:
        event = icalendar.Event()
        event.add("dtstart", instant)
        calendar.add_component(event)
        calendar.add_missing_timezones()
    text = "".join(c.to_ical().decode("utf-8") for c in calendar.subcomponents if c.name == "VTIMEZONE")
    entries[name] = [utc, text]
    cache.save_table("timezones", _zone_stamp())
    return utc, text


def written_as_utc(zone: str) -> bool:
    """Whether times in ``zone`` are written in UTC ('Z') rather than with its TZID (UTC itself, ...)."""
    return _zone(zone)[0]


def vtimezones(zones: Iterable[str]) -> str:
    """The VTIMEZONE components of ``zones``, in order of TZID, as icalendar writes them."""
    return "".join(_zone(name)[1] for name in sorted(set(zones)))

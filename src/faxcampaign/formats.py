"""Small text helpers every output format shares (and nothing heavy to import)."""

from __future__ import annotations

import datetime as dt
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

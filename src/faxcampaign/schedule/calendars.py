"""Public holidays and worked weekend days per country, from the ``holidays`` package, kept in a cache file.

Looking a country up in ``holidays`` imports its module and computes its years, some 5-10 ms a country,
and the package itself takes 30 ms to import: most of a small plan's time. The answer depends only on the
country, the years and the installed ``holidays``, so it is kept in ``holidays.json`` in the cache folder
(cache.py), marked with the installed package's file, size and time; another version of ``holidays`` starts
the file afresh. The file holds JSON only; one that cannot be read is ignored, and one that cannot be
written is not written: the cache only ever saves time. ``FAXCAMPAIGN_CACHE=off`` turns it off.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from faxcampaign import cache

Calendar = tuple[dict[dt.date, str], frozenset[dt.date]]


def _stamp() -> str:
    """What the installed ``holidays`` is, without importing it."""
    return cache.stamp("holidays")


def _tables() -> dict[str, Any]:
    """The cached tables, by key "CC 2026,2027": [[[date, name], ...], [worked weekend day, ...]]."""
    return cache.table("holidays", _stamp())


def _compute(country: str, years: tuple[int, ...]) -> Calendar:
    import holidays

    try:
        table = holidays.country_holidays(country, years=years, language="en_US")
    except NotImplementedError:
        return {}, frozenset()
    names = {day: str(name) for day, name in table.items()}
    workdays = frozenset(getattr(table, "weekend_workdays", ()) or ())
    return names, workdays


def _read(entry: Any) -> Calendar | None:
    """A cached table; None if it is not one (a file edited by hand, or damaged)."""
    try:
        days, worked = entry
        names = {dt.date.fromisoformat(day): str(name) for day, name in days}
        return names, frozenset(dt.date.fromisoformat(day) for day in worked)
    except (TypeError, ValueError):
        return None


def _write(key: str, calendar: Calendar) -> None:
    names, workdays = calendar
    _tables()[key] = [sorted([day.isoformat(), name] for day, name in names.items()),
                      sorted(day.isoformat() for day in workdays)]
    cache.save_table("holidays", _stamp())


@functools.lru_cache(maxsize=64)
def calendar(country: str, years: tuple[int, ...]) -> Calendar:
    """Public holidays (English names) and worked weekend days of ``country`` in ``years``."""
    key = f"{country} {','.join(map(str, years))}"
    cached = _tables().get(key)
    found = _read(cached) if cached is not None else None
    if found is not None:
        return found
    found = _compute(country, years)
    _write(key, found)
    return found

"""Public holidays and worked weekend days per country, from the ``holidays`` package, kept in a cache file.

Looking a country up in ``holidays`` imports its module and computes its years, some 5-10 ms a country,
and the package itself takes 30 ms to import: most of a small plan's time. The answer depends only on the
country, the years and the installed ``holidays``, so it is kept in ``holidays.json`` in the cache folder
(``$FAXCAMPAIGN_CACHE``, else ``$XDG_CACHE_HOME/faxcampaign``, else ``~/.cache/faxcampaign``), marked with
the installed package's file, size and time; another version of ``holidays`` starts the file afresh.
The file holds JSON only; one that cannot be read is ignored, and one that cannot be written is not
written: the cache only ever saves time. ``FAXCAMPAIGN_CACHE=off`` turns it off.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

Calendar = tuple[dict[dt.date, str], frozenset[dt.date]]


def folder() -> Path | None:
    """The cache folder; None when caching is off."""
    own = os.environ.get("FAXCAMPAIGN_CACHE")
    if own:
        return None if own == "off" else Path(own)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "faxcampaign"


@functools.cache
def _stamp() -> str:
    """What the installed ``holidays`` is, without importing it."""
    spec = importlib.util.find_spec("holidays")
    origin = spec.origin if spec else None
    if not origin:
        return "?"
    try:
        info = os.stat(origin)
    except OSError:
        return "?"
    return f"{origin}|{info.st_size}|{info.st_mtime_ns}"


@functools.cache
def _tables() -> dict[str, Any]:
    """The cached tables, by key "CC 2026,2027": [[[date, name], ...], [worked weekend day, ...]]."""
    where = folder()
    if where is None:
        return {}
    try:
        data = json.loads((where / "holidays.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    tables = data.get("tables") if isinstance(data, dict) and data.get("holidays") == _stamp() else None
    return tables if isinstance(tables, dict) else {}


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
    from faxcampaign.errors import OutputError
    from faxcampaign.files import atomic_write

    where = folder()
    if where is None:
        return
    tables = _tables()
    names, workdays = calendar
    tables[key] = [sorted([day.isoformat(), name] for day, name in names.items()),
                   sorted(day.isoformat() for day in workdays)]
    text = json.dumps({"holidays": _stamp(), "tables": tables}, ensure_ascii=False, separators=(",", ":"))
    try:
        atomic_write(where / "holidays.json", text)
    except OutputError:
        pass  # a folder we may not write: the next run computes again


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

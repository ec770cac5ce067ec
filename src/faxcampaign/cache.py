"""The cache folder: answers worked out once and kept for later runs.

Validated campaigns (campaign.py) are pickled, one file each, and read back as faxcampaign's own types
only. Small answers are JSON tables, one file each, stamped with what made them: holidays (calendars.py),
time zones' VTIMEZONEs (formats.py), dialled numbers (numbers.py) and parsed letters (letters.py).

The folder is ``$FAXCAMPAIGN_CACHE``, else ``$XDG_CACHE_HOME/faxcampaign``, else ``~/.cache/faxcampaign``;
``FAXCAMPAIGN_CACHE=off`` turns caching off. The cache only ever saves time: an entry that cannot be read
is worked out again, and one that cannot be written is not written.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import io
import json
import os
import pickle
from pathlib import Path
from typing import Any

KEEP = 64  # entries of one kind; the oldest go when there are more


def folder() -> Path | None:
    """The cache folder; None when caching is off."""
    own = os.environ.get("FAXCAMPAIGN_CACHE")
    if own:
        return None if own == "off" else Path(own)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "faxcampaign"


def _file_stamp(origin: str) -> str:
    try:
        info = os.stat(origin)
    except OSError:
        return f"{origin}|?"
    return f"{origin}|{info.st_size}|{info.st_mtime_ns}"


@functools.cache
def stamp(package: str) -> str:
    """What the installed ``package`` is (its file, size and time), without importing it."""
    spec = importlib.util.find_spec(package)
    return _file_stamp(spec.origin) if spec and spec.origin else "?"


@functools.cache
def own_stamp() -> str:
    """What this faxcampaign is: every module's file, size and time (an edited checkout counts too)."""
    here = Path(__file__).parent
    names = sorted(str(p) for p in here.rglob("*.py"))
    return "\n".join(_file_stamp(name) for name in names)


# --- JSON tables: small answers, many to a file ---------------------------------------------------

@functools.cache
def table(name: str, stamp: str) -> dict[str, Any]:
    """The entries of ``name``.json, if what made them was ``stamp`` (a library's `stamp`); else none.
    The same dict for the whole run: add to it, then `save_table`."""
    where = folder()
    if where is None:
        return {}
    try:
        data = json.loads((where / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entries = data.get("entries") if isinstance(data, dict) and data.get("stamp") == stamp else None
    return entries if isinstance(entries, dict) else {}


def remember(name: str, stamp: str, key: str, value: Any, keep: int = 100_000) -> None:
    """Add an answer to the table ``name``; the table is written once, when the process ends (or at
    `flush`). Beyond ``keep`` answers it starts again with this run's."""
    entries = table(name, stamp)
    entries[key] = _new.setdefault((name, stamp), {})[key] = value
    if len(entries) > keep:
        entries.clear()
        entries.update(_new[name, stamp])
    if not _registered:
        _registered.append(True)
        atexit.register(flush)


def flush() -> None:
    """Write every table that has new answers (a worker process, which ends without atexit, calls it)."""
    for (name, stamp) in list(_new):
        save_table(name, stamp)
    _new.clear()


_new: dict[tuple[str, str], dict[str, Any]] = {}  # new answers, by table
_registered: list[bool] = []


def save_table(name: str, stamp: str) -> None:
    """Write ``name``.json with its entries as they now are."""
    from faxcampaign.errors import OutputError
    from faxcampaign.files import atomic_write

    where = folder()
    if where is None:
        return
    text = json.dumps({"stamp": stamp, "entries": table(name, stamp)}, ensure_ascii=False, separators=(",", ":"))
    try:
        atomic_write(where / f"{name}.json", text)
    except OutputError:
        pass  # a folder we may not write: the next run works it out again


# --- pickled entries -----------------------------------------------------------------------------

# An entry is read back as these types only (pickle's "restricting globals"): a file planted in the
# cache folder cannot make the unpickler call anything else.
_ALLOWED = {
    "builtins": {"set", "frozenset", "bytes", "bytearray", "complex"},
    "datetime": {"date", "datetime", "time", "timedelta", "timezone"},
    "faxcampaign.campaign.model": {"Record", "Office"},
    "faxcampaign.errors": {"Finding"},
    "faxcampaign.campaign.hours": {"OpeningHours", "Rule"},
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if name in _ALLOWED.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not expected in a cache entry")


def read(kind: str, key: str) -> Any:
    """The entry ``kind/key``; None if there is none or it cannot be read."""
    where = folder()
    if where is None:
        return None
    try:
        data = (where / kind / f"{key}.pickle").read_bytes()
        return _Unpickler(io.BytesIO(data)).load()
    except Exception:  # noqa: BLE001 - a damaged or planted entry is a miss, whatever it raises
        return None


def write(kind: str, key: str, value: Any) -> None:
    """Keep ``value`` as ``kind/key``, whole or not at all; the oldest entries of ``kind`` beyond `KEEP`
    are removed."""
    from faxcampaign.errors import OutputError
    from faxcampaign.files import atomic_write

    where = folder()
    if where is None:
        return
    try:
        atomic_write(where / kind / f"{key}.pickle", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        entries = sorted((where / kind).glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except (OutputError, OSError):
        pass  # a folder we may not write: the next run works it out again


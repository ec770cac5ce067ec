"""`load`: a campaign file to a loaded `Campaign`, from the cache folder while nothing has changed.

Validating a campaign file (schema.py) imports pydantic, PyYAML and phonenumbers and checks every
value: most of a small command's time. Once a file has loaded cleanly, the result is kept in the cache
folder (cache.py), keyed by a digest of the file's bytes and of what this faxcampaign and the libraries
that judged it are, so that while nothing changes the next command reads it back instead. After an edit,
the file's last clean load gives the parts that have not changed (reader.py), and only the rest is
validated. The letter templates' places are checked again on every load (files may have moved), and
`check` always validates in full.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faxcampaign.limits import CAMPAIGN_BYTES

if TYPE_CHECKING:
    from faxcampaign.campaign.model import Campaign
    from faxcampaign.campaign.reader import Known


def load(path: str | Path, describe_numbers: bool = False) -> Campaign:
    """Load and validate a campaign file; raise `CampaignError` with every finding if it has errors.

    ``describe_numbers`` names the place in a suggested fix for an outdated number (what `check` shows);
    it costs loading phonenumbers' geocoder, so other commands leave it off. Such a load, the full check,
    never comes from the cache.
    """
    path = Path(path)
    if _keeping and not describe_numbers:
        remembered = _memo.get(path)
        if remembered is not None and _stamp(path, remembered[1].templates.values()) == remembered[0]:
            return remembered[1]
    campaign = _load(path, describe_numbers)
    if _keeping and not describe_numbers:
        stamp = _stamp(path, campaign.templates.values())
        if stamp is not None:
            _memo[path] = (stamp, campaign)
            if len(_memo) > 16:
                _memo.pop(next(iter(_memo)))
    return campaign


# A long-running process (`serve`) loads the same file on every request: once it calls `keep_loaded`,
# while the file and its letter templates keep their size, modification time and inode, the campaign it
# loaded last is used again. A command run once reads the cache folder as ever.
_memo: dict[Path, tuple[tuple[int, ...], Campaign]] = {}
_keeping = False


def keep_loaded() -> None:
    global _keeping
    _keeping = True


def _stamp(path: Path, templates: Iterable[str]) -> tuple[int, ...] | None:
    stamp: list[int] = []
    try:
        for place in (path, *(path.parent / name for name in templates)):
            st = place.stat()
            stamp += [st.st_mtime_ns, st.st_size, st.st_ino]
    except OSError:
        return None
    return tuple(stamp)


def _load(path: Path, describe_numbers: bool) -> Campaign:
    key = None if describe_numbers else _key(path)
    if key is not None:
        found = _cached(path, key)
        if found is not None:
            return found
    from faxcampaign.campaign.reader import read

    if describe_numbers:
        return read(path, describe_numbers)[0]
    campaign, parts = read(path, known=_last(path) if key is not None else None)
    if key is not None:
        from faxcampaign import cache

        cache.write("campaigns", key, (campaign.data, campaign.offices, campaign.findings, parts))
        cache.remember("last-loads", _judges(), str(path.resolve()), key, keep=cache.KEEP)
    return campaign


def _last(path: Path) -> Known | None:
    """The validated parts of the file's last clean load, if the cache still has them."""
    from faxcampaign import cache
    from faxcampaign.campaign.reader import Known

    key = cache.table("last-loads", _judges()).get(str(path.resolve()))
    # a key as `_key` makes them, and nothing else: the table may have been tampered with
    entry: Any = cache.read("campaigns", key) if isinstance(key, str) and _KEY.fullmatch(key) else None
    try:
        data, _, _, parts = entry
        return Known(parts, data) if parts is not None else None
    except (TypeError, ValueError, AttributeError):
        return None


_KEY = re.compile(r"[0-9a-f]{64}")

# The libraries whose judgement a loaded campaign holds: the validator, the YAML reader, the numbering
# plans, the time zones and the language tags.
_JUDGES = ("pydantic", "pydantic_core", "yaml", "phonenumbers", "pytz", "babel")


def file_bytes(path: Path) -> bytes | None:
    """The campaign file's bytes; None if it is not a readable file under the size limit."""
    try:
        if not path.is_file() or path.stat().st_size > CAMPAIGN_BYTES:
            return None
        return path.read_bytes()
    except OSError:
        return None


def _key(path: Path) -> str | None:
    """The cache key of the file as it now is: a digest of its bytes and of its judges."""
    from faxcampaign import cache

    if cache.folder() is None:
        return None
    content = file_bytes(path)
    if content is None:
        return None
    return hashlib.sha256(_judges().encode() + b"\0" + content).hexdigest()


@functools.cache
def _judges() -> str:
    """A digest of what judged a load: this Python, this faxcampaign and `_JUDGES`."""
    from faxcampaign import cache

    digest = hashlib.sha256(sys.version.encode())
    for stamp in (cache.own_stamp(), *(cache.stamp(name) for name in _JUDGES)):
        digest.update(stamp.encode() + b"\0")
    return digest.hexdigest()


def _cached(path: Path, key: str) -> Campaign | None:
    from faxcampaign import cache
    from faxcampaign.campaign.model import Campaign
    from faxcampaign.files import is_inside

    entry = cache.read("campaigns", key)
    try:
        data, offices, findings, _ = entry
        campaign = Campaign(path, data, offices, [dataclasses.replace(f, file=str(path)) for f in findings])
        folder = path.parent
        for name in campaign.templates.values():  # still where the full load found them?
            letter = folder / name
            if not (is_inside(letter, folder) and letter.is_file()):
                return None
    except (TypeError, ValueError, AttributeError, OSError):
        return None
    return campaign

"""The campaign as the log needs it: its key and, per office, the id, name, time zone and numbers.

Loading and validating a campaign file costs a few hundred milliseconds (pydantic, phonenumbers); a
volunteer's `faxcampaign log` and the organiser's `status` need only this roster. So once a campaign file
has loaded cleanly, its roster is kept in the log, keyed by a digest of the file's bytes and this
faxcampaign's version: while the file is unchanged, `log` and `status` read the roster instead of loading
the file again. Any change to the file (or to faxcampaign) misses the cache and loads it in full, with
every check.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from faxcampaign import __version__
from faxcampaign.campaign.facts import log_key

if TYPE_CHECKING:
    from faxcampaign.campaign.model import Campaign
    from faxcampaign.log.store import Log



class RosterOffice(NamedTuple):
    id: str
    name: str
    timezone: str
    fax: tuple[str, ...]  # E.164
    written: tuple[str, ...]  # the numbers as the campaign file writes them


class Roster(NamedTuple):
    key: str  # keeps campaigns apart in a shared log: the reference, or else the title
    title: str
    reference: str | None
    deadline: dt.date | None
    offices: tuple[RosterOffice, ...]

    @classmethod
    def of(cls, campaign: Campaign) -> Roster:
        data = campaign.data
        return cls(
            key=log_key(data.title, data.reference), title=data.title, reference=data.reference, deadline=data.deadline,
            offices=tuple(RosterOffice(o.id, o.name, o.timezone, o.fax, tuple(o.recipient.fax))
                          for o in campaign.offices),
        )

    def to_json(self) -> str:
        document: dict[str, Any] = self._asdict()
        document["deadline"] = self.deadline.isoformat() if self.deadline else None
        document["offices"] = [o._asdict() for o in self.offices]
        return json.dumps(document, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Roster:
        d: dict[str, Any] = json.loads(text)
        return cls(d["key"], d["title"], d["reference"], dt.date.fromisoformat(d["deadline"]) if d["deadline"]
                   else None, tuple(RosterOffice(o["id"], o["name"], o["timezone"], tuple(o["fax"]),
                                                 tuple(o["written"])) for o in d["offices"]))

    def office(self, office_id: str) -> RosterOffice | None:
        index = _indexes.get(id(self))
        if index is None or index[0] is not self:
            if len(_indexes) >= 8:
                _indexes.clear()
            index = _indexes[id(self)] = (self, {o.id: o for o in self.offices})
        return index[1].get(office_id)


# Each roster's offices by id (a roster is a tuple: it cannot hold the index itself); the roster is kept
# with its index, so that its id cannot be taken by another while the index is here.
_indexes: dict[int, tuple[Roster, dict[str, RosterOffice]]] = {}


def digest(path: Path) -> str | None:
    """A digest of the campaign file's bytes and this faxcampaign's version; None if unreadable."""
    from faxcampaign.campaign.loader import file_bytes

    content = file_bytes(path)
    if content is None:
        return None
    return hashlib.sha256(__version__.encode() + b"\0" + content).hexdigest()


def load_roster(path: Path, log: Log) -> Roster:
    """The campaign's roster: from the log's cache while the file is unchanged, else by loading the file
    (which reports every error in it) and caching the result in the log. A long-running process
    (`keep_loaded`) keeps the last one while the file keeps its size, modification time and inode."""
    try:
        st = path.stat()
        stamp: tuple[int, ...] | None = (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        stamp = None
    remembered = _rosters.get(path)
    if remembered is not None and remembered[0] == stamp:
        return remembered[1]
    roster = _load_roster(path, log)
    if stamp is not None and _keeping:
        _rosters[path] = (stamp, roster)
    return roster


_rosters: dict[Path, tuple[tuple[int, ...] | None, Roster]] = {}
_keeping = False


def keep_loaded() -> None:
    """A long-running process (`serve`) keeps each campaign's roster while its file is unchanged."""
    global _keeping
    _keeping = True


def _load_roster(path: Path, log: Log) -> Roster:
    key = digest(path)
    if key is not None and log.exists:
        cached = log.cached_roster(key)
        if cached is not None:
            return Roster.from_json(cached)
    from faxcampaign.campaign.loader import load

    roster = Roster.of(load(path))
    if key is not None and log.exists:
        log.cache_roster(key, roster.to_json())
    return roster


def open_campaign_log(campaign_path: Path, log_option: str | None) -> tuple[Log, Roster]:
    """The campaign's log (from --log, $FAXCAMPAIGN_LOG or beside the file) and the campaign's roster.

    A missing log is not created here (it reads as empty): see `writable`."""
    from faxcampaign.log.store import location, open_log

    log = open_log(location(log_option, campaign_path), "", create=False)
    try:
        roster = load_roster(campaign_path, log)
    except BaseException:
        log.close()
        raise
    log.campaign = roster.key
    return log, roster


def writable(log: Log, roster: Roster, campaign_path: Path) -> Log:
    """``log``, created now if it did not exist yet (with the roster cached in it)."""
    if log.exists:
        return log
    from faxcampaign.log.store import open_log

    created = open_log(log.where, roster.key, create=True)
    key = digest(campaign_path)
    if key is not None:
        created.cache_roster(key, roster.to_json())
    return created


@functools.lru_cache(maxsize=4096)  # an imported sheet gives the same few numbers row after row
def _plain(number: str) -> str:
    return re.sub(r"[^0-9+]", "", number)


def match_number(office: RosterOffice, text: str) -> str | None:
    """The office's E.164 number that ``text`` writes (as in the campaign file, or E.164, spacing aside)."""
    wanted = _plain(text)
    for e164, written in zip(office.fax, office.written, strict=False):
        if wanted in (e164, _plain(written)):
            return e164
    return None

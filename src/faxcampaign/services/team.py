"""What the web app shows and records for a link's holder: their calls for a day (with the team's outcomes
on each office today), an attempt recorded as them (once per key), an undo of their own entry."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path

from faxcampaign import clock
from faxcampaign.errors import ConflictError, FaxCampaignError, RequestError
from faxcampaign.log.store import Entry
from faxcampaign.services.callsheet import Sheet
from faxcampaign.services.links import Holder

SKEW = dt.timedelta(minutes=5)  # how far ahead of the server's clock a phone's `at` may be


@dataclasses.dataclass(frozen=True, slots=True)
class Calls:
    sheet: Sheet
    today: dict[str, list[Entry]]  # the team's attempts on each office since the start of its day


def calls(campaign: Path, holder: Holder, now: dt.datetime, day: dt.date | None = None,
          log_place: str | None = None) -> Calls:
    """The holder's calls for ``day`` on their clock (default today): their rota slots when a rota is saved
    and gives them any, else the day's call sheet."""
    from faxcampaign.services.base import load_campaign, progress_of
    from faxcampaign.services.callsheet import build, team_slots
    from faxcampaign.services.status import recent

    loaded = load_campaign(campaign)
    day = day or clock.local_date(now, holder.timezone)
    rota = None
    try:
        mine = team_slots(loaded, None, log_place).get(holder.name)
        rota = (holder.name, mine) if mine else None
    except FaxCampaignError:
        rota = None
    sheet = build(loaded, day, holder.timezone, holder.dial_from, now, progress=progress_of(loaded, log_place, now),
                  rota=rota)
    zones = {o.id: o.timezone for o in loaded.offices}
    today: dict[str, list[Entry]] = {}
    for e in recent(campaign, now, log_place):  # the last day holds every office's today
        zone = zones.get(e.attempt.recipient)
        if zone and clock.local_date(e.attempt.at, zone) == clock.local_date(now, zone):
            today.setdefault(e.attempt.recipient, []).append(e)
    return Calls(sheet, today)


def record(campaign: Path, holder: Holder, recipient: str, outcome: str, now: dt.datetime,
           number: str | None = None, at: dt.datetime | None = None, pages: int | None = None,
           note: str | None = None, key: str | None = None, log_place: str | None = None) -> tuple[Entry, bool]:
    """Record an attempt by the holder (never anyone else); (the entry, True when it is new)."""
    from faxcampaign.log.recording import find_number, find_office
    from faxcampaign.log.roster import open_campaign_log, writable
    from faxcampaign.log.store import Attempt
    from faxcampaign.services.base import load_campaign
    from faxcampaign.services.record import outcome_name

    name = outcome_name(outcome)
    when = at or now
    if when.tzinfo is None:
        raise RequestError("give the time with its offset, e.g. 2003-01-06T09:30:00+06:00", "at")
    loaded = load_campaign(campaign)
    if when > now + SKEW:
        raise RequestError("the time is in the future", "at")
    if loaded.data.starts and clock.local_date(when, "UTC") < loaded.data.starts - dt.timedelta(days=1):
        raise RequestError(f"the time is before the campaign starts ({loaded.data.starts})", "at")
    log, roster = open_campaign_log(campaign, log_place)
    with log:
        office = find_office(roster, recipient)
        e164 = find_number(office, number)
        # a key is the volunteer's own: it becomes the attempt's unique key in the log, so the same tap
        # sent twice (or to two servers) is recorded once, and a copied log keeps it
        unique = None if key is None else "web:" + hashlib.sha256(
            json.dumps([roster.key, holder.name, key]).encode()).hexdigest()
        attempt = Attempt(at=when, recipient=office.id, number=e164, outcome=name, volunteer=holder.name,
                          pages=pages, note=note, source="web", key=unique)
        with writable(log, roster, campaign) as kept:
            if unique is None:
                (entry_id,) = kept.record([attempt], now)
                return Entry(entry_id, attempt), True
            entry, new = kept.record_once(attempt, now)
    if not new:
        before = entry.attempt
        same = (before.recipient, before.number, before.outcome, before.pages, before.note) == (
            attempt.recipient, attempt.number, attempt.outcome, attempt.pages, attempt.note)
        if not same or (at is not None and before.at != when) or before.volunteer != holder.name:
            raise ConflictError(f"the key {key!r} was used for another attempt (entry {entry.id})")
    assert entry is not None
    return entry, new


def undo(campaign: Path, holder: Holder, entry_id: int, note: str, now: dt.datetime,
         log_place: str | None = None) -> Entry:
    """Void one of the holder's own entries of the last day."""
    from faxcampaign.log.roster import open_campaign_log

    log, _ = open_campaign_log(campaign, log_place)
    with log:
        entry = log.entry(entry_id) if log.exists else None
        if entry is None:
            raise LookupError(f"no entry {entry_id}")
        if entry.attempt.volunteer != holder.name:
            raise PermissionError("only your own entries can be undone")
        if entry.voided_by is not None:
            raise ConflictError(f"entry {entry_id} is already undone")
        if now - entry.attempt.at > dt.timedelta(hours=24):
            raise PermissionError("only an entry of the last day can be undone; ask the organiser")
        log.void(entry_id, note, holder.name, now)
        voided = log.entry(entry_id)
    assert voided is not None
    return voided

"""Recording what volunteers report: one attempt (`log`), a call sheet sent back (`log --import`), and
voiding a mistake (`log --void`). The log is append-only."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from faxcampaign.errors import RequestError


@dataclasses.dataclass(frozen=True, slots=True)
class AttemptRequest:
    campaign: Path
    recipient: str
    outcome: str  # as the volunteer wrote it: "No answer" is no-answer
    now: dt.datetime
    at: dt.datetime | None = None  # default now
    number: str | None = None  # as written in the campaign, or E.164; default the office's first
    by: str | None = None
    pages: int | None = None
    note: str | None = None
    log: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Recorded:
    entry: int
    recipient: str
    number: str
    outcome: str


def outcome_name(text: str | None) -> str:
    """The vocabulary's name for ``text``, or a `RequestError` listing the outcomes."""
    from faxcampaign.log.recording import normal_outcome
    from faxcampaign.outcomes import OUTCOMES

    name = normal_outcome(text or "")
    if name is None:
        raise RequestError(f"{text!r} is not an outcome; one of: {', '.join(OUTCOMES)}" if text
                           else f"missing; one of: {', '.join(OUTCOMES)}", "OUTCOME")
    return name


def record_attempt(request: AttemptRequest) -> Recorded:
    from faxcampaign.log.recording import find_number, find_office
    from faxcampaign.log.roster import open_campaign_log, writable
    from faxcampaign.log.store import Attempt

    outcome = outcome_name(request.outcome)
    log, roster = open_campaign_log(request.campaign, request.log)
    with log:
        office = find_office(roster, request.recipient)
        e164 = find_number(office, request.number)
        with writable(log, roster, request.campaign) as kept:
            (entry,) = kept.record([Attempt(at=request.at or request.now, recipient=office.id, number=e164,
                                            outcome=outcome, volunteer=request.by, pages=request.pages,
                                            note=request.note)], request.now)
    return Recorded(entry, office.id, e164, outcome)


@dataclasses.dataclass(frozen=True, slots=True)
class Imported:
    recorded: int
    rows: int

    @property
    def already(self) -> int:
        return self.rows - self.recorded


def import_sheet(campaign: Path, sheet: Path, by: str | None, zone: str, now: dt.datetime,
                 log_place: str | None = None) -> Imported:
    """Every filled-in row of a call sheet CSV, all or none; a row already in the log is not recorded again."""
    from faxcampaign.log.recording import read_import
    from faxcampaign.log.roster import open_campaign_log, writable

    log, roster = open_campaign_log(campaign, log_place)
    with log:
        attempts = read_import(sheet, roster, by, zone)
        with writable(log, roster, campaign) as kept:
            count = kept.record_all(attempts, now)
    return Imported(count, len(attempts))


def void(campaign: Path, entry: int, note: str, by: str | None, now: dt.datetime, log_place: str | None = None) -> None:
    """Void attempt ``entry``, saying why."""
    from faxcampaign.log.roster import open_campaign_log

    log, _ = open_campaign_log(campaign, log_place)
    with log:
        log.void(entry, note, by, now)

"""`status` and `history`: the campaign's progress and every attempt, from its log."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from faxcampaign.services.base import tally

if TYPE_CHECKING:
    from faxcampaign.log.progress import Progress
    from faxcampaign.log.store import Entry, Job


def status(campaign: Path, now: dt.datetime, log_place: str | None = None) -> Progress:
    """Offices reached, deliveries, numbers' health, and the saved rota's coverage."""
    from faxcampaign.log.progress import coverage
    from faxcampaign.log.roster import open_campaign_log

    log, roster = open_campaign_log(campaign, log_place)
    with log:
        result = tally(roster, log, now)
        slots = log.rota()
        return dataclasses.replace(result, rota=coverage(slots, log.reports() if slots else [], now),
                                   deliveries_by_hour=tuple(log.deliveries_by_hour()))


def history(campaign: Path, log_place: str | None = None) -> list[Entry]:
    """Every attempt, oldest first; voided ones marked."""
    from faxcampaign.log.roster import open_campaign_log

    log, _ = open_campaign_log(campaign, log_place)
    with log:
        return log.entries()


def each_entry(campaign: Path, log_place: str | None = None) -> Iterator[Entry]:
    """Every attempt, oldest first, voided ones marked, read as they are used: `history` writes them as
    they come, so memory does not grow with the log."""
    from faxcampaign.log.roster import open_campaign_log

    log, _ = open_campaign_log(campaign, log_place)
    with log:
        yield from log.each_entry()


def recent(campaign: Path, now: dt.datetime, log_place: str | None = None,
           window: dt.timedelta = dt.timedelta(days=1)) -> list[Entry]:
    """The attempts of the last ``window`` (a day by default), oldest first: the dashboard's feed."""
    from faxcampaign.log.roster import open_campaign_log

    log, _ = open_campaign_log(campaign, log_place)
    with log:
        return log.entries_since(now - window) if log.exists else []


def queue(campaign: Path, log_place: str | None = None) -> list[Job]:
    """The fax jobs handed to a backend that have not ended: the send queue."""
    from faxcampaign.log.roster import open_campaign_log

    log, _ = open_campaign_log(campaign, log_place)
    with log:
        return log.open_jobs() if log.exists else []


def reachable(campaign: Path, log_place: str | None = None) -> None:
    """Nothing when the campaign's log can be read (a load balancer's health check), else `LogError`."""
    from faxcampaign.log.roster import open_campaign_log

    log, _ = open_campaign_log(campaign, log_place)
    with log:
        log.link("")

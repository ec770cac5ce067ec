"""What every service shares: loading a campaign for a request, and reading the campaign's progress from its log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from faxcampaign.errors import RequestError

if TYPE_CHECKING:
    from faxcampaign.campaign.model import Campaign
    from faxcampaign.log.progress import Progress
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import Log


def load_campaign(path: Path, only: Sequence[str] = ()) -> Campaign:
    """Load the campaign and check that every recipient in ``only`` is one of its ids."""
    from faxcampaign.campaign.loader import load

    loaded = load(path)
    known = [o.id for o in loaded.offices]
    unknown = [i for i in only if i not in known]
    if unknown:
        raise RequestError(f"no recipient {unknown[0]!r}; the ids are: {', '.join(known)}", "--recipient")
    return loaded


def tally(roster: Roster, log: Log, now: dt.datetime) -> Progress:
    """The campaign's progress from an open log."""
    from faxcampaign.log.progress import earliest_today, progress

    return progress(roster, log.summary(earliest_today(roster, now)), now)


def progress_of(campaign: Campaign, log_place: str | None, now: dt.datetime) -> Progress | None:
    """What the log knows, for a loaded campaign; None when there is no log yet."""
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import location, open_log

    roster = Roster.of(campaign)
    with open_log(location(log_place, campaign.path), roster.key, create=False) as log:
        return tally(roster, log, now) if log.exists else None


def local_today(now: dt.datetime) -> dt.date:
    """Today on this computer's clock (a letter's date)."""
    from faxcampaign import clock

    return clock.local_date(now, clock.system_zone_name())


def parse_now(text: str | None, zone: str, option: str = "--now") -> dt.datetime:
    """The instant ``text`` names on the clock of ``zone`` (an offset in it wins); now when it is None."""
    from faxcampaign import clock

    if text is None:
        return clock.utc_now()
    try:
        instant = clock.parse_instant(text, zone)
    except (ValueError, OverflowError):
        raise RequestError(f"not a date and time: {text!r} (write e.g. 2003-01-06T09:30)", option) from None
    in_range(instant.date(), option)
    return instant


def in_range(day: dt.date, option: str | None = None) -> dt.date:
    from faxcampaign.campaign.model import FIRST_YEAR, LAST_YEAR

    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise RequestError(f"{day} is out of range: use a date between {FIRST_YEAR} and {LAST_YEAR}", option)
    return day


def long_running() -> None:
    """This process serves many requests (`serve`): keep each campaign loaded while its files are
    unchanged, instead of reading them for every request."""
    from faxcampaign.campaign import loader
    from faxcampaign.log import roster

    loader.keep_loaded()
    roster.keep_loaded()

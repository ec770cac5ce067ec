"""`rota`: the team's calls spread over every office's open hours, and keeping it in the log."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from faxcampaign import clock
from faxcampaign.errors import RequestError
from faxcampaign.services.base import load_campaign, progress_of

if TYPE_CHECKING:
    from faxcampaign.team.rota import Rota


@dataclasses.dataclass(frozen=True, slots=True)
class RotaRequest:
    campaign: Path
    volunteers: Path
    zone: str  # the zone of ``first``
    now: dt.datetime
    first: dt.date | None = None
    days: int = 7
    minutes: int = 15
    volunteer: str | None = None  # only this volunteer's part
    save: bool = False
    log: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class RotaResult:
    rota: Rota
    chosen: int | None  # the index of ``volunteer`` in the rota's volunteers
    saved: int | None  # slots kept in the log, with ``save``
    saved_in: str | None  # where (masked)


def rota(request: RotaRequest) -> RotaResult:
    from faxcampaign.schedule.plan import plan as make_plan
    from faxcampaign.team.rota import make_rota
    from faxcampaign.team.volunteers import read_volunteers

    loaded = load_campaign(request.campaign)
    team = read_volunteers(request.volunteers, [o.id for o in loaded.offices])
    progress = progress_of(loaded, request.log, request.now)
    reached = frozenset(o.id for o in progress.offices if o.delivered) if progress else frozenset()
    the_plan = make_plan(loaded, request.first or clock.local_date(request.now, request.zone), request.days,
                         request.zone, request.now)
    result = make_rota(the_plan, team, request.minutes, reached)
    saved = saved_in = None
    if request.save:
        saved, saved_in = _save(request, result)
    chosen = None
    if request.volunteer:
        chosen = result.volunteer(request.volunteer)
        if chosen is None:
            raise RequestError(f"no volunteer {request.volunteer!r} in {request.volunteers}", "--volunteer")
    return RotaResult(result, chosen, saved, saved_in)


def _save(request: RotaRequest, result: Rota) -> tuple[int, str]:
    from faxcampaign import urls
    from faxcampaign.log.roster import open_campaign_log, writable
    from faxcampaign.team.rota import saved_slots

    log, roster = open_campaign_log(request.campaign, request.log)
    with writable(log, roster, request.campaign) as kept:
        count = kept.save_rota(saved_slots(result), result.plan.range_start, result.plan.range_end, request.now)
    return count, urls.mask(kept.where)

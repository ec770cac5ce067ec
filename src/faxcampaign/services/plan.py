"""`plan`: when each office can be reached, for one viewer, with what the log knows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from faxcampaign import clock
from faxcampaign.services.base import load_campaign, progress_of

if TYPE_CHECKING:
    from faxcampaign.errors import Finding
    from faxcampaign.log.progress import Progress
    from faxcampaign.schedule.plan import Plan


@dataclasses.dataclass(frozen=True, slots=True)
class PlanRequest:
    campaign: Path
    zone: str
    now: dt.datetime
    first: dt.date | None = None  # default: today in ``zone``
    days: int = 7
    only: tuple[str, ...] = ()
    log: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class PlanResult:
    plan: Plan
    progress: Progress | None
    warnings: list[Finding]


def plan(request: PlanRequest) -> PlanResult:
    from faxcampaign.schedule.plan import plan as make_plan

    loaded = load_campaign(request.campaign, request.only)
    first = request.first or clock.local_date(request.now, request.zone)
    result = make_plan(loaded, first, request.days, request.zone, request.now, request.only)
    return PlanResult(result, progress_of(loaded, request.log, request.now), loaded.findings)

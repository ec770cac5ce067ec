"""`log-copy`: a campaign's log from one place to another (SQLite file or PostgreSQL), nothing twice."""

from __future__ import annotations

import dataclasses
from pathlib import Path


@dataclasses.dataclass(frozen=True, slots=True)
class Copied:
    campaign: str
    attempts: int
    voids: int
    jobs: int


def copy(campaign: Path, source: str, target: str) -> Copied:
    from faxcampaign import urls
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import LogError, copy_log, open_log
    from faxcampaign.services.base import load_campaign

    key = Roster.of(load_campaign(campaign)).key
    with open_log(source, key, create=False) as src:
        if not src.exists:
            raise LogError(f"{urls.mask(source)}: there is no log to copy")
        with open_log(target, key, create=True) as dst:
            attempts, voids, jobs = copy_log(src, dst)
    return Copied(key, attempts, voids, jobs)

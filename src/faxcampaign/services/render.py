"""`render`: the letters, one per recipient and signer."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from faxcampaign.services.base import load_campaign, local_today


@dataclasses.dataclass(frozen=True, slots=True)
class Signing:
    """Who signs: one volunteer (``signer`` and their details), or a CSV of many, or the campaign's sender."""

    signer: str | None = None
    organisation: str | None = None
    address: tuple[str, ...] = ()
    email: str | None = None
    signers_file: Path | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class RenderRequest:
    campaign: Path
    out: Path
    now: dt.datetime
    signing: Signing = Signing()
    only: tuple[str, ...] = ()
    combine: bool = False
    cover: bool = False
    fmt: str = "pdf"
    paper: str = "a4"
    date: dt.date | None = None  # the letter's date; default today
    jobs: int | None = None  # default: one per CPU
    fonts: tuple[Path, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Prepared:
    """A render ready to run: how many letters it writes (for a progress bar) and the run itself."""

    total: int
    run: Callable[[Callable[[int], None] | None], list[Path]]


def prepare(request: RenderRequest) -> Prepared:
    from faxcampaign.letters.render import Options, count_tasks, render_all
    from faxcampaign.team.signers import choose

    loaded = load_campaign(request.campaign, request.only)
    s = request.signing
    one, many = choose(s.signer, s.organisation, s.address, s.email, s.signers_file)
    options = Options(today=request.date or local_today(request.now), paper=request.paper, cover=request.cover,
                      fmt=request.fmt, fonts=request.fonts)

    def run(progress: Callable[[int], None] | None) -> list[Path]:
        return render_all(loaded, request.out, options, signer=one, signers=many, only=request.only,
                          combine=request.combine, jobs=request.jobs or os.cpu_count() or 1, progress=progress)

    return Prepared(count_tasks(loaded, many, request.only), run)

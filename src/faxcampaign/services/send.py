"""`send`, `sync` and `cancel`: the campaign's automatic lines faxed through a backend, its results read
back into the log."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from faxcampaign.errors import RequestError
from faxcampaign.services.base import load_campaign, local_today, tally
from faxcampaign.services.render import Signing

if TYPE_CHECKING:
    from faxcampaign.campaign.model import Campaign
    from faxcampaign.log.store import Job
    from faxcampaign.send.base import Backend, Result
    from faxcampaign.send.run import SendReport


@dataclasses.dataclass(frozen=True, slots=True)
class SendRequest:
    campaign: Path
    via: str
    now: dt.datetime
    signing: Signing = Signing()
    only: tuple[str, ...] = ()
    days: int = 7
    per_office_per_day: int = 3
    calls_per_job: int = 3
    allow_invalid: bool = False
    dry_run: bool = False
    log: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Synced:
    ended: list[tuple[Job, Result]]
    report: SendReport | None  # what was queued again; None with no_requeue


def backend(via: str, campaign: Campaign) -> Backend:
    """The backend ``via`` names, set up for the campaign (an email gateway needs its address pattern)."""
    from faxcampaign.send.backends import backend_for
    from faxcampaign.send.smtp import SMTPGateway

    chosen = backend_for(via)
    if isinstance(chosen, SMTPGateway):
        if not campaign.data.fax_gateway:
            raise RequestError("sending by email needs the campaign's fax_gateway address pattern", usage=True)
        sender = campaign.data.sender.email if campaign.data.sender and campaign.data.sender.email else None
        chosen.configure(campaign.data.fax_gateway, sender or "faxcampaign@localhost")
    return chosen


def _run(request: SendRequest, campaign: Campaign, chosen: Backend) -> SendReport:
    from faxcampaign.letters.render import Options, documents
    from faxcampaign.letters.template import default_signer
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import location, open_log
    from faxcampaign.send.policy import Rules
    from faxcampaign.send.run import send as send_jobs
    from faxcampaign.team.signers import choose

    s = request.signing
    one, many = choose(s.signer, s.organisation, s.address, s.email, s.signers_file)
    signers = many or [one or default_signer(campaign)]
    rules = Rules(per_office_per_day=request.per_office_per_day, calls_per_job=request.calls_per_job)
    options = Options(today=local_today(request.now), fmt=chosen.document)
    roster = Roster.of(campaign)
    with open_log(location(request.log, request.campaign), roster.key, create=not request.dry_run) as log:
        progress = tally(roster, log, request.now) if log.exists else None
        return send_jobs(campaign, chosen, log, progress, signers, request.only, request.days, request.now, rules,
                         request.allow_invalid, request.dry_run, documents(campaign, options))


def send(request: SendRequest) -> SendReport:
    """Queue what is due, each job inside its office's open window; with ``dry_run`` only plan it."""
    campaign = load_campaign(request.campaign, request.only)
    return _run(request, campaign, backend(request.via, campaign))


def sync(request: SendRequest, requeue: bool = True) -> Synced:
    """Record the backend's results in the log, then (with ``requeue``) queue again what is due."""
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import location, open_log
    from faxcampaign.send.run import sync as sync_jobs

    campaign = load_campaign(request.campaign)
    chosen = backend(request.via, campaign)
    with open_log(location(request.log, request.campaign), Roster.of(campaign).key, create=False) as log:
        ended = sync_jobs(chosen, log, request.now) if log.exists else []
    report = _run(dataclasses.replace(request, only=()), campaign, chosen) if requeue else None
    return Synced(ended, report)


def cancel(campaign_path: Path, via: str, only: tuple[str, ...], now: dt.datetime,
           log_place: str | None = None) -> list[Job]:
    """Remove the campaign's queued jobs from the backend."""
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import location, open_log
    from faxcampaign.send.run import cancel as cancel_jobs

    campaign = load_campaign(campaign_path, only)
    chosen = backend(via, campaign)
    with open_log(location(log_place, campaign_path), Roster.of(campaign).key, create=False) as log:
        return cancel_jobs(chosen, log, only, now) if log.exists else []

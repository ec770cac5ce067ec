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
    from faxcampaign.log.store import Job, Log
    from faxcampaign.send.base import Backend, Result
    from faxcampaign.send.reports import Report
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
    callback_url: str | None = None  # where `serve` receives webhooks (else $FAXCAMPAIGN_BASE_URL)
    reports: str | None = None  # the mailbox of an email gateway's reports (else $FAXCAMPAIGN_REPORTS)


@dataclasses.dataclass(frozen=True, slots=True)
class Synced:
    ended: list[tuple[Job, Result]]
    report: SendReport | None  # what was queued again; None with no_requeue
    left: list[tuple[Report, str]] = dataclasses.field(default_factory=list)  # reports left in the mailbox, why


def callback_for(campaign: Campaign, base: str | None) -> str | None:
    """The URL Sinch's completion webhooks go to: `serve` at ``base`` (or $FAXCAMPAIGN_BASE_URL), with the
    credentials of $FAXCAMPAIGN_SINCH_WEBHOOK_SECRET in it; None (poll only) when either is missing."""
    import os

    from faxcampaign.campaign.facts import log_key
    from faxcampaign.send.sinch import WEBHOOK_SECRET_ENV, hook_slug, webhook_url

    base = base or os.environ.get("FAXCAMPAIGN_BASE_URL")
    secret = os.environ.get(WEBHOOK_SECRET_ENV)
    if not base or not secret:
        return None
    return webhook_url(base, hook_slug(log_key(campaign.data.title, campaign.data.reference)), secret)


def backend(via: str, campaign: Campaign, callback_url: str | None = None) -> Backend:
    """The backend ``via`` names, set up for the campaign (an email gateway needs its address pattern)."""
    from faxcampaign.send.backends import backend_for
    from faxcampaign.send.smtp import SMTPGateway

    chosen = backend_for(via, callback_for(campaign, callback_url) if via.startswith("sinch://") else None)
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
    return _run(request, campaign, backend(request.via, campaign, request.callback_url))


def sync(request: SendRequest, requeue: bool = True) -> Synced:
    """Record the backend's results in the log (with ``request.reports``, an email gateway's reports from
    its mailbox), then (with ``requeue``) queue again what is due."""
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import location, open_log
    from faxcampaign.send.run import sync as sync_jobs
    from faxcampaign.send.smtp import SMTPGateway

    campaign = load_campaign(request.campaign)
    chosen = backend(request.via, campaign, request.callback_url)
    if request.reports and not isinstance(chosen, SMTPGateway):
        raise RequestError("--reports reads an email-to-fax gateway's reports: use it with --via smtp://...",
                           usage=True)
    left: list[tuple[Report, str]] = []
    with open_log(location(request.log, request.campaign), Roster.of(campaign).key, create=False) as log:
        ended = sync_jobs(chosen, log, request.now) if log.exists else []
        if request.reports and log.exists:
            more, left = read_reports(campaign, chosen, log, request.reports, request.now)
            ended += more
    report = _run(dataclasses.replace(request, only=()), campaign, chosen) if requeue else None
    return Synced(ended, report, left)


def read_reports(campaign: Campaign, chosen: Backend, log: Log, where: str,
                 now: dt.datetime) -> tuple[list[tuple[Job, Result]], list[tuple[Report, str]]]:
    """Record what the gateway's report mails say of this campaign's open jobs. The whole mailbox is read
    before anything is recorded, so a mailbox that fails half way changes nothing."""
    from faxcampaign.send.base import Result
    from faxcampaign.send.reports import MAX_REPORT, match, read, source
    from faxcampaign.send.run import ident, settle

    mails = list(source(where).reports())
    seen = log.seen_reports()
    jobs = log.open_jobs(ident(chosen))
    phrases = campaign.data.fax_gateway_reports
    ended: list[tuple[Job, Result]] = []
    left: list[tuple[Report, str]] = []
    for mail in mails:
        if mail.message_id in seen:
            continue
        if mail.too_big:
            left.append((mail, f"too big to read (over {MAX_REPORT // 1_000_000} MB)"))
            continue
        job = match(mail, jobs)
        if job is None:
            left.append((mail, "it matches no job of this campaign awaiting a report"))
            continue
        reading = read(mail, phrases)
        if reading.outcome is None:
            left.append((mail, f"its outcome cannot be told (job {job.job}); add its wording to the campaign's "
                               "fax_gateway_reports"))
            continue
        result = Result("done" if reading.outcome == "delivered" else "failed", reading.outcome, reading.pages,
                        f"gateway report {mail.message_id}: {mail.subject[:120]}", mail.date,
                        pages_total=reading.pages_total, remote_id=reading.remote_id, completed_at=mail.date)
        if settle(log, job, chosen.name, result, now, report=(mail.message_id, reading.outcome)):
            ended.append((job, result))
        jobs = [j for j in jobs if j.job != job.job]
        seen.add(mail.message_id)
    return ended, left



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

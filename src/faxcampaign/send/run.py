"""`send`, `sync` and `cancel`: the policy's decisions turned into jobs on a backend, and the backend's
results turned into the log's attempts.

Only automatic lines (`manual: false`) are sent; manual lines are listed with a pointer to `callsheet`.
A `send` run holds the log's exclusive lock (`Log.exclusive`), so two runs at once submit each letter once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence

from faxcampaign import clock
from faxcampaign.campaign.facts import log_key
from faxcampaign.campaign.model import Campaign, Office
from faxcampaign.letters.template import Signer
from faxcampaign.log.progress import Progress
from faxcampaign.log.store import Attempt, Job, Log, from_utc_text
from faxcampaign.send.base import Backend, FaxJob, Result, SendError
from faxcampaign.send.policy import Decision, OfficeState, Rules, decide


@dataclasses.dataclass(frozen=True)
class Planned:
    office: Office
    decision: Decision
    job_id: str | None = None  # once submitted
    result: Result | None = None  # when the backend knew it at once
    waiting: bool = False  # an immediate backend waits for the window to open


@dataclasses.dataclass(frozen=True)
class SendReport:
    planned: list[Planned]
    skipped: list[tuple[Office, str]]
    manual: list[Office]


def ident(backend: Backend) -> str:
    """The backend's name in the log's job table."""
    host = getattr(backend, "host", "")
    port = getattr(backend, "port", "")
    return f"{backend.name}://{host}:{port}"


def tag(campaign: Campaign, office_id: str, signer: Signer) -> str:
    key = log_key(campaign.data.title, campaign.data.reference)
    return f"faxcampaign {key[:40]} {office_id} {signer.old_slug}"[:120].replace('"', "'")  # as jobs had


def dialable(office: Office, progress: Progress | None, allow_invalid: bool) -> tuple[list[str], str | None]:
    """The office's numbers that may be dialled, best first (fewest failures in a row), and a warning
    for each kind left out."""
    from faxcampaign.campaign.numbers import is_valid_today

    known = progress.office(office.id) if progress else None
    health = {n.e164: n for n in known.numbers.values()} if known else {}
    numbers, left_out = [], []
    for number in office.fax:
        h = health.get(number)
        if h is not None and h.suspect:
            left_out.append(f"{number} is suspect ({h.reason})")
        elif not allow_invalid and not is_valid_today(number):
            left_out.append(f"{number} is not valid under today's numbering plan (--allow-invalid to dial it)")
        else:
            numbers.append(number)
    numbers.sort(key=lambda n: health[n].consecutive_failures if n in health else 0)
    return numbers, "; ".join(left_out) or None


def office_states(campaign: Campaign, log: Log, progress: Progress | None, signers: Sequence[Signer],
                  offices: Sequence[Office], now: dt.datetime, days: int, backend: str,
                  allow_invalid: bool) -> tuple[list[OfficeState], dict[str, str]]:
    """What the policy needs of each office, from the scheduler and the log; and warnings per office."""
    from faxcampaign.schedule.plan import plan

    result = plan(campaign, clock.local_date(now, "UTC") - dt.timedelta(days=1), days + 2, "UTC", now,
                  [o.id for o in offices])
    windows = {p.office.id: [(w.start, w.end) for w in p.windows if w.end > now] for p in result.offices}
    jobs = {j.recipient: j.job for j in log.open_jobs(backend)}
    done: dict[tuple[str, str | None], int] = {}
    tries: dict[tuple[str, str | None], int] = {}
    for recipient, signer, delivered, attempts in log.letters():
        done[recipient, signer], tries[recipient, signer] = delivered, attempts
    delivered_on: dict[str, dict[dt.date, int]] = {}
    zones = {o.id: o.timezone for o in offices}
    for recipient, at in (log.summary(now - dt.timedelta(days=2)).delivered_since if log.exists else []):
        if recipient in zones:
            day = clock.local_date(from_utc_text(at), zones[recipient])
            counts = delivered_on.setdefault(recipient, {})
            counts[day] = counts.get(day, 0) + 1
    states, warnings = [], {}
    for office in offices:
        known = progress.office(office.id) if progress else None
        last = (known.last.at, known.last.outcome) if known and known.last else None
        numbers, warning = dialable(office, progress, allow_invalid)
        if warning:
            warnings[office.id] = warning
        states.append(OfficeState(
            office_id=office.id, timezone=office.timezone, windows=windows.get(office.id, []), numbers=numbers,
            pending=[s.name for s in signers if not done.get((office.id, s.name))],
            attempts={s.name: tries.get((office.id, s.name), 0) for s in signers},
            in_flight=jobs.get(office.id), last_attempt=last,
            delivered_on=delivered_on.get(office.id, {}),
        ))
    return states, warnings


def send(campaign: Campaign, backend: Backend, log: Log, progress: Progress | None, signers: Sequence[Signer],
         only: Sequence[str], days: int, now: dt.datetime, rules: Rules, allow_invalid: bool, dry_run: bool,
         document: Callable[[str, Signer], bytes]) -> SendReport:
    """Decide the next job for every automatic line and, unless ``dry_run``, submit it and record it."""
    chosen = [o for o in campaign.offices if not only or o.id in only]
    manual = [o for o in chosen if o.manual]
    automatic = [o for o in chosen if not o.manual]
    by_name = {s.name: s for s in signers}
    lock = contextlib.nullcontext() if dry_run else log.exclusive()
    planned: list[Planned] = []
    skipped: list[tuple[Office, str]] = []
    with lock:
        states, warnings = office_states(campaign, log, progress, signers, automatic, now, days, ident(backend),
                                         allow_invalid)
        for office, state in zip(automatic, states, strict=True):
            decision = decide(state, now, rules)
            if office.id in warnings:
                skipped.append((office, f"left out: {warnings[office.id]}"))
            if not decision.goes:
                assert decision.skipped is not None
                skipped.append((office, decision.skipped))
                continue
            assert decision.send_at is not None and decision.opens is not None
            if backend.immediate and not _due(decision, now):
                planned.append(Planned(office, decision, waiting=True))
                continue
            if dry_run:
                planned.append(Planned(office, decision))
                continue
            planned.append(_submit(campaign, backend, log, office, decision, by_name[decision.signer or ""], now,
                                   document, rules.calls_per_job))
    return SendReport(planned, skipped, manual)


def _due(decision: Decision, now: dt.datetime) -> bool:
    """For a backend that sends at once: the window is open now and the job's time (rounded up to the
    minute) has come."""
    assert decision.send_at is not None and decision.opens is not None
    return decision.opens <= now and decision.send_at - now <= dt.timedelta(minutes=1)


def _submit(campaign: Campaign, backend: Backend, log: Log, office: Office, decision: Decision, signer: Signer,
            now: dt.datetime, document: Callable[[str, Signer], bytes], calls: int) -> Planned:
    assert decision.send_at is not None and decision.kill_at is not None and decision.number is not None
    data = document(office.id, signer)
    job = FaxJob(
        recipient=office.id, number=decision.number, signer=signer.name, signer_email=signer.email,
        send_at=clock.convert(decision.send_at, "UTC"), kill_at=clock.convert(decision.kill_at, "UTC"),
        tag=tag(campaign, office.id, signer), subject=f"{campaign.data.title}: fax to {office.name}",
        filename=f"{office.id}.pdf", calls=calls,
    )
    name = ident(backend)
    ids: list[str] = []

    def created(job_id: str) -> None:
        log.add_job(Job(name, job_id, office.id, job.number, signer.name, job.send_at, job.kill_at, now))
        ids.append(job_id)

    result = backend.submit(job, data, created)
    if not ids:
        raise SendError(f"{name}: the job for {office.id} was not created")
    if result is not None:
        record(log, name, ids[0], office.id, job.number, signer.name, backend.name, result, now)
    return Planned(office, decision, ids[0], result)


def record(log: Log, backend_ident: str, job_id: str, recipient: str, number: str, signer: str | None,
           source: str, result: Result, now: dt.datetime) -> None:
    """End a job in the log, with its attempt when a call was made, in one transaction."""
    attempt = None
    if result.outcome is not None:
        attempt = Attempt(at=result.at or now, recipient=recipient, number=number, outcome=result.outcome,
                          signer=signer, pages=result.pages, note=result.note, source=source, job=job_id,
                          key=f"{backend_ident}#{job_id}")
    log.end_job(backend_ident, job_id, result.state, now, attempt)


def sync(backend: Backend, log: Log, now: dt.datetime) -> list[tuple[Job, Result]]:
    """Read the backend's results for this campaign's open jobs and record them."""
    name = ident(backend)
    jobs = log.open_jobs(name)
    if not jobs:
        return []
    results = backend.poll([j.job for j in jobs])
    ended = []
    for job in jobs:
        result = results.get(job.job)
        if result is not None:
            record(log, name, job.job, job.recipient, job.number, job.signer, backend.name, result, now)
            ended.append((job, result))
    return ended


def cancel(backend: Backend, log: Log, only: Sequence[str], now: dt.datetime) -> list[Job]:
    """Remove this campaign's queued jobs (only those of ``only``, if given) and record how they ended."""
    name = ident(backend)
    jobs = [j for j in log.open_jobs(name) if not only or j.recipient in only]
    for job in jobs:
        backend.cancel(job.job)
    results = backend.poll([j.job for j in jobs]) if jobs else {}
    for job in jobs:
        result = results.get(job.job) or Result("cancelled", None, note="cancelled")
        if result.state == "lost":
            result = Result("cancelled", None, note="cancelled")
        record(log, name, job.job, job.recipient, job.number, job.signer, backend.name, result, now)
    return jobs

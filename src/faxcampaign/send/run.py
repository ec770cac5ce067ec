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
    own = getattr(backend, "ident", None)
    if isinstance(own, str):
        return own
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
        # one fax in flight per number, whichever office it is for and whichever backend holds it: the jobs
        # the log has open, then those this run submits; offices that share a number wait their turn
        taken = {j.number: j.recipient for j in log.open_jobs()}
        for office, state in zip(automatic, states, strict=True):
            free = [n for n in state.numbers if taken.get(n, office.id) == office.id]
            if len(free) < len(state.numbers):
                busy = "; ".join(f"{n} has a fax in flight for {taken[n]}" for n in state.numbers if n not in free)
                warnings[office.id] = f"{warnings[office.id]}; {busy}" if office.id in warnings else busy
                state = dataclasses.replace(state, numbers=free)
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
            assert decision.number is not None
            taken[decision.number] = office.id
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
    """Record the job, then hand it to the backend: the intent is in the log before anything can be sent,
    so a run killed at any point never sends the letter again (the next `sync` finds what became of it)."""
    import uuid

    from faxcampaign.letters.fax import page_count

    assert decision.send_at is not None and decision.kill_at is not None and decision.number is not None
    data = document(office.id, signer)
    job = FaxJob(
        recipient=office.id, number=decision.number, signer=signer.name, signer_email=signer.email,
        send_at=clock.convert(decision.send_at, "UTC"), kill_at=clock.convert(decision.kill_at, "UTC"),
        tag=tag(campaign, office.id, signer), subject=f"{campaign.data.title}: fax to {office.name}",
        filename=f"{office.id}.pdf", calls=calls, pages_total=page_count(data),
        label=f"fc-{uuid.uuid4().hex}",
    )
    fits = getattr(backend, "fits", None)
    if fits is not None and not fits(job):
        return Planned(office, decision, waiting=True)
    name = ident(backend)
    ids: list[str] = []

    def created(job_id: str) -> None:
        log.add_job(Job(name, job_id, office.id, job.number, signer.name, job.send_at, job.kill_at, now,
                        pages_total=job.pages_total))
        ids.append(job_id)

    try:
        result = backend.submit(job, data, created)
    except SendError as e:
        if ids and e.unsent:  # recorded, and the backend says it was not sent: the job ends with no attempt
            log.end_job(name, ids[0], "lost", now)
        raise e
    if not ids:
        raise SendError(f"{name}: the job for {office.id} was not created")
    entry = Job(name, ids[0], office.id, job.number, signer.name, job.send_at, job.kill_at, now,
                pages_total=job.pages_total)
    if result is not None:
        settle(log, entry, backend.name, result, now)
    return Planned(office, decision, ids[0], result)


def settle(log: Log, job: Job, source: str, result: Result, now: dt.datetime,
           report: tuple[str, str | None] | None = None) -> bool:
    """What a backend said of a job, into the log: the provider's id for a job still `submitted`, or the
    job's end, with its attempt when a call was made, in one transaction. False when the job had ended
    already (a duplicated or late result changes nothing)."""
    if not result.ended:
        if result.provider_job and result.provider_job != job.job and not job.provider_job:
            log.name_job(job.backend, job.job, result.provider_job, now)
        return False
    return log.end_job(job.backend, job.job, result.state, now, attempt_of(job, source, result, now), report)


def attempt_of(job: Job, source: str, result: Result, now: dt.datetime) -> Attempt | None:
    """The attempt a job's result records, when a call was made; keyed by the job, so a result that
    arrives twice (a poll and a webhook, a report read again) is recorded once."""
    if result.outcome is None:
        return None
    return Attempt(at=result.at or now, recipient=job.recipient, number=job.number, outcome=result.outcome,
                   signer=job.signer, pages=result.pages, note=result.note, source=source, job=job.job,
                   key=f"{job.backend}#{job.job}", pages_total=result.pages_total or job.pages_total,
                   remote_id=result.remote_id, provider_job=result.provider_job or job.provider_job,
                   error_code=result.error_code, completed_at=result.completed_at)


def sync(backend: Backend, log: Log, now: dt.datetime) -> list[tuple[Job, Result]]:
    """Read the backend's results for this campaign's open jobs and record them."""
    name = ident(backend)
    jobs = log.open_jobs(name)
    if not jobs:
        return []
    results = backend.poll(jobs)
    ended = []
    for job in jobs:
        result = results.get(job.job)
        if result is not None and settle(log, job, backend.name, result, now):
            ended.append((job, result))
    return ended


def cancel(backend: Backend, log: Log, only: Sequence[str], now: dt.datetime) -> list[Job]:
    """Remove this campaign's queued jobs (only those of ``only``, if given) and record how they ended."""
    name = ident(backend)
    jobs = [j for j in log.open_jobs(name) if not only or j.recipient in only]
    for job in jobs:
        backend.cancel(job.provider_job or job.job)
    results = backend.poll(jobs) if jobs else {}
    for job in jobs:
        result = results.get(job.job)
        if result is None or not result.ended or result.state == "lost":
            result = Result("cancelled", None, note="cancelled")
        settle(log, job, backend.name, result, now)
    return jobs

"""What `send`, `sync` and `cancel` did, a line per office or job."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from faxcampaign import clock
from faxcampaign.log.store import Job
from faxcampaign.outputs.text import offset_text
from faxcampaign.send.base import Result
from faxcampaign.send.reports import Report
from faxcampaign.send.run import SendReport


def _when(instant: dt.datetime, office_zone: str, zone: str) -> str:

    theirs, yours = clock.convert(instant, office_zone), clock.convert(instant, zone)
    return f"{theirs:%a %d %b %H:%M} {offset_text(theirs)} ({yours:%a %H:%M} yours)"


def describe(report: SendReport, zone: str, dry_run: bool) -> list[str]:
    """The run's report, a line per office."""
    lines = []
    for p in report.planned:
        d = p.decision
        assert d.send_at is not None and d.kill_at is not None
        verb = "would send" if dry_run else ("waits to send" if p.waiting else "queued")
        job = f"; job {p.job_id}" if p.job_id else ""
        outcome = f": {p.result.outcome}" if p.result and p.result.outcome else ""
        if p.result is not None and not p.result.ended:
            outcome = f": submitted, {p.result.note or 'awaiting its result'}"
        lines.append(f"{p.office.id}: {verb} to {d.number} from {_when(d.send_at, p.office.timezone, zone)} until "
                     f"{_when(d.kill_at, p.office.timezone, zone)}, signed by {d.signer}{job}{outcome}")
    lines += [f"{office.id}: {why}" for office, why in report.skipped]
    if report.manual:
        lines.append("manual lines, to phone (faxcampaign callsheet): " + ", ".join(o.id for o in report.manual))
    return lines


def synced(ended: Sequence[tuple[Job, Result]]) -> list[str]:
    """A line per job that ended: its outcome and pages."""
    lines = []
    for job, result in ended:
        what = result.outcome or f"{result.state}, no call made"
        if result.pages is not None and result.pages_total:
            pages = f" ({result.pages} of {result.pages_total} pages)"
        else:
            pages = f" ({result.pages} page{'s' if result.pages != 1 else ''})" if result.pages else ""
        lines.append(f"{job.recipient}: job {job.job} {what}{pages}")
    return lines


def unread(left: Sequence[tuple[Report, str]]) -> list[str]:
    """A line per report left in the mailbox, and why."""
    return [f"report {report.describe()} left in the mailbox: {why}" for report, why in left]

"""The interface every sending backend implements (backends.py chooses one by URL)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Protocol

from faxcampaign.errors import FaxCampaignError
from faxcampaign.log.store import Job


class SendError(FaxCampaignError):
    """The fax server or gateway cannot be used (unreachable, login refused, spool full...).

    ``unsent`` is False when the request may have reached the provider (a timeout after sending it): the
    job then stays recorded, and the next `sync` finds out whether the provider has it."""

    def __init__(self, message: str, unsent: bool = True):
        super().__init__(message)
        self.unsent = unsent


class RetryLater(SendError):
    """The provider asks us to come back later (HTTP 429, 5xx): nothing was sent; the run stops and the
    next run tries again. ``after`` is the provider's Retry-After, in seconds, when it gave one."""

    def __init__(self, message: str, after: float | None = None):
        super().__init__(message)
        self.after = after


@dataclasses.dataclass(frozen=True)
class FaxJob:
    """One letter to one number, to go between ``send_at`` and ``kill_at`` (UTC instants)."""

    recipient: str
    number: str  # E.164
    signer: str
    signer_email: str | None
    send_at: dt.datetime
    kill_at: dt.datetime
    tag: str  # identifies the job as this campaign's (HylaFAX's JOBINFO, a mail header)
    subject: str
    filename: str  # the attachment's name, for gateways
    calls: int = 3  # calls the server may make within the window (busy, no answer...)
    pages_total: int | None = None  # pages in the letter
    label: str = ""  # our own idempotency label, for a backend whose id comes only with its answer


@dataclasses.dataclass(frozen=True)
class Result:
    """What became of a job. ``outcome`` is in the log's vocabulary; None when no call was made
    (cancelled before dialling, expired unsent, lost)."""

    state: str  # submitted (no outcome yet: still with the provider), done, failed, cancelled, expired, lost
    outcome: str | None
    pages: int | None = None
    note: str | None = None
    at: dt.datetime | None = None  # when the (last) call started, if known
    # proof, where the backend reports it
    pages_total: int | None = None
    remote_id: str | None = None  # the far end's station id (CSI)
    provider_job: str | None = None  # the provider's id for the fax
    error_code: str | None = None
    completed_at: dt.datetime | None = None  # when the call ended, by the provider's clock

    @property
    def ended(self) -> bool:
        return self.state != "submitted"


SUBMITTED = "submitted"


class Backend(Protocol):
    name: str
    document: str  # "tiff" or "pdf": what submit() takes
    immediate: bool  # True if a job goes the moment it is submitted (no send time on the server)

    def submit(self, job: FaxJob, document: bytes, created: Callable[[str], None]) -> Result | None:
        """Queue the job; call ``created(job_id)`` before the job can run, so that it is recorded first:
        with the server's id once the server has named the job, or with ``job.label`` for a provider that
        names it only in its answer. Return the result if the backend knows one at once: an ended one, or
        `submitted` with the provider's id (`Result.provider_job`)."""

    def poll(self, jobs: Sequence[Job]) -> dict[str, Result]:
        """By job id: the results of those jobs that have ended, or `submitted` with the provider's id
        for a job found under its label; a job the server does not know is `lost`. A job whose result
        is not known yet is left out."""

    def cancel(self, job_id: str) -> None: ...

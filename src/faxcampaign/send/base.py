"""The interface every sending backend implements (backends.py chooses one by URL)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Protocol

from faxcampaign.errors import FaxCampaignError


class SendError(FaxCampaignError):
    """The fax server or gateway cannot be used (unreachable, login refused, spool full...)."""


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


@dataclasses.dataclass(frozen=True)
class Result:
    """What became of a job. ``outcome`` is in the log's vocabulary; None when no call was made
    (cancelled before dialling, expired unsent, lost)."""

    state: str  # done, failed, cancelled, expired, lost
    outcome: str | None
    pages: int | None = None
    note: str | None = None
    at: dt.datetime | None = None  # when the (last) call started, if known


class Backend(Protocol):
    name: str
    document: str  # "tiff" or "pdf": what submit() takes
    immediate: bool  # True if a job goes the moment it is submitted (no send time on the server)

    def submit(self, job: FaxJob, document: bytes, created: Callable[[str], None]) -> Result | None:
        """Queue the job; call ``created(job_id)`` once the server has named the job and before it can
        run, so that the id is recorded first. Return the result at once if the backend knows it."""

    def poll(self, job_ids: Sequence[str]) -> dict[str, Result]:
        """The results of those jobs that have ended; a job the server does not know is `lost`."""

    def cancel(self, job_id: str) -> None: ...

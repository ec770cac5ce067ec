"""Sinch Fax API v3 (`--via sinch://PROJECT_ID`): a cloud fax service, over HTTPS with httpx.

- Credentials: an access key's id and secret from ``FAXCAMPAIGN_SINCH_KEY_ID`` and
  ``FAXCAMPAIGN_SINCH_KEY_SECRET`` (basic auth); ``FAXCAMPAIGN_SINCH_URL`` overrides the base URL
  (a regional endpoint, or a test server).
- submit: ``POST /v3/projects/{projectId}/faxes``, multipart: the letter's PDF as ``file``, ``to``, our
  idempotency label in ``labels[faxcampaign]``, ``resolution=FINE``, ``maxRetries`` and
  ``retryDelaySeconds`` chosen so that Sinch's own retries end inside the office's window, and a
  ``callbackUrl`` when `serve` can receive the completion webhook.
- The job is recorded under our label before the request goes; the provider's id follows in its answer.
  A run killed in between is completed by the next `sync`, which lists the provider's faxes and finds the
  label: a letter is never faxed twice.
- poll: ``GET .../faxes/{id}``; cancel: the API cannot stop a queued fax (``DELETE`` removes stored content
  only), so `cancel` refuses and says so.
- 401 and 402 are clear errors; 429 and 5xx are `RetryLater` (nothing is recorded as sent).

The outcome table (Sinch's error types and codes to the log's outcomes) is `CALL_ERRORS`/`FAX_ERRORS`
below and in docs/send.md.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from faxcampaign import clock, urls
from faxcampaign.log.store import Job
from faxcampaign.send.base import SUBMITTED, FaxJob, Result, RetryLater, SendError

KEY_ID_ENV = "FAXCAMPAIGN_SINCH_KEY_ID"
KEY_SECRET_ENV = "FAXCAMPAIGN_SINCH_KEY_SECRET"
URL_ENV = "FAXCAMPAIGN_SINCH_URL"
WEBHOOK_SECRET_ENV = "FAXCAMPAIGN_SINCH_WEBHOOK_SECRET"
BASE_URL = "https://fax.api.sinch.com"
LABEL = "faxcampaign"  # the label that carries our idempotency label
TEST_NUMBER = "+19898989898"  # Sinch's test number: emulates a real fax, free of charge
MAX_RETRIES = 5  # the API's limits on maxRetries and retryDelaySeconds
RETRY_DELAY = (30, 300)
LOST_AFTER = dt.timedelta(minutes=15)  # a label the provider still does not know after this was never sent

# errorType CALL_ERROR: the call could not be placed or did not connect.
CALL_ERRORS: Mapping[int, str] = {
    11: "failed",  # the call dropped prematurely
    15: "line-error",  # congestion: the network's, not the number's
    16: "no-answer",  # ring timeout
    17: "busy",
    19: "failed",  # immediate hang-up
    30: "no-answer",  # no answer from a fax machine
    32: "not-fax",  # incompatible destination
    34: "wrong-number",  # phone number not operational
    43: "line-error",  # problem establishing connection
    49: "wrong-number",  # the destination number is not active
}
# errorType FAX_ERROR: the call connected and the fax exchange failed (the rest of its codes: `failed`).
FAX_ERRORS: Mapping[int, str] = {
    26: "no-answer",  # the remote fax machine failed to respond
    38: "refused",  # the remote fax machine hung up before receiving the fax
    46: "line-error",  # insufficient funds: our side, not the number's
    48: "no-answer",  # no answer (the receiving machine may be out of paper)
    113: "line-error",  # the fax's file is not accessible: our side
    131: "partial",  # incomplete transmission
    132: "not-fax",  # no fax tone detected
}


def outcome_of(fax: Mapping[str, Any]) -> Result:
    """A Fax object (a poll's answer or a webhook's `fax`) as a `Result`."""
    status = fax.get("status")
    fax_id = str(fax.get("id") or "") or None
    if status not in ("COMPLETED", "FAILURE"):
        return Result(SUBMITTED, None, provider_job=fax_id)
    total = _int(fax.get("numberOfPages"))
    sent = _int(fax.get("pagesSentSuccessfully"))
    completed = _time(fax.get("completedTime"))
    if status == "COMPLETED":
        return Result("done", "delivered", sent if sent is not None else total, f"Sinch fax {fax_id}: completed",
                      completed, pages_total=total, provider_job=fax_id, completed_at=completed)
    kind, code = str(fax.get("errorType") or "GENERAL_ERROR"), _int(fax.get("errorCode"))
    if kind == "CALL_ERROR":
        outcome = CALL_ERRORS.get(code or 0, "failed")
    elif kind == "FAX_ERROR":
        outcome = FAX_ERRORS.get(code or 0, "failed")
    elif kind == "DOCUMENT_CONVERSION_ERROR":
        outcome = "line-error"  # our document, not the number: recorded, not counted against it
    else:
        outcome = "failed"
    if outcome in ("failed", "partial") and sent and total and 0 < sent < total:
        outcome = "partial"
    elif outcome == "partial" and not sent:
        outcome = "failed"
    message = str(fax.get("errorMessage") or "").replace("\n", " ")[:200]
    return Result("failed", outcome, sent, f"Sinch fax {fax_id}: {kind} {code}" + (f" ({message})" if message else ""),
                  completed, pages_total=total, provider_job=fax_id, error_code=f"{kind}/{code}" if code else kind,
                  completed_at=completed)


def _int(value: object) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _time(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def retries(job: FaxJob) -> tuple[int, int]:
    """(maxRetries, retryDelaySeconds) so that Sinch's calls, its retries included, end before the window
    closes: a call is reckoned at two minutes and one a page, the retries at the longest delay (so that
    one number is not rung again at once), and never more than the job's own `calls`."""
    call = dt.timedelta(minutes=2 + (job.pages_total or 1))
    left = job.kill_at - job.send_at
    delay = dt.timedelta(seconds=RETRY_DELAY[1])
    fits = int((left - call) / (call + delay)) if left > call else 0
    return max(0, min(MAX_RETRIES, job.calls - 1, fits)), RETRY_DELAY[1]


def fits(job: FaxJob) -> bool:
    """Whether one call fits in what is left of the window."""
    return job.kill_at - job.send_at >= dt.timedelta(minutes=2 + (job.pages_total or 1))


class Sinch:
    name = "sinch"
    document = "pdf"
    immediate = True

    def __init__(self, project: str, callback: str | None = None, timeout: float = 30):
        import httpx

        if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", project):
            raise SendError(f"sinch://{project[:40]}: the project id is letters, digits, '-', '_' and '.'")
        key_id, secret = os.environ.get(KEY_ID_ENV), os.environ.get(KEY_SECRET_ENV)
        if not key_id or not secret:
            raise SendError(f"sinch://{project}: set {KEY_ID_ENV} and {KEY_SECRET_ENV} (an access key of the "
                            "project, from the Sinch dashboard)")
        base = os.environ.get(URL_ENV, BASE_URL).rstrip("/")
        if urls.has_secret(base):
            raise SendError(f"{URL_ENV}: do not put a password in it; the key comes from {KEY_SECRET_ENV}")
        self.project, self.base, self.callback = project, base, callback
        self.ident = f"sinch://{project}"
        self._client = httpx.Client(base_url=f"{base}/v3/projects/{project}", auth=(key_id, secret),
                                    timeout=timeout, headers={"User-Agent": "faxcampaign"})

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        where = f"Sinch Fax API ({urls.mask(self.base)})"
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TimeoutException as e:
            raise SendError(f"{where}: no answer in time ({type(e).__name__})", unsent=method == "GET") from e
        except httpx.HTTPError as e:
            sent = not isinstance(e, httpx.ConnectError)
            raise SendError(f"{where}: {type(e).__name__}: {e}", unsent=not sent or method == "GET") from e
        code = response.status_code
        if code == 401:
            raise SendError(f"{where}: the access key was refused (401): check {KEY_ID_ENV} and {KEY_SECRET_ENV} and "
                            "the project id")
        if code == 402:
            raise SendError(f"{where}: the account is out of credit (402): {_message(response)}; nothing was sent")
        if code == 429 or code >= 500:
            after = response.headers.get("Retry-After")
            wait = float(after) if after and after.isdigit() else None
            raise RetryLater(f"{where}: {code} {_message(response)}; nothing was sent, try again "
                             + (f"in {int(wait)} s" if wait is not None else "later"), wait)
        if code == 404:
            return None
        if code in (400, 422):
            return {"_refused": code, "message": _message(response)}
        if code >= 300:
            raise SendError(f"{where}: unexpected answer {code}: {_message(response)}")
        try:
            return response.json()
        except ValueError as e:
            raise SendError(f"{where}: an answer that is not JSON ({code})") from e

    def fits(self, job: FaxJob) -> bool:
        """Whether one call fits in what is left of the job's window (else the job waits for the next)."""
        return fits(job)

    def submit(self, job: FaxJob, document: bytes, created: Callable[[str], None]) -> Result | None:
        max_retries, delay = retries(job)
        fields = {"to": job.number, f"labels[{LABEL}]": job.label, "resolution": "FINE",
                  "maxRetries": str(max_retries), "retryDelaySeconds": str(delay),
                  "headerText": job.subject[:50]}
        if self.callback:
            fields["callbackUrl"] = self.callback
            fields["callbackUrlContentType"] = "application/json"
        created(job.label)
        answer = self._request("POST", "/faxes", data=fields,
                               files={"file": (job.filename, document, "application/pdf")})
        if isinstance(answer, dict) and "_refused" in answer:
            return Result("failed", "failed", note=f"Sinch refused the fax ({answer['_refused']}): {answer['message']}",
                          error_code=f"HTTP {answer['_refused']}")
        if not isinstance(answer, dict):
            raise SendError("Sinch Fax API: the fax was not created (no answer body)", unsent=False)
        return outcome_of(answer)

    def _find(self, job: Job) -> dict[str, Any] | None:
        """The provider's fax with our label for ``job`` (the last week's faxes to its number)."""
        page: str | None = None
        for _ in range(20):
            params = {"direction": "OUTBOUND", "to": job.number, LABEL: job.job, "pageSize": "100"}
            if page:
                params["page"] = page
            answer = self._request("GET", "/faxes", params=params)
            if not isinstance(answer, dict):
                return None
            faxes = answer.get("faxes") or []
            for fax in faxes:
                labels = fax.get("labels") or {}
                if isinstance(labels, dict) and labels.get(LABEL) == job.job:
                    return fax  # type: ignore[no-any-return]
            current, total = _int(answer.get("page")), _int(answer.get("totalPages"))
            if not faxes or current is None or total is None or current >= total:
                return None
            page = str(current + 1)
        return None

    def poll(self, jobs: Sequence[Job]) -> dict[str, Result]:
        now = clock.utc_now()
        results: dict[str, Result] = {}
        for job in jobs:
            if job.provider_job:
                fax = self._request("GET", f"/faxes/{urllib.parse.quote(job.provider_job, safe='')}")
                if fax is None:
                    results[job.job] = Result("lost", None, note=f"Sinch does not know fax {job.provider_job}")
                    continue
            else:
                fax = self._find(job)
                if fax is None:
                    if now - job.submitted >= LOST_AFTER:
                        results[job.job] = Result("lost", None, note="Sinch has no fax with this job's label: it was "
                                                  "never sent")
                    continue
            if isinstance(fax, dict):
                results[job.job] = outcome_of(fax)
        return results

    def cancel(self, job_id: str) -> None:
        raise SendError("the Sinch Fax API cannot stop a fax it has queued (DELETE removes only its stored "
                        "content): it goes or fails on its own, and `sync` records which")


def _message(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    text = body.get("message") if isinstance(body, dict) else None
    return str(text or response.reason_phrase or "")[:200].replace("\n", " ")


def webhook_url(base: str, campaign: str, secret: str) -> str:
    """The completion webhook's URL for `serve` at ``base``, with its basic auth credentials in it."""
    parts = urllib.parse.urlsplit(base.rstrip("/"))
    netloc = f"sinch:{urllib.parse.quote(secret, safe='')}@{parts.netloc}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, path=f"{parts.path}/hooks/sinch/{campaign}"))


def hook_slug(key: str) -> str:
    """The `{campaign}` part of the webhook's path: the campaign's log key made safe for a URL."""
    return re.sub(r"[^a-z0-9]+", "-", key.casefold()).strip("-")[:60] or "campaign"

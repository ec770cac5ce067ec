"""HylaFAX through its client protocol (hfaxd, port 4559), spoken with the standard library's ftplib.

A job is a TIFF class F document sent at fine resolution (VRES 196), with its send time (SENDTIME, UTC)
at the start of the office's window and its kill time (LASTTIME, counted from the send time) at the
window's end, so HylaFAX's own retries stay inside the office's hours. The job id is handed back (and
recorded) after JNEW and before JSUBM: a job is never queued without the log knowing it.
"""

from __future__ import annotations

import datetime as dt
import ftplib
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from faxcampaign.log.store import Job
from faxcampaign.send.base import FaxJob, Result, SendError

MAX_TRIES = 3  # transmissions per job (calls per job come from the job: `send --calls-per-job`)
JOB_FORMAT = "%j|%a|%P|%D|%Z|%J|%s"  # id, state, pages done:total, dials, send time (epoch), tag, status

# HylaFAX's status text -> the log's outcome (first match wins; lower-cased substrings)
STATUS_OUTCOMES = [
    ("busy", "busy"),
    ("no answer", "no-answer"),
    ("no carrier", "no-answer"),
    ("ringback", "no-answer"),
    ("dialtone", "line-error"),
    ("modem", "line-error"),
    ("voice", "not-fax"),
    ("no response to", "not-fax"),
    ("invalid dialstring", "wrong-number"),
    ("not in service", "wrong-number"),
    ("unobtainable", "wrong-number"),
]


def outcome_of(state: str, status: str, pages: str, dials: str) -> tuple[str, str | None, int | None]:
    """(job state, outcome, pages sent) for a job HylaFAX lists as done (D) or failed (F)."""
    done, _, total = (p.strip() for p in pages.partition(":"))
    sent = int(done) if done.isdigit() else None
    dialled = dials.strip().partition(":")[0]
    if state == "D":
        return "done", "delivered", sent
    text = status.lower()
    if "aborted by request" in text:
        state_name = "cancelled"
    elif "kill time expired" in text:
        state_name = "expired"
    else:
        state_name = "failed"
    if not dialled.isdigit() or int(dialled) == 0:
        return state_name, None, sent  # no call was made
    if sent and total.isdigit() and 0 < sent < int(total):
        return state_name, "partial", sent
    for needle, outcome in STATUS_OUTCOMES:
        if needle in text:
            return state_name, outcome, sent
    return state_name, "failed", sent


def _ddhhmm(span: dt.timedelta) -> str:
    minutes = max(1, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 1440)
    return f"{min(days, 99):02d}{rest // 60:02d}{rest % 60:02d}"


class HylaFAX:
    name = "hylafax"
    document = "tiff"
    immediate = False

    def __init__(self, host: str, port: int = 4559, user: str = "faxcampaign", timeout: float = 30):
        self.host, self.port, self.user, self.timeout = host, port, user, timeout

    @contextmanager
    def _session(self) -> Iterator[ftplib.FTP]:
        where = f"HylaFAX at {self.host}:{self.port}"
        ftp = ftplib.FTP()
        try:
            ftp.connect(self.host, self.port, timeout=self.timeout)
            ftp.sendcmd(f"USER {self.user}")
        except (OSError, EOFError, ftplib.Error) as e:
            ftp.close()
            raise SendError(f"{where}: cannot log in: {e}") from e
        try:
            yield ftp
        except (OSError, EOFError, ftplib.Error) as e:
            raise SendError(f"{where}: {e}") from e
        finally:
            try:
                ftp.quit()
            except (OSError, EOFError, ftplib.Error):
                ftp.close()

    def submit(self, job: FaxJob, document: bytes, created: Callable[[str], None]) -> Result | None:
        with self._session() as ftp:
            ftp.sendcmd("TYPE I")
            ftp.sendcmd("FORM TIFF")
            connection, _ = ftp.ntransfercmd("STOT")
            with connection:
                connection.sendall(document)
            reply = ftp.voidresp()
            found = re.search(r"FILE: ([^)\s]+)", reply)
            if not found:
                raise SendError(f"HylaFAX did not name the stored document: {reply}")
            created_reply = ftp.sendcmd("JNEW")
            job_id = re.search(r"jobid: (\d+)", created_reply)
            if not job_id:
                raise SendError(f"HylaFAX did not name the new job: {created_reply}")
            created(job_id.group(1))  # recorded before the job can run
            for parameter in (
                "FROMUSER faxcampaign",
                f"DIALSTRING {job.number}",
                f"MAXDIALS {job.calls}",
                f"MAXTRIES {MAX_TRIES}",
                f"SENDTIME {job.send_at.astimezone(dt.timezone.utc):%Y%m%d%H%M}",
                f"LASTTIME {_ddhhmm(job.kill_at - job.send_at)}",
                f'JOBINFO "{job.tag}"',
                "NOTIFY NONE",
                "VRES 196",
                f"DOCUMENT {found.group(1)}",
            ):
                ftp.sendcmd(f"JPARM {parameter}")
            ftp.sendcmd("JSUBM")
        return None

    def _list(self, ftp: ftplib.FTP) -> dict[str, list[str]]:
        ftp.sendcmd(f'JOBFMT "{JOB_FORMAT}"')
        jobs: dict[str, list[str]] = {}
        for queue in ("sendq", "doneq"):
            lines: list[str] = []
            ftp.retrlines(f"LIST {queue}", lines.append)
            for line in lines:
                fields = line.split("|", 6)
                if len(fields) == 7:
                    jobs[fields[0].strip()] = [f.strip() for f in fields]
        return jobs

    def poll(self, jobs: Sequence[Job]) -> dict[str, Result]:
        with self._session() as ftp:
            listed = self._list(ftp)
        results: dict[str, Result] = {}
        for job_id in (j.job for j in jobs):
            fields = listed.get(job_id)
            if fields is None:
                results[job_id] = Result("lost", None, note="HylaFAX no longer knows this job")
                continue
            _, state, pages, dials, epoch, _, status = fields
            if state not in ("D", "F"):
                continue
            name, outcome, sent = outcome_of(state, status, pages, dials)
            at = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch.isdigit() else None
            note = f"HylaFAX job {job_id}: {status or 'done'} (calls {dials})"
            total = pages.partition(":")[2].strip()
            results[job_id] = Result(name, outcome, sent, note, at, pages_total=int(total) if total.isdigit() else None,
                                     provider_job=job_id)
        return results

    def cancel(self, job_id: str) -> None:
        with self._session() as ftp:
            ftp.sendcmd(f"JOB {job_id}")
            try:
                ftp.sendcmd("JKILL")
            except ftplib.error_perm as e:
                if "done" not in str(e).lower():
                    raise


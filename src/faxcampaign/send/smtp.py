"""Email-to-fax gateways over SMTP (smtplib): the letter goes as a PDF attachment, from the signer's
address, to the address the campaign's `fax_gateway` pattern makes of the number.

A gateway sends as soon as it accepts a message, so a job is submitted only inside its window (the
send run waits for the window otherwise). A refusal is known at once, with the server's reply. An
accepted message is a job the gateway holds (`submitted`), not an attempt: the gateway dials later and
mails a report, which `sync --reports` reads (send/reports.py) to record what really happened. The job's
id is the message's Message-ID, which the report names in its In-Reply-To or References.
"""

from __future__ import annotations

import contextlib
import email.message
import email.utils
import os
import smtplib
import ssl
from collections.abc import Callable, Sequence

from faxcampaign.log.store import Job
from faxcampaign.send.base import SUBMITTED, FaxJob, Result, SendError

PASSWORD_ENV = "FAXCAMPAIGN_SMTP_PASSWORD"


class SMTPGateway:
    name = "smtp"
    document = "pdf"
    immediate = True

    def __init__(self, host: str, port: int, tls: bool, starttls: bool, user: str | None,
                 gateway: str = "{e164_digits}@fax.invalid", sender: str = "faxcampaign@localhost",
                 timeout: float = 30):
        self.host, self.port, self.tls, self.starttls, self.user = host, port, tls, starttls, user
        self.gateway, self.sender, self.timeout = gateway, sender, timeout

    def configure(self, gateway: str, sender: str) -> None:
        """The campaign's address pattern and the fallback sender (when a signer has no email)."""
        self.gateway, self.sender = gateway, sender

    def address(self, number: str) -> str:
        return self.gateway.format(e164=number, e164_digits=number.lstrip("+"))

    def message(self, job: FaxJob, document: bytes) -> email.message.EmailMessage:
        message = email.message.EmailMessage()
        message["From"] = email.utils.formataddr((job.signer, job.signer_email or self.sender))
        message["To"] = self.address(job.number)
        message["Subject"] = job.subject
        message["Message-ID"] = email.utils.make_msgid(domain="faxcampaign")
        message["X-Faxcampaign-Job"] = job.tag
        message.set_content(f"Fax for {job.number}: the letter is attached as a PDF.\n")
        message.add_attachment(document, maintype="application", subtype="pdf", filename=job.filename)
        return message

    def _connect(self) -> smtplib.SMTP:
        where = f"SMTP server {self.host}:{self.port}"
        try:
            if self.tls:
                server: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                        context=ssl.create_default_context())
            else:
                server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                if self.starttls:
                    server.starttls(context=ssl.create_default_context())
            if self.user:
                password = os.environ.get(PASSWORD_ENV)
                if password is None:
                    raise SendError(f"{where}: user {self.user!r} given but {PASSWORD_ENV} is not set")
                server.login(self.user, password)
            return server
        except (OSError, smtplib.SMTPException) as e:
            raise SendError(f"{where}: {e}") from e

    def mail(self, sender: tuple[str, str], to: str, subject: str, text: str) -> None:
        """One plain mail (an invitation), with the same server and settings as faxing; a refusal is a
        `SendError`."""
        message = email.message.EmailMessage()
        message["From"] = email.utils.formataddr(sender)
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = email.utils.make_msgid(domain="faxcampaign")
        message.set_content(text)
        server = self._connect()
        try:
            server.send_message(message)
        except smtplib.SMTPException as e:
            raise SendError(f"SMTP server {self.host}:{self.port} refused the mail to {to}: {e}") from e
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                server.quit()

    def submit(self, job: FaxJob, document: bytes, created: Callable[[str], None]) -> Result | None:
        message = self.message(job, document)
        created(str(message["Message-ID"]))
        server = self._connect()
        try:
            server.send_message(message)
        except smtplib.SMTPRecipientsRefused as e:
            code, reply = next(iter(e.recipients.values()))
            return Result("failed", "failed", note=f"the gateway refused {message['To']}: {code} "
                          f"{reply.decode(errors='replace')}")
        except (OSError, smtplib.SMTPException) as e:
            raise SendError(f"SMTP server {self.host}:{self.port}: {e}") from e
        finally:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                server.close()
        return Result(SUBMITTED, None, note=f"accepted by the email-to-fax gateway as {message['To']}",
                      provider_job=str(message["Message-ID"]))

    def poll(self, jobs: Sequence[Job]) -> dict[str, Result]:
        # Nothing to ask: the gateway's reports come by mail (`sync --reports`, send/reports.py).
        return {}

    def cancel(self, job_id: str) -> None:
        return None

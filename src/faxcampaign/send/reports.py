"""Email-to-fax gateways' reports, read back from a mailbox: which job a report is about, and what it says.

A gateway mails a report when it has dialled: "sent", "busy", "no answer after 3 tries". `sync --reports
SOURCE` reads them (see docs/send.md):

- SOURCE is ``imaps://user@host[:port]/FOLDER``, ``imap://user@host[:port]/FOLDER`` (STARTTLS; plain IMAP
  only to a loopback address) or ``maildir:PATH``; the IMAP password comes from
  ``FAXCAMPAIGN_IMAP_PASSWORD``; ``?cafile=PATH`` trusts a private certificate.
- The mailbox is only read (a folder is selected read-only, a maildir's files are not moved): it may be
  shared. The log remembers each report's Message-ID, so a report is never counted twice.
- A report names its job by the Message-ID of our mail (In-Reply-To or References); failing that, by the
  fax number in it and the time: the oldest open job to that number sent before the report.
- The outcome comes from phrases: the campaign's own (`fax_gateway_reports`) first, then `PHRASES`.
  Campaign phrases are plain text, never patterns, so a campaign file cannot make reading slow.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import email.utils
import html.parser
import ipaddress
import os
import re
import ssl
from collections.abc import Iterator, Mapping, Sequence
from email.message import EmailMessage
from pathlib import Path

from faxcampaign import urls
from faxcampaign.errors import FaxCampaignError
from faxcampaign.log.store import Job

PASSWORD_ENV = "FAXCAMPAIGN_IMAP_PASSWORD"
SOURCE_ENV = "FAXCAMPAIGN_REPORTS"
MAX_REPORT = 1_000_000  # bytes: a bigger mail is listed and left alone, never read whole
MAX_TEXT = 20_000  # characters of a report's text that are read for its outcome
TIMEOUT = 30.0  # seconds for any IMAP step: a hung server never blocks a cron job for ever

# Built-in wordings, in the order they are tried: failures before success, so that "not delivered" is
# never read as "delivered". Each is a regular expression over the report's text, any case.
PHRASES: Sequence[tuple[str, str]] = (
    ("busy", r"\bbusy\b|\bengaged\b|besetzt|occupé"),
    ("no-answer", r"no answer|not answer|no response from|did not respond|ring timeout|keine antwort"),
    ("not-fax", r"no fax tone|not a fax|voice (?:line|answer)|human answered|no carrier"),
    ("wrong-number", r"invalid (?:fax )?number|not in service|unallocated|unobtainable|does not exist|"
                     r"number not operational|not active"),
    ("refused", r"\brefused\b|\brejected\b"),
    ("partial", r"partial(?:ly)?(?: sent| delivered)?\b|incomplete transmission"),
    ("failed", r"\bfail(?:ed|ure)?\b|\bunsuccessful\b|could not be (?:sent|delivered)|not (?:sent|delivered)|"
               r"\berror\b"),
    ("delivered", r"\bsuccess(?:ful(?:ly)?)?\b|\bdelivered\b|\bsent\b|transmission (?:ok|complete)|zugestellt"),
)
_COMPILED = [(outcome, re.compile(pattern, re.IGNORECASE)) for outcome, pattern in PHRASES]
_PAGES = re.compile(r"(\d{1,4})\s*(?:of|/|von|sur)\s*(\d{1,4})\s*pages?|pages?\s*(?:sent)?\s*:\s*(\d{1,4})"
                    r"(?:\s*(?:of|/)\s*(\d{1,4}))?", re.IGNORECASE)
# A report comes from outside: what is taken from it is printable ASCII only (a station id is, by T.30), so
# nothing in it can move a terminal's cursor or pass for markup
_REMOTE = re.compile(r"(?:remote (?:station )?id|csi|remote csid)[ \t]*[:=][ \t]*([\x20-\x7e]{1,40})", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,250}>")


class ReportError(FaxCampaignError):
    """The mailbox cannot be read (unreachable, login refused, no such folder)."""


@dataclasses.dataclass(frozen=True)
class Report:
    """One mail from the mailbox, as far as it was read."""

    message_id: str
    refers_to: tuple[str, ...]  # Message-IDs in In-Reply-To and References, nearest first
    date: dt.datetime | None
    subject: str
    text: str  # its plain text (an HTML-only mail's text without the markup), at most MAX_TEXT characters
    too_big: bool = False

    def describe(self) -> str:
        when = self.date.strftime("%Y-%m-%d %H:%M UTC") if self.date else "undated"
        return f"{self.message_id} ({when}, {self.subject[:80]!r})"


@dataclasses.dataclass(frozen=True)
class Reading:
    """What a report says of its fax."""

    outcome: str | None  # None: it cannot be told
    pages: int | None = None
    pages_total: int | None = None
    remote_id: str | None = None


def read(report: Report, phrases: Mapping[str, Sequence[str]] = {}) -> Reading:
    """The outcome, pages and far end's id that ``report`` gives: the campaign's phrases first."""
    text = f"{report.subject}\n{report.text}"
    folded = text.casefold()
    outcome = next((o for o, said in phrases.items() for phrase in said if phrase.casefold() in folded), None)
    if outcome is None:
        outcome = next((o for o, pattern in _COMPILED if pattern.search(text)), None)
    pages = total = None
    found = _PAGES.search(text)
    if found:
        a, b, c, d = found.groups()
        pages, total = (int(a), int(b)) if a else (int(c), int(d) if d else None)
    if outcome == "delivered" and pages is not None and total and pages < total:
        outcome = "partial"
    remote = _REMOTE.search(text)
    return Reading(outcome, pages, total, remote.group(1).strip() if remote else None)


def match(report: Report, jobs: Sequence[Job]) -> Job | None:
    """The open job ``report`` is about: named by Message-ID, else by number and time. A report that names
    a Message-ID of ours which is not one of these jobs (another campaign's, or forged) matches nothing."""
    by_id = {j.job: j for j in jobs}
    for ref in report.refers_to:
        if ref in by_id:
            return by_id[ref]
    if any(ref.endswith("@faxcampaign>") for ref in report.refers_to):
        return None
    digits = re.sub(r"[^\d]", "", f"{report.subject} {report.text}")
    candidates = [j for j in jobs if j.number.lstrip("+") in digits
                  and (report.date is None or j.submitted <= report.date + dt.timedelta(minutes=5))]
    return min(candidates, key=lambda j: j.submitted) if candidates else None


# --- reading mail ------------------------------------------------------------------------------------


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "tr", "li"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _part_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know: UTF-8 if it is that, else Latin-1, never nothing
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            text = payload.decode("latin-1")
    if part.get_content_type() == "text/html":
        parser = _Text()
        parser.feed(text[:MAX_TEXT * 5])
        text = "".join(parser.parts)
    return text


def parse(raw: bytes, fallback_id: str) -> Report:
    """One mail's bytes as a `Report` (``fallback_id``, the mail's place in its mailbox, names a mail
    without a Message-ID)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)

    def header(name: str) -> str:
        try:
            return str(message.get(name, "") or "")
        except (ValueError, TypeError, IndexError):  # a malformed header reads as absent
            return ""

    refs = _MESSAGE_ID.findall(header("In-Reply-To")) + list(reversed(_MESSAGE_ID.findall(header("References"))))
    message_id = (_MESSAGE_ID.findall(header("Message-ID")) or [fallback_id])[0]
    try:
        date = email.utils.parsedate_to_datetime(header("Date"))
        date = date.astimezone(dt.timezone.utc) if date.tzinfo else date.replace(tzinfo=dt.timezone.utc)
    except (TypeError, ValueError, IndexError):
        date = None
    texts = []
    for part in message.walk():
        if part.get_content_maintype() == "text" and not part.is_attachment():
            texts.append(_part_text(part))  # type: ignore[arg-type]
        elif part.get_content_type() == "message/delivery-status":
            texts.append(str(part.get_payload()))
    text = "\n".join(texts)[:MAX_TEXT]
    return Report(message_id, tuple(dict.fromkeys(refs)), date, header("Subject")[:500], text)


def _too_big(message_id: str, size: int) -> Report:
    return Report(message_id, (), None, f"({size} bytes)", "", too_big=True)


class Maildir:
    """``maildir:PATH``: a maildir's new/ and cur/ mails, read in place."""

    def __init__(self, path: Path):
        self.path = path

    def reports(self) -> Iterator[Report]:
        if not (self.path / "cur").is_dir() and not (self.path / "new").is_dir():
            raise ReportError(f"maildir {self.path}: not a maildir (no cur/ or new/ folder)")
        for folder in ("new", "cur"):
            try:
                names = sorted(os.listdir(self.path / folder))
            except FileNotFoundError:
                continue
            except OSError as e:
                raise ReportError(f"maildir {self.path}: {e.strerror or e}") from e
            for name in names:
                file = self.path / folder / name
                fallback = f"<{name.split(':', 1)[0]}@maildir>"
                try:
                    size = file.stat().st_size
                    if size > MAX_REPORT:
                        yield _too_big(fallback, size)
                        continue
                    raw = file.read_bytes()
                except OSError as e:
                    raise ReportError(f"maildir {self.path}: cannot read {name}: {e.strerror or e}") from e
                yield parse(raw, fallback)


class IMAP:
    """``imaps://`` or ``imap://`` (STARTTLS): one folder, selected read-only; mails fetched with PEEK so
    that not even the \\Seen flag changes."""

    def __init__(self, url: str, route: urls.Route):
        self.url, self.route = url, route
        self.tls = route.scheme == "imaps"
        self.folder = route.path.strip("/") or "INBOX"

    def _where(self) -> str:
        return f"IMAP server {self.route.host}:{self.port}"

    @property
    def port(self) -> int:
        return self.route.port or (993 if self.tls else 143)

    def _context(self) -> ssl.SSLContext:
        cafile = self.route.query.get("cafile")
        try:
            return ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()
        except (OSError, ssl.SSLError) as e:
            raise ReportError(f"cafile {cafile}: {getattr(e, 'strerror', None) or e}") from e

    def reports(self) -> Iterator[Report]:
        import imaplib

        where = self._where()
        user = self.route.user
        password = os.environ.get(PASSWORD_ENV)
        if not user:
            raise ReportError(f"{urls.mask(self.url)!r}: name the mailbox's user, e.g. imaps://reports@mail.example.org/INBOX")
        if password is None:
            raise ReportError(f"{where}: user {user!r} given but {PASSWORD_ENV} is not set")
        try:
            if self.tls:
                client: imaplib.IMAP4 = imaplib.IMAP4_SSL(self.route.host, self.port, ssl_context=self._context(),
                                                          timeout=TIMEOUT)
            else:
                client = imaplib.IMAP4(self.route.host, self.port, timeout=TIMEOUT)
                if not _loopback(self.route.host) or "STARTTLS" in client.capabilities:
                    client.starttls(ssl_context=self._context())
        except (OSError, imaplib.IMAP4.error, ssl.SSLError) as e:
            raise ReportError(f"{where}: {getattr(e, 'strerror', None) or e}") from e
        try:
            try:
                client.login(user, password)
            except imaplib.IMAP4.error as e:
                raise ReportError(f"{where}: login as {user!r} refused") from e
            status, _ = client.select(_quote(self.folder), readonly=True)
            if status != "OK":
                raise ReportError(f"{where}: no folder {self.folder!r}")
            status, found = client.uid("SEARCH", "ALL")
            uids = found[0].split() if status == "OK" and found and found[0] else []
            for start in range(0, len(uids), 100):
                batch = b",".join(uids[start:start + 100]).decode()
                status, sizes = client.uid("FETCH", batch, "(RFC822.SIZE)")
                big = {}
                for line in sizes if status == "OK" else []:
                    text = line.decode(errors="replace") if isinstance(line, bytes) else ""
                    named, size = re.search(r"UID (\d+)", text), re.search(r"RFC822\.SIZE (\d+)", text)
                    if named and size:
                        big[named.group(1)] = int(size.group(1))
                for uid in batch.split(","):
                    fallback = f"<imap-{uid}@{self.route.host}>"
                    if big.get(uid, 0) > MAX_REPORT:
                        yield _too_big(fallback, big[uid])
                        continue
                    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
                    raw = next((part[1] for part in data if isinstance(part, tuple)), None) if status == "OK" else None
                    if isinstance(raw, bytes):
                        yield parse(raw, fallback)
        except (OSError, imaplib.IMAP4.error, ssl.SSLError) as e:
            raise ReportError(f"{where}: {getattr(e, 'strerror', None) or e}") from e
        finally:
            try:
                client.logout()
            except (OSError, imaplib.IMAP4.error):
                pass


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def source(where: str) -> Maildir | IMAP:
    """The mailbox ``where`` names (see the module's docstring)."""
    if where.startswith("maildir:"):
        path = where[len("maildir:"):]
        if not path:
            raise ReportError("maildir: give the maildir's path, e.g. maildir:/var/mail/reports")
        return Maildir(Path(path).expanduser())
    try:
        route = urls.parse_route(where, "--reports", PASSWORD_ENV)
    except urls.URLError as e:
        raise ReportError(str(e)) from e
    if route.scheme not in ("imap", "imaps") or not route.host:
        raise ReportError(f"{urls.mask(where)!r}: use imaps://user@host/FOLDER, imap://user@host/FOLDER "
                          "(STARTTLS) or maildir:PATH")
    return IMAP(where, route)

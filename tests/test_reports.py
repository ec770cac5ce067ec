"""`sync --via smtp://... --reports SOURCE`: an email-to-fax gateway's report mails, read back from a real
IMAP server (Dovecot on loopback) and from a maildir, record what really became of each job."""

from __future__ import annotations

import csv
import datetime as dt
import email.message
import email.utils
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import zone_at_noon
from test_send_smtp import Gateway, gateway  # noqa: F401  (the SMTP gateway fixture)

PASSWORD = {"FAXCAMPAIGN_IMAP_PASSWORD": "s3cret-imap"}
OFFICES = {"court": "+77212420220", "president": "+77172745631", "prosecutor": "+77212413344",
           "akim": "+77212422222"}


def campaign(folder: Path, extra: str = "") -> Path:
    (folder / "letter.md.j2").write_text("We protest at the trial in Karaganda.\n", encoding="utf-8")
    path = folder / "campaign.yaml"
    zone = zone_at_noon(dt.datetime.now(dt.timezone.utc))
    offices = "".join(f"  - {{id: {o}, name: {o.title()} office, fax: '{n}'}}\n" for o, n in OFFICES.items())
    path.write_text(f"""\
title: Report test
reference: REP-1
letter: letter.md.j2
fax_gateway: "{{e164_digits}}@fax.example.net"
sender: {{name: Campaign Office, email: office@example.org}}
defaults: {{timezone: {zone}, hours: "Mo-Su 06:00-20:00", manual: false}}
{extra}recipients:
{offices}""", encoding="utf-8")
    return path


def report(text: str, reply_to: str | None = None, subject: str = "Fax report", html: bool = False,
           charset: str = "utf-8", message_id: str | None = None) -> bytes:
    message = email.message.EmailMessage()
    message["From"] = "reports@fax.example.net"
    message["To"] = "office@example.org"
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1))
    message["Message-ID"] = message_id or email.utils.make_msgid(domain="fax.example.net")
    if reply_to:
        message["In-Reply-To"] = reply_to
        message["References"] = reply_to
    if html:
        message.set_content(f"<html><body><p>{text}</p></body></html>", subtype="html")
    else:
        message.set_content(text)
    raw = message.as_bytes()
    if charset != "utf-8":
        raw = raw.replace(b'charset="utf-8"', f'charset="{charset}"'.encode())
    return raw


@pytest.fixture
def sent(gateway: tuple[Gateway, int], tmp_path: Path, cli: Any, dovecot: Any) -> Iterator[dict[str, Any]]:  # noqa: F811
    """A campaign whose four letters the gateway accepted; the Message-ID of each office's mail."""
    handler, port = gateway
    path = campaign(tmp_path)
    result = cli("send", str(path), "--via", f"smtp://127.0.0.1:{port}")
    assert result.exit_code == 0, result.output
    ids = {}
    for _, (rcpt,), content in handler.messages:
        message = email.message_from_bytes(content)
        office = next(o for o, n in OFFICES.items() if rcpt.startswith(n.lstrip("+")))
        ids[office] = message["Message-ID"]
    assert sorted(ids) == sorted(OFFICES)
    dovecot.clear()
    yield {"path": path, "via": f"smtp://127.0.0.1:{port}", "ids": ids, "handler": handler}
    dovecot.clear()


def history(cli: Any, path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(cli("history", str(path)).stdout)))


def test_reports_record_each_jobs_real_outcome(backend: str, sent: dict[str, Any], dovecot: Any, cli: Any) -> None:
    ids, path = sent["ids"], sent["path"]
    dovecot.deliver(report("Your fax to 77212420220 was sent successfully.\nPages: 2/2\nRemote CSI: KARAGANDA "
                           "COURT", ids["court"], "Fax sent"))
    dovecot.deliver(report("Fax to +77172745631 could not be delivered: the line was busy.", ids["president"]))
    # no In-Reply-To: matched by the number in it and the time
    dovecot.deliver(report("Transmission to +7 7212 41 33 44 failed: no answer after 3 attempts.",
                           subject="Fax failed"))
    dovecot.deliver(report("Your request has been received and is being processed.", ids["akim"]))
    dovecot.deliver(report("Fax delivered: 1 of 2 pages sent (line dropped).", ids["akim"]))
    dovecot.deliver(report("Your fax was sent successfully.", "<1.2@faxcampaign>", "Fax sent"))  # not ours

    result = cli("sync", str(path), "--via", sent["via"], "--reports", dovecot.url(), "--no-requeue", env=PASSWORD)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"court: job {ids['court']} delivered (2 of 2 pages)" in out
    assert f"president: job {ids['president']} busy" in out
    assert f"prosecutor: job {ids['prosecutor']} no-answer" in out
    assert f"akim: job {ids['akim']} partial (1 of 2 pages)" in out
    assert "left in the mailbox: its outcome cannot be told" in out  # the akim's "being processed"
    assert "'Fax sent'" in out and "it matches no job of this campaign awaiting a report" in out

    rows = {r["recipient"]: r for r in history(cli, path)}
    assert {o: r["outcome"] for o, r in rows.items()} == {"court": "delivered", "president": "busy",
                                                           "prosecutor": "no-answer", "akim": "partial"}
    assert (rows["court"]["pages"], rows["court"]["pages_total"], rows["court"]["remote_id"]) == (
        "2", "2", "KARAGANDA COURT")
    assert rows["court"]["completed_at"] and rows["court"]["source"] == "smtp"
    assert rows["president"]["pages_total"] == "1"  # the letter's own pages, when the report gives none
    status = json.loads(cli("status", str(path), "--format", "json").stdout)
    court = next(o for o in status["offices"] if o["id"] == "court")
    assert court["reached"] and court["in_flight"] == [] and court["last_attempt"]["remote_id"] == "KARAGANDA COURT"
    assert court["last_attempt"]["pages"] == 2 and court["last_attempt"]["unconfirmed"] is False

    # read twice: nothing is counted again, and what was left is listed again and still left
    again = cli("sync", str(path), "--via", sent["via"], "--reports", dovecot.url(), "--no-requeue", env=PASSWORD)
    assert again.exit_code == 0, again.output
    assert not [line for line in again.stdout.splitlines() if line.split(":")[0] in OFFICES]
    assert again.stdout.count("left in the mailbox") == 2
    assert len(history(cli, path)) == 4
    assert len(list((dovecot.maildir / "new").iterdir())) + len(list((dovecot.maildir / "cur").iterdir())) == 6

    # the same reports as a maildir: already recorded, so nothing changes
    maildir = cli("sync", str(path), "--via", sent["via"], "--reports", f"maildir:{dovecot.maildir}", "--no-requeue")
    assert maildir.exit_code == 0 and len(history(cli, path)) == 4

    # what did not go is queued again (busy: after its back-off), within the office's window
    requeued = cli("sync", str(path), "--via", sent["via"], "--reports", dovecot.url(), env=PASSWORD)
    assert requeued.exit_code == 0, requeued.output
    assert "court: every letter has been delivered" in requeued.stdout
    assert "akim: waits to send to +77212422222" in requeued.stdout  # partial: a 10-minute back-off first


def test_reports_from_a_maildir_and_over_tls_with_a_private_certificate(sent: dict[str, Any], dovecot: Any,
                                                                        cli: Any, tmp_path: Path) -> None:
    ids, path = sent["ids"], sent["path"]
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.report:2,").write_bytes(report("Sent successfully, 1 page.", ids["court"]))
    result = cli("sync", str(path), "--via", sent["via"], "--reports", f"maildir:{maildir}", "--no-requeue")
    assert result.exit_code == 0, result.output
    assert f"court: job {ids['court']} delivered" in result.stdout
    assert (maildir / "new" / "1.report:2,").exists()  # the mailbox is only read

    dovecot.deliver(report("Fax to 77172745631: no answer.", ids["president"]))
    untrusted = cli("sync", str(path), "--via", sent["via"], "--reports", dovecot.url(tls=True).split("?")[0],
                    "--no-requeue", env=PASSWORD, code=1)
    assert "certificate" in untrusted.stderr and "Traceback" not in untrusted.output
    trusted = cli("sync", str(path), "--via", sent["via"], "--reports", dovecot.url(tls=True), "--no-requeue",
                  env=PASSWORD)
    assert trusted.exit_code == 0, trusted.output
    assert f"president: job {ids['president']} no-answer" in trusted.stdout


def test_a_mailbox_that_cannot_be_read_changes_nothing(sent: dict[str, Any], dovecot: Any, cli: Any) -> None:
    path = sent["path"]

    def state() -> tuple[str, str]:
        status = json.loads(cli("status", str(path), "--format", "json").stdout)
        return json.dumps(status["offices"]), cli("history", str(path)).stdout

    before = state()
    dovecot.deliver(report("Your fax was sent successfully.", sent["ids"]["court"]))
    cases = [
        (f"imap://reports@127.0.0.1:{dovecot.port + 10000 if dovecot.port < 50000 else 1}/INBOX", PASSWORD,
         "IMAP server 127.0.0.1"),
        (dovecot.url(), {"FAXCAMPAIGN_IMAP_PASSWORD": "wrong-password"}, "login as 'reports' refused"),
        (dovecot.url(), {"FAXCAMPAIGN_IMAP_PASSWORD": None}, "FAXCAMPAIGN_IMAP_PASSWORD is not set"),
        (dovecot.url().replace("INBOX", "Nowhere"), PASSWORD, "no folder 'Nowhere'"),
        ("imap://reports:hunter2@127.0.0.1/INBOX", PASSWORD, "do not put a password in --reports"),
        ("pop3://reports@127.0.0.1/INBOX", PASSWORD, "use imaps://user@host/FOLDER"),
        ("maildir:/nonexistent/Maildir", {}, "not a maildir"),
    ]
    for where, env, message in cases:
        result = cli("sync", str(path), "--via", sent["via"], "--reports", where, "--no-requeue", env=env, code=1)
        assert message in result.stderr, (where, result.output)
        assert "Traceback" not in result.output and "wrong-password" not in result.output
        assert "hunter2" not in result.output
    assert state() == before


def test_hostile_and_odd_reports(sent: dict[str, Any], dovecot: Any, cli: Any) -> None:
    ids, path = sent["ids"], sent["path"]
    huge = report("Sent successfully. " + "x" * 1_200_000, ids["court"])
    dovecot.deliver(huge)  # too big to read: listed, left, the job still open
    dovecot.deliver(report("Le fax n'a pas pu être envoyé : occupé.", ids["president"], charset="x-no-such-charset"))
    dovecot.deliver(report("Your fax to <b>+77212413344</b> was <i>sent successfully</i>.", ids["prosecutor"],
                           html=True))
    # names a Message-ID of ours that is no job of this campaign (another campaign's, or forged), and gives
    # the akim's number: it must not be taken for the akim's report
    dovecot.deliver(report("Fax to 77212422222 sent successfully.", "<99.99.99@faxcampaign>"))
    # terminal control sequences in a stranger's headers never reach the organiser's terminal
    dovecot.deliver(b"From: x@example.net\r\nSubject: \x1b[2J\x1b]0;owned\x07 report\r\nMessage-ID: <ab\x1b[31m@x>\r\n"
                    b"\r\nno outcome here\r\n")
    result = cli("sync", str(path), "--via", sent["via"], "--reports", dovecot.url(), "--no-requeue", env=PASSWORD)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "too big to read" in result.stdout
    assert f"president: job {ids['president']} busy" in result.stdout  # unknown charset read as Latin-1
    assert f"prosecutor: job {ids['prosecutor']} delivered" in result.stdout
    assert "akim" not in result.stdout.replace("left in the mailbox", "")
    assert {r["recipient"] for r in history(cli, path)} == {"president", "prosecutor"}


def test_campaign_phrases_and_reports_awaited_too_long(sent: dict[str, Any], dovecot: Any, cli: Any) -> None:
    ids, path = sent["ids"], sent["path"]
    path.write_text(path.read_text().replace("recipients:", "fax_gateway_reports: {busy: ['Anschluss belegt'], "
                                                            "delivered: ['Fax zugestellt']}\nrecipients:"))
    assert cli("check", str(path)).exit_code == 0
    dovecot.deliver(report("Ihr Fax: Anschluss belegt.", ids["court"]))
    result = cli("sync", str(path), "--via", sent["via"], "--reports", dovecot.url(), "--no-requeue", env=PASSWORD)
    assert f"court: job {ids['court']} busy" in result.stdout, result.output

    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=25)).strftime("%Y-%m-%dT%H:%M")
    status = json.loads(cli("status", str(path), "--format", "json", "--now", later, "--tz", "UTC").stdout)
    waiting = {o["id"]: o["in_flight"] for o in status["offices"]}
    table = cli("status", str(path), "--now", later, "--tz", "UTC").stdout
    assert f"in flight: job {ids['president']} to +77172745631 (smtp://127.0.0.1:" in table
    assert table.count("awaiting its report for over a day") == 3  # president, prosecutor, akim
    assert waiting["court"] == []
    assert [j["awaiting_report"] for j in waiting["president"]] == [True]
    # the organiser decides: `send` leaves an office with a job awaiting its report alone
    again = cli("send", str(path), "--via", sent["via"])
    assert f"president: job {ids['president']} is still queued" in again.stdout
    assert len(sent["handler"].messages) == 4


def test_deliveries_older_versions_recorded_on_acceptance_are_unconfirmed(backend: str, tmp_path: Path,
                                                                        cli: Any) -> None:
    from faxcampaign.log.roster import open_campaign_log
    from faxcampaign.log.store import Attempt

    path = campaign(tmp_path)
    assert cli("log", str(path), "court", "delivered", "--by", "Ann").exit_code == 0
    log, _ = open_campaign_log(path, None)
    with log:
        log.record([Attempt(dt.datetime.now(dt.timezone.utc), "president", OFFICES["president"], "delivered",
                            source="smtp", note="handed to the email-to-fax gateway as 77172745631@fax.example.net",
                            job="<1.2@faxcampaign>")], dt.datetime.now(dt.timezone.utc))
    entries = json.loads(cli("history", str(path), "--format", "json").stdout)
    assert [(e["recipient"], e["unconfirmed"]) for e in entries] == [("court", False), ("president", True)]
    status = json.loads(cli("status", str(path), "--format", "json").stdout)
    counts = {o["id"]: o["unconfirmed_deliveries"] for o in status["offices"]}
    assert counts["president"] == 1 and counts["court"] == 0
    table = cli("status", str(path)).stdout
    assert table.count("1 of the deliveries unconfirmed") == 1

"""`send --via smtp://...` against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import zone_at_noon
from faxcampaign.cli import cli

REFUSED = "77212429999@fax.example.net"


class Gateway:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
        if address == REFUSED:
            return "550 5.1.1 no fax line at this number"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


@pytest.fixture
def gateway() -> Iterator[tuple[Gateway, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Gateway()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def campaign(folder: Path) -> Path:
    (folder / "letter.md.j2").write_text("We protest at the trial in {{ context.city }}.\n", encoding="utf-8")
    path = folder / "campaign.yaml"
    zone = zone_at_noon(dt.datetime.now(dt.timezone.utc))
    path.write_text(f"""\
title: Gateway test
reference: GW-1
letter: letter.md.j2
fax_gateway: "{{e164_digits}}@fax.example.net"
sender: {{name: Campaign Office, email: office@example.org}}
defaults: {{timezone: {zone}, hours: "Mo-Su 06:00-20:00", manual: false}}
context: {{city: Karaganda}}
recipients:
  - id: court
    name: Karaganda Oblast Court
    fax: "+7 7212 42 02 20"
  - id: nowhere
    name: Closed Line
    fax: "+7 7212 42 99 99"
""", encoding="utf-8")
    return path


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def test_letters_go_to_the_gateway_as_pdf_from_the_signer(gateway: tuple[Gateway, int], tmp_path: Path,
                                                          backend: str) -> None:
    handler, port = gateway
    path = campaign(tmp_path)
    result = run("send", str(path), "--via", f"smtp://127.0.0.1:{port}", "--signer", "Ann Smith",
                 "--email", "ann@example.org")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("court: queued to +77212420220 from ")
    assert lines[0].endswith(": submitted, accepted by the email-to-fax gateway as 77212420220@fax.example.net")
    assert lines[1].startswith("nowhere: queued to +77212429999") and lines[1].endswith(": failed")

    (mail_from, rcpt, content), = handler.messages
    assert mail_from == "ann@example.org" and rcpt == ["77212420220@fax.example.net"]
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert message["From"] == "Ann Smith <ann@example.org>"
    assert message["To"] == "77212420220@fax.example.net"
    assert message["Subject"] == "Gateway test: fax to Karaganda Oblast Court"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "court.pdf" and attachment.get_content_type() == "application/pdf"
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert "We protest at the trial in Karaganda." in text and "Ann Smith" in text

    history = list(csv.DictReader(io.StringIO(run("history", str(path)).stdout)))
    # an accepted message is not a delivery: the gateway holds the job until its report is read
    assert [(r["recipient"], r["outcome"], r["signer"], r["source"]) for r in history] == [
        ("nowhere", "failed", "Ann Smith", "smtp")]
    assert history[0]["note"].startswith(f"the gateway refused {REFUSED}: 550 5.1.1 no fax line")
    status = json.loads(run("status", str(path), "--format", "json").stdout)
    court = next(o for o in status["offices"] if o["id"] == "court")
    assert not court["reached"] and [j["number"] for j in court["in_flight"]] == ["+77212420220"]
    assert court["in_flight"][0]["job"] == message["Message-ID"] and not court["in_flight"][0]["awaiting_report"]

    again = run("send", str(path), "--via", f"smtp://127.0.0.1:{port}", "--signer", "Ann Smith",
                "--email", "ann@example.org")
    assert f"court: job {message['Message-ID']} is still queued" in again.stdout
    assert len(handler.messages) == 1


def test_a_user_needs_the_password_from_the_environment(gateway: tuple[Gateway, int], tmp_path: Path) -> None:
    _, port = gateway
    result = run("send", str(campaign(tmp_path)), "--via", f"smtp://ann@127.0.0.1:{port}",
                 env={"FAXCAMPAIGN_SMTP_PASSWORD": None})  # type: ignore[dict-item]
    assert result.exit_code == 1
    assert "user 'ann' given but FAXCAMPAIGN_SMTP_PASSWORD is not set" in result.stderr
    assert run("history", str(tmp_path / "campaign.yaml"), "--format", "json").stdout == "[]\n"


def test_a_campaign_without_a_gateway_pattern_cannot_send_by_email(tmp_path: Path) -> None:
    path = campaign(tmp_path)
    path.write_text(path.read_text().replace('fax_gateway: "{e164_digits}@fax.example.net"\n', ""))
    result = run("send", str(path), "--via", "smtp://127.0.0.1:25")
    assert result.exit_code == 2 and "fax_gateway" in result.stderr

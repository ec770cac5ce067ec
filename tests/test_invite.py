"""`invite`: personal links made, listed, revoked, mailed through a real SMTP server on loopback."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import ALWAYS_OPEN, LETTER, VOLUNTEERS
from test_send_smtp import gateway  # noqa: F401 (the fixture)


def folder(tmp_path: Path) -> Path:
    campaign = tmp_path / "campaign.yaml"
    campaign.write_text(ALWAYS_OPEN.replace("  name: Test Sender", "  name: Test Sender\n  email: office@example.org"),
                        encoding="utf-8")
    (tmp_path / "letter.md.j2").write_text(LETTER, encoding="utf-8")
    (tmp_path / "volunteers.csv").write_text(VOLUNTEERS, encoding="utf-8")
    return campaign


def test_invite_mails_each_volunteer_their_link(tmp_path: Path, cli: Callable[..., Any],
                                                gateway: Any) -> None:  # noqa: F811
    handler, port = gateway
    campaign = folder(tmp_path)
    result = cli("invite", str(campaign), "--volunteers", str(tmp_path / "volunteers.csv"), "--base-url",
                 "https://calls.example.org/", "--mail", f"smtp://127.0.0.1:{port}")
    links = dict(line.split("\t") for line in result.stdout.splitlines())
    assert sorted(links) == ["Ann Smith", "Ben Jones"]
    assert all(url.startswith("https://calls.example.org/v/") for url in links.values())
    mailed = {}
    for sender, recipients, raw in handler.messages:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert sender == "office@example.org" and message["Subject"] == "Your link for Test campaign"
        mailed[recipients[0]] = message.get_content()
    assert links["Ann Smith"] in mailed["ann@example.org"] and links["Ben Jones"] in mailed["ben@example.org"]
    assert links["Ann Smith"] not in mailed["ben@example.org"]
    # the log keeps no token, only its hash
    log = (tmp_path / "campaign.log.sqlite").read_bytes()
    assert all(url.rsplit("/", 1)[1].encode() not in log for url in links.values())


def test_invite_list_revoke_and_mistakes(tmp_path: Path, cli: Callable[..., Any]) -> None:
    campaign = folder(tmp_path)
    team = str(tmp_path / "volunteers.csv")
    no_url = cli("invite", str(campaign), "--volunteers", team, code=2, env={"FAXCAMPAIGN_BASE_URL": ""})
    assert "--base-url" in no_url.output
    env = {"FAXCAMPAIGN_BASE_URL": "https://calls.example.org"}
    assert "Ben" in cli("invite", str(campaign), "--volunteers", team, "--format", "json", env=env).stdout
    made = json.loads(cli("invite", str(campaign), "--organiser", "Olga", "--tz", "Asia/Almaty", "--format", "json",
                          env=env).stdout)
    assert [(m["name"], m["role"]) for m in made] == [("Olga", "organiser")]
    assert "no volunteer 'Cleo'" in cli("invite", str(campaign), "--volunteers", team, "--volunteer", "Cleo",
                                        code=2, env=env).output
    assert "unknown time zone" in cli("invite", str(campaign), "--organiser", "X", "--tz", "Mars/Base", code=2,
                                      env=env).output
    assert cli("invite", str(campaign), "--revoke", "Ben Jones").stdout == "revoked Ben Jones's link\n"
    assert "has no active link" in cli("invite", str(campaign), "--revoke", "Ben Jones", code=1).output
    listed = json.loads(cli("invite", str(campaign), "--list", "--format", "json").stdout)
    assert [(x["name"], x["role"], x["state"], x["last_used"]) for x in listed] == [
        ("Ann Smith", "volunteer", "active", None), ("Ben Jones", "volunteer", "revoked", None),
        ("Olga", "organiser", "active", None)]
    # a mail server that cannot be reached: the links are made and shown all the same, and it says so
    down = cli("invite", str(campaign), "--volunteers", team, "--mail", "smtp://127.0.0.1:1", code=1, env=env)
    assert down.stdout.count("https://calls.example.org/v/") == 2
    assert "warning: Ann Smith's link was not mailed: SMTP server 127.0.0.1:1:" in down.stderr
    (tmp_path / "campaign.yaml").write_text(ALWAYS_OPEN, encoding="utf-8")  # the sender has no email
    unsent = cli("invite", str(campaign), "--volunteers", team, "--mail", "smtp://127.0.0.1:1", code=2, env=env)
    assert "--mail sends from the campaign's sender: give sender.email" in unsent.output

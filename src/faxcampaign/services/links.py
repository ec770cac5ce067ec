"""Personal links to the team's web app (`invite`, `serve`): made, replaced, revoked, listed, and checked.

A link is the base URL and a random token of 192 bits (``secrets.token_urlsafe(24)``). The log keeps only
the token's SHA-256, so a link is shown once, when it is made. Inviting a name again revokes their older
link. A link expires `EXPIRES_AFTER` after the end of the campaign's deadline day (UTC), or
`EXPIRES_WITHOUT_DEADLINE` after it was made when the campaign has no deadline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
from pathlib import Path
from typing import Any

from faxcampaign.errors import FaxCampaignError, RequestError

EXPIRES_AFTER = dt.timedelta(days=30)
EXPIRES_WITHOUT_DEADLINE = dt.timedelta(days=90)
ROLES = ("volunteer", "organiser")


class AuthError(FaxCampaignError):
    """No valid link: missing, unknown, expired or revoked (``reason`` says which, for the holder)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Invitation:
    name: str
    role: str
    url: str
    token: str
    mail_error: str | None = None  # with --mail: why this one's mail did not go (the link is made all the same)


@dataclasses.dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a valid link: every web request acts as them and only as them."""

    link: int
    name: str
    role: str
    timezone: str
    dial_from: str | None
    offices: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    cap: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class InviteRequest:
    campaign: Path
    now: dt.datetime
    base_url: str | None
    volunteers: Path | None = None
    names: tuple[str, ...] = ()  # only these volunteers of the file; all when empty
    organiser: str | None = None
    timezone: str | None = None  # the organiser's clock
    dial_from: str | None = None
    log: str | None = None
    mail: str | None = None  # smtp://... : mail each volunteer their link, from the campaign's sender


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def base_url(text: str | None, option: str = "--base-url") -> str:
    """The web app's address as volunteers reach it: http(s), a host, no query; no trailing slash."""
    from urllib.parse import urlsplit

    if not text:
        raise RequestError("give the address volunteers open, e.g. https://calls.example.org (or set "
                           "$FAXCAMPAIGN_BASE_URL)", option)
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RequestError(f"not a web address for the team: {text!r} (e.g. https://calls.example.org)", option)
    return text.strip().rstrip("/")


def _expires(deadline: dt.date | None, now: dt.datetime) -> dt.datetime:
    if deadline is None:
        return now + EXPIRES_WITHOUT_DEADLINE
    end = dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(), tzinfo=dt.timezone.utc)
    return max(end + EXPIRES_AFTER, now + dt.timedelta(days=1))


def invite(request: InviteRequest) -> list[Invitation]:
    """A new link for each volunteer asked for (and the organiser), in one pass; the old ones stop working."""
    from faxcampaign import clock
    from faxcampaign.campaign.loader import load
    from faxcampaign.log.roster import open_campaign_log, writable

    url = base_url(request.base_url)
    if not request.volunteers and not request.organiser:
        raise RequestError("give --volunteers FILE, or --organiser NAME", usage=True)
    if request.names and not request.volunteers:
        raise RequestError("--volunteer picks from --volunteers FILE; give the file too", usage=True)
    campaign = load(request.campaign)
    people: list[tuple[str, str, dict[str, Any]]] = []
    if request.volunteers:
        from faxcampaign.team.volunteers import read_volunteers

        volunteers = read_volunteers(request.volunteers, [o.id for o in campaign.offices])
        if request.names:
            wanted = {" ".join(n.split()).casefold(): n for n in request.names}
            volunteers = [v for v in volunteers if v.name.casefold() in wanted]
            missing = set(wanted) - {v.name.casefold() for v in volunteers}
            if missing:
                raise RequestError(f"no volunteer {wanted[sorted(missing)[0]]!r} in {request.volunteers}",
                                   "--volunteer")
        for v in volunteers:
            people.append((v.name, "volunteer", {"timezone": v.timezone, "dial_from": v.country,
                                                 "languages": sorted(v.languages), "offices": sorted(v.offices),
                                                 "cap": v.cap, "email": v.email}))
    if request.organiser:
        name = " ".join(request.organiser.split())
        zone = request.timezone or clock.system_zone_name()
        if not clock.is_zone(zone):
            raise RequestError(f"unknown time zone {zone!r}", "--tz")
        people.append((name, "organiser", {"timezone": zone, "dial_from": request.dial_from,
                                           "languages": [], "offices": [], "cap": None, "email": None}))
    expires = _expires(campaign.data.deadline, request.now)
    mailer = None
    if request.mail:
        from faxcampaign.send.backends import backend_for
        from faxcampaign.send.smtp import SMTPGateway

        chosen = backend_for(request.mail)
        if not isinstance(chosen, SMTPGateway):
            raise RequestError("--mail takes smtp://host[:port] or smtps://host (as `send --via`)", "--mail")
        mailer = chosen
        if campaign.data.sender is None or not campaign.data.sender.email:
            raise RequestError("--mail sends from the campaign's sender: give sender.email in the campaign file",
                               "--mail")
        unmailed = [name for name, _, details in people if not details.get("email")]
        if unmailed:
            raise RequestError(f"no email for {unmailed[0]!r} in the volunteers file", "--mail")
    made = []
    log, roster = open_campaign_log(request.campaign, request.log)
    with log:
        kept = writable(log, roster, request.campaign)
        for name, role, details in people:
            token = secrets.token_urlsafe(24)
            kept.add_link(name, role, token_hash(token), json.dumps(details, sort_keys=True), request.now, expires)
            made.append(Invitation(name, role, f"{url}/v/{token}", token))
        if kept is not log:
            kept.close()
    if mailer is not None:
        sender = campaign.data.sender
        assert sender is not None and sender.email
        from faxcampaign.send.base import SendError

        emails = {name: details["email"] for name, _, details in people}
        for i, m in enumerate(made):
            text = (f"Hello {m.name},\n\nThis is your personal link to the calls of \"{campaign.data.title}\":\n\n"
                    f"{m.url}\n\nIt is yours alone: what you record with it is recorded in your name. Do not pass "
                    "it on.\n")
            try:
                mailer.mail((sender.name, sender.email), emails[m.name], f"Your link for {campaign.data.title}", text)
            except SendError as e:
                made[i] = dataclasses.replace(m, mail_error=str(e))
    return made


def revoke(campaign: Path, name: str, now: dt.datetime, log_place: str | None = None) -> int:
    """End ``name``'s link at once; how many links were ended (0: none was active)."""
    from faxcampaign.log.roster import open_campaign_log

    log, _ = open_campaign_log(campaign, log_place)
    with log:
        if not log.exists:
            return 0
        return log.revoke_links(" ".join(name.split()), now)


@dataclasses.dataclass(frozen=True, slots=True)
class LinkState:
    name: str
    role: str
    state: str  # active, revoked, expired
    created: dt.datetime
    expires: dt.datetime
    last_used: dt.datetime | None


def links(campaign: Path, now: dt.datetime, log_place: str | None = None) -> list[LinkState]:
    """Each name's newest link and its state."""
    from faxcampaign.log.roster import open_campaign_log

    log, _ = open_campaign_log(campaign, log_place)
    with log:
        newest = {link.name: link for link in log.links()} if log.exists else {}
    out = []
    for link in sorted(newest.values(), key=lambda k: k.name.casefold()):
        state = "revoked" if link.revoked else "expired" if link.expires <= now else "active"
        out.append(LinkState(link.name, link.role, state, link.created, link.expires, link.last_used))
    return out


def holder(campaign: Path, token: str | None, now: dt.datetime, log_place: str | None = None) -> Holder:
    """The holder of ``token`` in the campaign's log, or `AuthError`."""
    from faxcampaign.log.roster import open_campaign_log

    log, _ = open_campaign_log(campaign, log_place)
    with log:
        return authenticate(log, token, now)


def authenticate(log: Any, token: str | None, now: dt.datetime) -> Holder:
    """The holder of ``token`` in the open ``log``, or `AuthError`."""
    if not token:
        raise AuthError("no link: open your personal link, or send Authorization: Bearer TOKEN")
    if len(token) > 200:
        raise AuthError("not a valid link")
    link = log.link(token_hash(token))
    if link is None:
        raise AuthError("not a valid link")
    if link.revoked is not None:
        raise AuthError("this link was revoked; ask the organiser for a new one")
    if link.expires <= now:
        raise AuthError("this link has expired")
    details = json.loads(link.details)
    if link.last_used is None or now - link.last_used >= dt.timedelta(minutes=1):
        log.touch_link(link.id, now)
    return Holder(link.id, link.name, link.role, details.get("timezone") or "UTC", details.get("dial_from"),
                  tuple(details.get("offices") or ()), tuple(details.get("languages") or ()), details.get("cap"))


def renew(campaign: Path, name: str, now: dt.datetime, base: str, log_place: str | None = None) -> Invitation:
    """A new link for someone already invited, with the same details; their old link stops working."""
    from faxcampaign.campaign.loader import load
    from faxcampaign.log.roster import open_campaign_log

    wanted = " ".join(name.split())
    log, _ = open_campaign_log(campaign, log_place)
    with log:
        newest = {link.name: link for link in log.links()} if log.exists else {}
        old = newest.get(wanted)
        if old is None:
            raise LookupError(f"nobody called {wanted!r} was invited")
        token = secrets.token_urlsafe(24)
        expires = _expires(load(campaign).data.deadline, now)
        log.add_link(old.name, old.role, token_hash(token), old.details, now, expires)
    return Invitation(old.name, old.role, f"{base_url(base)}/v/{token}", token)

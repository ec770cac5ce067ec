"""The choice of sending backend by URL: one module per backend, imported only when it is chosen."""

from __future__ import annotations

from faxcampaign import urls
from faxcampaign.send.base import Backend, SendError


def backend_for(url: str, callback: str | None = None) -> Backend:
    """hylafax://[user@]host[:port], smtp://[user@]host[:port][?starttls=yes], smtps://..., sinch://PROJECT_ID
    (``callback``: the URL Sinch's completion webhooks go to, if `serve` receives them)."""
    if url.startswith("sinch://"):
        from faxcampaign.send.sinch import Sinch

        project = url[len("sinch://"):].strip("/")
        if not project or urls.has_secret(url) or "@" in project:
            raise SendError(f"{urls.mask(url)!r}: write sinch://PROJECT_ID; the key comes from "
                            "FAXCAMPAIGN_SINCH_KEY_ID and FAXCAMPAIGN_SINCH_KEY_SECRET")
        return Sinch(project, callback)
    try:
        route = urls.parse_route(url, "--via", "FAXCAMPAIGN_SMTP_PASSWORD")
    except urls.URLError as e:
        raise SendError(str(e)) from e
    if not route.host:
        raise SendError(f"{urls.mask(url)!r}: no host; write e.g. hylafax://localhost or smtp://mail.example.org:587")
    if route.scheme == "hylafax":
        from faxcampaign.send.hylafax import HylaFAX

        return HylaFAX(route.host, route.port or 4559, route.user or "faxcampaign")
    if route.scheme in ("smtp", "smtps"):
        from faxcampaign.send.smtp import SMTPGateway

        return SMTPGateway(route.host, route.port or (465 if route.scheme == "smtps" else 25),
                           route.scheme == "smtps", route.flag("starttls"), route.user)
    raise SendError(f"{urls.mask(url)!r}: unknown backend; use hylafax://host, smtp://host or sinch://PROJECT_ID")

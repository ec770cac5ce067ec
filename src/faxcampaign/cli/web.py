"""Commands of the team's web app: invite (personal links) and serve."""

from __future__ import annotations

import json
from pathlib import Path

import click

from faxcampaign.cli.options import campaign_argument, format_option, log_option


@click.command("invite")
@campaign_argument
@click.option("--volunteers", "volunteers_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.csv",
              help="The volunteers file (as for rota); each gets a personal link.")
@click.option("--volunteer", "names", multiple=True, metavar="NAME", help="Only this volunteer of the file "
              "(repeatable).")
@click.option("--organiser", metavar="NAME", help="Make an organiser's link (the dashboard).")
@click.option("--tz", "zone", metavar="ZONE", help="The organiser's time zone; default this computer's.")
@click.option("--revoke", metavar="NAME", help="End NAME's link at once.")
@click.option("--list", "listing", is_flag=True, help="Show who has a link, when it was last used, its state.")
@click.option("--base-url", envvar="FAXCAMPAIGN_BASE_URL", metavar="URL",
              help="The address the team opens, e.g. https://calls.example.org; default $FAXCAMPAIGN_BASE_URL.")
@click.option("--mail", metavar="URL", help="Mail each volunteer their link through this SMTP server "
              "(smtp://host[:port][?starttls=yes] or smtps://host, as `send --via`), from the campaign's sender.")
@format_option(["text", "json"])
@log_option
def invite(campaign: Path, volunteers_file: Path | None, names: tuple[str, ...], organiser: str | None,
           zone: str | None, revoke: str | None, listing: bool, base_url: str | None, mail: str | None, fmt: str,
           log_path: str | None) -> None:
    """Make personal links to the team's web app (`serve`): one per volunteer.

    Each line is a name, a tab and the link; a link is shown only now (the
    log keeps a hash). Inviting a name again replaces their link.

    \b
    Example:
      faxcampaign invite campaign.yaml --volunteers volunteers.csv --base-url https://calls.example.org
      faxcampaign invite campaign.yaml --organiser "Ann Smith" --tz Europe/London
      faxcampaign invite campaign.yaml --revoke "Ben Jones"
      faxcampaign invite campaign.yaml --list
    """
    from faxcampaign import clock
    from faxcampaign.services import links

    now = clock.utc_now()
    if revoke:
        count = links.revoke(campaign, revoke, now, log_path)
        if not count:
            raise click.ClickException(f"{revoke!r} has no active link")
        click.echo(f"revoked {revoke}'s link")
        return
    if listing:
        states = links.links(campaign, now, log_path)
        if fmt == "json":
            click.echo(json.dumps([{"name": s.name, "role": s.role, "state": s.state,
                                    "last_used": s.last_used.isoformat() if s.last_used else None,
                                    "expires": s.expires.isoformat()} for s in states], indent=2, ensure_ascii=False))
            return
        for s in states:
            used = f"last used {s.last_used:%Y-%m-%d %H:%M} UTC" if s.last_used else "never used"
            click.echo(f"{s.name}\t{s.role}\t{s.state}\t{used}")
        return
    made = links.invite(links.InviteRequest(campaign, now, base_url, volunteers_file, names, organiser, zone,
                                            log=log_path, mail=mail))
    if fmt == "json":
        click.echo(json.dumps([{"name": m.name, "role": m.role, "url": m.url, "token": m.token} for m in made],
                              indent=2, ensure_ascii=False))
    else:
        for m in made:
            click.echo(f"{m.name}\t{m.url}")
    failed = [m for m in made if m.mail_error]
    for m in failed:
        click.echo(f"warning: {m.name}'s link was not mailed: {m.mail_error}", err=True)
    if failed:
        raise SystemExit(1)


@click.command("serve")
@campaign_argument
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8400, show_default=True)
@click.option("--base-url", envvar="FAXCAMPAIGN_BASE_URL", metavar="URL",
              help="The address the team opens (checked as the Origin of every change); default "
                   "$FAXCAMPAIGN_BASE_URL, else http://HOST:PORT.")
@click.option("--forwarded-allow-ips", metavar="IPS", default=None,
              help="Trust X-Forwarded-For/-Proto from these proxy addresses (comma-separated).")
@click.option("--pool", "pool_size", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Connections to the log at most (a pool).")
@log_option
def serve(campaign: Path, host: str, port: int, base_url: str | None, forwarded_allow_ips: str | None,
          pool_size: int, log_path: str | None) -> None:
    """Serve the team's web app: volunteers' pages, the organiser's dashboard, the JSON API.

    \b
    Example:
      faxcampaign serve campaign.yaml --base-url https://calls.example.org
      faxcampaign serve campaign.yaml --log postgresql://faxcampaign@db/team --forwarded-allow-ips 127.0.0.1
    """
    try:
        import uvicorn
    except ImportError:
        raise click.ClickException("serve needs the web extra: pip install 'faxcampaign[serve]'") from None
    from faxcampaign.log.roster import open_campaign_log, writable
    from faxcampaign.log.store import install_pool, location
    from faxcampaign.services.base import load_campaign, long_running
    from faxcampaign.services.links import base_url as checked_url
    from faxcampaign.web.app import Settings, asgi

    long_running()
    load_campaign(campaign)
    url = checked_url(base_url or f"http://{host}:{port}")
    log, roster = open_campaign_log(campaign, log_path)
    with log:
        kept = writable(log, roster, campaign)
        if kept is not log:
            kept.close()
    install_pool(location(log_path, campaign), pool_size)
    click.echo(f"serving {campaign} at {url} (listening on {host}:{port})", err=True)
    uvicorn.run(asgi(Settings(campaign, url, log_path)), host=host, port=port, log_level="warning",
                access_log=False, proxy_headers=forwarded_allow_ips is not None,
                forwarded_allow_ips=forwarded_allow_ips, server_header=False)

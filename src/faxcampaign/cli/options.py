"""Options that several commands share, declared once, with the callbacks that convert and check them."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from faxcampaign.errors import RequestError

CAMPAIGN = click.Path(dir_okay=False, path_type=Path)
campaign_argument = click.argument("campaign", type=CAMPAIGN)

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _zone(ctx: click.Context | None, param: click.Parameter | None, value: str | None) -> str:
    from faxcampaign import clock

    if value is None:
        return clock.system_zone_name()
    if not clock.is_zone(value):
        raise click.BadParameter(f"unknown time zone {value!r} (use an IANA name such as Europe/London)",
                                 param_hint="'--tz'")
    return value


def zone(value: str | None) -> str:
    """A --tz value checked outside option parsing (when it is needed only sometimes)."""
    return _zone(None, None, value)


def _country(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from faxcampaign.campaign.numbers import is_region

    if value is not None and not is_region(value):
        raise click.BadParameter(f"not an ISO country code: {value!r} (e.g. GB, US, DE)")
    return value.upper() if value else None


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    from faxcampaign.services.base import in_range

    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not a date: {value!r} (write YYYY-MM-DD)") from None
    try:
        return in_range(day)
    except RequestError as e:
        raise click.BadParameter(e.message) from None


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None or value in ("today", "tomorrow"):
        return value
    _date(ctx, param, value)
    return value


def now(value: str | None, zone_name: str, option: str = "--now") -> dt.datetime:
    """The instant a --now (or --at) names, on the clock of ``zone_name``; now when not given."""
    from faxcampaign.services.base import parse_now

    return parse_now(value, zone_name, option)


def _log_place(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from faxcampaign import urls

    from_environment = value == os.environ.get("FAXCAMPAIGN_LOG")  # not on the command line
    if value and urls.has_secret(value) and not from_environment:
        click.echo("warning: a password in --log is visible to every user of this machine (ps, shell history); "
                   "put it in PGPASSWORD or ~/.pgpass instead", err=True)
    return value


def tz_option(help: str = "Your IANA time zone; default this computer's.") -> Decorator:
    return click.option("--tz", "zone", callback=_zone, metavar="ZONE", help=help)


def viewer_options(func: Any) -> Any:
    """--tz and --dial-from: the clock and the country of whoever reads the times and numbers."""
    func = click.option("--dial-from", callback=_country, metavar="CC",
                        help="Show numbers as dialled from this country (ISO code); default international.")(func)
    return tz_option()(func)


def now_option(help: str) -> Decorator:
    return click.option("--now", "now_text", metavar="DATETIME", help=help)


def recipient_option(help: str = "Only this recipient (repeatable).") -> Decorator:
    return click.option("--recipient", "only", multiple=True, metavar="ID", help=help)


def days_option(default: int, maximum: int, help: str) -> Decorator:
    return click.option("--days", type=click.IntRange(1, maximum), default=default, show_default=True, help=help)


def format_option(choices: list[str], default: str | None = None) -> Decorator:
    return click.option("--format", "fmt", type=click.Choice(choices), default=default or choices[0],
                        show_default=True)


from_option = click.option("--from", "first", callback=_date, metavar="DATE", help="First day (yours); default today.")


def log_option(func: Any) -> Any:
    return click.option("--log", "log_path", envvar="FAXCAMPAIGN_LOG", metavar="PATH|URL", callback=_log_place,
                        help="The outcome log: a SQLite file, or postgresql://user@host/db for a team; default "
                             "CAMPAIGN's name with .log.sqlite, beside it (or $FAXCAMPAIGN_LOG).")(func)


def signer_options(func: Any) -> Any:
    """--signer, --organisation, --address, --email, --signers: who signs the letters."""
    for option in reversed([
        click.option("--signer", metavar="NAME", help="Sign as this volunteer instead of the campaign's sender."),
        click.option("--organisation", metavar="TEXT", help="The signer's organisation (with --signer)."),
        click.option("--address", multiple=True, metavar="LINE", help="A line of the signer's address (repeatable)."),
        click.option("--email", metavar="EMAIL", help="The signer's email (with --signer)."),
        click.option("--signers", "signers_file", type=click.Path(dir_okay=False, path_type=Path),
                     metavar="FILE.csv", help="Many signers (UTF-8 CSV: name, organisation, address, email); "
                     "render writes DIR/<signer>/<id>.pdf."),
    ]):
        func = option(func)
    return func


def signing(signer: str | None, organisation: str | None, address: tuple[str, ...], email: str | None,
            signers_file: Path | None) -> Any:
    from faxcampaign.services.render import Signing

    return Signing(signer, organisation, address, email, signers_file)

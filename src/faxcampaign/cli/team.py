"""The team's command: rota."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from faxcampaign.cli.options import _date, campaign_argument, format_option, log_option, now, now_option, tz_option


def _slot(ctx: click.Context, param: click.Parameter, value: str) -> int:
    from faxcampaign.team.rota import parse_slot

    try:
        return parse_slot(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


@click.command()
@campaign_argument
@click.option("--volunteers", "volunteers_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE.csv", help="The team: name, email, timezone, country, available, offices, languages, cap "
              "(docs/rota.md).")
@click.option("--from", "first", callback=_date, metavar="DATE", help="First day (--tz); default today.")
@click.option("--days", type=click.IntRange(1, 62), default=7, show_default=True, help="How many days.")
@click.option("--slot", "minutes", default="15m", callback=_slot, show_default=True, metavar="LENGTH",
              help="Length of one call slot: 15m, 30m, 1h.")
@tz_option("The zone of --from; default this computer's.")
@click.option("--volunteer", "only", metavar="NAME", help="Only this volunteer's calls (their sheet, their calendar).")
@format_option(["table", "json", "csv", "ics"])
@click.option("--out", "pattern", metavar="PATTERN",
              help="Write each volunteer's own file, e.g. 'rota/{volunteer}/calls.ics' ({volunteer} is their "
              "file name).")
@click.option("--save", is_flag=True, help="Keep the rota in the campaign's log (replacing the saved slots of "
              "these days), for `callsheet --volunteer` and `status`.")
@now_option("The time the rota is made (--tz); default now.")
@log_option
def rota(campaign: Path, volunteers_file: Path, first: dt.date | None, days: int, minutes: int, zone: str,
         only: str | None, fmt: str, pattern: str | None, save: bool, now_text: str | None,
         log_path: str | None) -> None:
    """Spread the team's calls over every office's open hours.

    Each slot of each open window goes to one volunteer who is free then on
    their own clock; offices not yet reached and near their deadline first, the
    load shared fairly, nobody on two lines at once or over their daily cap.
    Hours nobody can cover are listed. The method: docs/rota.md.

    \b
    Example:
      faxcampaign rota campaign.yaml --volunteers team.csv --from 2003-01-06 --days 5
      faxcampaign rota campaign.yaml --volunteers team.csv --volunteer "Ann Smith" --format ics > ann.ics
      faxcampaign rota campaign.yaml --volunteers team.csv --format ics --out 'rota/{volunteer}/calls.ics'
      faxcampaign rota campaign.yaml --volunteers team.csv --save > /dev/null
    """
    from faxcampaign.files import atomic_write
    from faxcampaign.outputs.rota import CHUNKS, EXTENSIONS, FORMATS
    from faxcampaign.services.rota import RotaRequest
    from faxcampaign.services.rota import rota as make_rota

    if pattern is not None and ("{volunteer}" not in pattern or
                                "{" in pattern.replace("{volunteer}", "") or "}" in pattern.replace("{volunteer}", "")):
        raise click.BadParameter(f"{pattern!r}: give a pattern with {{volunteer}} (and no other placeholder), "
                                 f"e.g. 'rota/{{volunteer}}/calls.{EXTENSIONS[fmt]}'", param_hint="'--out'")
    if pattern is not None and only:
        raise click.UsageError("--out writes every volunteer's file; leave out --volunteer")
    made = make_rota(RotaRequest(campaign, volunteers_file, zone, now(now_text, zone), first, days, minutes, only,
                                 save, log_path))
    if made.saved is not None:
        click.echo(f"saved {made.saved} slot(s) in {made.saved_in}", err=True)
    if pattern is None:
        out = click.get_text_stream("stdout")
        for chunk in CHUNKS[fmt](made.rota, made.chosen):  # written as it is made
            out.write(chunk)
        out.flush()
        return
    for index, volunteer in enumerate(made.rota.volunteers):
        atomic_write(Path(pattern.replace("{volunteer}", volunteer.slug)), FORMATS[fmt](made.rota, index))
    click.echo(f"wrote {len(made.rota.volunteers)} file(s) by {pattern}", err=True)

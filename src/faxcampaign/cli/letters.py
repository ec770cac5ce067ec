"""Commands that make what a volunteer holds: render (the letters) and callsheet (the day's calls)."""

from __future__ import annotations

import datetime as dt
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click

from faxcampaign.cli.options import (
    _date,
    _day,
    campaign_argument,
    format_option,
    log_option,
    now_option,
    recipient_option,
    signer_options,
    signing,
    viewer_options,
)


@click.command()
@campaign_argument
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Folder for the letters: DIR/<recipient-id>.pdf.")
@signer_options
@recipient_option()
@click.option("--combine", is_flag=True, help="Also write DIR/letters.pdf with every letter, for printing.")
@click.option("--cover", is_flag=True, help="Start each letter with a fax cover sheet.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "tiff"]), default="pdf", show_default=True,
              help="tiff: TIFF class F (Group 4, 204x196 dpi) for fax servers; needs Ghostscript.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
@click.option("--date", "letter_date", callback=_date, metavar="DATE", help="The letter's date; default today.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, metavar="N",
              help="Render in N processes; default the number of CPUs.")
@click.option("--font", "fonts", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="FILE.ttf", help="A TrueType font for characters the letter font lacks (CJK, Arabic, ...), "
              "tried before the computer's own fonts; repeatable.")
def render(campaign: Path, out: Path, signer: str | None, organisation: str | None, address: tuple[str, ...],
           email: str | None, signers_file: Path | None, only: tuple[str, ...], combine: bool, cover: bool,
           fmt: str, paper: str, letter_date: dt.date | None, jobs: int | None, fonts: tuple[Path, ...]) -> None:
    """Write fax-ready letters, one per recipient (and per signer).

    \b
    Example:
      faxcampaign render campaign.yaml --out letters --signer "Ann Smith" --email ann@example.org
      faxcampaign render campaign.yaml --out letters --signers volunteers.csv --combine
      faxcampaign render campaign.yaml --out fax --format tiff --cover
    """
    from faxcampaign import clock
    from faxcampaign.services.render import RenderRequest, prepare

    prepared = prepare(RenderRequest(campaign, out, clock.utc_now(),
                                     signing(signer, organisation, address, email, signers_file), only, combine,
                                     cover, fmt, paper, letter_date, jobs, fonts))
    show = sys.stderr.isatty() and prepared.total > 20
    bar: Any = click.progressbar(length=prepared.total, label="Rendering", file=sys.stderr) if show else nullcontext()
    with bar:
        written = prepared.run(bar.update if show else None)
    click.echo(f"wrote {len(written)} file(s) to {out}", err=True)


def _sheet_path(pattern: str, day: dt.date, volunteer: str | None) -> Path:
    """--out: {date} is the day; {volunteer} the volunteer's file name (with a rota)."""
    from faxcampaign.files import dated_path
    from faxcampaign.letters.template import Signer

    if "{volunteer}" in pattern and volunteer is not None:
        pattern = pattern.replace("{volunteer}", Signer(volunteer).slug)
    return dated_path(pattern, day)


@click.command()
@campaign_argument
@click.option("--date", "day_text", callback=_day, metavar="DATE",
              help="The day (yours): YYYY-MM-DD, today or tomorrow; default today.")
@viewer_options
@format_option(["text", "markdown", "html", "pdf", "csv"])
@click.option("--out", "pattern", metavar="PATH",
              help="Write here instead of stdout; {date} becomes the day, e.g. sheets/{date}.html.")
@click.option("--letters", "letters_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Where `render --out DIR` wrote the letters; each row names its file.")
@click.option("--signer", metavar="NAME", help="With --letters: your letters, as `render --signers` wrote them "
              "(DIR/<your-name>/<id>.pdf).")
@click.option("--skip-delivered", is_flag=True, help="Leave out offices the log shows delivered to today.")
@click.option("--volunteer", "volunteer", metavar="NAME", help="Only this volunteer's slots in the team's rota, "
              "on their clock and dialled from their country unless --tz/--dial-from say otherwise.")
@click.option("--rota", "rota_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.json",
              help="The rota from `rota --format json`; default the one `rota --save` kept in the log.")
@click.option("-q", "--quiet", is_flag=True, help="Nothing on stderr when all is well (for cron, which mails "
              "any output).")
@now_option("The time the sheet is made (your zone), for 'today' and the log's 'today'; default now.")
@log_option
@click.pass_context
def callsheet(ctx: click.Context, campaign: Path, day_text: str | None, zone: str, dial_from: str | None, fmt: str,
              pattern: str | None, letters_dir: Path | None, signer: str | None, skip_delivered: bool,
              volunteer: str | None, rota_file: Path | None, quiet: bool, now_text: str | None,
              log_path: str | None) -> None:
    """Today's calls for one volunteer: whom, when on your clock, what to dial and say.

    Made for cron: no prompts, no colour, the same bytes for the same inputs, files
    written whole. Exit 0 also when there is nothing to call.

    With a team's rota (`faxcampaign rota`), --volunteer NAME gives only that
    volunteer's slots; --out with {volunteer} writes every volunteer's sheet, each
    on their own clock.

    \b
    Example:
      faxcampaign callsheet campaign.yaml --tz Europe/London --dial-from GB
      faxcampaign callsheet campaign.yaml --date tomorrow --tz Europe/London \\
          --dial-from GB --format html --out 'sheets/{date}.html'
      faxcampaign callsheet campaign.yaml --volunteer "Ann Smith" --rota rota.json
      faxcampaign callsheet campaign.yaml --date tomorrow --out 'sheets/{volunteer}/{date}.txt'
    """
    from faxcampaign.files import atomic_write
    from faxcampaign.outputs.callsheet import FORMATS
    from faxcampaign.services.callsheet import SheetRequest, sheets

    every = pattern is not None and "{volunteer}" in pattern
    if every and volunteer:
        raise click.UsageError("--out with {volunteer} writes every volunteer's sheet; leave out --volunteer")
    if fmt == "pdf" and pattern is None:
        raise click.UsageError("--format pdf needs --out")
    if pattern is not None:
        try:
            _sheet_path(pattern, dt.date(2000, 1, 1), "x")
        except ValueError:
            raise click.BadParameter(f"{pattern!r}: the placeholders are {{date}} and, with a rota, {{volunteer}}",
                                     param_hint="'--out'") from None
    given = click.core.ParameterSource.COMMANDLINE
    made = sheets(SheetRequest(
        campaign, zone, dial_from, ctx.get_parameter_source("zone") is given,
        ctx.get_parameter_source("dial_from") is given, day_text, now_text, letters_dir, signer, skip_delivered,
        volunteer, every, rota_file, log_path))
    if not made:
        click.echo("nobody has a slot in the rota: no sheet written", err=True)
        return
    for item in made:
        sheet = item.sheet
        if sheet.dropped:
            click.echo(f"warning: {sheet.dropped} rota slot(s) of {item.volunteer} on {sheet.date} left out: the "
                       "campaign no longer has the office open then; make the rota again", err=True)
        result = FORMATS[fmt](sheet)
        if pattern is None:
            click.echo(result, nl=False)
            continue
        target = _sheet_path(pattern, sheet.date, item.volunteer)
        atomic_write(target, result)
        if not quiet:
            click.echo(f"wrote {target}", err=True)

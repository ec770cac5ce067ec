"""Commands about the campaign file and its schedule: check, plan, init, schema."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from faxcampaign.cli.options import (
    campaign_argument,
    days_option,
    format_option,
    from_option,
    log_option,
    now,
    now_option,
    recipient_option,
    tz_option,
    viewer_options,
)


@click.command()
@campaign_argument
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@format_option(["text", "json"])
@click.option("--signers", "signers_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.csv",
              help="Also check a signers CSV (columns, names the fonts can print).")
@click.option("--volunteers", "volunteers_file", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE.csv",
              help="Also check a volunteers CSV for `rota` (zones, hours, offices, languages, caps).")
def check(campaign: Path, strict: bool, fmt: str, signers_file: Path | None, volunteers_file: Path | None) -> None:
    """Check a campaign file: keys, numbers, time zones, hours, letters, fonts.

    Every problem is reported at once as FILE:LINE:COL: SEVERITY: PATH: MESSAGE.
    Exit 0 when there are no errors (warnings allowed unless --strict), 1 otherwise.

    \b
    Example:
      faxcampaign check campaign.yaml
      faxcampaign check campaign.yaml --strict --format json
    """
    from faxcampaign.clock import local_date, system_zone_name, utc_now
    from faxcampaign.services.check import check_files

    findings = check_files(campaign, local_date(utc_now(), system_zone_name()), signers_file, volunteers_file)
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if fmt == "json":
        click.echo(json.dumps([f.as_dict() for f in findings], indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            click.echo(str(finding))
        verdict = "ok" if not errors and not (strict and warnings) else "failed"
        click.echo(f"{campaign}: {verdict}: {errors} error(s), {warnings} warning(s)", err=True)
    if errors or (strict and warnings):
        sys.exit(1)


@click.command()
@campaign_argument
@from_option
@days_option(7, 366, "How many days.")
@viewer_options
@now_option("The time for OPEN NOW and NEXT, e.g. 2003-01-06T08:30 (your zone); default now.")
@recipient_option()
@format_option(["table", "json", "csv", "ics"])
@click.option("-q", "--quiet", is_flag=True, help="No reminder on stderr about the campaign file's warnings.")
@log_option
def plan(campaign: Path, first: dt.date | None, days: int, zone: str, dial_from: str | None,
         now_text: str | None, only: tuple[str, ...], fmt: str, quiet: bool, log_path: str | None) -> None:
    """When each office can be reached, on your clock and theirs.

    Windows are grouped by the day (yours) on which they start, with the office's
    own time beside them, the numbers to dial, and the days offices are closed.
    The json format is a stable contract: see docs/plan.md.

    \b
    Example:
      faxcampaign plan campaign.yaml --from 2003-01-06 --tz Europe/London --dial-from GB
      faxcampaign plan campaign.yaml --format ics > calls.ics
    """
    from faxcampaign.outputs.plan import FORMATTERS, notice
    from faxcampaign.services.plan import PlanRequest
    from faxcampaign.services.plan import plan as make_plan

    result = make_plan(PlanRequest(campaign, zone, now(now_text, zone), first, days, only, log_path))
    message = notice(result.plan)
    if message and fmt != "table":
        click.echo(message, err=True)
    out = click.get_text_stream("stdout")
    for chunk in FORMATTERS[fmt](result.plan, dial_from, result.progress):  # written as it is made
        out.write(chunk)
    out.flush()
    if result.warnings and not quiet:
        click.echo(f"{campaign}: {len(result.warnings)} warning(s); see: faxcampaign check {campaign}", err=True)


@click.command()
def schema() -> None:
    """Print the JSON Schema of the campaign file.

    \b
    Example:
      faxcampaign schema > campaign.schema.json
    """
    from faxcampaign.campaign.schema import schema as campaign_schema

    click.echo(json.dumps(campaign_schema(), indent=2, ensure_ascii=False))


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option("--language", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="ru: the offices get a Russian letter followed by the English original.")
@click.option("--example", type=click.Choice(["karaganda-2003"]),
              help="Write this real campaign as it was, instead of a starter that runs from today.")
@tz_option("The zone whose today the starter begins on; default this computer's.")
@now_option("The moment whose day the starter begins on (--tz); default now.")
def init(directory: Path, force: bool, language: str, example: str | None, zone: str, now_text: str | None) -> None:
    """Write a starter campaign and its letter template: it runs from today for
    two weeks, with example offices to replace.

    \b
    Example:
      faxcampaign init my-campaign
      faxcampaign check my-campaign/campaign.yaml
      faxcampaign plan my-campaign/campaign.yaml
      faxcampaign init --language ru my-campaign
      faxcampaign init --example karaganda-2003 karaganda
    """
    from faxcampaign import clock
    from faxcampaign.campaign.starter import write_starter

    today = clock.local_date(now(now_text, zone), zone)
    for path in write_starter(directory, force, language, example, today):
        click.echo(f"wrote {path}")

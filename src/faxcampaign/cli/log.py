"""Commands on the campaign's log: log, status, history, log-copy."""

from __future__ import annotations

import os
from pathlib import Path

import click

from faxcampaign.cli.options import campaign_argument, format_option, log_option, now, now_option, tz_option, zone


def _volunteer(value: str | None) -> str | None:
    return (value or os.environ.get("FAXCAMPAIGN_VOLUNTEER") or "").strip() or None


@click.command("log")
@campaign_argument
@click.argument("recipient", required=False)
@click.argument("outcome", required=False)
@click.option("--number", metavar="NUMBER", help="The number dialled, as in the campaign or E.164; default the first.")
@click.option("--by", metavar="NAME", help="Who made the attempt; default $FAXCAMPAIGN_VOLUNTEER.")
@click.option("--at", "at_text", metavar="DATETIME", help="When, e.g. 2003-01-06T09:40 (--tz); default now.")
@click.option("--tz", "zone_name", metavar="ZONE", help="Zone of --at and of CSV times without an offset; "
              "default this computer's.")
@click.option("--pages", type=click.IntRange(0, 999), help="Pages that went.")
@click.option("--note", metavar="TEXT", help="A note (with --void: why).")
@click.option("--void", "void_id", type=click.IntRange(1), metavar="ID", help="Void the attempt with this id.")
@click.option("--import", "import_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE.csv",
              help="Record every filled-in row of a call sheet CSV (all or nothing; twice records nothing new).")
@log_option
def log_command(campaign: Path, recipient: str | None, outcome: str | None, number: str | None, by: str | None,
                at_text: str | None, zone_name: str | None, pages: int | None, note: str | None, void_id: int | None,
                import_file: Path | None, log_path: str | None) -> None:
    """Record the outcome of a call or fax in the campaign's log.

    \b
    Outcomes: delivered, partial, busy, no-answer, refused, not-fax,
    wrong-number, failed, line-error (a problem on your side; not counted
    against the number). The log is append-only: a mistake is voided, never
    changed.

    \b
    Example:
      faxcampaign log campaign.yaml karaganda-court busy --by Ann
      faxcampaign log campaign.yaml president delivered --pages 2 --at 2003-01-06T03:40
      faxcampaign log campaign.yaml --import outcomes-2003-01-06.csv
      faxcampaign log campaign.yaml --void 17 --note "logged for the wrong office"
    """
    from faxcampaign import clock
    from faxcampaign.services import record

    modes = sum(x is not None for x in (recipient, void_id, import_file))
    if modes != 1:
        raise click.UsageError("give RECIPIENT OUTCOME, or --void ID, or --import FILE.csv (one of them)")
    if void_id is not None and not note:
        raise click.UsageError("--void needs --note saying why")
    if recipient is not None:
        record.outcome_name(outcome)
    current = clock.utc_now()
    # the zone is looked up only when a time needs it: a plain `log` stays quick
    where = zone(zone_name) if at_text or import_file else "UTC"
    volunteer = _volunteer(by)
    if void_id is not None:
        assert note is not None
        record.void(campaign, void_id, note, volunteer, current, log_path)
        click.echo(f"voided attempt {void_id}", err=True)
    elif import_file is not None:
        done = record.import_sheet(campaign, import_file, volunteer, where, current, log_path)
        click.echo(f"{import_file}: recorded {done.recorded} of {done.rows} outcome(s)"
                   + (f"; {done.already} were already in the log" if done.already else ""), err=True)
    else:
        assert recipient is not None
        at = now(at_text, where, "--at") if at_text else current
        made = record.record_attempt(record.AttemptRequest(campaign, recipient, outcome or "", current, at, number,
                                                           volunteer, pages, note, log_path))
        click.echo(f"recorded attempt {made.entry}: {made.recipient} {made.outcome} on {made.number}", err=True)


@click.command()
@campaign_argument
@tz_option()
@now_option("The time for 'today' (your zone); default now.")
@format_option(["table", "json", "csv", "html"])
@log_option
def status(campaign: Path, zone: str, now_text: str | None, fmt: str, log_path: str | None) -> None:
    """The campaign's progress from its log: offices reached, deliveries, numbers' health,
    and the saved rota's coverage (`rota --save`).

    Offices not yet reached come first. A number is suspect when it got
    wrong-number or not-fax on two or more days with no delivery in between.
    The json format is a stable contract: see docs/log.md. The html format
    is one self-contained page of charts (inline SVG, no script), for mail.

    \b
    Example:
      faxcampaign status campaign.yaml --tz Europe/London
      faxcampaign status campaign.yaml --format json
      faxcampaign status campaign.yaml --format html > status.html
    """
    from faxcampaign.outputs.status import STATUS_FORMATS
    from faxcampaign.services.status import status as campaign_status

    click.echo(STATUS_FORMATS[fmt](campaign_status(campaign, now(now_text, zone), log_path), zone), nl=False)


@click.command()
@campaign_argument
@format_option(["csv", "json"])
@log_option
def history(campaign: Path, fmt: str, log_path: str | None) -> None:
    """Every attempt in the campaign's log, oldest first; voided ones are marked.

    \b
    Example:
      faxcampaign history campaign.yaml > outcomes.csv
      faxcampaign history campaign.yaml --format json
    """
    from faxcampaign.outputs.status import HISTORY_FORMATS
    from faxcampaign.services.status import each_entry

    for chunk in HISTORY_FORMATS[fmt](each_entry(campaign, log_path)):
        click.echo(chunk, nl=False)


@click.command("log-copy")
@campaign_argument
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
def log_copy(campaign: Path, source: str, target: str) -> None:
    """Copy a campaign's log from one place to another: a SQLite file to a team's
    PostgreSQL database, or back. Running it again copies nothing twice.

    \b
    Example:
      faxcampaign log-copy campaign.yaml campaign.log.sqlite postgresql://ann@db.example.org/campaigns
      faxcampaign log-copy campaign.yaml postgresql:///campaigns backup.sqlite
    """
    from faxcampaign import urls
    from faxcampaign.services.logcopy import copy

    for place in (source, target):
        if urls.has_secret(place):
            click.echo("warning: a password on the command line is visible to every user of this machine; "
                       "put it in PGPASSWORD or ~/.pgpass instead", err=True)
    done = copy(campaign, source, target)
    click.echo(f"copied {done.attempts} attempt(s), {done.voids} void(s) and {done.jobs} job(s) of {done.campaign} "
               f"from {urls.mask(source)} to {urls.mask(target)}", err=True)

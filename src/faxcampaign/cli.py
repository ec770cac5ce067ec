"""The command line: parse options, call one core function, format its result, map errors once."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from faxcampaign import __version__
from faxcampaign.errors import CampaignError, FaxCampaignError

CAMPAIGN = click.Path(dir_okay=False, path_type=Path)


class Group(click.Group):
    """Maps the core's errors to exit code 1 with a message on stderr, once for every command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CampaignError as e:
            for finding in e.findings:
                click.echo(str(finding), err=True)
            raise click.exceptions.Exit(1) from None
        except FaxCampaignError as e:
            raise click.ClickException(str(e)) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="faxcampaign")
def cli() -> None:
    """Plan, write and send protest faxes to manually operated fax lines.

    \b
    A campaign file (YAML) lists the offices to fax, their numbers, hours,
    time zones and the letter. Start with `faxcampaign init`, then:
      faxcampaign check campaign.yaml
      faxcampaign plan campaign.yaml --tz Europe/London --dial-from GB
    """


@cli.command()
@click.argument("campaign", type=CAMPAIGN)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check(campaign: Path, strict: bool, fmt: str) -> None:
    """Check a campaign file: keys, numbers, time zones, hours, letters, fonts.

    Every problem is reported at once as FILE:LINE:COL: SEVERITY: PATH: MESSAGE.
    Exit 0 when there are no errors (warnings allowed unless --strict), 1 otherwise.

    \b
    Example:
      faxcampaign check campaign.yaml
      faxcampaign check campaign.yaml --strict --format json
    """
    from faxcampaign.checks import check as run_check
    from faxcampaign.clock import utc_now

    findings = run_check(campaign, utc_now().date())
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


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the campaign file.

    \b
    Example:
      faxcampaign schema > campaign.schema.json
    """
    from faxcampaign.campaign import schema as campaign_schema

    click.echo(json.dumps(campaign_schema(), indent=2, ensure_ascii=False))


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def init(directory: Path, force: bool) -> None:
    """Write a starter campaign (a commented example) and its letter template.

    \b
    Example:
      faxcampaign init my-campaign
      faxcampaign check my-campaign/campaign.yaml
    """
    from faxcampaign.starter import write_starter

    for path in write_starter(directory, force):
        click.echo(f"wrote {path}")


def main() -> None:
    cli(prog_name="faxcampaign")

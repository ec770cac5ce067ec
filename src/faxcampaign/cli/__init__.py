"""The command line: parse options, call one service, hand its result to a formatter, map errors once.

May import: click, `faxcampaign.services`, `faxcampaign.outputs` and the foundation modules (errors,
clock, files, urls). Each command lives in a module of this package, loaded only when it runs (or when
`--help` lists it): adding a command adds nothing to start-up.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import click

from faxcampaign import __version__
from faxcampaign.errors import FaxCampaignError, FindingsError, RequestError

# command -> the module (in this package) and function that define it
COMMANDS = {
    "plan": ("campaign", "plan"),
    "render": ("letters", "render"),
    "callsheet": ("letters", "callsheet"),
    "rota": ("team", "rota"),
    "log": ("log", "log_command"),
    "status": ("log", "status"),
    "history": ("log", "history"),
    "log-copy": ("log", "log_copy"),
    "send": ("send", "send_command"),
    "sync": ("send", "sync"),
    "cancel": ("send", "cancel_command"),
    "check": ("campaign", "check"),
    "init": ("campaign", "init"),
    "schema": ("campaign", "schema"),
    "invite": ("web", "invite"),
    "serve": ("web", "serve"),
}


def map_errors(error: Exception) -> BaseException:
    """The one place the core's errors become the command line's: a usage error (exit 2) when an option
    is at fault, else a message and exit 1."""
    if isinstance(error, RequestError):
        if error.usage:
            return click.UsageError(error.message)
        if error.option:
            return click.BadParameter(error.message, param_hint=f"'{error.option}'")
        return click.ClickException(error.message)
    if isinstance(error, FindingsError):
        for finding in error.findings:
            click.echo(str(finding), err=True)
        return click.exceptions.Exit(1)
    if isinstance(error, FaxCampaignError):
        return click.ClickException(str(error))
    return click.ClickException(f"internal error ({type(error).__name__}: {error}); this is a bug in faxcampaign: "
                                "please report it with the command that caused it")


class Group(click.Group):
    """Loads each command's module when it is asked for (click's lazy group), and maps the core's errors
    to exit codes once for every command."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f"faxcampaign.cli.{module}"), name)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit,
                KeyboardInterrupt):
            raise
        except FaxCampaignError as e:
            raise map_errors(e) from None
        except Exception as e:
            # A bug: say so plainly, without a traceback (FAXCAMPAIGN_DEBUG=1 shows it).
            if os.environ.get("FAXCAMPAIGN_DEBUG"):
                raise
            raise map_errors(e) from None


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


def main() -> None:
    from faxcampaign import collect_less

    collect_less()
    cli(prog_name="faxcampaign")

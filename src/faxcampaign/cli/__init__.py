"""The command line: parse options, call one service, hand its result to a formatter, map errors once.

May import: click, `faxcampaign.services`, `faxcampaign.outputs` and the foundation modules (errors,
clock, files, urls). Each command lives in a module of this package, loaded only when it runs (`--help`
lists the commands from their summaries): adding a command adds nothing to start-up.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import click

from faxcampaign import __version__
from faxcampaign.errors import FaxCampaignError, FindingsError, RequestError

# command -> the module (in this package) and function that define it, and its summary: the first
# sentence of its help, which `--help` lists without loading every command (tests/test_cli_check.py checks
# that each summary is its command's)
COMMANDS = {
    "plan": ("campaign", "plan", "When each office can be reached, on your clock and theirs."),
    "render": ("letters", "render", "Write fax-ready letters, one per recipient (and per signer)."),
    "callsheet": ("letters", "callsheet",
                  "Today's calls for one volunteer: whom, when on your clock, what to dial and say."),
    "rota": ("team", "rota", "Spread the team's calls over every office's open hours."),
    "log": ("log", "log_command", "Record the outcome of a call or fax in the campaign's log."),
    "status": ("log", "status", "The campaign's progress from its log: offices reached, deliveries, numbers' "
               "health, and the saved rota's coverage (`rota --save`)."),
    "history": ("log", "history", "Every attempt in the campaign's log, oldest first; voided ones are marked."),
    "log-copy": ("log", "log_copy", "Copy a campaign's log from one place to another: a SQLite file to a team's "
                 "PostgreSQL database, or back."),
    "send": ("send", "send_command", "Fax the letters to automatic lines, only inside each office's own open hours."),
    "sync": ("send", "sync", "Record the fax server's results in the log, then queue what is due again."),
    "cancel": ("send", "cancel_command", "Remove the campaign's queued fax jobs from the server."),
    "check": ("campaign", "check", "Check a campaign file: keys, numbers, time zones, hours, letters, fonts."),
    "init": ("campaign", "init", "Write a starter campaign and its letter template: it runs from today for two "
             "weeks, with example offices to replace."),
    "schema": ("campaign", "schema", "Print the JSON Schema of the campaign file."),
    "invite": ("web", "invite", "Make personal links to the team's web app (`serve`): one per volunteer."),
    "serve": ("web", "serve", "Serve the team's web app: volunteers' pages, the organiser's dashboard, the JSON API."),
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
        module, name, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f"faxcampaign.cli.{module}"), name)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The list of commands, as click writes it, from their summaries (no command is loaded)."""
        from click.utils import make_default_short_help

        limit = formatter.width - 6 - max(map(len, COMMANDS))
        with formatter.section("Commands"):
            formatter.write_dl([(name, make_default_short_help(COMMANDS[name][2], limit))
                                for name in self.list_commands(ctx)])

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

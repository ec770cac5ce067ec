"""The command line: parse options, call one core function, format its result, map errors once."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click

from faxcampaign import __version__
from faxcampaign.errors import FaxCampaignError, FindingsError

CAMPAIGN = click.Path(dir_okay=False, path_type=Path)


class Group(click.Group):
    """Maps the core's errors to exit code 1 with a message on stderr, once for every command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FindingsError as e:
            for finding in e.findings:
                click.echo(str(finding), err=True)
            raise click.exceptions.Exit(1) from None
        except FaxCampaignError as e:
            raise click.ClickException(str(e)) from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit,
                KeyboardInterrupt):
            raise
        except Exception as e:
            # A bug: say so plainly, without a traceback (FAXCAMPAIGN_DEBUG=1 shows it).
            if os.environ.get("FAXCAMPAIGN_DEBUG"):
                raise
            raise click.ClickException(f"internal error ({type(e).__name__}: {e}); this is a bug in faxcampaign: "
                                       "please report it with the command that caused it") from None


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
    from faxcampaign.services.check import check as run_check

    findings = run_check(campaign, local_date(utc_now(), system_zone_name()))
    if signers_file is not None:
        from faxcampaign.errors import Finding
        from faxcampaign.letters.render import SignersError, read_signers

        try:
            read_signers(signers_file)
        except SignersError as e:
            where, _, message = str(e).partition(": ")
            file, _, line = where.partition(":")
            findings.append(Finding("error", file, int(line) if line.isdigit() else 0, 0, "", message))
    if volunteers_file is not None:
        findings += _check_volunteers(campaign, volunteers_file)
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


def _check_volunteers(campaign: Path, volunteers_file: Path) -> list[Any]:
    from faxcampaign.campaign.loader import load
    from faxcampaign.errors import FaxCampaignError, Finding
    from faxcampaign.team.volunteers import VolunteersError, read_volunteers

    try:
        ids = [o.id for o in load(campaign).offices]
    except FaxCampaignError:  # reported by the campaign's own check
        ids = []
    try:
        read_volunteers(volunteers_file, ids)
    except VolunteersError as e:
        return [Finding("error", str(e.path), e.line, e.column, "", e.message)]
    return []


def _zone(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    from faxcampaign import clock

    if value is None:
        return clock.system_zone_name()
    if not clock.is_zone(value):
        raise click.BadParameter(f"unknown time zone {value!r} (use an IANA name such as Europe/London)")
    return value


def _country(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from faxcampaign.campaign.numbers import is_region

    if value is not None and not is_region(value):
        raise click.BadParameter(f"not an ISO country code: {value!r} (e.g. GB, US, DE)")
    return value.upper() if value else None


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not a date: {value!r} (write YYYY-MM-DD)") from None
    return _in_range(day)


def _in_range(day: dt.date) -> dt.date:
    from faxcampaign.campaign.model import FIRST_YEAR, LAST_YEAR

    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise click.BadParameter(f"{day} is out of range: use a date between {FIRST_YEAR} and {LAST_YEAR}")
    return day


def viewer_options(func: Any) -> Any:
    """The options every command that shows times to a volunteer shares."""
    func = click.option("--dial-from", callback=_country, metavar="CC",
                        help="Show numbers as dialled from this country (ISO code); default international.")(func)
    func = click.option("--tz", "zone", callback=_zone, metavar="ZONE",
                        help="Your IANA time zone; default this computer's.")(func)
    return func


def _log_place(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from faxcampaign.log.store import has_password

    from_environment = value == os.environ.get("FAXCAMPAIGN_LOG")  # not on the command line
    if value and has_password(value) and not from_environment:
        click.echo("warning: a password in --log is visible to every user of this machine (ps, shell history); "
                   "put it in PGPASSWORD or ~/.pgpass instead", err=True)
    return value


def log_option(func: Any) -> Any:
    return click.option("--log", "log_path", envvar="FAXCAMPAIGN_LOG", metavar="PATH|URL", callback=_log_place,
                        help="The outcome log: a SQLite file, or postgresql://user@host/db for a team; default "
                             "CAMPAIGN's name with .log.sqlite, beside it (or $FAXCAMPAIGN_LOG).")(func)


def _progress(loaded: Any, log_path: str | None, now: dt.datetime) -> Any:
    """What the log knows, for a loaded campaign; None when there is no log yet (output is then as
    without one)."""
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import location, open_log

    roster = Roster.of(loaded)
    with open_log(location(log_path, loaded.path), roster.key, create=False) as log:
        return _tally(roster, log, now) if log.exists else None


def _tally(roster: Any, log: Any, now: dt.datetime) -> Any:
    from faxcampaign.log.progress import earliest_today, progress

    return progress(roster, log.summary(earliest_today(roster, now)), now)


def _load_with(path: Path, only: tuple[str, ...]) -> Any:
    """Load the campaign and check that every --recipient names one of its ids."""
    from faxcampaign.campaign.loader import load

    loaded = load(path)
    known = [o.id for o in loaded.offices]
    unknown = [i for i in only if i not in known]
    if unknown:
        raise click.BadParameter(f"no recipient {unknown[0]!r}; the ids are: {', '.join(known)}",
                                 param_hint="'--recipient'")
    return loaded


def _now(value: str | None, zone: str) -> dt.datetime:
    from faxcampaign import clock

    if value is None:
        return clock.utc_now()
    try:
        instant = clock.parse_instant(value, zone)
    except (ValueError, OverflowError):
        raise click.BadParameter(f"not a date and time: {value!r} (write e.g. 2003-01-06T09:30)",
                                 param_hint="'--now'") from None
    _in_range(instant.date())
    return instant


@cli.command()
@click.argument("campaign", type=CAMPAIGN)
@click.option("--from", "first", callback=_date, metavar="DATE", help="First day (yours); default today.")
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True, help="How many days.")
@viewer_options
@click.option("--now", "now_text", metavar="DATETIME",
              help="The time for OPEN NOW and NEXT, e.g. 2003-01-06T08:30 (your zone); default now.")
@click.option("--recipient", "only", multiple=True, metavar="ID", help="Only this recipient (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "ics"]), default="table",
              show_default=True)
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
    from faxcampaign import clock
    from faxcampaign.outputs.plan import FORMATTERS, notice
    from faxcampaign.schedule.plan import plan as make_plan

    now = _now(now_text, zone)
    loaded = _load_with(campaign, only)
    result = make_plan(loaded, first or clock.local_date(now, zone), days, zone, now, only)
    message = notice(result)
    if message and fmt != "table":
        click.echo(message, err=True)
    click.echo(FORMATTERS[fmt](result, dial_from, _progress(loaded, log_path, now)), nl=False)
    if loaded.findings and not quiet:
        click.echo(f"{campaign}: {len(loaded.findings)} warning(s); see: faxcampaign check {campaign}", err=True)


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


def _signers(loaded: Any, signer: str | None, organisation: str | None, address: tuple[str, ...],
             email: str | None, signers_file: Path | None) -> tuple[Any, Any]:
    """(one signer or None, many signers or None), checked as `render` checks them."""
    from faxcampaign.letters.render import read_signers, unprintable
    from faxcampaign.letters.template import Signer

    if signer and signers_file:
        raise click.UsageError("give either --signer or --signers, not both")
    if not signer and (organisation or address or email):
        raise click.UsageError("--organisation, --address and --email describe --signer; give --signer too")
    one = Signer(" ".join(signer.split()), organisation, address, email) if signer and signer.strip() else None
    problem = unprintable(one) if one else None
    if problem:
        raise click.BadParameter(problem, param_hint="'--signer'")
    return one, read_signers(signers_file) if signers_file else None


@cli.command()
@click.argument("campaign", type=CAMPAIGN)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Folder for the letters: DIR/<recipient-id>.pdf.")
@signer_options
@click.option("--recipient", "only", multiple=True, metavar="ID", help="Only this recipient (repeatable).")
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
    import os

    from faxcampaign import clock
    from faxcampaign.letters.render import Options, count_tasks, render_all

    loaded = _load_with(campaign, only)
    one, many = _signers(loaded, signer, organisation, address, email, signers_file)
    today = letter_date or clock.local_date(clock.utc_now(), clock.system_zone_name())
    options = Options(today=today, paper=paper, cover=cover, fmt=fmt, fonts=fonts)
    total = count_tasks(loaded, many, only)
    show = sys.stderr.isatty() and total > 20
    bar: Any = click.progressbar(length=total, label="Rendering", file=sys.stderr) if show else nullcontext()
    with bar:
        written = render_all(loaded, out, options, signer=one, signers=many, only=only, combine=combine,
                             jobs=jobs or os.cpu_count() or 1, progress=bar.update if show else None)
    click.echo(f"wrote {len(written)} file(s) to {out}", err=True)


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None or value in ("today", "tomorrow"):
        return value
    _date(ctx, param, value)
    return value


@cli.command()
@click.argument("campaign", type=CAMPAIGN)
@click.option("--date", "day_text", callback=_day, metavar="DATE",
              help="The day (yours): YYYY-MM-DD, today or tomorrow; default today.")
@viewer_options
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "html", "pdf", "csv"]), default="text",
              show_default=True)
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
@click.option("--now", "now_text", metavar="DATETIME",
              help="The time the sheet is made (your zone), for 'today' and the log's 'today'; default now.")
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
    from faxcampaign.campaign.loader import load
    from faxcampaign.files import atomic_write
    from faxcampaign.outputs.callsheet import FORMATS, build

    every = pattern is not None and "{volunteer}" in pattern
    if every and volunteer:
        raise click.UsageError("--out with {volunteer} writes every volunteer's sheet; leave out --volunteer")
    if rota_file and not (volunteer or every):
        raise click.UsageError("--rota needs --volunteer NAME, or --out with {volunteer} for everyone's sheets")
    if fmt == "pdf" and pattern is None:
        raise click.UsageError("--format pdf needs --out")
    if pattern is not None:
        try:
            _sheet_path(pattern, dt.date(2000, 1, 1), "x")
        except ValueError:
            raise click.BadParameter(f"{pattern!r}: the placeholders are {{date}} and, with a rota, {{volunteer}}",
                                     param_hint="'--out'") from None
    loaded = load(campaign)
    team: dict[str, list[Any]] | None = None
    if volunteer or every:
        team = _rota_of(loaded, rota_file, log_path)
        if volunteer:
            wanted = " ".join(volunteer.split()).casefold()
            names = [n for n in team if n.casefold() == wanted]
            if not names:
                known = ", ".join(sorted(team)) or "none"
                raise click.BadParameter(f"{volunteer!r} has no slot in the rota (volunteers: {known})",
                                         param_hint="'--volunteer'")
            team = {names[0]: team[names[0]]}
    if team is not None and not team:
        click.echo("nobody has a slot in the rota: no sheet written", err=True)
        return
    own_zone = ctx.get_parameter_source("zone") is click.core.ParameterSource.COMMANDLINE
    own_dial = ctx.get_parameter_source("dial_from") is click.core.ParameterSource.COMMANDLINE
    for name, slots in (team or {None: []}).items():  # type: ignore[dict-item]
        their_zone = zone if own_zone or name is None else (slots[0].timezone or zone)
        their_dial = dial_from if own_dial or name is None else slots[0].dial_from
        now = _now(now_text, their_zone)
        day = _sheet_day(day_text, now, their_zone)
        progress = _progress(loaded, log_path, now)
        sheet = build(loaded, day, their_zone, their_dial, now, letters_dir, progress, skip_delivered, signer,
                      (name, slots) if name is not None else None)
        if sheet.dropped:
            click.echo(f"warning: {sheet.dropped} rota slot(s) of {name} on {day} left out: the campaign no longer "
                       "has the office open then; make the rota again", err=True)
        result = FORMATS[fmt](sheet)
        if pattern is None:
            click.echo(result, nl=False)
            continue
        target = _sheet_path(pattern, day, name)
        atomic_write(target, result)
        if not quiet:
            click.echo(f"wrote {target}", err=True)


def _sheet_day(day_text: str | None, now: dt.datetime, zone: str) -> dt.date:
    from faxcampaign import clock

    today = clock.local_date(now, zone)
    if day_text in (None, "today"):
        return today
    if day_text == "tomorrow":
        return today + dt.timedelta(days=1)
    return dt.date.fromisoformat(day_text)


def _sheet_path(pattern: str, day: dt.date, volunteer: str | None) -> Path:
    """--out: {date} is the day; {volunteer} the volunteer's file name (with a rota)."""
    from faxcampaign.files import dated_path
    from faxcampaign.letters.template import Signer

    if "{volunteer}" in pattern and volunteer is not None:
        pattern = pattern.replace("{volunteer}", Signer(volunteer).slug)
    return dated_path(pattern, day)


def _rota_of(loaded: Any, rota_file: Path | None, log_path: str | None) -> dict[str, list[Any]]:
    """Each volunteer's slots, from --rota FILE or the rota saved in the log; in order of name."""
    if rota_file is not None:
        from faxcampaign.team.rota import read_rota_file

        slots = read_rota_file(rota_file)
    else:
        from faxcampaign.log.roster import Roster
        from faxcampaign.log.store import location, open_log

        where = location(log_path, loaded.path)
        with open_log(where, Roster.of(loaded).key, create=False) as log:
            slots = log.rota()
        if not slots:
            raise click.ClickException(f"no rota saved in the log ({where}): run `faxcampaign rota "
                                       "--save`, or give --rota FILE")
    team: dict[str, list[Any]] = {}
    for s in slots:
        if s.volunteer is not None:
            team.setdefault(s.volunteer, []).append(s)
    return dict(sorted(team.items()))


def _slot(ctx: click.Context, param: click.Parameter, value: str) -> int:
    from faxcampaign.team.rota import parse_slot

    try:
        return parse_slot(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


@cli.command()
@click.argument("campaign", type=CAMPAIGN)
@click.option("--volunteers", "volunteers_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE.csv", help="The team: name, email, timezone, country, available, offices, languages, cap "
              "(docs/rota.md).")
@click.option("--from", "first", callback=_date, metavar="DATE", help="First day (--tz); default today.")
@click.option("--days", type=click.IntRange(1, 62), default=7, show_default=True, help="How many days.")
@click.option("--slot", "minutes", default="15m", callback=_slot, show_default=True, metavar="LENGTH",
              help="Length of one call slot: 15m, 30m, 1h.")
@click.option("--tz", "zone", callback=_zone, metavar="ZONE", help="The zone of --from; default this computer's.")
@click.option("--volunteer", "only", metavar="NAME", help="Only this volunteer's calls (their sheet, their calendar).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "ics"]), default="table",
              show_default=True)
@click.option("--out", "pattern", metavar="PATTERN",
              help="Write each volunteer's own file, e.g. 'rota/{volunteer}/calls.ics' ({volunteer} is their "
              "file name).")
@click.option("--save", is_flag=True, help="Keep the rota in the campaign's log (replacing the saved slots of "
              "these days), for `callsheet --volunteer` and `status`.")
@click.option("--now", "now_text", metavar="DATETIME", help="The time the rota is made (--tz); default now.")
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
    from faxcampaign import clock
    from faxcampaign.files import atomic_write
    from faxcampaign.schedule.plan import plan as make_plan
    from faxcampaign.team.rota import EXTENSIONS, FORMATS, make_rota
    from faxcampaign.team.volunteers import read_volunteers

    if pattern is not None and ("{volunteer}" not in pattern or
                                "{" in pattern.replace("{volunteer}", "") or "}" in pattern.replace("{volunteer}", "")):
        raise click.BadParameter(f"{pattern!r}: give a pattern with {{volunteer}} (and no other placeholder), "
                                 f"e.g. 'rota/{{volunteer}}/calls.{EXTENSIONS[fmt]}'", param_hint="'--out'")
    if pattern is not None and only:
        raise click.UsageError("--out writes every volunteer's file; leave out --volunteer")
    now = _now(now_text, zone)
    loaded = _load_with(campaign, ())
    team = read_volunteers(volunteers_file, [o.id for o in loaded.offices])
    progress = _progress(loaded, log_path, now)
    reached = frozenset(o.id for o in progress.offices if o.delivered) if progress else frozenset()
    the_plan = make_plan(loaded, first or clock.local_date(now, zone), days, zone, now)
    result = make_rota(the_plan, team, minutes, reached)
    if save:
        _save_rota(campaign, log_path, result, now)
    chosen = None
    if only:
        chosen = result.volunteer(only)
        if chosen is None:
            raise click.BadParameter(f"no volunteer {only!r} in {volunteers_file}", param_hint="'--volunteer'")
    if pattern is None:
        click.echo(FORMATS[fmt](result, chosen), nl=False)
        return
    for index, volunteer in enumerate(result.volunteers):
        target = Path(pattern.replace("{volunteer}", volunteer.slug))
        atomic_write(target, FORMATS[fmt](result, index))
    click.echo(f"wrote {len(result.volunteers)} file(s) by {pattern}", err=True)


def _save_rota(campaign: Path, log_path: str | None, result: Any, now: dt.datetime) -> None:
    from faxcampaign.log.roster import open_campaign_log, writable
    from faxcampaign.log.store import public
    from faxcampaign.team.rota import saved_slots

    log, roster = open_campaign_log(campaign, log_path)
    with writable(log, roster, campaign) as kept:
        count = kept.save_rota(saved_slots(result), result.plan.range_start, result.plan.range_end, now)
    click.echo(f"saved {count} slot(s) in {public(kept.where)}", err=True)


def _volunteer(value: str | None) -> str | None:
    import os

    return (value or os.environ.get("FAXCAMPAIGN_VOLUNTEER") or "").strip() or None


@cli.command("log")
@click.argument("campaign", type=CAMPAIGN)
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
    from faxcampaign.log.recording import find_number, find_office, normal_outcome, read_import
    from faxcampaign.log.roster import open_campaign_log, writable
    from faxcampaign.log.store import Attempt
    from faxcampaign.outcomes import OUTCOMES

    modes = sum(x is not None for x in (recipient, void_id, import_file))
    if modes != 1:
        raise click.UsageError("give RECIPIENT OUTCOME, or --void ID, or --import FILE.csv (one of them)")
    if void_id is not None and not note:
        raise click.UsageError("--void needs --note saying why")
    name = normal_outcome(outcome or "")
    if recipient is not None and name is None:
        raise click.BadParameter(f"{outcome!r} is not an outcome; one of: {', '.join(OUTCOMES)}"
                                 if outcome else f"missing; one of: {', '.join(OUTCOMES)}", param_hint="'OUTCOME'")
    now = clock.utc_now()
    # the zone is looked up only when a time needs it: a plain `log` stays quick
    zone = _zone(click.get_current_context(), click.Option(["--tz"]), zone_name) if at_text or import_file else "UTC"
    at = _now(at_text, zone) if at_text else now
    volunteer = _volunteer(by)
    log, roster = open_campaign_log(campaign, log_path)
    with log:
        if void_id is not None:
            assert note is not None
            log.void(void_id, note, volunteer, now)
            click.echo(f"voided attempt {void_id}", err=True)
        elif import_file is not None:
            attempts = read_import(import_file, roster, volunteer, zone)
            with writable(log, roster, campaign) as log:
                ids = log.record(attempts, now)
            skipped = len(attempts) - len(ids)
            click.echo(f"{import_file}: recorded {len(ids)} of {len(attempts)} outcome(s)"
                       + (f"; {skipped} were already in the log" if skipped else ""), err=True)
        else:
            assert recipient is not None and name is not None
            office = find_office(roster, recipient)
            e164 = find_number(office, number)
            with writable(log, roster, campaign) as log:
                (entry,) = log.record([Attempt(at=at, recipient=office.id, number=e164, outcome=name,
                                               volunteer=volunteer, pages=pages, note=note)], now)
            click.echo(f"recorded attempt {entry}: {office.id} {name} on {e164}", err=True)


@cli.command()
@click.argument("campaign", type=CAMPAIGN)
@click.option("--tz", "zone", callback=_zone, metavar="ZONE", help="Your IANA time zone; default this computer's.")
@click.option("--now", "now_text", metavar="DATETIME", help="The time for 'today' (your zone); default now.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@log_option
def status(campaign: Path, zone: str, now_text: str | None, fmt: str, log_path: str | None) -> None:
    """The campaign's progress from its log: offices reached, deliveries, numbers' health,
    and the saved rota's coverage (`rota --save`).

    Offices not yet reached come first. A number is suspect when it got
    wrong-number or not-fax on two or more days with no delivery in between.
    The json format is a stable contract: see docs/log.md.

    \b
    Example:
      faxcampaign status campaign.yaml --tz Europe/London
      faxcampaign status campaign.yaml --format json
    """
    from faxcampaign.log.progress import coverage
    from faxcampaign.log.roster import open_campaign_log
    from faxcampaign.outputs.status import STATUS_FORMATS

    now = _now(now_text, zone)
    log, roster = open_campaign_log(campaign, log_path)
    with log:
        result = _tally(roster, log, now)
        result.rota = coverage(log.rota(), log.reports(), now)
    click.echo(STATUS_FORMATS[fmt](result, zone), nl=False)


@cli.command()
@click.argument("campaign", type=CAMPAIGN)
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@log_option
def history(campaign: Path, fmt: str, log_path: str | None) -> None:
    """Every attempt in the campaign's log, oldest first; voided ones are marked.

    \b
    Example:
      faxcampaign history campaign.yaml > outcomes.csv
      faxcampaign history campaign.yaml --format json
    """
    from faxcampaign.log.roster import open_campaign_log
    from faxcampaign.outputs.status import HISTORY_FORMATS

    log, _ = open_campaign_log(campaign, log_path)
    with log:
        entries = log.entries()
    click.echo(HISTORY_FORMATS[fmt](entries), nl=False)


def calls_option(func: Any) -> Any:
    return click.option("--calls-per-job", "calls", type=click.IntRange(1, 20), default=3, show_default=True,
                        help="Calls the fax server may make for one job within its window.")(func)


def via_option(func: Any) -> Any:
    return click.option("--via", required=True, metavar="URL", envvar="FAXCAMPAIGN_VIA",
                        help="hylafax://[user@]host[:port] or smtp[s]://[user@]host[:port][?starttls=yes] "
                             "(password in $FAXCAMPAIGN_SMTP_PASSWORD); or $FAXCAMPAIGN_VIA.")(func)


def _backend(via: str, loaded: Any) -> Any:
    from faxcampaign.send.base import backend_for
    from faxcampaign.send.smtp import SMTPGateway

    backend = backend_for(via)
    if isinstance(backend, SMTPGateway):
        if not loaded.data.fax_gateway:
            raise click.UsageError("sending by email needs the campaign's fax_gateway address pattern")
        sender = loaded.data.sender.email if loaded.data.sender and loaded.data.sender.email else None
        backend.configure(loaded.data.fax_gateway, sender or "faxcampaign@localhost")
    return backend


def _send_run(campaign: Path, via: str, one: Any, many: Any, only: tuple[str, ...], days: int, rules: Any,
              allow_invalid: bool, dry_run: bool, now: dt.datetime, zone: str, log_path: str | None,
              loaded: Any) -> None:
    from faxcampaign.letters.render import Options, documents
    from faxcampaign.letters.template import default_signer
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import location, open_log
    from faxcampaign.send.run import describe, send

    backend = _backend(via, loaded)
    signers = many or [one or default_signer(loaded)]
    options = Options(today=clock_today(now), fmt=backend.document)
    roster = Roster.of(loaded)
    with open_log(location(log_path, campaign), roster.key, create=not dry_run) as log:
        progress = _tally(roster, log, now) if log.exists else None
        report = send(loaded, backend, log, progress, signers, only, days, now, rules, allow_invalid, dry_run,
                      documents(loaded, options))
    for line in describe(report, zone, dry_run):
        click.echo(line)


def clock_today(now: dt.datetime) -> dt.date:
    from faxcampaign import clock

    return clock.local_date(now, clock.system_zone_name())


@cli.command("send")
@click.argument("campaign", type=CAMPAIGN)
@via_option
@signer_options
@click.option("--recipient", "only", multiple=True, metavar="ID", help="Only this recipient (repeatable).")
@click.option("--days", type=click.IntRange(1, 60), default=7, show_default=True,
              help="How far ahead to look for open windows.")
@click.option("--per-office-per-day", "per_day", type=click.IntRange(1, 100), default=3, show_default=True,
              help="At most this many deliveries to one office on one of its days.")
@click.option("--allow-invalid", is_flag=True, help="Also dial numbers not valid under today's numbering plan.")
@calls_option
@click.option("--dry-run", is_flag=True, help="Print every job it would submit; submit nothing.")
@click.option("--tz", "zone", callback=_zone, metavar="ZONE", help="Your IANA time zone; default this computer's.")
@click.option("--now", "now_text", metavar="DATETIME", help="With --dry-run: plan as at this time (your zone).")
@log_option
def send_command(campaign: Path, via: str, signer: str | None, organisation: str | None, address: tuple[str, ...],
                 email: str | None, signers_file: Path | None, only: tuple[str, ...], days: int, per_day: int,
                 allow_invalid: bool, calls: int, dry_run: bool, zone: str, now_text: str | None,
                 log_path: str | None) -> None:
    """Fax the letters to automatic lines, only inside each office's own open hours.

    Each job is queued to start in the office's next open window and to
    give up at that window's end. One job per office at a time; at most
    --per-office-per-day deliveries, spread over the office's day. Manual
    lines are never sent: they are listed for `faxcampaign callsheet`.
    Run it (and `sync`) from cron every few minutes: it never queues a letter
    twice.

    \b
    Example:
      faxcampaign send campaign.yaml --via hylafax://localhost --dry-run
      faxcampaign send campaign.yaml --via hylafax://fax@faxserver --signers volunteers.csv
      faxcampaign send campaign.yaml --via smtp://mail.example.org:587?starttls=yes
    """
    from faxcampaign.send.policy import Rules

    if now_text and not dry_run:
        raise click.UsageError("--now is for --dry-run: real jobs are planned from the real time")
    loaded = _load_with(campaign, only)
    one, many = _signers(loaded, signer, organisation, address, email, signers_file)
    rules = Rules(per_office_per_day=per_day, calls_per_job=calls)
    _send_run(campaign, via, one, many, only, days, rules, allow_invalid, dry_run, _now(now_text, zone), zone,
              log_path, loaded)


@cli.command()
@click.argument("campaign", type=CAMPAIGN)
@via_option
@signer_options
@click.option("--days", type=click.IntRange(1, 60), default=7, show_default=True,
              help="How far ahead re-queued jobs may go.")
@click.option("--per-office-per-day", "per_day", type=click.IntRange(1, 100), default=3, show_default=True)
@click.option("--allow-invalid", is_flag=True, help="Also dial numbers not valid under today's numbering plan.")
@calls_option
@click.option("--no-requeue", is_flag=True, help="Only record results; queue nothing new.")
@click.option("--tz", "zone", callback=_zone, metavar="ZONE", help="Your IANA time zone; default this computer's.")
@log_option
def sync(campaign: Path, via: str, signer: str | None, organisation: str | None, address: tuple[str, ...],
         email: str | None, signers_file: Path | None, days: int, per_day: int, allow_invalid: bool, calls: int,
         no_requeue: bool, zone: str, log_path: str | None) -> None:
    """Record the fax server's results in the log, then queue what is due again.

    Outcomes are in the log's vocabulary (HylaFAX's "No answer from remote"
    is no-answer, "Busy signal detected" busy, done delivered with its
    pages). A letter that did not go is queued again within the policy:
    back-off by failure type, the office's next window. Give the same signer
    options as to `send`.

    \b
    Example:
      faxcampaign sync campaign.yaml --via hylafax://localhost
    """
    from faxcampaign import clock
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import location, open_log
    from faxcampaign.send.policy import Rules
    from faxcampaign.send.run import sync as sync_jobs

    loaded = _load_with(campaign, ())
    one, many = _signers(loaded, signer, organisation, address, email, signers_file)
    now = clock.utc_now()
    backend = _backend(via, loaded)
    with open_log(location(log_path, campaign), Roster.of(loaded).key, create=False) as log:
        ended = sync_jobs(backend, log, now) if log.exists else []
    for job, result in ended:
        what = result.outcome or f"{result.state}, no call made"
        pages = f" ({result.pages} page{'s' if result.pages != 1 else ''})" if result.pages else ""
        click.echo(f"{job.recipient}: job {job.job} {what}{pages}")
    if not no_requeue:
        rules = Rules(per_office_per_day=per_day, calls_per_job=calls)
        _send_run(campaign, via, one, many, (), days, rules, allow_invalid, False, now, zone, log_path, loaded)


@cli.command("cancel")
@click.argument("campaign", type=CAMPAIGN)
@via_option
@click.option("--recipient", "only", multiple=True, metavar="ID", help="Only this recipient's jobs (repeatable).")
@log_option
def cancel_command(campaign: Path, via: str, only: tuple[str, ...], log_path: str | None) -> None:
    """Remove the campaign's queued fax jobs from the server.

    \b
    Example:
      faxcampaign cancel campaign.yaml --via hylafax://localhost
      faxcampaign cancel campaign.yaml --via hylafax://localhost --recipient president
    """
    from faxcampaign import clock
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import location, open_log
    from faxcampaign.send.run import cancel

    loaded = _load_with(campaign, only)
    backend = _backend(via, loaded)
    with open_log(location(log_path, campaign), Roster.of(loaded).key, create=False) as log:
        removed = cancel(backend, log, only, clock.utc_now()) if log.exists else []
    for job in removed:
        click.echo(f"{job.recipient}: cancelled job {job.job}")
    if not removed:
        click.echo("no queued jobs", err=True)


@cli.command("log-copy")
@click.argument("campaign", type=CAMPAIGN)
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
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import LogError, copy_log, has_password, open_log, public

    for place in (source, target):
        if has_password(place):
            click.echo("warning: a password on the command line is visible to every user of this machine; "
                       "put it in PGPASSWORD or ~/.pgpass instead", err=True)
    key = Roster.of(_load_with(campaign, ())).key
    with open_log(source, key, create=False) as src:
        if not src.exists:
            raise LogError(f"{public(source)}: there is no log to copy")
        with open_log(target, key, create=True) as dst:
            attempts, voids, jobs = copy_log(src, dst)
    click.echo(f"copied {attempts} attempt(s), {voids} void(s) and {jobs} job(s) of {key} from {public(source)} to "
               f"{public(target)}", err=True)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the campaign file.

    \b
    Example:
      faxcampaign schema > campaign.schema.json
    """
    from faxcampaign.campaign.schema import schema as campaign_schema

    click.echo(json.dumps(campaign_schema(), indent=2, ensure_ascii=False))


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@click.option("--language", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="ru: the offices get a Russian letter followed by the English original.")
def init(directory: Path, force: bool, language: str) -> None:
    """Write a starter campaign (a commented example) and its letter template.

    \b
    Example:
      faxcampaign init my-campaign
      faxcampaign init --language ru my-campaign
      faxcampaign check my-campaign/campaign.yaml
    """
    from faxcampaign.campaign.starter import write_starter

    for path in write_starter(directory, force, language):
        click.echo(f"wrote {path}")


def main() -> None:
    from faxcampaign import collect_less

    collect_less()
    cli(prog_name="faxcampaign")

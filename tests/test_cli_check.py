from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from conftest import LETTER, MODERN, ROOT
from faxcampaign.cli import COMMANDS, cli


def run(*args: str, ok: bool = True) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=not ok)


def test_example_passes_check_with_renumbering_warnings(example: Path) -> None:
    result = run("check", str(example))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines == [
        f"{example}:70:11: warning: recipients[0].fax[0]: +73172324959 is not a valid number under today's "
        "numbering plan; did you mean +7 7172 32 49 59 (Astana)?",
        f"{example}:70:30: warning: recipients[0].fax[1]: +73172321904 is not a valid number under today's "
        "numbering plan; did you mean +7 7172 32 19 04 (Astana)?",
        f"{example}:75:10: warning: recipients[1].fax: +73212420220 is not a valid number under today's "
        "numbering plan; did you mean +7 7212 42 02 20 (Karaganda)?",
        f"{example}:81:10: warning: recipients[2].fax: +73212742783 is not a valid number under today's "
        "numbering plan; did you mean +7 7212 74 27 83 (Karaganda)?",
    ]
    assert result.stderr == f"{example}: ok: 0 error(s), 4 warning(s)\n"


def test_strict_fails_on_warnings(example: Path) -> None:
    assert run("check", "--strict", str(example)).exit_code == 1


def test_modern_campaign_is_clean_even_when_strict(write_campaign: Callable[..., Path]) -> None:
    result = run("check", "--strict", str(write_campaign()))
    assert result.exit_code == 0
    assert result.stdout == ""


def test_json_findings(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(MODERN.replace("timezone: Asia/Almaty", "timezone: Mars/Base"))
    result = run("check", "--format", "json", str(path))
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "severity": "error",
            "file": str(path),
            "path": "defaults.timezone",
            "line": 12,
            "column": 13,
            "message": "unknown time zone 'Mars/Base' (use an IANA name such as 'Asia/Almaty')",
        }
    ]


def test_undefined_template_variable_names_variable_and_recipient(
    write_campaign: Callable[..., Path],
) -> None:
    path = write_campaign(letter="Hello\n\n{{ context.nonesuch }}\n")
    result = run("check", str(path))
    assert result.exit_code == 1
    letter = path.parent / "letter.md.j2"
    # once for all the recipients it fails for, with the expression, its column and the keys there are
    assert result.stdout.splitlines() == [
        f"{letter}:3:4: error: recipients 'court', 'president': undefined: context.nonesuch (context has: city)",
    ]


def test_sandbox_stops_template_tricks(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(letter="{{ ''.__class__.__mro__[1].__subclasses__() }}\n")
    result = run("check", str(path))
    assert result.exit_code == 1
    assert "access to attribute '__class__' of 'str' object is unsafe" in result.stdout
    assert "subclasses" not in result.stdout.replace("__subclasses__()", "")
    assert "<class" not in result.stdout


def test_template_syntax_error_has_line(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(letter="Fine\n{% if %}\n")
    result = run("check", str(path))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{path.parent / 'letter.md.j2'}:2:1: error: ")


def test_call_script_is_checked(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(MODERN.replace("{{ recipient.name }}", "{{ recipient.nickname }}"))
    result = run("check", str(path))
    assert result.exit_code == 1
    assert "call_script: recipients 'court', 'president': undefined variable" in result.stdout


def test_font_coverage(write_campaign: Callable[..., Path]) -> None:
    # Egyptian hieroglyphs: in no font here (CJK, Arabic, Georgian print through fallback fonts)
    path = write_campaign(letter=LETTER + "\n𓀁𓀀\n")
    result = run("check", str(path))
    assert result.exit_code == 1
    letter = path.parent / "letter.md.j2"
    assert f"{letter}:6:1: error: the letter font cannot print '𓀀' (U+13000) '𓀁' (U+13001)" in result.stdout
    context = write_campaign(MODERN.replace("city: Караганды", "city: 𓀀"))
    result = run("check", str(context))
    assert f"{context}:15:9: error: context.city: the letter font cannot print" in result.stdout


def test_kazakh_letters_are_covered(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(letter=LETTER + "\nӘ Ғ Қ Ң Ө Ұ Ү Һ І ә ғ қ ң ө ұ ү һ і\n")
    assert run("check", str(path)).exit_code == 0


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("check", ok=False).exit_code == 2
    assert run("check", "--format", "xml", str(tmp_path / "c.yaml"), ok=False).exit_code == 2
    assert run("nonesuch", ok=False).exit_code == 2


def test_bad_campaign_for_check_has_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("- just\n- a list\n")
    result = run("check", str(path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stdout == f"{path}:1:1: error: the top level must be a mapping of keys such as 'title' and " \
        "'recipients'\n"


def test_init_writes_a_starter_that_is_live_today(tmp_path: Path) -> None:
    """init, check, plan: windows at once, on the starter's first day (a Monday here) and after."""
    target = tmp_path / "live"
    assert run("init", str(target), "--tz", "Europe/London", "--now", "2026-12-07T08:00").exit_code == 0
    text = (target / "campaign.yaml").read_text()
    assert "starts: 2026-12-07" in text and "deadline: 2026-12-21" in text
    assert text.count("EXAMPLE: ") >= 3 and "+44 20 7946 0018" in text  # examples, at fictional numbers
    check = run("check", str(target / "campaign.yaml"))
    assert check.exit_code == 0 and ": error:" not in check.stdout and ": warning:" not in check.stdout
    plan = run("plan", str(target / "campaign.yaml"), "--tz", "Europe/London", "--now", "2026-12-07T08:00",
               "--format", "json")
    windows = [w for o in json.loads(plan.stdout)["recipients"] for w in o["windows"]]
    assert windows and min(w["start"] for w in windows).startswith("2026-12-07T09:00")
    assert "has passed" not in plan.output


def test_init_writes_starter_that_checks_and_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "new"
    result = run("init", "--example", "karaganda-2003", str(target))
    assert result.exit_code == 0
    assert (target / "campaign.yaml").read_text() == (ROOT / "campaign.yaml").read_text()
    assert (target / "templates" / "letter.md.j2").read_text() == (ROOT / "templates/letter.md.j2").read_text()
    assert run("check", str(target / "campaign.yaml")).exit_code == 0
    (target / "campaign.yaml").write_text("mine")
    again = run("init", "--example", "karaganda-2003", str(target))
    assert again.exit_code == 1
    assert "not overwriting" in again.stderr
    assert (target / "campaign.yaml").read_text() == "mine"
    assert run("init", "--force", str(target)).exit_code == 0
    assert (target / "campaign.yaml").read_text() != "mine"


def test_schema_matches_committed_copy_and_modeline() -> None:
    result = run("schema")
    schema = json.loads(result.stdout)
    assert schema["required"] == ["title", "letter", "recipients"]
    assert schema["additionalProperties"] is False
    assert "recipients" in schema["properties"]
    assert json.loads((ROOT / "campaign.schema.json").read_text()) == schema
    first = (ROOT / "campaign.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=./campaign.schema.json"


def test_schema_rejects_what_the_loader_rejects() -> None:
    schema = json.loads(run("schema").stdout)
    recipient = schema["$defs"]["Recipient"]
    assert recipient["properties"]["id"]["pattern"] == "^[a-z0-9][a-z0-9-]{0,63}$"
    assert set(recipient["required"]) == {"id", "name", "fax"}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_example(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    assert command.help and "Example" in command.help, f"{name} lacks help with an example"
    result = run(name, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout


@pytest.mark.parametrize("width", [60, 80, 120])
def test_help_lists_each_command_with_its_own_summary(width: int) -> None:
    """`--help` lists the commands from the summaries kept beside their names (it loads none of them): the
    listing is the one click makes from the commands themselves."""
    ctx = click.Context(cli, terminal_width=width)
    ours, clicks = click.HelpFormatter(width=width), click.HelpFormatter(width=width)
    cli.format_commands(ctx, ours)
    click.Group.format_commands(cli, ctx, clicks)
    assert ours.getvalue() == clicks.getvalue()
    assert "serve" in ours.getvalue() and "Serve the team's web app" in ours.getvalue()


def test_python_dash_m(example: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "faxcampaign", "--version"], capture_output=True, text=True)
    assert done.returncode == 0
    assert done.stdout.startswith("faxcampaign, version ")


def test_warns_when_no_holiday_data_for_a_ph_rule(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(MODERN.replace("country: KZ", "country: TA"))
    result = run("check", str(path))
    assert result.exit_code == 0
    assert f"{path}: warning: no public holiday data for TA: its PH rules never apply; list holidays under " \
        "'closed'" in result.stdout.splitlines()

"""A campaign file may come from a stranger: it may not read the machine, and its templates have limits."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import MODERN
from faxcampaign.cli import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def error_lines(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if ": error: " in line]


def test_letter_outside_the_campaign_folder_is_refused_with_its_location(
        write_campaign: Callable[..., Path]) -> None:
    for name in ("/etc/passwd", "../../etc/passwd", "../outside.md.j2"):
        path = write_campaign(MODERN.replace("letter: letter.md.j2", f"letter: {name}"))
        result = run("check", str(path))
        assert result.exit_code == 1
        assert error_lines(result) == [f"{path}:5:9: error: letter: the letter template must be inside the "
                                       f"campaign's folder ({path.parent.resolve()}); {name!r} is not"]
        assert "root:" not in result.output


def test_letter_that_is_a_symlink_out_of_the_folder_is_refused(write_campaign: Callable[..., Path],
                                                              tmp_path: Path) -> None:
    path = write_campaign()
    (tmp_path / "letter.md.j2").unlink()
    (tmp_path / "letter.md.j2").symlink_to("/etc/passwd")
    result = run("render", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "must be inside the campaign's folder" in result.output
    assert not (tmp_path / "out").exists()


def test_include_through_a_symlink_out_of_the_folder_is_refused(write_campaign: Callable[..., Path],
                                                               tmp_path: Path) -> None:
    path = write_campaign(letter="Hello.\n\n{% include 'secret.txt' %}\n")
    (tmp_path / "secret.txt").symlink_to("/etc/passwd")
    result = run("check", str(path))
    assert result.exit_code == 1
    assert error_lines(result) == [f"{tmp_path / 'letter.md.j2'}:3:1: error: recipients 'court', 'president': not "
                                   f"allowed in a template: 'secret.txt' is outside the campaign's folder "
                                   f"{tmp_path.resolve()}"]
    assert "root:" not in result.output


def test_include_inside_the_folder_still_works(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    path = write_campaign(letter="Hello.\n\n{% include 'parts/demands.md' %}\n")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "demands.md").write_text("- Free them all\n", encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 0, result.output


def test_include_with_dotdot_is_not_found(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    path = write_campaign(letter="{% include '../../etc/passwd' %}\n")
    result = run("check", str(path))
    assert result.exit_code == 1
    assert "root:" not in result.output


def test_a_long_letter_name_is_an_error_not_a_traceback(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(MODERN.replace("letter: letter.md.j2", "letter: " + "x" * 300))
    result = run("check", str(path))
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert error_lines(result)[0].startswith(f"{path}:5:9: error: letter: ")


@pytest.mark.parametrize("template, limit", [
    ("{{ 'a' * 10**10 }}", "a value of more than 1,000,000 characters or items"),
    ("{{ 10**5000 }}", "a power of more than 4096 bits"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
     "rendering took longer than 2 s"),
    ("{% for i in range(10**6) %}{% endfor %}", "a range of more than 100,000 items"),
    ("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
     "a value of more than 1,000,000 characters or items"),
    ("{{ 'a' | center(10**9) }}", "a number argument larger than 1,000,000"),
    ("{{ 'a'.ljust(10**9) }}", "a number argument larger than 1,000,000"),
    ("{% for i in range(2000) %}{{ 'x' * 1000 }}{% endfor %}", "output of more than 1,000,000 characters"),
])
def test_templates_over_the_limits_are_errors_naming_the_template(
        write_campaign: Callable[..., Path], tmp_path: Path, template: str, limit: str) -> None:
    path = write_campaign(letter=template + "\n")
    started = time.monotonic()
    result = run("check", str(path))
    assert time.monotonic() - started < 20  # generous: the point is that it ends
    assert result.exit_code == 1
    lines = error_lines(result)
    assert lines and all(line.startswith(f"{tmp_path / 'letter.md.j2'}:") for line in lines)
    assert f"over the template limits: {limit}" in lines[0]


def test_call_script_over_the_limits_is_an_error(write_campaign: Callable[..., Path]) -> None:
    text = MODERN.replace("""call_script: 'Say "prinyat fax" to {{ recipient.name }}, hear "da", then send.'""",
                          "call_script: \"{{ 'a' * 10**10 }}\"")
    path = write_campaign(text)
    result = run("check", str(path))
    assert result.exit_code == 1
    assert f"{path}:6:14: error: call_script: recipients 'court', 'president': over the template limits" \
        in result.output


def test_limits_hold_in_a_worker_thread(write_campaign: Callable[..., Path]) -> None:
    """Outside the main thread there is no timer signal: the range steps still check the clock."""
    import threading

    path = write_campaign(letter="{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                                 "{% endfor %}\n")
    results: list[Result] = []
    thread = threading.Thread(target=lambda: results.append(run("check", str(path))))
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    assert "rendering took longer than 2 s" in results[0].output


def test_the_timer_is_restored_after_rendering(write_campaign: Callable[..., Path]) -> None:
    import signal

    path = write_campaign()
    assert run("check", str(path)).exit_code == 0
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler, None)

"""`check` says "ok" only when the schedule is right: mismatched countries, offices that never open,
numbers written nationally or twice; and sheets that say what is true."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

from conftest import MODERN
from faxcampaign.cli import cli

TURKEY = """\
title: T
letter: letter.md.j2
defaults: {country: TR, timezone: Europe/Istanbul, hours: "Mo-Fr 09:00-17:00; PH off"}
context: {city: Istanbul}
recipients:
  - id: istanbul
    name: Istanbul court
    fax: "0216 586 29 47 ext. 12"
  - id: minsk
    name: Minsk ministry
    timezone: Europe/Minsk
    fax: "+375 17 222 22 22"
  - id: again
    name: Same line
    fax: "+90 216 586 29 47"
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_national_numbers_extensions_shared_numbers_and_mismatched_countries(
        write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(TURKEY)
    result = run("check", str(path))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{path}:8:10: warning: recipients[0].fax: the extension '12' cannot be dialled by a fax machine and is "
        "left out; say it in a call script if a person must put you through",
        f"{path}:9:5: warning: recipients[1]: the time zone Europe/Minsk is not one of TR's (Europe/Istanbul): "
        "check 'timezone' and 'country' (inherited from 'defaults'?)",
        f"{path}:12:10: warning: recipients[1].fax: +375172222222 is a number in BY, but the recipient's country "
        "is TR: check the number and 'country'",
        f"{path}:15:10: warning: recipients[2].fax: +902165862947 is also the number of recipients[0]; is it the "
        "same office?",
    ]
    plan = run("plan", str(path), "--format", "json", "--from", "2026-12-14", "--days", "1", "--tz", "UTC")
    assert '"e164": "+902165862947"' in plan.stdout  # the national number, read in the recipient's country


def test_an_office_that_never_opens_is_warned_and_listed(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(MODERN.replace('    fax: "+7 7212 42 02 20"', '    fax: "+7 7212 42 02 20"\n'
                                                                      '    hours: "PH off"'))
    check = run("check", str(path))
    assert (f"{path}:17:5: warning: recipients[0]: 'court' is never open between the campaign's start and its "
            "deadline (check 'hours', 'closed' and the dates): it will be in no plan or sheet") in check.stdout
    plan = run("plan", str(path), "--from", "2026-12-14", "--days", "2", "--tz", "UTC")
    assert "Never open before the deadline (see faxcampaign check): Karaganda Oblast Court." in plan.stdout


def test_callsheet_before_the_campaign_starts_says_so(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign()
    result = run("callsheet", str(path), "--date", "2025-12-15", "--tz", "UTC")
    assert "Nothing to call yet: the campaign starts on Thu 01 Jan 2026." in result.stdout
    assert "no office is open" not in result.stdout


def test_automatic_lines_get_no_phone_script(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(MODERN.replace('    fax: "+7 7212 42 02 20"', '    fax: "+7 7212 42 02 20"\n'
                                                                      '    manual: false'))
    result = run("callsheet", str(path), "--date", "2026-12-14", "--tz", "UTC")
    court = result.stdout[result.stdout.index("Karaganda Oblast Court"):]
    court = court[: court.index("\n\n")]
    assert "Automatic line: just send." in court and "Say:" not in court
    assert "Say:" in result.stdout[result.stdout.index("Президент"):]  # a manual line keeps its script


def test_numbered_lists_print_their_periods(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    from pypdf import PdfReader

    path = write_campaign(letter="We ask for:\n\n1. The immediate release\n2. A fair trial\n")
    result = run("render", str(path), "--out", str(tmp_path / "out"), "--date", "2026-12-14", "--jobs", "1")
    assert result.exit_code == 0, result.output
    text = PdfReader(tmp_path / "out" / "court.pdf").pages[0].extract_text()
    assert "1.\nThe immediate release\n2.\nA fair trial" in text  # the number and its period, then the item


def test_a_recipient_may_have_its_own_call_script(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(MODERN.replace('    fax: "+7 7212 42 02 20"', '    fax: "+7 7212 42 02 20"\n'
                                                                      '    call_script: "Say \'Faksı kabul eder '
                                                                      'misiniz?\' to {{ recipient.name }}"'))
    result = run("callsheet", str(path), "--date", "2026-12-14", "--tz", "UTC")
    assert "Say:    Say 'Faksı kabul eder misiniz?' to Karaganda Oblast Court" in result.stdout
    assert 'Say "prinyat fax" to Президент' in result.stdout
    broken = write_campaign(MODERN.replace('    fax: "+7 7212 42 02 20"', '    fax: "+7 7212 42 02 20"\n'
                                                                        '    call_script: "{{ nope }}"'))
    check = run("check", str(broken))
    assert f"{broken}:21:18: error: call_script: recipient 'court': undefined variable" in check.stdout


def test_quiet_keeps_cron_mail_empty(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    path = write_campaign(MODERN.replace('fax: "+7 7212 42 02 20"', 'fax: "+7 3212 42 02 20"'))  # a warning
    plan = run("plan", str(path), "--tz", "UTC", "--from", "2026-12-14", "--days", "1", "-q")
    assert plan.exit_code == 0 and plan.stderr == ""
    assert "warning(s)" in run("plan", str(path), "--tz", "UTC", "--from", "2026-12-14", "--days", "1").stderr
    sheet = run("callsheet", str(path), "--tz", "UTC", "--date", "2026-12-14", "--out",
                str(tmp_path / "s-{date}.txt"), "--quiet")
    assert sheet.exit_code == 0 and sheet.stderr == "" and (tmp_path / "s-2026-12-14.txt").exists()

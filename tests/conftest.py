from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import click.testing
import pytest

ROOT = Path(__file__).resolve().parent.parent

# The holiday cache (calendars.py) of these tests is their own, never the user's ~/.cache.
os.environ["FAXCAMPAIGN_CACHE"] = tempfile.mkdtemp(prefix="faxcampaign-test-cache-")
atexit.register(shutil.rmtree, os.environ["FAXCAMPAIGN_CACHE"], True)

MODERN = """\
title: Test campaign
reference: TST-1
starts: 2026-01-01
deadline: 2027-12-31
letter: letter.md.j2
call_script: 'Say "prinyat fax" to {{ recipient.name }}, hear "da", then send.'
sender:
  name: Test Sender
  address: [1 High Street, London]
defaults:
  country: KZ
  timezone: Asia/Almaty
  hours: "Mo-Fr 09:00-13:00,14:00-18:00; PH off"
context:
  city: Караганды
recipients:
  - id: court
    name: Karaganda Oblast Court
    salutation: Dear Sir or Madam,
    fax: "+7 7212 42 02 20"
  - id: president
    name: Президент Республики Казахстан
    fax: ["+7 7172 32 49 59", "+7 7172 32 19 04"]
"""

LETTER = "We write about {{ context.city }}, to {{ recipient.name }}.\n\n- First demand\n- Second demand\n"


@pytest.fixture
def write_campaign(tmp_path: Path) -> Callable[..., Path]:
    """Write a campaign file (and a letter template) into tmp_path and return its path."""

    def write(text: str = MODERN, letter: str | None = LETTER, name: str = "campaign.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        if letter is not None:
            (tmp_path / "letter.md.j2").write_text(letter, encoding="utf-8")
        return path

    return write


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the bundled Karaganda 2003 example."""
    shutil.copy(ROOT / "campaign.yaml", tmp_path / "campaign.yaml")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return tmp_path / "campaign.yaml"


def need(available: bool, what: str) -> None:
    """Skip a test whose real component is missing here; in CI (FAXCAMPAIGN_REQUIRE_ALL=1) fail instead:
    CI installs every component, so a skip there would hide an untested feature."""
    if available:
        return
    import os

    if os.environ.get("FAXCAMPAIGN_REQUIRE_ALL") == "1":
        pytest.fail(f"{what} is required in CI but missing", pytrace=False)
    pytest.skip(f"needs {what}")


def zone_at_noon(now: dt.datetime) -> str:
    """An Etc/GMT zone in which it is about midday at ``now``, so an office open 06:00-20:00 there is open
    for hours whenever the tests run."""
    shift = (12 - now.hour + 12) % 24 - 12  # -12..11 hours ahead of UTC
    return "Etc/GMT" + (f"{-shift:+d}" if shift else "")


@pytest.fixture(scope="session")
def postgres():  # type: ignore[no-untyped-def]
    """A PostgreSQL server of the tests' own (tests/pg.py); skipped here without PostgreSQL, never in CI."""
    import importlib.util

    from pg import Server, binaries

    need(binaries() is not None, "PostgreSQL (apt-get install postgresql)")
    need(importlib.util.find_spec("psycopg") is not None, "psycopg (pip install 'faxcampaign[postgresql]')")
    import tempfile

    # not under pytest's own folder, which only root may enter: the server runs as the postgres user
    folder = Path(tempfile.mkdtemp(prefix="faxcampaign-pg-"))
    server = Server(folder)
    try:
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each log test runs on both backends: the default SQLite file beside the campaign, and a fresh
    PostgreSQL database given as $FAXCAMPAIGN_LOG."""
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres")
        monkeypatch.setenv("FAXCAMPAIGN_LOG", server.new_database())
    else:
        monkeypatch.delenv("FAXCAMPAIGN_LOG", raising=False)
    return str(request.param)


@pytest.fixture
def cli() -> Callable[..., click.testing.Result]:
    """Run a faxcampaign command in-process; ``code`` is the exit status it must end with."""
    from click.testing import CliRunner

    from faxcampaign.cli import cli as command

    def invoke(*args: str, code: int = 0, env: dict[str, str] | None = None) -> click.testing.Result:
        result = CliRunner().invoke(command, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == code, result.output + result.stderr
        return result

    return invoke

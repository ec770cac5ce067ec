from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Headless Chromium driven by selenium; ``downloads`` is its download folder."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    need(bool(chromium and driver_path), "chromium and chromedriver (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        need(False, "selenium (pip install selenium)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium  # type: ignore[assignment]
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    driver.options_binary, driver.driver_path = chromium, driver_path
    try:
        yield driver
    finally:
        driver.quit()




ALWAYS_OPEN = MODERN.replace('hours: "Mo-Fr 09:00-13:00,14:00-18:00; PH off"', 'hours: "Mo-Su 00:00-24:00"')
VOLUNTEERS = ("name,email,timezone,country,available\n"
              "Ann Smith,ann@example.org,Europe/London,GB,Mo-Su 00:00-24:00\n"
              "Ben Jones,ben@example.org,America/New_York,US,Mo-Su 00:00-24:00\n")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """A real `faxcampaign serve` on a loopback port, over the campaign in ``folder``."""

    def __init__(self, campaign: Path, env: dict[str, str], port: int | None = None):
        self.campaign, self.env = campaign, env
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Any = None
        self.output = campaign.parent / "serve.log"

    def start(self) -> Served:
        import subprocess
        import sys
        import time
        import urllib.request

        handle = open(self.output, "ab")  # noqa: SIM115 (the server's own output, kept for the tests)
        self.process = subprocess.Popen([sys.executable, "-m", "faxcampaign", "serve", str(self.campaign), "--port",
                                         str(self.port), "--base-url", self.url], env=self.env, stdout=handle,
                                        stderr=handle)
        for _ in range(200):
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("serve did not start: " + self.output.read_text(errors="replace"))

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def invite(self, *args: str) -> list[dict[str, str]]:
        import json
        import subprocess
        import sys

        made = subprocess.run([sys.executable, "-m", "faxcampaign", "invite", str(self.campaign), "--base-url",
                               self.url, "--format", "json", *args], env=self.env, capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
        return list(json.loads(made.stdout))


@pytest.fixture
def served(tmp_path: Path, backend: str) -> Iterator[Served]:
    """The always-open test campaign with two volunteers, served on SQLite and on PostgreSQL (``backend``)."""
    campaign = tmp_path / "campaign.yaml"
    campaign.write_text(ALWAYS_OPEN, encoding="utf-8")
    (tmp_path / "letter.md.j2").write_text(LETTER, encoding="utf-8")
    (tmp_path / "volunteers.csv").write_text(VOLUNTEERS, encoding="utf-8")
    env = {**os.environ}
    server = Served(campaign, env).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dovecot():  # type: ignore[no-untyped-def]
    """A Dovecot IMAP server of the tests' own on loopback (tests/imapserver.py); never skipped in CI."""
    import tempfile

    from imapserver import Dovecot, binaries

    need(binaries() is not None and shutil.which("doveadm") is not None, "Dovecot (apt-get install dovecot-imapd)")
    need(shutil.which("openssl") is not None, "openssl")
    folder = Path(tempfile.mkdtemp(prefix="faxcampaign-imap-"))
    server = Dovecot(folder)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)

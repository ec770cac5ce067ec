"""The HTML call sheet in a real headless browser: tick outcomes, save, import, and the log holds them."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from faxcampaign.cli import cli


def test_tick_save_import(browser: Any, write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    path = write_campaign()
    page = tmp_path / "sheet.html"
    runner = CliRunner()
    made = runner.invoke(cli, ["callsheet", str(path), "--date", "2026-12-14", "--tz", "Europe/London",
                               "--format", "html", "--out", str(page)], catch_exceptions=False)
    assert made.exit_code == 0, made.output
    browser.get(page.as_uri())
    assert browser.get_log("browser") == []  # the CSP lets the page's own script run, and nothing else fails
    browser.find_element(By.ID, "by").send_keys("Ann Smith")
    court = browser.find_element(By.ID, "court")
    court.find_element(By.CSS_SELECTOR, "input[value=busy]").click()
    court.find_element(By.CSS_SELECTOR, "input.note").send_keys('engaged, "twice"')
    president = browser.find_element(By.ID, "president")
    Select(president.find_element(By.CSS_SELECTOR, "select.number")).select_by_value("+77172321904")
    president.find_element(By.CSS_SELECTOR, "input[value=delivered]").click()
    browser.find_element(By.ID, "save").click()
    saved = browser.downloads / "outcomes-2026-12-14.csv"
    for _ in range(100):
        if saved.exists():
            break
        time.sleep(0.1)
    assert browser.find_element(By.ID, "saved").text == "2 outcome(s) saved to outcomes-2026-12-14.csv"
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert [(r["id"], r["e164"], r["outcome"], r["by"], r["note"]) for r in rows] == [
        ("court", "+77212420220", "busy", "Ann Smith", 'engaged, "twice"'),
        ("president", "+77172321904", "delivered", "Ann Smith", "")]

    imported = runner.invoke(cli, ["log", str(path), "--import", str(saved)], catch_exceptions=False)
    assert imported.exit_code == 0, imported.output
    history = runner.invoke(cli, ["history", str(path)], catch_exceptions=False).stdout
    logged = list(csv.DictReader(io.StringIO(history)))
    assert sorted((r["recipient"], r["number"], r["outcome"], r["by"], r["source"]) for r in logged) == [
        ("court", "+77212420220", "busy", "Ann Smith", "import"),
        ("president", "+77172321904", "delivered", "Ann Smith", "import")]
    assert all(r["at"].startswith("20") and r["at"].endswith("Z") for r in logged)  # the moment of ticking


def test_numbers_never_break_on_a_phone(browser: Any, write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    page = tmp_path / "sheet.html"
    made = CliRunner().invoke(cli, ["callsheet", str(write_campaign()), "--date", "2026-12-14", "--tz", "Europe/London",
                                    "--dial-from", "GB", "--format", "html", "--out", str(page)])
    assert made.exit_code == 0, made.output
    browser.set_window_size(360, 740)
    browser.get(page.as_uri())
    for link in browser.find_elements(By.CSS_SELECTOR, 'a[href^="tel:"]'):
        rects = browser.execute_script("return arguments[0].getClientRects().length", link)
        assert rects == 1, link.text  # one box: the number is on one line

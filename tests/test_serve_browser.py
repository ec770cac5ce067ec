"""The team's web app in real browsers (headless Chromium via selenium, a phone-sized window): a tap
records, a teammate's page shows it within seconds, the dashboard too; a tap without signal waits in the
page and arrives once; hostile names never run; a link opened from another site signs the volunteer in."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import Served

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def wait_for(check: Callable[[], Any], seconds: float = 10.0) -> Any:
    end = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > end:
            raise AssertionError(f"not within {seconds} s")
        time.sleep(0.1)


def history(served: Served) -> list[dict[str, Any]]:
    out = subprocess.run([sys.executable, "-m", "faxcampaign", "history", str(served.campaign), "--format", "json"],
                         env=served.env, capture_output=True, text=True, check=True).stdout
    return list(json.loads(out))


@pytest.fixture
def second_browser(tmp_path: Path, browser: Any) -> Iterator[Any]:
    """Another phone: a browser of its own, with its own profile and cookies."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser.options_binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'profile-2'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(browser.driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def section(driver: Any, recipient: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, f"call-{recipient}")


def tap(driver: Any, recipient: str, outcome: str) -> None:
    from selenium.webdriver.common.by import By

    section(driver, recipient).find_element(By.CSS_SELECTOR, f"button[value={outcome}]").click()


@SQLITE_ONLY
def test_a_tap_reaches_the_team_and_the_dashboard(served: Served, browser: Any, second_browser: Any,
                                                  tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    ann, ben = served.invite("--volunteers", str(served.campaign.parent / "volunteers.csv"))
    (olga,) = served.invite("--organiser", "Olga Petrova", "--tz", "Europe/London")
    for driver in (browser, second_browser):
        driver.set_window_size(390, 844)
    browser.get(ann["url"])
    assert browser.current_url == served.url + "/"  # the token left the address bar
    assert browser.find_element(By.TAG_NAME, "h1").text == "Calls for Ann Smith"
    second_browser.get(ben["url"])
    assert second_browser.find_element(By.TAG_NAME, "h1").text == "Calls for Ben Jones"
    assert "delivered" not in section(second_browser, "president").get_attribute("class")

    tap(browser, "court", "busy")
    wait_for(lambda: len(history(served)) == 1)
    tap(browser, "president", "delivered")
    # Ben's page, not reloaded, marks the office within seconds
    wait_for(lambda: "delivered" in section(second_browser, "president").get_attribute("class"))
    assert section(second_browser, "president").find_element(By.CSS_SELECTOR, "[data-mark]").text == "Delivered today"
    wait_for(lambda: "busy" in section(second_browser, "court").find_element(By.CSS_SELECTOR, "[data-today]").text)
    entries = history(served)
    assert [(e["recipient"], e["outcome"], e["by"], e["source"]) for e in entries] == [
        ("court", "busy", "Ann Smith", "web"), ("president", "delivered", "Ann Smith", "web")]

    # the organiser's dashboard shows the day's attempts, and new ones as they come
    third = second_browser
    third.delete_all_cookies()
    third.get(olga["url"])
    assert third.find_element(By.TAG_NAME, "h1").text == "Dashboard"
    feed = third.find_element(By.ID, "feed")
    assert "president" in feed.text and "delivered" in feed.text
    assert "Karaganda Oblast Court" in third.find_element(By.ID, "unreached").text
    tap(browser, "court", "no-answer")
    wait_for(lambda: "no-answer" in third.find_element(By.ID, "feed").text)
    # a new link for Ben, shown once on the dashboard itself; his old one stops working
    third.find_element(By.CSS_SELECTOR, 'form.renew[data-name="Ben Jones"] button').click()
    shown = wait_for(lambda: third.find_element(By.ID, "new-link").text)
    assert shown.startswith(f"Ben Jones: {served.url}/v/") and shown.endswith("(shown once)")
    assert browser.get_log("browser") == [] and third.get_log("browser") == []  # nothing the CSP blocked
    second_browser.delete_all_cookies()
    second_browser.get(ben["url"])
    assert "unauthorised" in second_browser.page_source


@SQLITE_ONLY
def test_a_tap_without_signal_waits_and_arrives_once(served: Served, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    (ann,) = served.invite("--volunteers", str(served.campaign.parent / "volunteers.csv"), "--volunteer",
                           "Ann Smith")
    browser.set_window_size(390, 844)
    browser.get(ann["url"])
    served.stop()
    tap(browser, "court", "delivered")
    waiting = wait_for(lambda: browser.find_element(By.ID, "queue").text)
    assert waiting == "1 outcome(s) waiting for the signal to come back"
    time.sleep(3.5)  # the page tries again while the server is down; nothing is lost
    served.start()
    wait_for(lambda: not browser.find_element(By.ID, "queue").is_displayed(), 15)
    time.sleep(3.5)  # more retries would record it again if the key did not hold
    entries = history(served)
    assert [(e["recipient"], e["outcome"], e["by"]) for e in entries] == [("court", "delivered", "Ann Smith")]


@SQLITE_ONLY
def test_script_in_every_field_never_runs(served: Served, browser: Any) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>'
    team = served.campaign.parent / "hostile.csv"
    team.write_text(f'name,timezone,available\n"Eve {hostile}",Europe/London,Mo-Su 00:00-24:00\n', encoding="utf-8")
    (eve,) = served.invite("--volunteers", str(team))
    (olga,) = served.invite("--organiser", f"Olga {hostile}")
    browser.get(eve["url"])
    court = section(browser, "court")
    court.find_element(By.NAME, "note").send_keys(hostile)
    tap(browser, "court", "busy")
    wait_for(lambda: hostile in section(browser, "court").find_element(By.CSS_SELECTOR, "[data-today]").text)
    browser.delete_all_cookies()
    browser.get(olga["url"])
    wait_for(lambda: hostile in browser.find_element(By.ID, "feed").text)
    time.sleep(3.5)  # a live update has redrawn the feed
    for _ in range(2):
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018 (reading it is the test)
    assert hostile in browser.find_element(By.TAG_NAME, "body").text  # shown as text


@SQLITE_ONLY
def test_a_link_opened_from_another_site_signs_in(served: Served, browser: Any, tmp_path: Path) -> None:
    """Webmail is another origin: the link, followed from there, still signs the volunteer in (SameSite=Lax)."""
    import http.server
    import threading

    from selenium.webdriver.common.by import By

    (ann,) = served.invite("--volunteers", str(served.campaign.parent / "volunteers.csv"), "--volunteer",
                           "Ann Smith")
    (tmp_path / "mail.html").write_text(f'<a id="link" href="{ann["url"]}">your link</a>', encoding="utf-8")
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path))  # noqa: E731
    mail = http.server.ThreadingHTTPServer(("127.0.0.2", 0), handler)
    threading.Thread(target=mail.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://127.0.0.2:{mail.server_address[1]}/mail.html")
        browser.find_element(By.ID, "link").click()
        wait_for(lambda: browser.current_url == served.url + "/")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Calls for Ann Smith"
    finally:
        mail.shutdown()

"""`status --format html`: the dashboard's charts as one page for mail: inline SVG, no script, nothing fetched,
every name escaped."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any


def test_status_html_is_self_contained_and_escaped(write_campaign: Callable[..., Path],
                                                   cli: Callable[..., Any]) -> None:
    from tests.conftest import MODERN

    hostile = "<script>alert(1)</script>"
    path = write_campaign(MODERN.replace("name: Karaganda Oblast Court", f"name: \"Court {hostile}\""))
    for outcome, at in (("busy", "2026-12-07T09:10"), ("delivered", "2026-12-07T09:40"),
                        ("delivered", "2026-12-08T10:00")):
        cli("log", str(path), "court", outcome, "--at", at, "--tz", "Asia/Almaty", "--by", hostile)
    page = cli("status", str(path), "--format", "html", "--tz", "Europe/London", "--now", "2026-12-08T12:00").stdout
    assert page.startswith("<!doctype html>") and page.count("<svg") == 3
    assert "<script" not in page and not re.search(r"(src|href)=", page)  # nothing to run, nothing fetched
    assert "Court &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert ">Mon 07 Dec</text>" in page and ">Tue 08 Dec</text>" in page  # deliveries per day, London's days
    assert "1 of 2 offices reached" in page

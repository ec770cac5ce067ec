"""The holiday cache: a plan gives the same answer with it, without it and after it is damaged, and a
second plan reads it instead of importing the holidays package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from faxcampaign.schedule import calendars

WHEN = ["--from", "2026-12-14", "--days", "30", "--tz", "UTC", "--now", "2026-12-14T00:00"]
# Kazakhstan: Independence Day (16 December), New Year (1-2 January) and Christmas (7 January) fall here
RUN = """
import sys
from faxcampaign.cli import cli
cli.main(sys.argv[1:], standalone_mode=False)
print("holidays imported" if "holidays" in sys.modules else "holidays not imported", file=sys.stderr)
"""


def plan(campaign: Path, cache: str) -> tuple[str, str]:
    done = subprocess.run([sys.executable, "-c", RUN, "plan", str(campaign), *WHEN, "--format", "json"],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "FAXCAMPAIGN_CACHE": cache})
    return done.stdout, done.stderr


def closed(document: str) -> list[tuple[str, str]]:
    return [(c["date"], c["reason"]) for r in json.loads(document)["recipients"] for c in r["closed"]]


def test_a_second_plan_reads_the_cache_and_says_the_same(write_campaign, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    campaign = write_campaign()
    cache = tmp_path / "cache"
    uncached, how = plan(campaign, "off")
    assert "holidays imported" in how and not cache.exists()
    assert ("2026-12-16", "Independence Day") in closed(uncached)
    first, how = plan(campaign, str(cache))
    assert "holidays imported" in how and (cache / "holidays.json").is_file()
    second, how = plan(campaign, str(cache))
    assert "holidays not imported" in how
    assert first == second == uncached


def test_the_cache_is_used_only_for_the_holidays_it_was_made_with(write_campaign, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    campaign = write_campaign()
    cache = tmp_path / "cache"
    plan(campaign, str(cache))
    data = json.loads((cache / "holidays.json").read_text())
    key = next(k for k in data["entries"] if k.startswith("KZ "))
    data["entries"][key][0].append(["2026-12-15", "A holiday only the cache knows"])
    (cache / "holidays.json").write_text(json.dumps(data))
    assert ("2026-12-15", "A holiday only the cache knows") in closed(plan(campaign, str(cache))[0])
    data["stamp"] = "another version of holidays"
    (cache / "holidays.json").write_text(json.dumps(data))
    document, how = plan(campaign, str(cache))
    assert "holidays imported" in how
    assert ("2026-12-15", "A holiday only the cache knows") not in closed(document)
    assert json.loads((cache / "holidays.json").read_text())["stamp"] == calendars._stamp()  # made afresh


def test_a_damaged_or_unwritable_cache_changes_nothing(write_campaign, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    campaign = write_campaign()
    expected, _ = plan(campaign, "off")
    cache = tmp_path / "cache"
    plan(campaign, str(cache))
    key = next(k for k in json.loads((cache / "holidays.json").read_text())["entries"] if k.startswith("KZ "))
    for damage in ("{not json", "[]", json.dumps({"stamp": calendars._stamp(), "entries": {key: [1, 2]}}),
                   json.dumps({"stamp": calendars._stamp(), "entries": {key: [[["when?", "x"]], []]}}),
                   json.dumps({"stamp": calendars._stamp(), "entries": {key: None}})):
        (cache / "holidays.json").write_text(damage)
        document, how = plan(campaign, str(cache))
        assert document == expected and "holidays imported" in how, damage
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert plan(campaign, str(blocked / "cache"))[0] == expected

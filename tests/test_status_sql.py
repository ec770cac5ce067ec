"""`status` counted in the database (aggregates and window functions) says what the rules say attempt by
attempt (`NumberHealth.follow`), on a log spread over many offices, numbers, volunteers, days and minutes,
with voids and ties, on SQLite and on PostgreSQL: the same JSON, byte for byte."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from pathlib import Path

from faxcampaign.outcomes import GOT_THROUGH, OUTCOMES

ZONES = ["Asia/Almaty", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham", "Europe/London"]


def campaign_text(offices: int) -> str:
    lines = ["title: Spread", "reference: SPR-1", "letter: letter.md.j2",
             "defaults: {country: GB, hours: \"Mo-Su 00:00-24:00\"}", "recipients:"]
    for i in range(offices):
        lines += [f"  - id: office-{i}", f"    name: Office {i}", f"    timezone: {ZONES[i % len(ZONES)]}",
                  f"    fax: [\"+44 20 7946 0{i:03d}\", \"+44 161 496 0{i:03d}\"]"]
    return "\n".join(lines) + "\n"


def test_status_in_sql_is_the_rules_attempt_by_attempt(write_campaign: Callable[..., Path], backend: str) -> None:
    from faxcampaign.campaign.loader import load
    from faxcampaign.log.progress import earliest_today, progress
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import Attempt, location, open_log
    from faxcampaign.outputs.status import status_document

    path = write_campaign(campaign_text(12))
    loaded = load(path)
    roster = Roster.of(loaded)
    rng = random.Random(7)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    names = list(OUTCOMES)
    weights = [3 if n in ("wrong-number", "not-fax", "busy") else 1 for n in names]
    attempts = []
    for i in range(3000):
        office = loaded.offices[rng.randrange(12)]
        at = start + dt.timedelta(minutes=rng.randrange(20 * 1440))
        if i % 50 == 0 and attempts:
            at = attempts[-1].at  # ties: two attempts in the same second
        number = rng.choice(office.fax)
        attempts.append(Attempt(at, office.id if i % 97 else "gone-office", number,
                                rng.choices(names, weights)[0], f"volunteer {rng.randrange(97)}"))
    # an office's latest moment shared by two of its numbers: the one recorded last is its last attempt
    latest = start + dt.timedelta(days=20, hours=1)
    attempts += [Attempt(latest, "office-0", loaded.offices[0].fax[1], "busy", "first"),
                 Attempt(latest, "office-0", loaded.offices[0].fax[0], "no-answer", "second")]
    now = start + dt.timedelta(days=21)
    with open_log(location(None, path), roster.key, create=True) as log:
        ids = log.record(attempts, start)
        for entry_id in rng.sample(ids, 150):
            log.void(entry_id, "test", None, now)
        summary = log.summary(earliest_today(roster, now))
        entries = [e for e in log.entries() if e.voided_by is None]
    in_sql = progress(roster, summary, now)
    by_rules = progress(roster, summary._replace(health=[], dead=[]), now)
    offices = {o.id: o for o in by_rules.offices}
    newest = {e.attempt.recipient: e.attempt for e in entries}  # entries come in order of time, then of id
    for office in in_sql.offices:
        assert office.last is not None
        assert (office.last.at, office.last.number, office.last.outcome, office.last.volunteer) == (
            newest[office.id].at, newest[office.id].number, newest[office.id].outcome, newest[office.id].volunteer)
    assert offices["office-0"].last is not None and offices["office-0"].last.volunteer == "second"
    tails: dict[tuple[str, str], list[Attempt]] = {}
    for e in entries:
        tails.setdefault((e.attempt.recipient, e.attempt.number), []).append(e.attempt)
    for (recipient, number), numbered in tails.items():
        through = [i for i, a in enumerate(numbered) if a.outcome in GOT_THROUGH]
        office = offices[recipient]
        for a in numbered[through[-1] if through else 0:]:
            office.numbers[number].follow(a.outcome, a.at, office.timezone)
    suspects = sum(n.suspect for o in in_sql.offices for n in o.numbers.values())
    assert suspects > 0 and any(n.consecutive_failures > 5 for o in in_sql.offices for n in o.numbers.values())
    for zone in ("UTC", "Asia/Kathmandu"):
        assert json.dumps(status_document(in_sql, zone)) == json.dumps(status_document(by_rules, zone))

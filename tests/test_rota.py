"""`faxcampaign rota`: a team spread over every office's open hours, on each volunteer's own clock.

The hard rules are checked independently of faxcampaign's clock module: with the standard library's
zoneinfo (the system's tz database), from the rota's JSON as a user would read it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tempfile
import textwrap
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import holidays
import icalendar
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faxcampaign.campaign.hours import parse_hours
from faxcampaign.campaign.loader import load
from faxcampaign.cli import cli
from faxcampaign.schedule.plan import plan
from faxcampaign.team.rota import make_rota
from faxcampaign.team.volunteers import read_volunteers

KARAGANDA = """\
title: Karaganda
reference: KAR
letter: letter.md.j2
call_script: 'Say "prinyat fax" to {{ recipient.name }}.'
defaults:
  country: KZ
  timezone: Asia/Almaty
  hours: "Mo-Fr 09:00-13:00,14:00-18:00; PH off"
  manual: true
recipients:
  - id: court
    name: Karaganda Oblast Court
    fax: "+7 7212 42 02 20"
  - id: akimat
    name: Karaganda Oblast Akimat
    fax: "+7 7212 42 78 83"
  - id: president
    name: President's Office
    fax: "+7 7172 32 49 59"
"""

TEAM = """\
name,email,timezone,country,available,offices,cap
Ann Smith,ann@example.org,Europe/London,GB,Mo-Fr 04:00-08:30; Sa 10:00-12:00,,8
Bob Jones,bob@example.org,America/New_York,US,Mo-Su 00:00-06:00,,
Aigerim Bekova,,Asia/Almaty,KZ,Mo-Fr 09:00-12:00,court akimat,
Dana Ivanova,,Asia/Almaty,KZ,Mo-Fr 14:00-18:00,,
"""


def write(folder: Path, campaign: str = KARAGANDA, team: str = TEAM) -> tuple[Path, Path]:
    (folder / "letter.md.j2").write_text("Dear {{ recipient.name }}\n", encoding="utf-8")
    (folder / "campaign.yaml").write_text(textwrap.dedent(campaign), encoding="utf-8")
    (folder / "team.csv").write_text(team, encoding="utf-8")
    return folder / "campaign.yaml", folder / "team.csv"


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def rota_json(campaign: Path, team: Path, first: str, days: int, *extra: str) -> dict:  # type: ignore[type-arg]
    return json.loads(run("rota", str(campaign), "--volunteers", str(team), "--from", first, "--days", str(days),
                          "--tz", "UTC", "--now", f"{first}T00:00", "--format", "json", *extra))


def minutes(instant: dt.datetime) -> int:
    return instant.hour * 60 + instant.minute


def check_hard_rules(document: dict, campaign: Path, team: Path) -> None:  # type: ignore[type-arg]
    """Every slot inside its office's hours, one volunteer per slot, nobody on two at once, nobody
    outside their availability (on their clock) or over their cap (their day)."""
    loaded = load(campaign)
    offices = {o.id: o for o in loaded.offices}
    people = {v.name: v for v in read_volunteers(team)}
    by_office: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    by_volunteer: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    per_day: Counter[tuple[str, dt.date]] = Counter()
    for slot in document["slots"]:
        office = offices[slot["office"]]
        start, end = dt.datetime.fromisoformat(slot["start"]), dt.datetime.fromisoformat(slot["end"])
        local = start.astimezone(zoneinfo.ZoneInfo(office.timezone))
        local_end = end.astimezone(zoneinfo.ZoneInfo(office.timezone))
        assert local.date() == local_end.date() or minutes(local_end) == 0
        worked = local.date() in holidays.country_holidays(office.country or "KZ", years=local.year).weekend_workdays
        spans = office.hours.spans(0 if worked else local.weekday())  # a worked Saturday keeps Monday's hours
        assert any(a <= minutes(local) and (minutes(local_end) or 1440) <= b for a, b in spans), slot
        by_office[slot["office"]].append((start, end))
        if slot["volunteer"] is None:
            continue
        volunteer = people[slot["volunteer"]]
        assert not volunteer.offices or slot["office"] in volunteer.offices
        spoken = {tag.split("-")[0] for tag in volunteer.languages}
        assert not spoken or office.language.split("-")[0] in spoken
        theirs = start.astimezone(zoneinfo.ZoneInfo(volunteer.timezone))
        theirs_end = end.astimezone(zoneinfo.ZoneInfo(volunteer.timezone))
        assert slot["your_start"] == theirs.isoformat()
        free = volunteer.available.spans(theirs.weekday())
        assert any(a <= minutes(theirs) and (minutes(theirs_end) or 1440) <= b for a, b in free), (slot, free)
        by_volunteer[volunteer.name].append((start, end))
        per_day[volunteer.name, theirs.date()] += 1
    for spans in [*by_office.values(), *by_volunteer.values()]:
        spans.sort()
        assert all(earlier[1] <= later[0] for earlier, later in zip(spans, spans[1:], strict=False))
    for (name, _), count in per_day.items():
        cap = people[name].cap
        assert cap is None or count <= cap


def test_a_team_in_london_new_york_and_almaty_covers_karaganda(tmp_path: Path) -> None:
    campaign, team = write(tmp_path)
    document = rota_json(campaign, team, "2026-12-07", 5)
    check_hard_rules(document, campaign, team)
    calls = {v["name"]: v["calls"] for v in document["volunteers"]}
    assert all(calls[name] > 0 for name in calls)
    # Ann's cap of 8 a day is kept and paced over her morning, not spent in its first two hours
    ann = [dt.datetime.fromisoformat(s["your_start"]) for s in document["slots"] if s["volunteer"] == "Ann Smith"]
    monday = [t for t in ann if t.date() == dt.date(2026, 12, 7)]
    assert len(monday) == 8
    assert max(monday) - min(monday) >= dt.timedelta(hours=3)
    # what the rota says nobody covers is exactly the slots without a volunteer, run together
    empty = [(s["office"], s["start"], s["end"]) for s in document["slots"] if s["volunteer"] is None]
    assert empty
    runs = [(u["office"], u["start"], u["end"]) for u in document["uncovered"]]
    assert sum(1 for o, a, _ in empty if any(o == r[0] and r[1] <= a < r[2] for r in runs)) == len(empty)
    assert not any(r[0] == s["office"] and r[1] <= s["start"] < r[2]
                   for s in document["slots"] if s["volunteer"] for r in runs)


def test_the_table_names_the_hours_nobody_covers(tmp_path: Path) -> None:
    campaign, team = write(tmp_path)
    text = run("rota", str(campaign), "--volunteers", str(team), "--from", "2026-12-07", "--days", "1", "--tz", "UTC",
               "--now", "2026-12-07T00:00")
    assert "Hours no volunteer covers (office time):" in text
    first = rota_json(campaign, team, "2026-12-07", 1)["uncovered"][0]
    names = {"court": "Karaganda Oblast Court", "akimat": "Karaganda Oblast Akimat", "president": "President's Office"}
    assert f"  {names[first['office']]}: Mon 07 Dec {first['start'][11:16]}-{first['end'][11:16]}\n" in text
    assert "Ann Smith (Europe/London; dials from GB, at most 8 a day): 8 call(s)" in text
    assert "Mon 07 Dec 04:00-04:15" in text or "Mon 07 Dec 04:15-04:30" in text


def test_availability_is_read_on_the_volunteers_clock_across_a_london_clock_change(tmp_path: Path) -> None:
    team = "name,timezone,available\nAnn,Europe/London,Mo-Su 06:00-07:00\n"
    campaign = KARAGANDA.replace('"Mo-Fr 09:00-13:00,14:00-18:00; PH off"', '"Mo-Su 00:00-24:00"')
    path, team_path = write(tmp_path, campaign, team)
    document = rota_json(path, team_path, "2027-03-26", 5)  # London goes to BST on Sunday 28 March
    check_hard_rules(document, path, team_path)
    ann = [dt.datetime.fromisoformat(s["your_start"]) for s in document["slots"] if s["volunteer"] == "Ann"]
    assert {t.strftime("%H:%M") for t in ann} == {"06:00", "06:15", "06:30", "06:45"}
    utc = {t.astimezone(dt.timezone.utc).strftime("%d %H:%M") for t in ann}
    assert "27 06:00" in utc and "29 05:00" in utc  # GMT before, BST after


def test_the_2024_kazakh_change_moves_nobody_outside_their_hours(tmp_path: Path) -> None:
    team = "name,timezone,available\nAigerim,Asia/Almaty,Mo-Fr 09:00-10:00\nAnn,Europe/London,Mo-Fr 04:00-05:00\n"
    path, team_path = write(tmp_path, team=team)
    document = rota_json(path, team_path, "2024-02-28", 4)  # Almaty +06 until 1 March 2024, then +05
    check_hard_rules(document, path, team_path)
    court = {s["start"]: s["volunteer"] for s in document["slots"] if s["office"] == "court"}
    assert court["2024-02-29T09:00:00+06:00"] == "Aigerim"
    assert court["2024-03-01T09:00:00+05:00"] == "Aigerim"
    # Ann's 04:00 London is 10:00 in Karaganda in February and 09:00 from March
    ann = sorted(s["start"] for s in document["slots"] if s["volunteer"] == "Ann")
    assert any(t.startswith("2024-02-29T10:00") for t in ann)
    assert any(t.startswith("2024-03-01T09:") for t in ann)


def test_calls_are_spread_over_the_team_not_one_voice_at_opening(tmp_path: Path) -> None:
    team = "name,timezone,available\n" + "".join(f"V{i},Asia/Almaty,Mo-Fr 08:00-19:00\n" for i in range(4))
    campaign = KARAGANDA.split("  - id: akimat")[0]
    path, team_path = write(tmp_path, campaign, team)
    document = rota_json(path, team_path, "2026-12-07", 1)
    check_hard_rules(document, path, team_path)
    slots = document["slots"]
    assert all(s["volunteer"] for s in slots) and len(slots) == 32
    per_hour = Counter((s["volunteer"], s["start"][:13]) for s in slots)
    assert max(per_hour.values()) == 1  # four free volunteers, four slots an hour: one each
    assert {v["calls"] for v in document["volunteers"]} == {8}


def test_offices_the_log_shows_reached_wait_for_the_others(tmp_path: Path) -> None:
    team = "name,timezone,available\nAigerim,Asia/Almaty,Mo-Fr 09:00-10:00\n"
    path, team_path = write(tmp_path, team=team)
    before = rota_json(path, team_path, "2026-12-07", 1)
    run("log", str(path), "court", "delivered", "--at", "2026-12-04T10:00", "--tz", "Asia/Almaty")
    run("log", str(path), "akimat", "delivered", "--at", "2026-12-04T10:00", "--tz", "Asia/Almaty")
    after = rota_json(path, team_path, "2026-12-07", 1)
    assert {s["office"] for s in after["slots"] if s["volunteer"]} == {"president"}
    assert {s["office"] for s in before["slots"] if s["volunteer"]} != {"president"}


def test_same_inputs_same_bytes_and_a_volunteers_own_calendar(tmp_path: Path) -> None:
    campaign, team = write(tmp_path)
    args = ["rota", str(campaign), "--volunteers", str(team), "--from", "2026-12-07", "--days", "2", "--tz", "UTC",
            "--now", "2026-12-06T12:00"]
    for fmt in ("table", "json", "csv", "ics"):
        assert run(*args, "--format", fmt) == run(*args, "--format", fmt)
    text = run(*args, "--format", "ics", "--volunteer", "ann smith")
    calendar = icalendar.Calendar.from_ical(text)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 16
    first = events[0]
    assert first["DTSTART"].params["TZID"] == "Europe/London"
    assert first.decoded("DTSTART").tzinfo is not None
    assert "Dial 00 7 7" in str(first["DESCRIPTION"]) and 'Say "prinyat fax"' in str(first["DESCRIPTION"])
    alarm = next(iter(first.walk("VALARM")))
    assert alarm.decoded("TRIGGER") == dt.timedelta(minutes=-5)
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids) and all(u.endswith("-ann-smith@faxcampaign") for u in uids)


def test_out_writes_every_volunteers_file(tmp_path: Path) -> None:
    campaign, team = write(tmp_path)
    pattern = str(tmp_path / "rota" / "{volunteer}" / "calls.csv")
    run("rota", str(campaign), "--volunteers", str(team), "--from", "2026-12-07", "--days", "1", "--tz", "UTC",
        "--now", "2026-12-06T12:00", "--format", "csv", "--out", pattern)
    written = sorted(p.parent.name for p in (tmp_path / "rota").glob("*/calls.csv"))
    assert written == ["aigerim-bekova", "ann-smith", "bob-jones", "dana-ivanova"]
    rows = (tmp_path / "rota" / "ann-smith" / "calls.csv").read_text().splitlines()
    assert rows[0].startswith("volunteer,your_start") and len(rows) == 9
    assert all(row.startswith("Ann Smith,") for row in rows[1:])


def test_a_bad_volunteers_file_is_located_and_nothing_is_printed(tmp_path: Path) -> None:
    campaign, team = write(tmp_path, team="name,timezone,available\nAnn,Europe/Londn,Mo-Fr 06:00-08:00\n")
    result = CliRunner().invoke(cli, ["rota", str(campaign), "--volunteers", str(team)])
    assert result.exit_code == 1
    assert f"{team}:2:5: timezone: 'Europe/Londn' is not an IANA time zone" in result.output
    assert "Traceback" not in result.output
    team.write_text("name,timezone,available\nAnn,Europe/London,Mo-Fr 06:00-08:0x\n")
    result = CliRunner().invoke(cli, ["check", str(campaign), "--volunteers", str(team)])
    assert result.exit_code == 1
    assert f"{team}:2:" in result.output and "error: available:" in result.output
    team.write_text("name,timezone,available,offices\nAnn,Europe/London,Mo-Fr 06:00-08:00,nowhere\n")
    result = CliRunner().invoke(cli, ["check", str(campaign), "--volunteers", str(team)])
    assert result.exit_code == 1 and "offices: no recipient 'nowhere'" in result.output
    team.write_text(TEAM)
    result = CliRunner().invoke(cli, ["check", str(campaign), "--volunteers", str(team)])
    assert result.exit_code == 0, result.output


ZONES = ["Europe/London", "America/New_York", "Asia/Almaty", "Asia/Tokyo", "Australia/Sydney", "UTC"]
SPANS = ["06:00-08:30", "09:00-13:00", "12:00-15:00,19:00-23:00", "00:00-24:00", "22:00-24:00"]
DAYS = ["Mo-Fr", "Mo-Su", "Sa,Su", "Tu,Th"]
LANGUAGES = ["ru", "kk", "en", "ru-KZ"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    offices=st.lists(st.tuples(st.sampled_from(ZONES), st.sampled_from(DAYS), st.sampled_from(SPANS),
                               st.sampled_from(LANGUAGES)), min_size=1, max_size=4),
    team=st.lists(st.tuples(st.sampled_from(ZONES), st.sampled_from(DAYS), st.sampled_from(SPANS),
                            st.one_of(st.none(), st.integers(1, 6)), st.sampled_from(["", "ru", "kk en", "ru-KZ"]),
                            st.sampled_from(["", "o0", "o1 o2"])), min_size=1, max_size=6),
    first=st.dates(dt.date(2024, 2, 20), dt.date(2027, 11, 20)),
    slot=st.sampled_from(["15m", "30m", "1h"]),
)
def test_the_hard_rules_hold_for_any_team_and_campaign(offices: list[tuple[str, str, str, str]],
                                                       team: list[tuple[str, str, str, int | None, str, str]],
                                                       first: dt.date, slot: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        recipients = "".join(f"  - {{id: o{i}, name: Office {i}, fax: '+7 7212 42 02 2{i}', timezone: {zone}, "
                             f"hours: '{days} {spans}', language: {language}}}\n"
                             for i, (zone, days, spans, language) in enumerate(offices))
        campaign = f"title: T\nletter: letter.md.j2\ndefaults: {{country: KZ}}\nrecipients:\n{recipients}"
        known = {f"o{i}" for i in range(len(offices))}
        rows = "".join(f"V{i},{zone},\"{days} {spans}\",{cap or ''},{languages},"
                       f"{' '.join(o for o in takes.split() if o in known)}\n"
                       for i, (zone, days, spans, cap, languages, takes) in enumerate(team))
        path, team_path = write(Path(tmp), campaign, "name,timezone,available,cap,languages,offices\n" + rows)
        document = rota_json(path, team_path, first.isoformat(), 4, "--slot", slot)
        check_hard_rules(document, path, team_path)


def test_volunteers_take_only_offices_in_their_languages(tmp_path: Path) -> None:
    campaign_text = KARAGANDA.replace("    name: Karaganda Oblast Akimat\n",
                                      "    name: Karaganda Oblast Akimat\n    language: kk\n")
    campaign_text = campaign_text.replace("  manual: true\n", "  manual: true\n  language: ru-KZ\n")
    team_text = ("name,timezone,available,languages\n"
                 "Aigerim,Asia/Almaty,Mo-Fr 09:00-18:00,kk\n"
                 "Pyotr,Asia/Almaty,Mo-Fr 09:00-18:00,ru en\n"
                 "Ann,Europe/London,Mo-Fr 03:00-13:00,\n")
    campaign, team = write(tmp_path, campaign_text, team_text)
    document = rota_json(campaign, team, "2026-12-07", 2)
    check_hard_rules(document, campaign, team)
    taken = defaultdict(set)
    for s in document["slots"]:
        if s["volunteer"]:
            taken[s["volunteer"]].add(s["office"])
    assert taken["Aigerim"] == {"akimat"}
    assert taken["Pyotr"] == {"court", "president"}  # ru takes the ru-KZ offices
    assert taken["Ann"] == {"court", "akimat", "president"}
    team.write_text("name,timezone,available,languages\nAnn,Europe/London,Mo-Fr 06:00-08:00,ru xx-bogus-9\n")
    result = CliRunner().invoke(cli, ["check", str(campaign), "--volunteers", str(team)])
    assert result.exit_code == 1
    assert f"{team}:2:" in result.output and "languages:" in result.output and "Traceback" not in result.output


def test_parse_hours_is_the_offices_syntax() -> None:
    assert parse_hours("Mo-Fr 06:00-08:30; Sa 10:00-12:00").spans(5) == ((600, 720),)


def test_make_rota_is_usable_without_the_command_line(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    path = write_campaign()
    (tmp_path / "team.csv").write_text("name,timezone,available\nAnn,Asia/Almaty,Mo-Fr 09:00-18:00\n")
    loaded = load(path)
    now = dt.datetime(2026, 12, 6, tzinfo=dt.timezone.utc)
    result = make_rota(plan(loaded, dt.date(2026, 12, 7), 1, "UTC", now),
                       read_volunteers(tmp_path / "team.csv"), 30)
    assert len(result.assigned(0)) == 16  # 8 hours of 30-minute slots, one line at a time
    assert {s.volunteer for s in result.slots()} == {0, None}


def reference_ics(rota, only=None):  # type: ignore[no-untyped-def]
    """The rota's calendar built with icalendar's object model, event by event, as faxcampaign once wrote it."""
    import icalendar

    from faxcampaign import clock
    from faxcampaign.campaign.facts import calendar_prefix
    from faxcampaign.letters import template as letters
    from faxcampaign.outputs.plan import one_line
    from faxcampaign.outputs.rota import ALARM_MINUTES, _chosen, _dial
    from faxcampaign.outputs.text import add_timezones
    from faxcampaign.team.rota import instant

    plan = rota.plan
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//faxcampaign//rota//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", one_line(f"{plan.campaign.data.title}: calls"))
    key = calendar_prefix(plan.campaign.data.reference, plan.campaign.path)
    for index in _chosen(rota, only):
        volunteer = rota.volunteers[index]
        for slot in rota.assigned(index):
            office = plan.offices[slot.office].office
            number, e164 = _dial(rota, slot)
            script = letters.render_call_script(plan.campaign, office, letters.Signer(volunteer.name,
                                                email=volunteer.email), slot.day)
            lines = [f"Dial {number} ({e164})"] + (["Manual line: phone first."] if office.manual else [])
            lines += [script] if script else []
            start = instant(slot.start, volunteer.timezone)
            event = icalendar.Event()
            event.add("summary", one_line(f"Fax {office.name}"))
            event.add("dtstart", start)
            event.add("dtend", instant(slot.end, volunteer.timezone))
            event.add("dtstamp", clock.convert(plan.now, "UTC"))
            stamp = f"{clock.convert(start, 'UTC'):%Y%m%dT%H%MZ}"
            event.add("uid", f"{key}-{office.id}-{stamp}-{volunteer.old_slug}@faxcampaign".replace(" ", "-"))
            event.add("description", "\n".join(lines))
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", one_line(f"Fax {office.name}: dial {number}"))
            alarm.add("trigger", dt.timedelta(minutes=-ALARM_MINUTES))
            event.add_component(alarm)
            calendar.add_component(event)
    add_timezones(calendar)
    return calendar.to_ical().decode("utf-8")


def test_the_rota_is_written_as_it_goes_in_the_bytes_of_before(write_campaign: Callable[..., Path],
                                                               tmp_path: Path) -> None:
    """JSON and iCalendar are written a thousand slots at a time, without the indenting encoder or
    icalendar's object model: the bytes are what json.dumps(indent=2) and icalendar wrote, for the team
    and for each volunteer (zones written as UTC or with a TZID, odd characters, folded lines)."""
    import json

    from faxcampaign.outputs.rota import as_ics, as_json, document, ics_chunks, json_chunks

    path = write_campaign("""\
        title: "Calls, odd; \\\\ title"
        reference: ODD 2
        letter: letter.md.j2
        call_script: "Say, hello; to {{ recipient.name }}: Примите факс — a long line that must fold somewhere"
        defaults: {hours: "Mo-Su 09:00-17:00"}
        recipients:
          - {id: a, name: "A, \\"quoted\\" utc", timezone: UTC, fax: "+44 20 7946 0000"}
          - {id: c, name: "C ny", timezone: America/New_York, fax: ["+1 212 736 5000", "+1 212 736 5001"]}
          - {id: e, name: "Президент", timezone: Asia/Almaty, fax: "+7 7212 42 02 20", manual: true}
        """)
    (tmp_path / "team.csv").write_text("name,timezone,available,country\nAnn,Etc/UTC,Mo-Fr 09:00-12:00,GB\n"
                                       "Bo Ng,America/New_York,Mo-Su 06:00-23:00,US\n"
                                       "Дина,Asia/Almaty,Mo-Fr 08:00-20:00,KZ\n"
                                       "Nobody,Europe/London,Sa 01:00-02:00,GB\n",
                                       encoding="utf-8")
    now = dt.datetime(2026, 12, 6, 10, 0, 7, tzinfo=dt.timezone.utc)
    rota = make_rota(plan(load(path), dt.date(2027, 3, 12), 12, "UTC", now), read_volunteers(tmp_path / "team.csv"), 15)
    assert rota.total > 1000 // 3 and any(s.volunteer is None for s in rota.slots())  # chunks, and gaps
    for only in (None, 0, 1, 2, 3):
        assert as_json(rota, only) == json.dumps(document(rota, only), indent=2, ensure_ascii=False) + "\n"
        assert as_ics(rota, only) == reference_ics(rota, only)
    assert len(list(ics_chunks(rota))) > 1 and len(list(json_chunks(rota))) > 1
    assert json.loads(as_json(rota, 3))["slots"] == []


def test_a_rota_made_a_day_at_a_time_is_the_rota_made_at_once(write_campaign: Callable[..., Path], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The slots are cut and filled a day at a time, forgetting what no later slot can ask (days already
    filled, calls over an hour old), so a long rota is never held whole: made in one piece, a day or an
    hour at a time, it is the same rota, in every format. Windows here run to and from midnight in zones either
    side of UTC, so windows span the pieces' edges; caps, offices taken and the past-hour rule all bite."""
    from faxcampaign.outputs.rota import FORMATS
    from faxcampaign.team import rota as rotas
    from faxcampaign.team.rota import saved_slots

    path = write_campaign("""\
        title: Overnight
        reference: NIGHT
        letter: letter.md.j2
        defaults: {hours: "Mo-Su 00:00-02:00,09:00-11:10,20:00-24:00"}
        recipients:
          - {id: a, name: A, timezone: America/Los_Angeles, fax: "+1 213 555 0100"}
          - {id: b, name: B, timezone: Asia/Kolkata, fax: "+91 11 2301 0000"}
          - {id: c, name: C, timezone: Asia/Kolkata, fax: "+91 11 2301 0001"}
          - {id: d, name: D, timezone: Pacific/Auckland, fax: "+64 4 555 0100", hours: "Mo-Fr 10:00-16:00"}
          - {id: e, name: E, timezone: America/Los_Angeles, fax: "+1 213 555 0101"}
          - {id: f, name: F, timezone: America/Los_Angeles, fax: "+1 213 555 0102"}
        """)
    (tmp_path / "team.csv").write_text("name,timezone,available,offices,cap\n"
                                       "Ann,Europe/London,Mo-Su 00:00-24:00,,5\n"
                                       "Bo,America/New_York,Mo-Su 18:00-23:30,a b,\n"
                                       "Cy,Asia/Tokyo,Mo-Fr 06:00-20:00,,3\n"
                                       "Di,Etc/UTC,Mo-Su 00:00-24:00,c,\n"
                                       "Eve,Etc/UTC,Mo-Su 00:00-24:00,,\n", encoding="utf-8")
    now = dt.datetime(2026, 12, 6, tzinfo=dt.timezone.utc)
    the_plan = plan(load(path), dt.date(2027, 3, 20), 10, "UTC", now)  # over London's clock change (Ann)
    team = read_volunteers(tmp_path / "team.csv")

    def made(day: float) -> list[object]:
        monkeypatch.setattr(rotas, "DAY", day)
        rota = make_rota(the_plan, team, 25, frozenset({"c"}))  # slots off the hour: pieces cut windows
        return [fmt(rota, None) for fmt in FORMATS.values()] + [list(saved_slots(rota)), rota.short]

    at_once = made(1e12)
    assert at_once[-2] and any(s.volunteer is None for s in at_once[-2]) and at_once[-1]  # gaps, short windows
    assert made(86400.0) == at_once
    assert made(3600.0) == at_once


# --- each volunteer's own sheet, and the rota's coverage in `status` ----------------------------------

WHEN = re.compile(r"^(?:   When:   |           )(\d\d:\d\d)-(\d\d:\d\d) \(their (?:\w\w\w )?(\d\d:\d\d)-")


def sheet_starts(text: str) -> list[str]:
    """The start of each 'When' line of a text call sheet, on the volunteer's clock."""
    return [m.group(1) for m in map(WHEN.match, text.splitlines()) if m]


def slot_runs(document: dict, name: str, day: dt.date) -> list[str]:  # type: ignore[type-arg]
    """The starts (HH:MM on the volunteer's clock) of each run of consecutive slots of one office that
    ``name`` has on ``day`` (their day), computed here from the rota's JSON."""
    mine = sorted((dt.datetime.fromisoformat(s["your_start"]), dt.datetime.fromisoformat(s["your_end"]), s["office"])
                  for s in document["slots"] if s["volunteer"] == name)
    runs: list[tuple[dt.datetime, dt.datetime, str]] = []
    for start, end, office in mine:
        if start.date() != day:
            continue
        same = [i for i, r in enumerate(runs) if r[2] == office and r[1] == start]
        if same:
            runs[same[0]] = (runs[same[0]][0], end, office)
        else:
            runs.append((start, end, office))
    return sorted(f"{r[0]:%H:%M}" for r in runs)


def test_callsheet_for_one_volunteer_gives_their_slots_on_their_clock(tmp_path: Path) -> None:
    campaign, team = write(tmp_path)
    document = rota_json(campaign, team, "2026-12-07", 3)
    (tmp_path / "rota.json").write_text(json.dumps(document), encoding="utf-8")
    for name, zone, dialled in [("Ann Smith", "Europe/London", "00 7 7212"), ("Bob Jones", "America/New_York",
                                                                              "011 7 7212"),
                                ("Aigerim Bekova", "Asia/Almaty", "8 (7212)")]:
        day = dt.date(2026, 12, 8)
        text = run("callsheet", str(campaign), "--volunteer", name.upper(), "--rota", str(tmp_path / "rota.json"),
                   "--date", day.isoformat(), "--now", "2026-12-07T00:00")
        assert f"Call sheet of {name}'s rota slots for Tue 08 Dec 2026; times in {zone}" in text
        assert sorted(sheet_starts(text)) == slot_runs(document, name, day) != []
        assert dialled in text  # numbers as dialled from their country
    # Bob's first calls of his Tuesday fall in a window that opened on his Monday evening: still there
    bob = run("callsheet", str(campaign), "--volunteer", "Bob Jones", "--rota", str(tmp_path / "rota.json"),
              "--date", "2026-12-08", "--now", "2026-12-07T00:00")
    assert "00:00" in sheet_starts(bob) or min(sheet_starts(bob)) < "03:00"


def test_saved_rota_gives_every_volunteer_a_sheet_in_their_folder(tmp_path: Path) -> None:
    campaign, team = write(tmp_path)
    result = CliRunner().invoke(cli, ["rota", str(campaign), "--volunteers", str(team), "--from", "2026-12-07",
                                      "--days", "2", "--tz", "UTC", "--now", "2026-12-07T00:00", "--format", "json",
                                      "--save"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert f"saved {len(document['slots'])} slot(s)" in result.stderr
    sheets = tmp_path / "sheets"
    CliRunner().invoke(cli, ["callsheet", str(campaign), "--date", "2026-12-07", "--now", "2026-12-07T00:00",
                             "--out", f"{sheets}/{{volunteer}}/{{date}}.txt", "-q"], catch_exceptions=False)
    written = sorted(p.relative_to(sheets).as_posix() for p in sheets.rglob("*.txt"))
    assert written == [f"{slug}/2026-12-07.txt" for slug in ("aigerim-bekova", "ann-smith", "bob-jones",
                                                             "dana-ivanova")]
    dana = (sheets / "dana-ivanova" / "2026-12-07.txt").read_text(encoding="utf-8")
    assert sorted(sheet_starts(dana)) == slot_runs(document, "Dana Ivanova", dt.date(2026, 12, 7))


def test_a_rota_slot_the_campaign_has_since_closed_is_never_on_a_sheet(tmp_path: Path) -> None:
    campaign, team = write(tmp_path)
    rota_json(campaign, team, "2026-12-07", 1, "--save")
    # the court now closes at noon, after the rota was made
    campaign.write_text(campaign.read_text(encoding="utf-8").replace(
        '    name: Karaganda Oblast Court\n', '    name: Karaganda Oblast Court\n    hours: "Mo-Fr 09:00-12:00"\n'),
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["callsheet", str(campaign), "--volunteer", "Dana Ivanova", "--date",
                                      "2026-12-07", "--now", "2026-12-07T00:00"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Karaganda Oblast Court" not in result.stdout  # Dana's hours are 14:00-18:00 Almaty
    assert "rota slot(s) of Dana Ivanova on 2026-12-07 left out: the campaign no longer has the office open" \
        in result.stderr


def test_status_shows_the_rota_coverage_and_what_was_reported_back(tmp_path: Path) -> None:
    campaign, team = write(tmp_path)
    document = rota_json(campaign, team, "2026-12-07", 1, "--save")
    aigerim = [s for s in document["slots"] if s["volunteer"] == "Aigerim Bekova"]
    first = dt.datetime.fromisoformat(aigerim[0]["start"])
    # one attempt logged as her first slot ends: it reports that slot, not the next one too
    run("log", str(campaign), aigerim[0]["office"], "busy", "--by", "aigerim  bekova", "--at",
        (first + dt.timedelta(minutes=15)).isoformat())
    status = json.loads(run("status", str(campaign), "--now", "2026-12-07T12:00", "--tz", "UTC", "--format",
                            "json"))["rota"]
    assert status["slots"] == len(document["slots"])
    assert status["assigned"] == sum(1 for s in document["slots"] if s["volunteer"])
    noon = dt.datetime(2026, 12, 7, 12, tzinfo=dt.timezone.utc)
    mine = {v["name"]: v for v in status["volunteers"]}
    assert mine["Aigerim Bekova"] == {"name": "Aigerim Bekova", "assigned": len(aigerim), "reported_back": 1,
                                      "over": sum(dt.datetime.fromisoformat(s["end"]) <= noon for s in aigerim)}
    assert sum(v["reported_back"] for v in status["volunteers"]) == status["reported_back"] == 1
    uncovered = [(u["office"], dt.datetime.fromisoformat(u["start"].replace("Z", "+00:00")))
                 for u in status["uncovered"]]
    assert sorted(uncovered) == sorted((u["office"], dt.datetime.fromisoformat(u["start"]))
                                       for u in document["uncovered"])
    # per office, in the json and in the spreadsheet
    per_office = {o["office"]: o for o in status["offices"]}
    rows = list(csv.DictReader(io.StringIO(run("status", str(campaign), "--now", "2026-12-07T12:00", "--tz",
                                                 "UTC", "--format", "csv"))))
    for office in ("court", "akimat", "president"):
        slots = [s for s in document["slots"] if s["office"] == office]
        mine_here = sum(1 for s in aigerim[:1] if s["office"] == office)
        assert per_office[office] == {"office": office, "slots": len(slots), "reported_back": mine_here,
                                      "assigned": sum(1 for s in slots if s["volunteer"])}
        row = next(r for r in rows if r["id"] == office)
        assert (row["rota_slots"], row["rota_assigned"], row["rota_reported_back"]) == (
            str(len(slots)), str(per_office[office]["assigned"]), str(mine_here))
    table = run("status", str(campaign), "--now", "2026-12-07T12:00", "--tz", "UTC")
    assert f"{status['assigned']} of {status['slots']} slot(s) assigned" in table
    assert "Aigerim Bekova: " in table and "Hours no volunteer covers" in table


def test_volunteer_sheet_errors(tmp_path: Path) -> None:
    campaign, team = write(tmp_path)
    none = CliRunner().invoke(cli, ["callsheet", str(campaign), "--volunteer", "Ann Smith"])
    assert none.exit_code == 1 and "no rota saved in the log" in none.stderr and "rota --save" in none.stderr
    bad = tmp_path / "rota.json"
    bad.write_text('{"volunteers": [],\n "slots": [,]}', encoding="utf-8")
    broken = CliRunner().invoke(cli, ["callsheet", str(campaign), "--volunteer", "Ann", "--rota", str(bad)])
    assert broken.exit_code == 1 and f"{bad}:2:12: not JSON" in broken.stderr
    assert "Traceback" not in broken.output
    rota_json(campaign, team, "2026-12-07", 1, "--save")
    nobody = CliRunner().invoke(cli, ["callsheet", str(campaign), "--volunteer", "Zed"])
    assert nobody.exit_code == 2 and "'Zed' has no slot in the rota (volunteers: Aigerim Bekova, Ann Smith" \
        in nobody.stderr
    lone = CliRunner().invoke(cli, ["callsheet", str(campaign), "--rota", str(bad)])
    assert lone.exit_code == 2 and "--rota needs --volunteer NAME" in lone.stderr

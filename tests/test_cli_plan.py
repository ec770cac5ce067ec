from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import click.testing
import hypothesis
import pytest
from click.testing import CliRunner

from faxcampaign.cli import cli


def run(*args: str, ok: bool = True) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=not ok)


LONDON = ["--tz", "Europe/London", "--dial-from", "GB"]


def test_table_for_the_appeal_week(example: Path) -> None:
    result = run("plan", str(example), "--from", "2003-01-06", "--days", "1", *LONDON,
                 "--now", "2003-01-06T07:30", "--recipient", "karaganda-court", "--recipient", "president")
    assert result.exit_code == 0
    assert result.stdout == """\
Free the Karaganda worker activists (KAR-2003-01)
Times in Europe/London; office local time below each; numbers dialled from GB.

Mon 06 Jan 2003
  03:00-07:00  N. Nazarbayev
               local Mon 09:00-13:00 +06; fax 00 7 317 232-49-59
                                           or 00 7 317 232-19-04
  03:00-07:00  Karaganda Oblast Court
               local Mon 09:00-13:00 +06; fax 00 7 321 242-02-20
  08:00-12:00  N. Nazarbayev  NEXT
               local Mon 14:00-18:00 +06; fax 00 7 317 232-49-59
                                           or 00 7 317 232-19-04
  08:00-12:00  Karaganda Oblast Court
               local Mon 14:00-18:00 +06; fax 00 7 321 242-02-20
"""
    assert all(len(line) <= 80 for line in result.stdout.splitlines())


def test_table_marks_open_now_last_chance_and_closed(write_campaign: Callable[..., Path]) -> None:
    text = Path(write_campaign()).read_text().replace("deadline: 2027-12-31", "deadline: 2026-12-17")
    path = write_campaign(text)
    result = run("plan", str(path), "--from", "2026-12-15", "--days", "3", *LONDON,
                 "--now", "2026-12-15T04:30", "--recipient", "court")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "  04:00-08:00  Karaganda Oblast Court  OPEN NOW" in lines
    assert "  closed  Karaganda Oblast Court: Independence Day (Wed 16 Dec local)" in lines
    assert "  09:00-13:00  Karaganda Oblast Court  LAST CHANCE" in lines
    assert lines[lines.index("Thu 17 Dec 2026") + 3] == "  09:00-13:00  Karaganda Oblast Court  LAST CHANCE"


def test_json_contract(write_campaign: Callable[..., Path]) -> None:
    result = run("plan", str(write_campaign()), "--from", "2026-12-16", "--days", "2", *LONDON,
                 "--format", "json", "--now", "2026-12-16T00:00")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["campaign"] == "Test campaign"
    assert document["viewer"] == {"timezone": "Europe/London", "dial_from": "GB"}
    assert (document["from"], document["days"]) == ("2026-12-16", 2)
    court = document["recipients"][0]
    assert court == {
        "id": "court",
        "name": "Karaganda Oblast Court",
        "timezone": "Asia/Almaty",
        "manual": True,
        "fax": [{"e164": "+77212420220", "dial": "00 7 7212 42 02 20"}],
        "windows": [
            {"start": "2026-12-17T09:00:00+05:00", "end": "2026-12-17T13:00:00+05:00"},
            {"start": "2026-12-17T14:00:00+05:00", "end": "2026-12-17T18:00:00+05:00"},
        ],
        "closed": [{"date": "2026-12-16", "reason": "Independence Day"}],
    }
    assert [f["dial"] for f in document["recipients"][1]["fax"]] == ["00 7 7172 32 49 59", "00 7 7172 32 19 04"]


def test_json_without_dial_from_is_international(write_campaign: Callable[..., Path]) -> None:
    result = run("plan", str(write_campaign()), "--from", "2026-12-17", "--tz", "UTC", "--format", "json")
    fax = json.loads(result.stdout)["recipients"][0]["fax"]
    assert fax == [{"e164": "+77212420220", "dial": "+7 7212 42 02 20"}]
    assert json.loads(result.stdout)["viewer"]["dial_from"] is None


def test_csv_rows(write_campaign: Callable[..., Path]) -> None:
    result = run("plan", str(write_campaign()), "--from", "2026-12-14", "--days", "1", "--tz", "America/New_York",
                 "--dial-from", "US", "--format", "csv", "--recipient", "court")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["id", "name", "office_start", "office_end", "viewer_start", "viewer_end", "e164", "dial"]
    # Monday 09:00 in Almaty is still Sunday in New York: that window belongs to Sunday.
    assert rows[1] == ["court", "Karaganda Oblast Court", "2026-12-14T14:00:00+05:00", "2026-12-14T18:00:00+05:00",
                       "2026-12-14T04:00:00-05:00", "2026-12-14T08:00:00-05:00", "+77212420220",
                       "011 7 7212 42 02 20"]
    assert rows[2][2] == "2026-12-15T09:00:00+05:00"
    assert rows[2][4] == "2026-12-14T23:00:00-05:00"
    assert len(rows) == 3


def test_ics_has_vtimezone_and_stable_uids(write_campaign: Callable[..., Path]) -> None:
    args = ["plan", str(write_campaign()), "--from", "2026-12-14", "--days", "2", *LONDON, "--format", "ics",
            "--now", "2026-12-01T10:00"]
    first, again = run(*args), run(*args)
    assert first.exit_code == 0
    assert first.stdout == again.stdout
    text = first.stdout.replace("\r\n ", "")
    assert "BEGIN:VTIMEZONE" in text and "TZID:Asia/Almaty" in text
    assert "DTSTART;TZID=Asia/Almaty:20261214T090000" in text
    assert text.count("BEGIN:VEVENT") == 8
    assert "UID:TST-1-court-20261214T0400Z@faxcampaign" in text
    assert "SUMMARY:Fax Karaganda Oblast Court" in text
    assert 'Say "prinyat fax" to Karaganda Oblast Court' in text.replace("\\", "")
    assert "00 7 7212 42 02 20 (+77212420220)" in text
    import icalendar

    calendar = icalendar.Calendar.from_ical(first.stdout)
    events = calendar.walk("VEVENT")
    assert events[0].decoded("dtstart").isoformat() == "2026-12-14T09:00:00+05:00"


def test_range_past_deadline_says_so_and_exits_0(example: Path) -> None:
    result = run("plan", str(example), "--from", "2026-11-26", "--tz", "Europe/London")
    assert result.exit_code == 0
    assert result.stdout.endswith(
        "\nThe deadline, 2003-01-10, has passed: there is nothing to call from 2026-11-26 on.\n")


def test_range_before_start(example: Path) -> None:
    result = run("plan", str(example), "--from", "2002-12-01", "--tz", "Europe/London", "--format", "json")
    assert result.exit_code == 0
    assert "The campaign starts on 2003-01-06, after 2002-12-07" in result.stderr
    assert all(r["windows"] == [] for r in json.loads(result.stdout)["recipients"])


def test_from_defaults_to_today_in_viewer_zone(write_campaign: Callable[..., Path]) -> None:
    # 2026-12-14 01:00 UTC is still Sunday 13 December in Los Angeles.
    result = run("plan", str(write_campaign()), "--tz", "America/Los_Angeles", "--now", "2026-12-14T01:00Z",
                 "--format", "json", "--days", "1")
    assert json.loads(result.stdout)["from"] == "2026-12-13"


def test_bad_options_are_usage_errors(example: Path) -> None:
    for args, message in [
        (["--tz", "Mars/Base"], "unknown time zone 'Mars/Base'"),
        (["--dial-from", "XX"], "not an ISO country code: 'XX'"),
        (["--from", "2003-13-01"], "not a date: '2003-13-01'"),
        (["--recipient", "nobody"], "no recipient 'nobody'; the ids are: president, karaganda-court"),
        (["--now", "yesterday-ish"], "not a date and time"),
        (["--days", "0"], "0 is not in the range 1<=x<=366"),
    ]:
        result = run("plan", str(example), "--tz", "UTC", *args, ok=False)
        assert result.exit_code == 2, args
        assert message in result.stderr, (args, result.stderr)


def test_bad_campaign_exits_1_with_findings_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("title: [\n")
    result = run("plan", str(path), "--tz", "UTC")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:2:1: error: not valid YAML")
    assert result.stdout == ""


def test_json_is_the_plain_encoding_of_the_document(write_campaign: Callable[..., Path],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from conftest import MODERN
    from faxcampaign.campaign.loader import load
    from faxcampaign.outputs.plan import as_json, plan_document
    from faxcampaign.schedule.plan import plan

    tricky = MODERN.replace("name: Karaganda Oblast Court", 'name: "Court \\0 \\"windows-\\" ]"')
    campaign = load(write_campaign(tricky))
    p = plan(campaign, dt.date(2026, 12, 1), 31, "Asia/Almaty", dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))
    assert as_json(p, "GB") == json.dumps(plan_document(p, "GB"), indent=2, ensure_ascii=False) + "\n"
    assert json.loads(as_json(p, None))["recipients"][0]["name"] == 'Court \x00 "windows-" ]'
    assert any(o.closed for o in p.offices) and any(len(o.office.fax) > 1 for o in p.offices)
    # with the log's counts, with no office at all, and a line that is not manual
    import dataclasses

    from faxcampaign.log.progress import earliest_today, progress
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import Attempt, location, open_log

    now = dt.datetime(2026, 12, 1, 6, tzinfo=dt.timezone.utc)
    roster = Roster.of(campaign)
    with open_log(location(None, campaign.path), roster.key, create=True) as log:
        log.record([Attempt(now - dt.timedelta(hours=1), "court", "+77212420220", "delivered", "Ann"),
                    Attempt(now, "court", "+77212420220", "busy", "Ann")], now)
        counts = progress(roster, log.summary(earliest_today(roster, now)), now)
    p.offices[1] = dataclasses.replace(p.offices[1], office=dataclasses.replace(p.offices[1].office, manual=False))
    from faxcampaign.outputs import plan as formats

    for chunk in (1000, 1):  # one piece, and a piece per recipient
        monkeypatch.setattr(formats, "CHUNK", chunk)
        for shown in (p, dataclasses.replace(p, offices=[]), dataclasses.replace(p, offices=p.offices * 3)):
            for dial_from in ("GB", "KZ", None):
                assert as_json(shown, dial_from, counts) == json.dumps(plan_document(shown, dial_from, counts),
                                                                       indent=2, ensure_ascii=False) + "\n"
        assert len(list(formats.json_chunks(p, None, counts))) == (2 if chunk == 1000 else 3)
    assert json.loads(as_json(p, None, counts))["recipients"][0]["log"]["delivered"] == 1


def reference_ics(plan, dial_from):  # type: ignore[no-untyped-def]
    """The calendar built event by event with icalendar's object model, as faxcampaign once wrote it."""
    import icalendar

    from faxcampaign import clock
    from faxcampaign.campaign.numbers import dial
    from faxcampaign.letters import template as letters
    from faxcampaign.outputs.plan import one_line

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//faxcampaign//plan//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", one_line(plan.campaign.data.title))
    stamp = clock.convert(plan.now, "UTC").replace(microsecond=0)
    signer = letters.default_signer(plan.campaign)
    for w in plan.windows():
        office = w.office
        script = letters.render_call_script(plan.campaign, office, signer, w.start.date())
        description = "Fax: " + "\n".join(f"{dial(n, dial_from)} ({n})" for n in office.fax)
        description += "\nManual line: phone first." if office.manual else ""
        description += f"\n{script}" if script else ""
        event = icalendar.Event()
        key = plan.campaign.data.reference or plan.campaign.path.stem
        event.add("uid", f"{key}-{office.id}-{clock.convert(w.start, 'UTC'):%Y%m%dT%H%MZ}@faxcampaign"
                  .replace(" ", "-"))
        event.add("dtstamp", stamp)
        event.add("dtstart", w.start)
        event.add("dtend", w.end)
        event.add("summary", one_line(f"Fax {office.name}"))
        event.add("description", "\n".join(description.splitlines()))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    # icalendar adds the zones in the order of a set of names; faxcampaign writes them by name
    zones = sorted((c for c in calendar.subcomponents if c.name == "VTIMEZONE"), key=lambda c: str(c["TZID"]))
    calendar.subcomponents[:] = zones + [c for c in calendar.subcomponents if c.name != "VTIMEZONE"]
    return calendar.to_ical().decode("utf-8")


def test_ics_is_what_icalendar_would_write_event_by_event(write_campaign: Callable[..., Path]) -> None:
    """The quick writer keeps icalendar's bytes: zones (UTC, Etc/UTC, Etc/GMT-3, summer time), escaping
    of , ; \\ and newlines, folding of long and non-ASCII lines."""
    import datetime as dt

    from faxcampaign import clock
    from faxcampaign.campaign.loader import load
    from faxcampaign.outputs.plan import as_ics
    from faxcampaign.schedule.plan import plan

    path = write_campaign("""\
        title: "Odd, title; with \\\\ and\\nbreaks"
        reference: ODD 1
        letter: letter.md.j2
        call_script: "Say, hello; to {{ recipient.name }}: Примите факс, пожалуйста — a long line that must fold"
        defaults: {hours: "Mo-Su 09:00-17:00"}
        recipients:
          - {id: a, name: "A, utc", timezone: UTC, fax: "+44 20 7946 0000"}
          - {id: b, name: "B", timezone: Etc/GMT-3, fax: "+44 20 7946 0001", manual: false}
          - {id: c, name: "C ny", timezone: America/New_York, fax: ["+1 212 736 5000", "+1 212 736 5001"]}
          - {id: d, name: "D", timezone: Etc/UTC, fax: "+44 20 7946 0003"}
          - {id: e, name: "Президент", timezone: Asia/Almaty, fax: "+7 7212 42 02 20"}
        """)
    campaign = load(path)
    for first in (dt.date(2027, 3, 10), dt.date(2024, 2, 27)):
        result = plan(campaign, first, 6, "Europe/London", clock.parse_instant("2026-12-03T10:00:07", "UTC"))
        assert as_ics(result, "GB") == reference_ics(result, "GB")


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(text=hypothesis.strategies.text(hypothesis.strategies.sampled_from(
    list("ab ,;:\\N^\r\n\t") + ["й", "—", "😀", "\u200f"]), max_size=200), name=hypothesis.strategies.sampled_from(
    ["SUMMARY", "DESCRIPTION", "UID", "X"]))
def test_ics_text_is_escaped_and_folded_as_icalendar_does(text: str, name: str) -> None:
    from icalendar.parser import Contentline
    from icalendar.prop import vText

    from faxcampaign.outputs.text import ics_fold, ics_line

    assert ics_line(name, text) == Contentline(f"{name}:{vText(text).to_ical().decode()}").to_ical().decode()
    if "\r" not in text and "\n" not in text:
        assert ics_fold(f"{name}:{text}") == Contentline(f"{name}:{text}").to_ical().decode()

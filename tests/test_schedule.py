from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import MODERN
from faxcampaign import clock
from faxcampaign.campaign.loader import load
from faxcampaign.schedule.plan import plan

NOW = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def viewer_spans(p, zone: str) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for w in p.windows():
        start, end = w.viewed(zone)
        out.append(f"{start:%a %Y-%m-%d %H:%M}-{end:%H:%M} {w.office.id}")
    return out


def test_appeal_claim_london_sees_0300(example: Path) -> None:
    campaign = load(example)
    p = plan(campaign, dt.date(2003, 1, 6), 1, "Europe/London", NOW, ["karaganda-court"])
    (court,) = p.offices
    assert [(w.start.isoformat(), w.end.isoformat()) for w in court.windows] == [
        ("2003-01-06T09:00:00+06:00", "2003-01-06T13:00:00+06:00"),
        ("2003-01-06T14:00:00+06:00", "2003-01-06T18:00:00+06:00"),
    ]
    assert viewer_spans(p, "Europe/London") == [
        "Mon 2003-01-06 03:00-07:00 karaganda-court",
        "Mon 2003-01-06 08:00-12:00 karaganda-court",
    ]


def test_nothing_before_starts_or_after_deadline(example: Path) -> None:
    p = plan(load(example), dt.date(2003, 1, 1), 14, "Asia/Almaty", NOW, ["president"])
    days = sorted({w.start.date() for w in p.windows()})
    assert days == [dt.date(2003, 1, d) for d in range(6, 11)]


@pytest.fixture
def open_ended(write_campaign: Callable[..., Path]) -> Path:
    """The modern campaign without starts/deadline."""
    text = MODERN.replace("starts: 2026-01-01\n", "").replace("deadline: 2027-12-31\n", "")
    return write_campaign(text)


def test_summer_2003_is_utc_plus_7(open_ended: Path) -> None:
    p = plan(load(open_ended), dt.date(2003, 7, 7), 1, "Europe/London", NOW, ["court"])
    assert p.windows()[0].start.isoformat() == "2003-07-07T09:00:00+07:00"
    assert viewer_spans(p, "Europe/London")[0] == "Mon 2003-07-07 03:00-07:00 court"


def test_2024_switch_from_plus_6_to_plus_5(open_ended: Path) -> None:
    p = plan(load(open_ended), dt.date(2024, 2, 29), 2, "UTC", NOW, ["court"])
    starts = [w.start.isoformat() for w in p.windows()]
    assert starts == [
        "2024-02-29T09:00:00+06:00", "2024-02-29T14:00:00+06:00",
        "2024-03-01T09:00:00+05:00", "2024-03-01T14:00:00+05:00",
    ]
    assert viewer_spans(p, "UTC") == [
        "Thu 2024-02-29 03:00-07:00 court", "Thu 2024-02-29 08:00-12:00 court",
        "Fri 2024-03-01 04:00-08:00 court", "Fri 2024-03-01 09:00-13:00 court",
    ]


def test_holidays_close_offices_with_their_reason(write_campaign: Callable[..., Path]) -> None:
    campaign = load(write_campaign())
    closed = {}
    for first in (dt.date(2026, 1, 5), dt.date(2026, 3, 23), dt.date(2026, 12, 14)):
        p = plan(campaign, first, 5, "Asia/Almaty", NOW, ["court"])
        closed.update({c.date: c.reason for c in p.offices[0].closed})
        open_days = {w.start.date() for w in p.windows()}
        assert not open_days & set(closed)
    assert closed == {
        dt.date(2026, 1, 7): "Orthodox Christmas",
        dt.date(2026, 3, 23): "Nowruz Holiday",
        dt.date(2026, 3, 24): "Nowruz Holiday (observed)",
        dt.date(2026, 3, 25): "Nowruz Holiday (observed)",
        dt.date(2026, 12, 16): "Independence Day",
    }


def test_without_ph_rule_holidays_do_not_close(write_campaign: Callable[..., Path]) -> None:
    campaign = load(write_campaign(MODERN.replace("; PH off", "")))
    p = plan(campaign, dt.date(2026, 12, 16), 1, "Asia/Almaty", NOW, ["court"])
    assert len(p.windows()) == 2
    assert p.offices[0].closed == []


def test_los_angeles_sees_kazakh_monday_on_sunday_evening(write_campaign: Callable[..., Path]) -> None:
    p = plan(load(write_campaign()), dt.date(2026, 12, 13), 2, "America/Los_Angeles", NOW, ["court"])
    assert viewer_spans(p, "America/Los_Angeles") == [
        "Sun 2026-12-13 20:00-00:00 court",
        "Mon 2026-12-14 01:00-05:00 court",
        "Mon 2026-12-14 20:00-00:00 court",
    ]


def test_london_summer_time_changes_the_gap_mid_plan(write_campaign: Callable[..., Path]) -> None:
    p = plan(load(write_campaign()), dt.date(2027, 3, 26), 4, "Europe/London", NOW, ["court"])
    assert [s for s in viewer_spans(p, "Europe/London") if "court" in s] == [
        "Fri 2027-03-26 04:00-08:00 court", "Fri 2027-03-26 09:00-13:00 court",
        "Mon 2027-03-29 05:00-09:00 court", "Mon 2027-03-29 10:00-14:00 court",
    ]


def test_closed_and_open_entries(write_campaign: Callable[..., Path]) -> None:
    text = MODERN + (
        "closed:\n  - {date: 2026-12-01, reason: Decreed day off}\n"
        "open:\n  - {date: 2026-12-05, reason: Worked Saturday}\n"
        "  - {date: 2026-12-06, reason: Short Sunday, hours: 'Su 10:00-12:00'}\n"
    )
    p = plan(load(write_campaign(text)), dt.date(2026, 11, 30), 7, "Asia/Almaty", NOW, ["court"])
    days = [f"{w.start:%a %d %H:%M}-{w.end:%H:%M}" for w in p.windows()]
    assert "Tue 01 09:00-13:00" not in days
    assert [c.reason for c in p.offices[0].closed] == ["Decreed day off"]
    assert "Sat 05 09:00-13:00" in days
    assert "Sat 05 14:00-18:00" in days
    assert [d for d in days if d.startswith("Sun")] == ["Sun 06 10:00-12:00"]


def test_weekend_workdays_from_holidays_package(write_campaign: Callable[..., Path]) -> None:
    # Kazakhstan worked Sunday 2025-01-05 in exchange for a day off.
    p = plan(load(write_campaign(MODERN.replace("starts: 2026-01-01", "starts: 2025-01-01"))),
             dt.date(2025, 1, 5), 1, "Asia/Almaty", NOW, ["court"])
    assert [f"{w.start:%a %H:%M}" for w in p.windows()] == ["Sun 09:00", "Sun 14:00"]


def test_last_chance_is_last_window_before_deadline(example: Path) -> None:
    p = plan(load(example), dt.date(2003, 1, 6), 7, "Europe/London", NOW, ["karaganda-court"])
    (last,) = p.last_chances()
    assert last.start.isoformat() == "2003-01-10T14:00:00+06:00"


def test_range_outside_campaign(example: Path) -> None:
    campaign = load(example)
    assert plan(campaign, dt.date(2026, 1, 1), 7, "UTC", NOW).after_deadline()
    before = plan(campaign, dt.date(2002, 12, 1), 7, "UTC", NOW)
    assert before.before_campaign() and not before.windows()


def test_wall_times_in_gaps_and_overlaps() -> None:
    # Gap: 01:30 did not happen in London on 2027-03-28; it means the jump, 02:00 BST.
    assert clock.wall("Europe/London", dt.date(2027, 3, 28), 90).isoformat() == "2027-03-28T02:00:00+01:00"
    assert clock.wall("Europe/London", dt.date(2027, 3, 28), 60).isoformat() == "2027-03-28T02:00:00+01:00"
    assert clock.wall("Europe/London", dt.date(2027, 3, 28), 59).isoformat() == "2027-03-28T00:59:00+00:00"
    # Overlap: 01:30 happened twice on 2027-10-31; the first (BST) is meant.
    assert clock.wall("Europe/London", dt.date(2027, 10, 31), 90).isoformat() == "2027-10-31T01:30:00+01:00"
    # Kazakhstan 2024: 23:30 on 29 February happened at +06 and again at +05; the first.
    assert clock.wall("Asia/Almaty", dt.date(2024, 2, 29), 1410).isoformat() == "2024-02-29T23:30:00+06:00"
    assert clock.wall("Asia/Almaty", dt.date(2024, 2, 29), 1440).isoformat() == "2024-03-01T00:00:00+05:00"


def test_span_wholly_inside_a_gap_is_dropped(write_campaign: Callable[..., Path]) -> None:
    text = MODERN.replace("timezone: Asia/Almaty", "timezone: America/Los_Angeles").replace(
        "hours: \"Mo-Fr 09:00-13:00,14:00-18:00; PH off\"", "hours: \"Su 01:00-02:00,02:15-02:45,03:00-04:00\"")
    p = plan(load(write_campaign(text.replace("starts: 2026-01-01", "starts: 2026-03-01"))),
             dt.date(2026, 3, 8), 1, "America/Los_Angeles", NOW, ["court"])
    # 02:00-03:00 did not exist on 2026-03-08 in Los Angeles: the 02:15-02:45 span never happened.
    assert [f"{w.start:%H:%M%z}-{w.end:%H:%M%z}" for w in p.windows()] == [
        "01:00-0800-03:00-0700", "03:00-0700-04:00-0700"]
    assert [w.end - w.start for w in p.windows()] == [dt.timedelta(hours=1)] * 2

"""Properties of the scheduler over random hours, zones and dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faxcampaign import clock
from faxcampaign.campaign.loader import load
from faxcampaign.schedule.plan import plan

ZONES = ["Asia/Almaty", "Asia/Aqtobe", "Europe/London", "America/Los_Angeles", "Australia/Lord_Howe",
         "America/Sao_Paulo", "Asia/Kathmandu", "Pacific/Chatham", "UTC", "Europe/Moscow"]
DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]


@st.composite
def hours_text(draw: st.DrawFn) -> str:
    rules = []
    for _ in range(draw(st.integers(1, 3))):
        first = draw(st.integers(0, 6))
        last = draw(st.integers(first, 6))
        cuts = sorted(draw(st.sets(st.integers(0, 96), min_size=2, max_size=6)))
        spans = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
        text = ",".join(f"{a * 15 // 60:02d}:{a * 15 % 60:02d}-{b * 15 // 60:02d}:{b * 15 % 60:02d}"
                        for a, b in spans)
        rules.append(f"{DAYS[first]}-{DAYS[last]} {text}")
    if draw(st.booleans()):
        rules.append("PH off")
    return "; ".join(rules)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    hours=hours_text(),
    office_zone=st.sampled_from(ZONES),
    viewer_zone=st.sampled_from(ZONES),
    first=st.dates(dt.date(2002, 1, 1), dt.date(2030, 12, 1)),
    days=st.integers(1, 20),
)
def test_windows_are_inside_hours_disjoint_and_same_instants(
    tmp_path: Path, hours: str, office_zone: str, viewer_zone: str, first: dt.date, days: int
) -> None:
    (tmp_path / "l.j2").write_text("x")
    path = tmp_path / "c.yaml"
    path.write_text(
        f"title: T\nletter: l.j2\ndefaults: {{country: KZ, timezone: {office_zone}, hours: '{hours}'}}\n"
        "recipients: [{id: a, name: A, fax: '+77212420220'}]\n"
    )
    campaign = load(path)
    office = campaign.offices[0]
    p = plan(campaign, first, days, viewer_zone, dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))
    windows = p.offices[0].windows
    closed_days = {c.date for c in p.offices[0].closed}
    import holidays

    worked_weekends = holidays.country_holidays("KZ", years=range(2001, 2032)).weekend_workdays
    for w in windows:
        day = w.start.date()
        # a worked weekend day (a decreed transfer) keeps Monday's hours
        local_spans = office.hours.spans(0 if day in worked_weekends else day.weekday())
        # inside the office's hours on an open day (the wall-clock start is one of the day's span starts,
        # unless a clock change moved it)
        assert day not in closed_days
        begin = w.start.hour * 60 + w.start.minute
        assert any(a == begin or clock.wall(office.timezone, day, a) == w.start for a, _ in local_spans)
        assert w.end > w.start
        # the viewer sees the same instants, and on a day in range
        v_start, v_end = w.viewed(viewer_zone)
        assert v_start == w.start and v_end == w.end
        assert first <= v_start.date() < first + dt.timedelta(days=days)
    ordered = sorted(windows, key=lambda w: w.start)
    for a, b in zip(ordered, ordered[1:], strict=False):
        assert a.end <= b.start

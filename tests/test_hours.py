from __future__ import annotations

import pytest

from faxcampaign.campaign.hours import HoursError, parse_hours


def test_weekdays_with_lunch_and_holidays_off() -> None:
    hours = parse_hours("Mo-Fr 09:00-13:00,14:00-18:00; PH off")
    assert hours.spans(0) == ((540, 780), (840, 1080))
    assert hours.spans(4) == ((540, 780), (840, 1080))
    assert hours.spans(5) == ()
    assert hours.spans(0, holiday=True) == ()


def test_later_rule_overrides_earlier_for_its_days() -> None:
    hours = parse_hours("Mo-Fr 09:00-18:00; We 09:00-12:00; Sa,Su off")
    assert hours.spans(2) == ((540, 720),)
    assert hours.spans(1) == ((540, 1080),)


def test_day_list_wrapping_range_and_midnight() -> None:
    hours = parse_hours("Sa-Mo 10:00-24:00; We,Fr 08:00-09:30")
    assert [hours.spans(d) for d in range(7)] == [
        ((600, 1440),), (), ((480, 570),), (), ((480, 570),), ((600, 1440),), ((600, 1440),),
    ]


def test_without_ph_rule_holidays_are_ordinary_days() -> None:
    assert parse_hours("Mo-Fr 09:00-17:00").spans(0, holiday=True) == ((540, 1020),)


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("Mo-Fr 9:00-13:00", "a time must be written HH:MM", 6),
        ("Mo-Fx 09:00-10:00", "expected a day", 3),
        ("Mo 10:00-09:00", "must end after it starts", 3),
        ("Mo 09:00-10:00 Tu 10:00-11:00", "expected ';' between rules", 15),
        ("Mo 09:00-12:00,11:00-13:00", "must not overlap", 15),
        ("Mo 25:00-26:00", "no such time", 3),
        ("Mo-Fr 09:00-13:00 || Sa", "unexpected '|'", 18),
        ("Mo-Fr", "expected a time", 5),
        ("", "no rules", 0),
        ("Jan 09:00-10:00", "expected a day", 0),
    ],
)
def test_syntax_outside_the_subset_is_an_error_with_position(text: str, message: str, position: int) -> None:
    with pytest.raises(HoursError) as info:
        parse_hours(text)
    assert message in str(info.value)
    assert info.value.position == position

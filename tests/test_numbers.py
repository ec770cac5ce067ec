from __future__ import annotations

import pytest

from faxcampaign.campaign.numbers import NumberError, dial, parse_number


def test_appeal_number_dialled_from_uk_is_stored_as_e164_with_renumbering_hint() -> None:
    parsed = parse_number("007 3212 420220", "GB")
    assert parsed.e164 == "+73212420220"
    assert parsed.warning == (
        "+73212420220 is not a valid number under today's numbering plan; "
        "did you mean +7 7212 42 02 20 (Karaganda)?"
    )


def test_astana_number_hint() -> None:
    assert "did you mean +7 7172 32 49 59 (Astana)?" in (parse_number("007 3172 324959", "GB").warning or "")


def test_valid_number_has_no_warning() -> None:
    assert parse_number("+7 7212 42 02 20", None) == parse_number("007 7212 420220", "GB")
    assert parse_number("+7 7212 42 02 20", None).warning is None


@pytest.mark.parametrize("text", ["007 3212 42022", "12", "fax me", "7212 420220"])
def test_impossible_numbers_are_errors(text: str) -> None:
    with pytest.raises(NumberError) as info:
        parse_number(text, None)
    assert "not a phone number" in str(info.value)


def test_dialling_from_countries() -> None:
    assert dial("+77212420220", "GB") == "00 7 7212 42 02 20"
    assert dial("+77212420220", "US") == "011 7 7212 42 02 20"
    assert dial("+77212420220", None) == "+7 7212 42 02 20"

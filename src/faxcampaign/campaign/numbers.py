"""Phone and fax numbers: parsing, E.164, dialling from a country, renumbering hints.

Only this module imports ``phonenumbers``, and only when it must: its geocoder (slow to import) only to
describe a suggested number, and the package itself not for a number already formatted for dialling, which
`dial` keeps in ``numbers.json`` in the cache folder (cache.py), made afresh when phonenumbers changes.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import phonenumbers


class NumberError(ValueError):
    """Not a phone number at all (impossible length, letters, no country)."""


_bare: dict[str, phonenumbers.PhoneNumber] = {}  # E.164 -> the number as parsing that string would give


@dataclasses.dataclass(frozen=True)
class Parsed:
    e164: str
    warning: str | None = None  # possible but not valid today, with a suggested fix where known
    region: str | None = None  # the country the number belongs to, when it is valid
    extension: str | None = None  # an extension written after the number (a fax cannot dial it)


def parse_number(text: str, dialled_from: str | None, describe: bool = True) -> Parsed:
    """Parse ``text`` as written for dialling from ``dialled_from`` (ISO country), or as ``+CC ...``.

    ``describe`` names the place of a suggested fix, which costs loading the geocoder (~0.6 s). Without
    it, what a number parsed to is kept in ``numbers.json`` for the next run, so that a campaign file
    edited elsewhere is read again without parsing its unchanged numbers anew.
    """
    key = f"parse {text} {dialled_from.upper() if dialled_from else ''}"
    if not describe:
        found = _dialled().get(key)
        if isinstance(found, list) and len(found) == 4 and all(v is None or isinstance(v, str) for v in found):
            return Parsed(*found)
    parsed = _parse_number(text, dialled_from, describe)
    if not describe:
        _remember(key, [parsed.e164, parsed.warning, parsed.region, parsed.extension])
    return parsed


def _parse_number(text: str, dialled_from: str | None, describe: bool) -> Parsed:
    import phonenumbers
    from phonenumbers import PhoneNumberFormat

    reasons = {
        phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
        phonenumbers.ValidationResult.TOO_SHORT: "too short",
        phonenumbers.ValidationResult.TOO_LONG: "too long",
        phonenumbers.ValidationResult.INVALID_LENGTH: "wrong length",
    }
    try:
        number = phonenumbers.parse(str(text), dialled_from.upper() if dialled_from else None)
    except phonenumbers.NumberParseException as e:
        hint = "" if dialled_from else " (write it as +CC ..., or set numbers_dialled_from)"
        raise NumberError(f"not a phone number: {text!r}{hint}") from e
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason not in (
        phonenumbers.ValidationResult.IS_POSSIBLE,
        phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    ):
        raise NumberError(f"not a phone number: {text!r} ({reasons.get(reason, 'impossible')})")
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    # What parsing the E.164 form would give (no extension, no raw input), kept for dial()
    _bare.setdefault(e164, phonenumbers.PhoneNumber(
        country_code=number.country_code, national_number=number.national_number,
        italian_leading_zero=number.italian_leading_zero, number_of_leading_zeros=number.number_of_leading_zeros))
    extension = number.extension or None
    region = phonenumbers.region_code_for_number(number)  # what is_valid_number would look up itself
    if region is not None and phonenumbers.is_valid_number_for_region(number, region):
        return Parsed(e164, region=region, extension=extension)
    warning = f"{e164} is not a valid number under today's numbering plan"
    suggestion = renumbering_suggestion(number, describe)
    if suggestion:
        warning += f"; did you mean {suggestion}?"
    return Parsed(e164, warning, extension=extension)


def renumbering_suggestion(number: phonenumbers.PhoneNumber, describe: bool = True) -> str | None:
    """A known renumbering that makes ``number`` valid, formatted with a place name.

    Kazakhstan moved its 3xxx area codes to 7xxx in 2004 (Karaganda 3212 -> 7212, Astana 3172 -> 7172),
    keeping the rest of the digits.
    """
    import phonenumbers
    from phonenumbers import PhoneNumberFormat

    national = str(number.national_number)
    if number.country_code == 7 and national.startswith("3") and len(national) == 10:
        candidate = phonenumbers.parse(f"+77{national[1:]}")
        if phonenumbers.is_valid_number_for_region(candidate, "KZ"):
            formatted = phonenumbers.format_number(candidate, PhoneNumberFormat.INTERNATIONAL)
            if not describe:
                return formatted
            from phonenumbers import geocoder  # slow import: only when describing a fix

            place = geocoder.description_for_number(candidate, "en")
            return f"{formatted} ({place})" if place else formatted
    return None


_DIALLED = re.compile(r"[0-9 +()-]{1,40}")


def _stamp() -> str:
    from faxcampaign import cache

    return cache.stamp("phonenumbers")


def _dialled() -> dict[str, Any]:
    """How each number is dialled from each country ("+77212420220 GB"), as worked out before, and the
    countries phonenumbers knows ("regions")."""
    from faxcampaign import cache

    return cache.table("numbers", _stamp())


@functools.cache
def dial(e164: str, from_country: str | None) -> str:
    """How to dial ``e164`` from ``from_country``; the international ``+CC`` form without one.

    Kept for the next run (new answers are written once, when the process ends)."""
    key = f"{e164} {from_country.upper() if from_country else ''}"
    known = _dialled()
    found = known.get(key)
    if isinstance(found, str) and _DIALLED.fullmatch(found):  # digits and spacing only, as phonenumbers writes
        return found
    import phonenumbers
    from phonenumbers import PhoneNumberFormat

    number = _bare.get(e164) or phonenumbers.parse(e164)
    if not from_country:
        found = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    else:
        found = phonenumbers.format_out_of_country_calling_number(number, from_country.upper())
    _remember(key, found)
    return found


def _remember(key: str, value: Any) -> None:
    from faxcampaign import cache

    cache.remember("numbers", _stamp(), key, value)


@functools.lru_cache(maxsize=1024)  # a campaign or a team names the same few countries again and again
def is_region(code: str) -> bool:
    """Whether ``code`` is a country phonenumbers knows (their list is kept with the dialled numbers)."""
    known = _dialled()
    regions = known.get("regions")
    if not isinstance(regions, list):
        import phonenumbers

        regions = sorted(phonenumbers.SUPPORTED_REGIONS)
        _remember("regions", regions)
    return code.upper() in regions


def is_valid_today(e164: str) -> bool:
    """Whether the number is valid under today's numbering plan (not merely possible)."""
    import phonenumbers

    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(e164, None)))
    except phonenumbers.NumberParseException:
        return False

"""The volunteers file: who calls, from where, and when they can, on their own clock.

A UTF-8 CSV with a header (commas or semicolons, as `--signers`):

    name,email,timezone,country,available,offices,languages,cap
    Ann Smith,ann@example.org,Europe/London,GB,"Mo-Fr 06:00-08:30; Sa 10:00-12:00",,ru en,8

- ``name`` (required, unique by its folder name), ``email`` (optional);
- ``timezone`` (required): the volunteer's IANA zone; ``available`` is read on this clock;
- ``country`` (optional): the ISO code they dial from (numbers are shown as dialled from there);
- ``available`` (required): the campaign's opening-hours syntax, without ``PH``;
- ``offices`` (optional): recipient ids they take, separated by spaces; empty: any;
- ``languages`` (optional): language tags they speak (``ru en``): they take only offices that read one of
  them (by primary language: ``ru`` takes a ``ru-KZ`` office); empty: any. With ``offices`` too, both hold;
- ``cap`` (optional): most calls a day (their day), at least 1; empty: no cap.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from faxcampaign import clock, csvfile, limits
from faxcampaign.campaign.hours import HoursError, OpeningHours, parse_hours

COLUMNS = ("name", "email", "timezone", "country", "available", "offices", "languages", "cap")
REQUIRED = ("name", "timezone", "available")
MAX_BYTES = 5_000_000


class VolunteersError(csvfile.CSVError):
    """The volunteers file cannot be used: FILE:LINE:COL: message."""


@dataclasses.dataclass(frozen=True)
class Volunteer:
    name: str
    email: str | None
    timezone: str
    country: str | None
    available: OpeningHours
    offices: frozenset[str]  # empty: any office
    cap: int | None
    line: int
    languages: frozenset[str] = frozenset()  # BCP 47 tags; empty: any language

    @property
    def slug(self) -> str:
        from faxcampaign.letters.template import Signer

        return Signer(self.name).slug

    @property
    def old_slug(self) -> str:
        from faxcampaign.letters.template import Signer

        return Signer(self.name).old_slug

    def spans(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
        """(their local day, start, end) of every span they are available on their days first..last,
        as instants; a span the clocks jump over is dropped, as the scheduler drops an office's."""
        found = []
        day = first
        while day <= last:
            for begin, end in self.available.spans(day.weekday()):
                start, finish = clock.wall(self.timezone, day, begin), clock.wall(self.timezone, day, end)
                if finish > start:
                    found.append((day, start, finish))
            day += dt.timedelta(days=1)
        return found


def read_volunteers(path: Path, office_ids: Sequence[str] = ()) -> list[Volunteer]:
    """Every volunteer of ``path``; an error names the file, line and column of the first fault.

    ``office_ids``: the campaign's recipient ids, to check the ``offices`` column against (not checked
    when empty)."""
    try:
        table = csvfile.read(path, max_bytes=MAX_BYTES, what="volunteers CSV")  # cells checked below
    except csvfile.CSVError as e:
        raise VolunteersError(e.path, e.line or 1, e.column or 1, e.message) from e
    header = table.header
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise VolunteersError(path, 1, 1, f"the header lacks {', '.join(missing)}; the columns are "
                              f"{', '.join(COLUMNS)} (see docs/rota.md)")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise VolunteersError(path, 1, table.header_column(unknown[0]), f"unknown column {unknown[0]!r}; the "
                              f"columns are {', '.join(COLUMNS)}")
    known = set(office_ids)
    volunteers: list[Volunteer] = []
    slugs: dict[str, int] = {}
    for row in table.rows:
        line, cells = row.line, row.cells

        def fail(column: str, message: str, offset: int = 0, *, _row: csvfile.Row = row) -> VolunteersError:
            return VolunteersError(path, _row.line, _row.column(column, offset), f"{column}: {message}")

        if not any(cells.values()):
            continue
        for column, value in cells.items():
            problem = limits.too_long(value, limits.LINE if column in ("name", "email") else limits.TEXT)
            if problem:
                raise fail(column, problem)
        name = " ".join(cells.get("name", "").split())
        if not name:
            raise fail("name", "empty; every volunteer needs a name")
        zone = cells.get("timezone", "")
        if not clock.is_zone(zone):
            raise fail("timezone", f"{zone!r} is not an IANA time zone (e.g. Europe/London)")
        country = cells.get("country", "").upper() or None
        if country is not None:
            from faxcampaign.campaign.numbers import is_region

            if not is_region(country):
                raise fail("country", f"{country!r} is not an ISO country code (e.g. GB)")
        available_text = cells.get("available", "")
        if not available_text:
            raise fail("available", "empty; write when they can call, e.g. 'Mo-Fr 06:00-08:30'")
        try:
            available = parse_hours(available_text)
        except HoursError as e:
            raise fail("available", str(e), e.position) from None
        if any(rule.public_holiday for rule in available.rules):
            raise fail("available", "PH (public holidays) is for offices; write the volunteer's own days")
        offices = frozenset(cells.get("offices", "").replace(",", " ").replace(";", " ").split())
        strangers = sorted(offices - known) if known else []
        if strangers:
            raise fail("offices", f"no recipient {strangers[0]!r} in the campaign")
        languages = set()
        for tag in cells.get("languages", "").replace(",", " ").replace(";", " ").split():
            from faxcampaign.campaign.language import LanguageError, normalise

            try:
                languages.add(normalise(tag))
            except LanguageError as e:
                raise fail("languages", str(e), cells["languages"].find(tag)) from None
        cap_text = cells.get("cap", "")
        cap = None
        if cap_text:
            if not cap_text.isdigit() or not 1 <= int(cap_text) <= 1000:
                raise fail("cap", f"{cap_text!r} is not a number of calls from 1 to 1000")
            cap = int(cap_text)
        volunteer = Volunteer(name, cells.get("email") or None, zone, country, available, offices, cap, line,
                              frozenset(languages))
        if volunteer.slug in slugs:
            raise fail("name", f"{name!r} makes the same file name ({volunteer.slug}) as line "
                               f"{slugs[volunteer.slug]}")
        slugs[volunteer.slug] = line
        volunteers.append(volunteer)
    if not volunteers:
        raise VolunteersError(path, 2, 1, "no volunteers below the header")
    return volunteers

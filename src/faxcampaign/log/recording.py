"""Turning what volunteers report into attempts for the log: one by one (`log`), or a CSV they send back
(`log --import`): the call sheet's CSV with its `outcome`, `at`, `by` and `note` columns filled in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from faxcampaign import clock
from faxcampaign.errors import FaxCampaignError, Finding, FindingsError
from faxcampaign.log.roster import Roster, RosterOffice, match_number
from faxcampaign.log.store import Attempt, row_key
from faxcampaign.outcomes import OUTCOMES

MAX_IMPORT_BYTES = 20_000_000
MAX_FIELD = 10_000


class RecordError(FaxCampaignError):
    """What a volunteer reported does not fit the campaign."""


def find_office(roster: Roster, recipient_id: str) -> RosterOffice:
    office = roster.office(recipient_id)
    if office is None:
        ids = [o.id for o in roster.offices]
        import difflib

        close = difflib.get_close_matches(recipient_id, ids, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise RecordError(f"no recipient {recipient_id!r} in the campaign; {hint}the ids are: {', '.join(ids)}")
    return office


def find_number(office: RosterOffice, text: str | None) -> str:
    """One of the office's numbers, given as written in the campaign or in E.164; default the first."""
    if not office.fax:
        raise RecordError(f"{office.id!r} has no fax number")
    if not text:
        return office.fax[0]
    e164 = match_number(office, text)
    if e164 is None:
        raise RecordError(f"{text!r} is not a number of {office.id!r}; its numbers are: {', '.join(office.fax)}")
    return e164


def normal_outcome(text: str) -> str | None:
    """The vocabulary's name for ``text`` ("No answer" -> "no-answer"), or None."""
    name = "-".join(text.strip().lower().replace("_", " ").split())
    return name if name in OUTCOMES else None


def _instant(text: str, fallback_offset: dt.datetime | None, zone: str) -> dt.datetime:
    """An instant from a CSV cell: ISO with an offset; without one, at the row's own offset (from its
    viewer_start) or else in ``zone``."""
    try:
        value = dt.datetime.fromisoformat(text)  # most cells; quicker than dateutil's reader
    except ValueError:
        from dateutil import parser

        value = parser.isoparse(text) if "T" in text else parser.parse(text)
    if value.tzinfo is not None:
        return value
    if fallback_offset is not None and fallback_offset.tzinfo is not None:
        return value.replace(tzinfo=fallback_offset.tzinfo)
    return clock.parse_instant(value.isoformat(), zone)


def read_import(path: Path, roster: Roster, by: str | None, zone: str) -> list[Attempt]:
    """Every filled-in row of a call sheet CSV as an attempt; a row without an outcome is skipped.

    Every bad row is reported at once (`FindingsError`, with the file's line numbers); nothing is
    returned unless all rows are good."""
    from faxcampaign import csvfile

    name = str(path)
    try:
        table = csvfile.read(path, max_bytes=MAX_IMPORT_BYTES, lower=False, what="call sheet CSV")
    except csvfile.CSVError as e:
        raise RecordError(str(e)) from e
    findings: list[Finding] = []
    attempts: list[Attempt] = []

    def bad(line: int, message: str) -> None:
        findings.append(Finding("error", name, line, 0, "", message))

    header = table.header
    missing = [c for c in ("id", "e164", "outcome") if c not in header]
    if missing:
        bad(1, f"no column {', '.join(map(repr, missing))}: import the CSV of `faxcampaign callsheet "
               f"--format csv` with its outcome, at, by and note filled in")
        raise FindingsError(findings)
    for row in table.rows:
        line, cells = row.line, row.cells
        if not cells.get("outcome"):
            continue
        if max(map(len, cells.values()), default=0) > MAX_FIELD:
            bad(line, f"a field longer than {MAX_FIELD:,} characters")
            continue
        outcome = normal_outcome(cells["outcome"])
        if outcome is None:
            bad(line, f"unknown outcome {cells['outcome']!r}; one of: {', '.join(OUTCOMES)}")
            continue
        try:
            office = find_office(roster, cells.get("id", ""))
            number = find_number(office, cells.get("e164") or None)
            start = _instant(cells["viewer_start"], None, zone) if cells.get("viewer_start") else None
            at = _instant(cells["at"], start, zone) if cells.get("at") else start
        except RecordError as e:
            bad(line, str(e))
            continue
        except (ValueError, OverflowError):
            bad(line, "not a date and time in 'at' or 'viewer_start' (write e.g. 2003-01-06T09:40+06:00)")
            continue
        if at is None:
            bad(line, "no time: fill in 'at'")
            continue
        pages = cells.get("pages") or None
        if pages is not None and not (pages.isdigit() and int(pages) < 1000):
            bad(line, f"pages must be a whole number: {pages!r}")
            continue
        volunteer = cells.get("by") or by
        note = cells.get("note") or None
        attempts.append(Attempt(
            at=at, recipient=office.id, number=number, outcome=outcome, volunteer=volunteer,
            pages=int(pages) if pages else None, note=note, source="import",
            key=row_key("import", office.id, number, outcome, clock.convert(at, "UTC").isoformat(), volunteer,
                        note, pages),
        ))
    if findings:
        raise FindingsError(findings)
    return attempts

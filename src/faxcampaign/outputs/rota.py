"""The rota's formats: table, json, csv and ics, for the whole team or one volunteer (``only``: their index)."""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from faxcampaign import clock
from faxcampaign.team.rota import Rota, Slot, instant, iso


def _dial(rota: Rota, slot: Slot) -> tuple[str, str]:
    """(the office's first number as the slot's volunteer dials it, the same in E.164)."""
    from faxcampaign.campaign.numbers import dial

    e164 = rota.plan.offices[slot.office].office.fax[0]
    country = rota.volunteers[slot.volunteer].country if slot.volunteer is not None else None
    return dial(e164, country), e164  # dial() is cached


def _chosen(rota: Rota, only: int | None) -> list[int]:
    return list(range(len(rota.volunteers))) if only is None else [only]


def as_table(rota: Rota, only: int | None = None) -> str:
    return "".join(table_chunks(rota, only))


def table_chunks(rota: Rota, only: int | None = None) -> Iterator[str]:
    """The rota as a text table, a thousand lines a chunk."""
    from faxcampaign.outputs.text import CHUNK, span_text

    plan = rota.plan
    out = [f"Rota: {plan.campaign.data.title}, {plan.first:%a %d %b %Y} + {plan.days} day(s), "
           f"{rota.minutes}-minute slots\n"]
    names = [p.office.name for p in plan.offices]
    office_zones = [p.office.timezone for p in plan.offices]
    # slots share their times: each start is formatted once per zone
    yours_by_zone: dict[str, dict[float, str]] = defaultdict(dict)
    theirs_by_zone: dict[str, dict[float, str]] = defaultdict(dict)
    endings_by_country: dict[str | None, dict[int, str]] = defaultdict(dict)
    for index in _chosen(rota, only):
        volunteer = rota.volunteers[index]
        mine = rota.assigned(index)
        cap = f", at most {volunteer.cap} a day" if volunteer.cap else ""
        origin = f"; dials from {volunteer.country}" if volunteer.country else ""
        out.append(f"\n{volunteer.name} ({volunteer.timezone}{origin}{cap}): {len(mine)} call(s)\n")
        endings = endings_by_country[volunteer.country]  # by office: the number as this volunteer dials it
        yours = yours_by_zone[volunteer.timezone]
        for slot in mine:
            if len(out) >= CHUNK:
                yield "".join(out)
                out = []
            at = slot.start
            mine_text = yours.get(at)
            if mine_text is None:
                start, end = instant(at, volunteer.timezone), instant(slot.end, volunteer.timezone)
                mine_text = yours[at] = f"{start:%a %d %b} {span_text(start, end)}"
            office_zone = office_zones[slot.office]
            theirs_at = theirs_by_zone[office_zone]
            theirs = theirs_at.get(at)
            if theirs is None:
                theirs = theirs_at[at] = f"{instant(at, office_zone):%H:%M}"
            ending = endings.get(slot.office)
            if ending is None:
                ending = endings[slot.office] = f" their time)  {_dial(rota, slot)[0]}\n"
            out.append(f"  {mine_text}  {names[slot.office]} ({theirs}{ending}")
    if only is None:
        total, covered = rota.total, len(rota.taken)
        out.append(f"\nCovered: {covered} of {total} slot(s)" + (f" ({100 * covered // total}%)" if total else "")
                   + "\n")
        heading = "\nHours no volunteer covers (office time):\n"
        short = f" (shorter than a {rota.minutes}-minute slot)"
        for office_index, at, until, why in itertools.chain(((*run, "") for run in rota.uncovered()),
                                                            ((*run, short) for run in rota.short)):
            if len(out) >= CHUNK:
                yield "".join(out)
                out = []
            zone = office_zones[office_index]
            out.append(f"{heading}  {names[office_index]}: {_day(at, zone)} "
                       f"{span_text(instant(at, zone), instant(until, zone))}{why}\n")
            heading = ""
    yield "".join(out)


@functools.lru_cache(maxsize=4096)
def _day(at: float, zone: str) -> str:
    """'Mon 07 Dec': the day of ``at`` on ``zone``'s clock (uncovered runs share their starts)."""
    return f"{instant(at, zone):%a %d %b}"


def _slot_items(rota: Rota, only: int | None) -> Iterator[dict[str, str | None]]:
    """Each slot of the JSON contract, in order (only the volunteer's, with ``only``)."""
    plan = rota.plan
    for slot in rota.slots() if only is None else rota.assigned(only):
        office = plan.offices[slot.office].office
        item: dict[str, str | None] = {
            "office": office.id,
            "start": iso(slot.start, office.timezone),
            "end": iso(slot.end, office.timezone),
            "volunteer": None,
        }
        if slot.volunteer is not None:
            volunteer = rota.volunteers[slot.volunteer]
            number, e164 = _dial(rota, slot)
            item.update(volunteer=volunteer.name, your_start=iso(slot.start, volunteer.timezone),
                        your_end=iso(slot.end, volunteer.timezone), dial=number, e164=e164)
        yield item


def _spans(rota: Rota, spans: Iterable[tuple[int, float, float]]) -> Iterator[dict[str, str | None]]:
    """Office spans (uncovered hours, windows shorter than a slot) as the JSON contract gives them."""
    offices = [p.office for p in rota.plan.offices]
    for o, a, b in spans:
        yield {"office": offices[o].id, "start": iso(a, offices[o].timezone), "end": iso(b, offices[o].timezone)}


def document(rota: Rota, only: int | None = None, lists: bool = True) -> dict[str, object]:
    """The rota as data: the JSON contract (docs/rota.md); without ``lists``, its slots and uncovered hours
    are left empty (`json_chunks` writes them as they come)."""
    people = _chosen(rota, only)
    plan = rota.plan
    result: dict[str, object] = {
        "campaign": plan.campaign.data.title,
        "from": plan.first.isoformat(),
        "days": plan.days,
        "slot_minutes": rota.minutes,
        "volunteers": [{"name": rota.volunteers[i].name, "timezone": rota.volunteers[i].timezone,
                        "country": rota.volunteers[i].country, "calls": len(rota.assigned(i))} for i in people],
        "slots": list(_slot_items(rota, only)) if lists else [],
    }
    if only is None:
        result["uncovered"] = list(_spans(rota, rota.uncovered())) if lists else []
        result["shorter_than_a_slot"] = list(_spans(rota, rota.short))
    return result


def as_json(rota: Rota, only: int | None = None) -> str:
    return "".join(json_chunks(rota, only))


def json_chunks(rota: Rota, only: int | None = None) -> Iterator[str]:
    """``json.dumps(document(...), indent=2)`` and a line break, byte for byte, a thousand items a chunk:
    memory does not grow with the rota, and each slot or span (always the same keys) is written without
    the indenting encoder, which is pure Python."""
    import json
    from json.encoder import encode_basestring  # the C encoder's, as ensure_ascii=False writes strings

    from faxcampaign.outputs.text import CHUNK

    head = json.dumps(document(rota, only, lists=False), indent=2, ensure_ascii=False)
    keys: dict[str, str] = {}

    def items(name: str, values: Iterable[dict[str, str | None]]) -> Iterator[str]:
        out = [f'\n  "{name}": [']
        first = True
        for item in values:
            if len(out) >= CHUNK:
                yield "".join(out)
                out = []
            fields = ",\n".join(f"      {keys.get(k) or keys.setdefault(k, encode_basestring(k))}: "
                                 f"{'null' if v is None else encode_basestring(v)}" for k, v in item.items())
            out.append(f"{'' if first else ','}\n    {{\n{fields}\n    }}")
            first = False
        out.append("]" if first else "\n  ]")
        yield "".join(out)

    # the document without its lists holds their places: "slots": [] (and "uncovered": [] for the team)
    before, after = head.split('\n  "slots": []', 1)
    yield before
    yield from items("slots", _slot_items(rota, only))
    if only is None:
        between, after = after.split('\n  "uncovered": []', 1)
        yield between
        yield from items("uncovered", _spans(rota, rota.uncovered()))
    yield after + "\n"


def as_csv(rota: Rota, only: int | None = None) -> str:
    return "".join(csv_chunks(rota, only))


def csv_chunks(rota: Rota, only: int | None = None) -> Iterator[str]:
    """Each call a row (CRLF line ends), a thousand rows a chunk."""
    import csv
    import io

    from faxcampaign.outputs.text import CHUNK, spreadsheet_safe

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["volunteer", "your_start", "your_end", "your_timezone", "office", "office_name",
                     "office_start", "dial", "e164"])
    rows = 0
    for index in _chosen(rota, only):
        volunteer = rota.volunteers[index]
        for slot in rota.assigned(index):
            if rows >= CHUNK:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
                rows = 0
            office = rota.plan.offices[slot.office].office
            number, e164 = _dial(rota, slot)
            writer.writerow([spreadsheet_safe(volunteer.name),
                             iso(slot.start, volunteer.timezone),
                             iso(slot.end, volunteer.timezone), volunteer.timezone, office.id,
                             spreadsheet_safe(office.name), iso(slot.start, office.timezone),
                             number, e164])
            rows += 1
    yield buffer.getvalue()


ALARM_MINUTES = 5


def as_ics(rota: Rota, only: int | None = None) -> str:
    return "".join(ics_chunks(rota, only))


def ics_chunks(rota: Rota, only: int | None = None) -> Iterator[str]:
    """Each call as an event on the volunteer's clock (TZID of their zone), with the number to dial and
    what to say, an alarm five minutes before, and a UID that stays the same for the same call; a
    thousand events a chunk, written line by line as the plan's calendar is (outputs/plan.py): the bytes
    icalendar's object model wrote (tested)."""
    from faxcampaign.campaign.facts import calendar_prefix
    from faxcampaign.letters import template as letters
    from faxcampaign.outputs.plan import one_line
    from faxcampaign.outputs.text import CHUNK, ics_head, ics_line, ics_stamp, ics_time

    plan = rota.plan
    people = _chosen(rota, only)
    zones = {rota.volunteers[i].timezone for i in people if rota.assigned(i)}
    yield ics_head("rota", one_line(f"{plan.campaign.data.title}: calls"), zones)
    stamp = ics_stamp(plan.now)
    key = calendar_prefix(plan.campaign.data.reference, plan.campaign.path)
    trigger = f"TRIGGER:-PT{ALARM_MINUTES}M"
    scripts: dict[tuple[int, int], str] = {}
    summaries: dict[int, str] = {}  # by office
    alarms: dict[tuple[int, str], str] = {}  # the alarm's DESCRIPTION, by office and number dialled
    out: list[str] = []
    for index in people:
        volunteer = rota.volunteers[index]
        for slot in rota.assigned(index):
            if len(out) >= CHUNK:
                yield "".join(out)
                out = []
            office = plan.offices[slot.office].office
            number, e164 = _dial(rota, slot)
            script = scripts.get((index, slot.office))
            if script is None:
                signer = letters.Signer(volunteer.name, email=volunteer.email)
                script = scripts[index, slot.office] = letters.render_call_script(
                    plan.campaign, office, signer, slot.day)
            lines = [f"Dial {number} ({e164})"]
            if office.manual:
                lines.append("Manual line: phone first.")
            if script:
                lines.append(script)
            start = instant(slot.start, volunteer.timezone)
            summary = summaries.get(slot.office)
            if summary is None:
                summary = summaries[slot.office] = ics_line("SUMMARY", one_line(f"Fax {office.name}"))
            alarm = alarms.get((slot.office, number))
            if alarm is None:
                alarm = alarms[slot.office, number] = ics_line("DESCRIPTION",
                                                               one_line(f"Fax {office.name}: dial {number}"))
            uid = ics_line("UID", f"{key}-{office.id}-{clock.convert(start, 'UTC'):%Y%m%dT%H%MZ}-"
                                  f"{volunteer.old_slug}@faxcampaign".replace(" ", "-"))
            out.append(f"BEGIN:VEVENT\r\n{summary}\r\n{ics_time('DTSTART', start)}\r\n"
                       f"{ics_time('DTEND', instant(slot.end, volunteer.timezone))}\r\n{stamp}\r\n{uid}\r\n"
                       f"{ics_line('DESCRIPTION', chr(10).join(lines))}\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n"
                       f"{alarm}\r\n{trigger}\r\nEND:VALARM\r\nEND:VEVENT\r\n")
    out.append("END:VCALENDAR\r\n")
    yield "".join(out)


# The rota kept: in the log (`rota --save`) or in a file (`rota --format json`), for `callsheet --volunteer`
# and `status`.

FORMATS = {"table": as_table, "json": as_json, "csv": as_csv, "ics": as_ics}
# each format in pieces, to be written as they come
CHUNKS: dict[str, Callable[[Rota, int | None], Iterable[str]]] = {
    "table": table_chunks, "json": json_chunks, "csv": csv_chunks, "ics": ics_chunks}
EXTENSIONS = {"table": "txt", "json": "json", "csv": "csv", "ics": "ics"}



"""The rota's formats: table, json, csv and ics, for the whole team or one volunteer (``only``: their index)."""

from __future__ import annotations

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
    from faxcampaign.outputs.text import span_text

    plan = rota.plan
    out = [f"Rota: {plan.campaign.data.title}, {plan.first:%a %d %b %Y} + {plan.days} day(s), "
           f"{rota.minutes}-minute slots"]
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
        out += ["", f"{volunteer.name} ({volunteer.timezone}{origin}{cap}): {len(mine)} call(s)"]
        endings = endings_by_country[volunteer.country]  # by office: the number as this volunteer dials it
        yours = yours_by_zone[volunteer.timezone]
        for slot in mine:
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
                ending = endings[slot.office] = f" their time)  {_dial(rota, slot)[0]}"
            out.append(f"  {mine_text}  {names[slot.office]} ({theirs}{ending}")
    if only is None:
        uncovered = rota.uncovered()
        total, covered = len(rota.slots), len(rota.assigned())
        out += ["", f"Covered: {covered} of {total} slot(s)" + (f" ({100 * covered // total}%)" if total else "")]
        if uncovered or rota.short:
            out += ["", "Hours no volunteer covers (office time):"]
            days: dict[tuple[str, float], str] = {}  # 'Mon 07 Dec', once per zone and start
            for office_index, at, until in uncovered:
                zone = office_zones[office_index]
                begin = instant(at, zone)
                day = days.get((zone, at))
                if day is None:
                    day = days[zone, at] = f"{begin:%a %d %b}"
                out.append(f"  {names[office_index]}: {day} {span_text(begin, instant(until, zone))}")
            for office_index, at, until in rota.short:
                office = plan.offices[office_index].office
                begin, finish = instant(at, office.timezone), instant(until, office.timezone)
                out.append(f"  {office.name}: {begin:%a %d %b} {span_text(begin, finish)} "
                           f"(shorter than a {rota.minutes}-minute slot)")
    return "\n".join(out) + "\n"


def _slot_items(rota: Rota, only: int | None) -> Iterator[dict[str, str | None]]:
    """Each slot of the JSON contract, in order (only the volunteer's, with ``only``)."""
    plan = rota.plan
    wanted = set(_chosen(rota, only))
    for slot in rota.slots:
        if only is not None and slot.volunteer not in wanted:
            continue
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


def document(rota: Rota, only: int | None = None, slots: bool = True) -> dict[str, object]:
    """The rota as data: the JSON contract (docs/rota.md); without ``slots``, its slots list is empty."""
    plan = rota.plan
    people = _chosen(rota, only)
    result: dict[str, object] = {
        "campaign": plan.campaign.data.title,
        "from": plan.first.isoformat(),
        "days": plan.days,
        "slot_minutes": rota.minutes,
        "volunteers": [{"name": rota.volunteers[i].name, "timezone": rota.volunteers[i].timezone,
                        "country": rota.volunteers[i].country, "calls": len(rota.assigned(i))} for i in people],
        "slots": list(_slot_items(rota, only)) if slots else [],
    }
    if only is None:
        result["uncovered"] = [
            {"office": plan.offices[o].office.id, "start": iso(a, plan.offices[o].office.timezone),
             "end": iso(b, plan.offices[o].office.timezone)} for o, a, b in rota.uncovered()]
        result["shorter_than_a_slot"] = [
            {"office": plan.offices[o].office.id, "start": iso(a, plan.offices[o].office.timezone),
             "end": iso(b, plan.offices[o].office.timezone)} for o, a, b in rota.short]
    return result


def as_json(rota: Rota, only: int | None = None) -> str:
    return "".join(json_chunks(rota, only))


def json_chunks(rota: Rota, only: int | None = None) -> Iterator[str]:
    """``json.dumps(document(...), indent=2)`` and a line break, byte for byte, a thousand slots a chunk:
    memory does not grow with the rota, and each slot (always the same keys) is written without the
    indenting encoder, which is pure Python."""
    import json
    from json.encoder import encode_basestring  # the C encoder's, as ensure_ascii=False writes strings

    from faxcampaign.outputs.text import CHUNK

    everything = document(rota, only, slots=False)
    head = json.dumps(everything, indent=2, ensure_ascii=False)
    # the document without its slots ends with the slots' place: "slots": [] then the lists after it
    before, after = head.split('\n  "slots": []', 1)
    out = [before, '\n  "slots": [']
    keys: dict[str, str] = {}
    first = True
    for item in _slot_items(rota, only):
        if len(out) >= CHUNK:
            yield "".join(out)
            out = []
        fields = ",\n".join(f"      {keys.get(k) or keys.setdefault(k, encode_basestring(k))}: "
                             f"{'null' if v is None else encode_basestring(v)}" for k, v in item.items())
        out.append(f"{'' if first else ','}\n    {{\n{fields}\n    }}")
        first = False
    out.append("]" if first else "\n  ]")
    out.append(after + "\n")
    yield "".join(out)


def as_csv(rota: Rota, only: int | None = None) -> str:
    import csv
    import io

    from faxcampaign.outputs.text import spreadsheet_safe

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["volunteer", "your_start", "your_end", "your_timezone", "office", "office_name",
                     "office_start", "dial", "e164"])
    for index in _chosen(rota, only):
        volunteer = rota.volunteers[index]
        for slot in rota.assigned(index):
            office = rota.plan.offices[slot.office].office
            number, e164 = _dial(rota, slot)
            writer.writerow([spreadsheet_safe(volunteer.name),
                             iso(slot.start, volunteer.timezone),
                             iso(slot.end, volunteer.timezone), volunteer.timezone, office.id,
                             spreadsheet_safe(office.name), iso(slot.start, office.timezone),
                             number, e164])
    return buffer.getvalue()


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
    "table": lambda rota, only: [as_table(rota, only)], "json": json_chunks,
    "csv": lambda rota, only: [as_csv(rota, only)], "ics": ics_chunks}
EXTENSIONS = {"table": "txt", "json": "json", "csv": "csv", "ics": "ics"}



"""`plan`'s output formats, one formatter each: table, json, csv, ics."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import textwrap
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from faxcampaign import clock
from faxcampaign.campaign.facts import calendar_prefix, heading
from faxcampaign.campaign.numbers import dial
from faxcampaign.outputs.text import (
    CHUNK,
    ics_head,
    ics_line,
    ics_stamp,
    ics_time,
    offset_text,
    span_text,
    spreadsheet_safe,
)
from faxcampaign.schedule.plan import ClosedDay, OfficePlan, Plan, Viewed

if TYPE_CHECKING:
    from faxcampaign.log.progress import Progress

WIDTH = 80

def notice(plan: Plan) -> str | None:
    """A plain sentence when the whole range lies outside the campaign's dates."""
    data = plan.campaign.data
    if plan.after_deadline():
        return f"The deadline, {data.deadline}, has passed: there is nothing to call from {plan.first} on."
    if plan.before_campaign():
        last = plan.first + dt.timedelta(days=plan.days - 1)
        return f"The campaign starts on {data.starts}, after {last}: nothing to call in this range."
    return None


def table(plan: Plan, dial_from: str | None, progress: Progress | None = None) -> str:
    return "".join(table_chunks(plan, dial_from, progress))


def table_chunks(plan: Plan, dial_from: str | None, progress: Progress | None = None) -> Iterator[str]:
    """The table a day at a time (each chunk ends with a line end), so that a long plan is written as
    it is made and never held whole."""
    data = plan.campaign.data
    title = heading(data.title, data.reference)
    where = f"dialled from {dial_from}" if dial_from else "in international format"
    out = [title, f"Times in {plan.viewer_zone}; office local time below each; numbers {where}."]
    if progress is not None:
        waiting = [o.id for o in progress.offices if o.in_campaign and not o.delivered]
        out += textwrap.wrap(f"Log: {progress.reached} of {progress.in_campaign} offices reached"
                             + (f"; not yet: {', '.join(waiting)}" if waiting else "") + ".", WIDTH,
                             subsequent_indent="     ")
    message = notice(plan)
    if message:
        yield "\n".join([*out, "", message]) + "\n"
        return
    from faxcampaign.schedule.plan import never_open

    idle = [p.office for p in plan.offices if not p.days.spans and not p.days.closed]
    never = never_open(plan.campaign, idle, plan.first) if idle else []
    if never:
        out += textwrap.wrap("Never open before the deadline (see faxcampaign check): "
                             + ", ".join(o.name for o in never) + ".", WIDTH, subsequent_indent="  ")
    slots = plan.slots()
    now = plan.now.timestamp()
    following = None
    if not any(v.at <= now < v.until for _, _, v in slots):
        following = next(((p, i) for p, i, v in slots if v.at > now), None)
    closed = sorted((c for p in plan.offices for c in p.closed), key=lambda c: (c.would_open.timestamp(), c.office.id))
    by_day: dict[dt.date, list[tuple[OfficePlan, int, Viewed]]] = {}
    for slot in slots:
        by_day.setdefault(slot[2].start.date(), []).append(slot)
    shut_by_day: dict[dt.date, list[ClosedDay]] = {}
    for c in closed:
        shut_by_day.setdefault(clock.local_date(c.would_open, plan.viewer_zone), []).append(c)
    # Text shared by offices with one calendar, and by each office's windows, made once.
    spans: dict[tuple[int, int], tuple[str, str, bool]] = {}  # (viewer's time, office's, the last window?)
    offices: dict[int, tuple[str, str, list[str]]] = {}
    next_plan = following[0] if following is not None else None
    for offset in range(plan.days):
        yield "\n".join(out) + "\n"
        out = []
        day = plan.first + dt.timedelta(days=offset)
        todays = by_day.pop(day, [])
        shut = shut_by_day.get(day, [])
        out += ["", f"{day:%a %d %b %Y}"]
        if not todays and not shut:
            out.append("  no office open")
        for p, i, v in todays:
            key = (id(p.days), i)
            texts = spans.get(key)
            if texts is None:
                start, end = p.days.spans[i]
                texts = spans[key] = (span_text(v.start, v.end),
                                      f"{start:%a} {span_text(start, end)} {offset_text(start)}",
                                      p.days.last is not None and p.days.spans[i] == p.days.last)
            viewer, local, last = texts
            office = p.office
            person = offices.get(id(p))
            if person is None:
                first, *others = [dial(n, dial_from) for n in office.fax]
                person = offices[id(p)] = (_fitted(office.name, ""), first, others)
            name, first, others = person
            is_open = v.at <= now < v.until
            is_next = p is next_plan and following is not None and following[1] == i
            if is_open or is_next or last:
                mark = "  " + ", ".join(word for word, on in (("OPEN NOW", is_open), ("NEXT", is_next),
                                                               ("LAST CHANCE", last)) if on)
                out.append(f"  {viewer}  {_fitted(office.name, mark)}{mark}")
            else:
                out.append(f"  {viewer}  {name}")  # most windows: no mark, the name fitted once per office
            out.append(f"{'':15}local {local}; fax {first}")
            if others:
                out += [f"{'':15}{'or':>{len(local) + 11}} {n}" for n in others]
        for c in shut:
            out += textwrap.wrap(f"closed  {c.office.name}: {c.reason} ({c.date:%a %d %b} local)", WIDTH,
                                 initial_indent="  ", subsequent_indent=" " * 10)
    yield "\n".join(out) + "\n"


def _fitted(name: str, mark: str) -> str:
    """The office's name, cut with '…' to fit the line beside ``mark``."""
    width = WIDTH - 15 - len(mark)
    return name if len(name) <= width else name[: width - 1] + "…"


def plan_document(plan: Plan, dial_from: str | None, progress: Progress | None = None) -> dict[str, Any]:
    """The json format's document (docs/plan.md); with a log, each recipient's ``log`` counts."""
    logged = {o.id: o for o in progress.offices} if progress else {}
    windows: dict[int, list[dict[str, str]]] = {}  # offices sharing a calendar share the list
    for p in plan.offices:
        if id(p.days) not in windows:
            windows[id(p.days)] = [{"start": s.isoformat(), "end": e.isoformat()} for s, e in p.days.spans]
    return {
        "campaign": plan.campaign.data.title,
        "viewer": {"timezone": plan.viewer_zone, "dial_from": dial_from},
        "from": plan.first.isoformat(),
        "days": plan.days,
        "recipients": [
            {
                "id": p.office.id,
                "name": p.office.name,
                "timezone": p.office.timezone,
                "manual": p.office.manual,
                "fax": [{"e164": n, "dial": dial(n, dial_from)} for n in p.office.fax],
                "windows": windows[id(p.days)],
                "closed": [{"date": c.date.isoformat(), "reason": c.reason} for c in p.closed],
                **({"log": {"delivered_today": logged[p.office.id].delivered_today,
                            "delivered": logged[p.office.id].delivered,
                            "attempts": logged[p.office.id].attempts}} if p.office.id in logged else {}),
            }
            for p in plan.offices
        ],
    }


def as_json(plan: Plan, dial_from: str | None, progress: Progress | None = None) -> str:
    return "".join(json_chunks(plan, dial_from, progress))


def json_chunks(plan: Plan, dial_from: str | None, progress: Progress | None = None) -> Iterator[str]:
    """``json.dumps(plan_document(...), indent=2)`` and a line break, byte for byte, a thousand recipients a
    chunk, and quicker for big plans: the indenting encoder is pure Python, so each recipient (always the
    same keys) is written here, with the C encoder's escaping of text, and a windows list that offices
    share (a calendar) once."""
    from json.encoder import encode_basestring as text

    logged = {o.id: o for o in progress.offices} if progress else {}
    head = json.dumps({**plan_document(_no_offices(plan), dial_from), "recipients": []}, indent=2,
                      ensure_ascii=False)
    before, after = head.rsplit('"recipients": []', 1)
    windows: dict[int, str] = {}
    items: list[str] = []
    yield before + '"recipients": ' + ("[\n    " if plan.offices else "[]")
    for p in plan.offices:
        if len(items) >= CHUNK:
            yield ",\n    ".join(items) + ",\n    "
            items = []
        office = p.office
        shared = windows.get(id(p.days))
        if shared is None:
            shared = windows[id(p.days)] = _json_list([
                f'{{\n          "start": {text(s.isoformat())},\n          "end": {text(e.isoformat())}\n        }}'
                for s, e in p.days.spans])
        fax = _json_list([f'{{\n          "e164": {text(n)},\n          "dial": {text(dial(n, dial_from))}\n        }}'
                          for n in office.fax])
        closed = _json_list([f'{{\n          "date": {text(c.date.isoformat())},\n          "reason": '
                             f'{text(c.reason)}\n        }}' for c in p.closed])
        item = (f'{{\n      "id": {text(office.id)},\n      "name": {text(office.name)},\n      "timezone": '
                f'{text(office.timezone)},\n      "manual": {"true" if office.manual else "false"},\n      '
                f'"fax": {fax},\n      "windows": {shared},\n      "closed": {closed}')
        counts = logged.get(office.id)
        if counts is not None:
            item += (f',\n      "log": {{\n        "delivered_today": {counts.delivered_today},\n        "delivered": '
                     f'{counts.delivered},\n        "attempts": {counts.attempts}\n      }}')
        items.append(item + "\n    }")
    yield (",\n    ".join(items) + "\n  ]" if plan.offices else "") + after + "\n"


def _json_list(items: list[str]) -> str:
    """Objects already written at the depth of a recipient's lists, as json.dumps(indent=2) lists them."""
    return "[\n        " + ",\n        ".join(items) + "\n      ]" if items else "[]"


def _no_offices(plan: Plan) -> Plan:
    import dataclasses

    return dataclasses.replace(plan, offices=[])


CSV_COLUMNS = ["id", "name", "office_start", "office_end", "viewer_start", "viewer_end", "e164", "dial"]


def as_csv(plan: Plan, dial_from: str | None, progress: Progress | None = None) -> str:
    return "".join(csv_chunks(plan, dial_from, progress))


def csv_chunks(plan: Plan, dial_from: str | None, progress: Progress | None = None) -> Iterator[str]:
    """One row per window, a thousand rows a chunk. The cells an office's rows share, and those its
    calendar's windows share, are written once and joined (each cell is quoted on its own, so the bytes
    are the same)."""
    spans: dict[tuple[int, int], str] = {}
    offices: dict[int, tuple[str, str]] = {}
    lines = [_csv_cells(CSV_COLUMNS)]
    for p, i, v in plan.slots():
        if len(lines) >= CHUNK:
            yield "\n".join(lines) + "\n"
            lines = []
        key = (id(p.days), i)
        times = spans.get(key)
        if times is None:
            start, end = p.days.spans[i]
            times = spans[key] = _csv_cells([start.isoformat(), end.isoformat(), v.start.isoformat(),
                                             v.end.isoformat()])
        person = offices.get(id(p))
        if person is None:
            office = p.office
            person = offices[id(p)] = (_csv_cells([office.id, spreadsheet_safe(office.name)]),
                                       _csv_cells(["; ".join(office.fax),
                                                   "; ".join(dial(n, dial_from) for n in office.fax)]))
        lines.append(f"{person[0]},{times},{person[1]}")
    yield "\n".join(lines) + "\n"


def _csv_cells(cells: list[str]) -> str:
    """Cells as one CSV line would write them (without the line end)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    return buffer.getvalue()


def one_line(text: str) -> str:
    """User text for a one-line field (an ICS summary): line breaks, CR included, become spaces."""
    return " ".join(text.split())




def as_ics(plan: Plan, dial_from: str | None, progress: Progress | None = None) -> str:
    return "".join(ics_chunks(plan, dial_from, progress))


def ics_chunks(plan: Plan, dial_from: str | None, progress: Progress | None = None) -> Iterator[str]:
    """The plan as iCalendar, a thousand events a chunk, written line by line with icalendar's escaping,
    folding and time zones (formats.py); the text an office's (or a calendar's) events share is made
    once, so that a plan of 200,000 windows takes seconds, not minutes. The bytes are those icalendar
    would write for the same events (tested)."""
    from faxcampaign.letters import template as letters

    slots = plan.slots()
    zones = {p.office.timezone for p, _, _ in slots}
    head = ics_head("plan", one_line(plan.campaign.data.title), zones)
    stamp = ics_stamp(plan.now)
    key = calendar_prefix(plan.campaign.data.reference, plan.campaign.path)
    signer = letters.default_signer(plan.campaign)
    offices: dict[int, tuple[str, str]] = {}
    times: dict[tuple[int, int], tuple[str, str, str]] = {}
    out = [head]
    for p, i, _ in slots:
        if len(out) >= CHUNK:
            yield "".join(out)
            out = []
        office = p.office
        texts = offices.get(id(p))
        if texts is None:
            script = letters.render_call_script(plan.campaign, office, signer, p.days.spans[i][0].date())
            numbers = "\n".join(f"{dial(n, dial_from)} ({n})" for n in office.fax)
            description = f"Fax: {numbers}" + ("\nManual line: phone first." if office.manual else "") + \
                (f"\n{script}" if script else "")
            texts = offices[id(p)] = (ics_line("SUMMARY", one_line(f"Fax {office.name}")),
                                      ics_line("DESCRIPTION", "\n".join(description.splitlines())))
        span = times.get((id(p.days), i))
        if span is None:
            start, end = p.days.spans[i]
            span = times[id(p.days), i] = (ics_time("DTSTART", start), ics_time("DTEND", end),
                                           f"{clock.convert(start, 'UTC'):%Y%m%dT%H%MZ}")
        uid = ics_line("UID", f"{key}-{office.id}-{span[2]}@faxcampaign".replace(" ", "-"))
        out.append(f"BEGIN:VEVENT\r\n{texts[0]}\r\n{span[0]}\r\n{span[1]}\r\n{stamp}\r\n{uid}\r\n{texts[1]}\r\n"
                   "END:VEVENT\r\n")
    out.append("END:VCALENDAR\r\n")
    yield "".join(out)


# Each takes the plan, the --dial-from country and, when there is a log, the campaign's progress, and
# gives the text in chunks, to be written as they come.
FORMATTERS: dict[str, Callable[[Plan, str | None, Progress | None], Iterable[str]]] = {
    "table": table_chunks,
    "json": json_chunks,
    "csv": csv_chunks,
    "ics": ics_chunks,
}

"""Daily call sheets: the day's rows from the scheduler, and a renderer per format.

The rows come from `schedule.plan` for one viewer-local day: one source of truth for times. Renderers
only format what `build` prepared.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import io
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

from faxcampaign.campaign import Campaign
from faxcampaign.letters import default_signer, render_call_script
from faxcampaign.numbers import dial
from faxcampaign.output import offset_text, span_text
from faxcampaign.schedule import plan

OUTCOMES = ("answered", "sent", "busy", "no answer", "refused")


@dataclasses.dataclass(frozen=True)
class Slot:
    start: dt.datetime  # viewer's clock
    end: dt.datetime
    office_start: dt.datetime  # office's clock
    office_end: dt.datetime


@dataclasses.dataclass(frozen=True)
class Number:
    e164: str
    dial: str


@dataclasses.dataclass(frozen=True)
class Row:
    id: str
    name: str
    title: str | None
    slots: tuple[Slot, ...]
    numbers: tuple[Number, ...]
    manual: bool
    script: str
    letter: str | None  # path of the letter to send, when --letters is given


@dataclasses.dataclass(frozen=True)
class Closed:
    name: str
    reason: str
    date: dt.date  # office-local


@dataclasses.dataclass(frozen=True)
class Sheet:
    title: str
    reference: str | None
    date: dt.date
    zone: str
    dial_from: str | None
    deadline: dt.date | None
    rows: tuple[Row, ...]
    closed: tuple[Closed, ...]

    @property
    def days_left(self) -> int | None:
        return None if self.deadline is None else (self.deadline - self.date).days

    def deadline_text(self) -> str:
        left = self.days_left
        if left is None or self.deadline is None:
            return "No deadline."
        when = f"{self.deadline:%a %d %b %Y}"
        if left < 0:
            return f"The deadline ({when}) has passed."
        if left == 0:
            return f"Deadline today ({when}): last chance."
        return f"{left} day{'s' if left != 1 else ''} left until the deadline ({when})."

    def heading(self) -> str:
        return self.title + (f" ({self.reference})" if self.reference else "")

    def subheading(self) -> str:
        numbers = f"numbers dialled from {self.dial_from}" if self.dial_from else "numbers in international form"
        return f"Call sheet for {self.date:%a %d %b %Y}; times in {self.zone}; {numbers}."


def _letter_path(folder: Path | None, recipient_id: str) -> str | None:
    if folder is None:
        return None
    for suffix in ("pdf", "tif"):
        candidate = folder / f"{recipient_id}.{suffix}"
        if candidate.exists():
            return str(candidate)
    return f"{folder / recipient_id}.pdf (not rendered yet: faxcampaign render --out {folder})"


def build(campaign: Campaign, day: dt.date, zone: str, dial_from: str | None, now: dt.datetime,
          letters: Path | None = None) -> Sheet:
    """The sheet for the viewer-local ``day``: offices open that day, ordered by their first window."""
    result = plan(campaign, day, 1, zone, now)
    signer = default_signer(campaign)
    rows = []
    for office_plan in result.offices:
        if not office_plan.windows:
            continue
        office = office_plan.office
        slots = []
        for w in office_plan.windows:
            start, end = w.viewed(zone)
            slots.append(Slot(start, end, w.start, w.end))
        rows.append(Row(
            id=office.id, name=office.name, title=office.recipient.title, slots=tuple(slots),
            numbers=tuple(Number(n, dial(n, dial_from)) for n in office.fax), manual=office.manual,
            script=render_call_script(campaign, office, signer, office_plan.windows[0].start.date()),
            letter=_letter_path(letters, office.id),
        ))
    rows.sort(key=lambda r: r.slots[0].start)
    closed = sorted((c for p in result.offices for c in p.closed), key=lambda c: c.would_open)
    return Sheet(
        title=campaign.data.title, reference=campaign.data.reference, date=day, zone=zone, dial_from=dial_from,
        deadline=campaign.data.deadline, rows=tuple(rows),
        closed=tuple(Closed(c.office.name, c.reason, c.date) for c in closed),
    )


def when(slot: Slot) -> str:
    """'03:00-07:00 (their 09:00-13:00 +06)'; their weekday too when it is another day there."""
    day = f"{slot.office_start:%a} " if slot.office_start.date() != slot.start.date() else ""
    return f"{span_text(slot.start, slot.end)} (their {day}{span_text(slot.office_start, slot.office_end)} " \
           f"{offset_text(slot.office_start)})"


NOTHING = "Nothing to call today: no office is open."

_MARKDOWN = re.compile(r"([\\`*_\[\]<>|#])")


def e(value: str) -> str:
    """User text in the Markdown sheet: the characters Markdown would read as markup, escaped."""
    return _MARKDOWN.sub(r"\\\1", value)


def text(sheet: Sheet) -> str:
    out = [sheet.heading(), sheet.subheading(), sheet.deadline_text(), ""]
    if not sheet.rows:
        out += [NOTHING, ""]
    for i, row in enumerate(sheet.rows, 1):
        out.append(f"{i}. {row.name}" + (f", {row.title}" if row.title else ""))
        for j, slot in enumerate(row.slots):
            out.append(f"   {'When:' if j == 0 else '':8}{when(slot)}")
        for j, number in enumerate(row.numbers):
            out.append(f"   {'Dial:' if j == 0 else 'or':8}{number.dial}  ({number.e164})")
        out.append("   Manual line: phone first." if row.manual else "   Automatic line: just send.")
        if row.script:
            out += textwrap.wrap(row.script, 80, initial_indent="   Say:    ", subsequent_indent=" " * 11)
        if row.letter:
            out.append(f"   Letter: {row.letter}")
        out.append("   " + "  ".join(f"[ ] {o}" for o in OUTCOMES))
        out.append("")
    if sheet.closed:
        out.append("Closed today:")
        out += [f"- {c.name}: {c.reason} ({c.date:%a %d %b} local)" for c in sheet.closed]
        out.append("")
    return "\n".join(out)


def markdown(sheet: Sheet) -> str:
    out = [f"# {e(sheet.heading())}", "", e(sheet.subheading()), "", f"**{e(sheet.deadline_text())}**", ""]
    if not sheet.rows:
        out += [e(NOTHING), ""]
    for i, row in enumerate(sheet.rows, 1):
        out += [f"## {i}\\. {e(row.name)}" + (f", {e(row.title)}" if row.title else ""), ""]
        out += ["- **When:** " + "; ".join(e(when(s)) for s in row.slots)]
        out += ["- **Dial:** " + " or ".join(f"[{e(n.dial)}](tel:{n.e164})" for n in row.numbers)]
        out.append("- **Manual line:** phone first." if row.manual else "- **Automatic line:** just send.")
        if row.script:
            out.append(f"- **Say:** {e(row.script)}")
        if row.letter:
            out.append(f"- **Letter:** {e(row.letter)}")
        out += ["", "  ".join(f"☐ {o}" for o in OUTCOMES), ""]
    if sheet.closed:
        out += ["## Closed today", ""]
        out += [f"- {e(c.name)}: {e(c.reason)} ({c.date:%a %d %b} local)" for c in sheet.closed]
        out.append("")
    return "\n".join(out)


CSV_COLUMNS = ["date", "id", "name", "viewer_start", "viewer_end", "office_start", "office_end", "e164", "dial",
               "manual"]


def as_csv(sheet: Sheet) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in sheet.rows:
        for slot in row.slots:
            writer.writerow([
                sheet.date.isoformat(), row.id, row.name, slot.start.isoformat(), slot.end.isoformat(),
                slot.office_start.isoformat(), slot.office_end.isoformat(), "; ".join(n.e164 for n in row.numbers),
                "; ".join(n.dial for n in row.numbers), "yes" if row.manual else "no",
            ])
    return buffer.getvalue()


@functools.lru_cache(maxsize=1)
def _html_template():  # type: ignore[no-untyped-def]
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("faxcampaign", "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    return env.get_template("callsheet.html.j2")


def html(sheet: Sheet) -> str:
    rendered: str = _html_template().render(sheet=sheet, when=when, outcomes=OUTCOMES, nothing=NOTHING)
    return rendered


def pdf(sheet: Sheet) -> bytes:
    from faxcampaign import pdf as pdf_module

    return pdf_module.render_callsheet(sheet)


FORMATS: dict[str, Callable[[Sheet], str | bytes]] = {
    "text": text,
    "markdown": markdown,
    "html": html,
    "pdf": pdf,
    "csv": as_csv,
}

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
from collections.abc import Callable, Sequence
from pathlib import Path

from faxcampaign import clock
from faxcampaign.campaign.model import Campaign, Office
from faxcampaign.campaign.numbers import dial
from faxcampaign.letters.template import default_signer, render_call_script
from faxcampaign.log.progress import Progress
from faxcampaign.log.store import RotaSlot
from faxcampaign.outcomes import OUTCOMES
from faxcampaign.outputs.text import offset_text, span_text, spreadsheet_safe
from faxcampaign.schedule.plan import Window, plan


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
    suspect: str | None = None  # why the log makes this number suspect


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
    logged: str | None = None  # what the log says: "reached 1 today, 3 in total; last: busy at ..., by Ann"


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
    starts: dt.date | None = None
    volunteer: str | None = None  # a sheet of one volunteer's rota slots
    dropped: int = 0  # rota slots left out because the office is no longer open then

    def nothing_text(self) -> str:
        """What the sheet says when no office is open that day."""
        if self.starts and self.date < self.starts:
            return f"Nothing to call yet: the campaign starts on {self.starts:%a %d %b %Y}."
        if self.deadline and self.date > self.deadline:
            return "Nothing to call: the campaign's deadline has passed."
        if self.volunteer:
            return f"Nothing to call today: the rota gives {self.volunteer} no call on this day."
        return NOTHING

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
        whose = f" of {self.volunteer}'s rota slots" if self.volunteer else ""
        return f"Call sheet{whose} for {self.date:%a %d %b %Y}; times in {self.zone}; {numbers}."


def _letter_path(folder: Path | None, recipient_id: str, signer: str | None = None) -> str | None:
    """The letter to send from ``folder`` (where `render --out` wrote them): DIR/<id>.pdf, or with a
    signer, DIR/<signer>/<id>.pdf as `render --signers` lays them out."""
    if folder is None:
        return None
    if signer:
        from faxcampaign.letters.template import Signer

        folder = folder / Signer(signer).slug
    for suffix in ("pdf", "tif"):
        candidate = folder / f"{recipient_id}.{suffix}"
        if candidate.exists():
            return str(candidate)
    if signer:
        return (f"{folder / recipient_id}.pdf (not rendered yet: faxcampaign render --out {folder.parent} "
                f"--signers FILE.csv, with {signer!r} in the file)")
    return f"{folder / recipient_id}.pdf (not rendered yet: faxcampaign render --out {folder})"


def _numbers(office: Office, dial_from: str | None, progress: Progress | None) -> tuple[Number, ...]:
    """The office's numbers as dialled; with a log, suspect numbers last, with the reason."""
    known = progress.office(office.id) if progress else None
    if known is None:
        return tuple(Number(n, dial(n, dial_from)) for n in office.fax)
    return tuple(Number(h.e164, dial(h.e164, dial_from), h.reason) for h in known.healthy_first()
                 if h.e164 in office.fax)


def _logged(office: Office, zone: str, progress: Progress | None) -> str | None:
    from faxcampaign.outputs.status import last_outcome_text

    known = progress.office(office.id) if progress else None
    if known is None:
        return None
    last = last_outcome_text(known, zone)
    return f"reached {known.delivered_today} today, {known.delivered} in total" + (f"; last: {last}" if last else "")


def _rota_slots(windows: Sequence[Window], mine: Sequence[RotaSlot], zone: str, day: dt.date
                ) -> tuple[list[Slot], int]:
    """A volunteer's rota slots on the viewer-local ``day`` that lie inside one of today's ``windows``,
    consecutive ones joined; and how many of that day's slots were left out because the campaign no
    longer has the office open then (nothing is dialled outside an open window)."""
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    dropped = 0
    for s in sorted(mine, key=lambda s: s.start):
        if clock.local_date(s.start, zone) != day:
            continue
        if not any(w.start <= s.start and s.end <= w.end for w in windows):
            dropped += 1
            continue
        if spans and spans[-1][1] == s.start:
            spans[-1] = (spans[-1][0], s.end)
        else:
            spans.append((s.start, s.end))
    office_zone = windows[0].office.timezone
    return [Slot(clock.convert(a, zone), clock.convert(b, zone), clock.convert(a, office_zone),
                 clock.convert(b, office_zone)) for a, b in spans], dropped


def build(campaign: Campaign, day: dt.date, zone: str, dial_from: str | None, now: dt.datetime,
          letters: Path | None = None, progress: Progress | None = None, skip_delivered: bool = False,
          letters_by: str | None = None, rota: tuple[str, Sequence[RotaSlot]] | None = None) -> Sheet:
    """The sheet for the viewer-local ``day``: offices open that day, ordered by their first window.

    With ``progress`` (from the log), each row says what the log knows, suspect numbers come last, and
    ``skip_delivered`` leaves out offices already delivered to on their own today. With ``rota`` (a
    volunteer's name and their slots), only the offices and times of their slots that day."""
    result = plan(campaign, day, 1, zone, now)
    signer = default_signer(campaign)
    mine: dict[str, list[RotaSlot]] = {}
    for s in rota[1] if rota else ():
        mine.setdefault(s.recipient, []).append(s)
    rows = []
    dropped = 0
    # a rota slot early in the day may lie in a window that opened the day before on this clock
    source = plan(campaign, day - dt.timedelta(days=1), 2, zone, now) if rota else result
    for office_plan in source.offices:
        office = office_plan.office
        if rota and not office_plan.windows:
            dropped += sum(clock.local_date(s.start, zone) == day for s in mine.get(office.id, ()))
        if not office_plan.windows:
            continue
        known = progress.office(office.id) if progress else None
        if skip_delivered and known and known.delivered_today:
            continue
        if rota:
            slots, left_out = _rota_slots(office_plan.windows, mine.get(office.id, ()), zone, day)
            dropped += left_out
            if not slots:
                continue
        else:
            slots = [Slot(*w.viewed(zone), w.start, w.end) for w in office_plan.windows]
        rows.append(Row(
            id=office.id, name=office.name, title=office.recipient.title, slots=tuple(slots),
            numbers=_numbers(office, dial_from, progress), manual=office.manual,
            # an automatic line is just sent: no phone call, so no script
            script=render_call_script(campaign, office, signer, slots[0].office_start.date())
            if office.manual else "",
            letter=_letter_path(letters, office.id, letters_by), logged=_logged(office, zone, progress),
        ))
    known_ids = {p.office.id for p in source.offices}
    dropped += sum(clock.local_date(s.start, zone) == day for i, slots_of in mine.items() if i not in known_ids
                   for s in slots_of)  # offices the campaign no longer has
    rows.sort(key=lambda r: r.slots[0].start)
    closed = sorted((c for p in result.offices for c in p.closed), key=lambda c: c.would_open)
    return Sheet(
        title=campaign.data.title, reference=campaign.data.reference, date=day, zone=zone, dial_from=dial_from,
        deadline=campaign.data.deadline, rows=tuple(rows),
        closed=tuple(Closed(c.office.name, c.reason, c.date) for c in closed), starts=campaign.data.starts,
        volunteer=rota[0] if rota else None, dropped=dropped,
    )


def when(slot: Slot) -> str:
    """'03:00-07:00 (their 09:00-13:00 +06)'; their weekday too when it is another day there, and
    '+1 day' after a time that falls on the next day (a window across midnight)."""
    day = f"{slot.office_start:%a} " if slot.office_start.date() != slot.start.date() else ""
    return f"{_span(slot.start, slot.end)} (their {day}{_span(slot.office_start, slot.office_end)} " \
           f"{offset_text(slot.office_start)})"


def _span(start: dt.datetime, end: dt.datetime) -> str:
    text = span_text(start, end)
    midnight = end.hour == end.minute == 0
    return text + " +1 day" if end.date() > start.date() and not midnight else text


NOTHING = "Nothing to call today: no office is open."

_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~&!#])")


def e(value: str) -> str:
    """User text in the Markdown sheet: folded onto one line (so a blank line and '===' cannot make a
    heading, nor a '1.' a list: every line starts with the sheet's own words), and with every character
    that can start inline markup escaped: emphasis, code, links and images, HTML, entities,
    strike-through, tables, and a heading's closing '#'s."""
    return _MARKDOWN.sub(r"\\\1", " ".join(value.split()))


def text(sheet: Sheet) -> str:
    out = [sheet.heading(), sheet.subheading(), sheet.deadline_text(), ""]
    if not sheet.rows:
        out += [sheet.nothing_text(), ""]
    for i, row in enumerate(sheet.rows, 1):
        out.append(f"{i}. {row.name}" + (f", {row.title}" if row.title else ""))
        for j, slot in enumerate(row.slots):
            out.append(f"   {'When:' if j == 0 else '':8}{when(slot)}")
        for j, number in enumerate(row.numbers):
            out.append(f"   {'Dial:' if j == 0 else 'or':8}{number.dial}  ({number.e164})")
            if number.suspect:
                out += textwrap.wrap(f"suspect: {number.suspect}", 80, initial_indent=" " * 11,
                                     subsequent_indent=" " * 11)
        out.append("   Manual line: phone first." if row.manual else "   Automatic line: just send.")
        if row.script:
            out += textwrap.wrap(row.script, 80, initial_indent="   Say:    ", subsequent_indent=" " * 11)
        if row.letter:
            out.append(f"   Letter: {row.letter}")
        if row.logged:
            out += textwrap.wrap(row.logged, 80, initial_indent="   Log:    ", subsequent_indent=" " * 11)
        out += textwrap.wrap("  ".join(f"[ ] {o}" for o in OUTCOMES), 80, initial_indent="   ",
                             subsequent_indent="   ", break_on_hyphens=False)
        out.append("")
    if sheet.closed:
        out.append("Closed today:")
        out += [f"- {c.name}: {c.reason} ({c.date:%a %d %b} local)" for c in sheet.closed]
        out.append("")
    return "\n".join(out)


def markdown(sheet: Sheet) -> str:
    out = [f"# {e(sheet.heading())}", "", e(sheet.subheading()), "", f"**{e(sheet.deadline_text())}**", ""]
    if not sheet.rows:
        out += [e(sheet.nothing_text()), ""]
    for i, row in enumerate(sheet.rows, 1):
        out += [f"## {i}\\. {e(row.name)}" + (f", {e(row.title)}" if row.title else ""), ""]
        out += ["- **When:** " + "; ".join(e(when(s)) for s in row.slots)]
        out += ["- **Dial:** " + " or ".join(f"[{e(n.dial)}](tel:{n.e164})" for n in row.numbers)]
        out += [f"- **Suspect:** {e(n.e164)}: {e(n.suspect)}" for n in row.numbers if n.suspect]
        out.append("- **Manual line:** phone first." if row.manual else "- **Automatic line:** just send.")
        if row.script:
            out.append(f"- **Say:** {e(row.script)}")
        if row.letter:
            out.append(f"- **Letter:** {e(row.letter)}")
        if row.logged:
            out.append(f"- **Log:** {e(row.logged)}")
        out += ["", "  ".join(f"☐ {o}" for o in OUTCOMES), ""]
    if sheet.closed:
        out += ["## Closed today", ""]
        out += [f"- {e(c.name)}: {e(c.reason)} ({c.date:%a %d %b} local)" for c in sheet.closed]
        out.append("")
    return "\n".join(out)


CSV_COLUMNS = ["date", "id", "name", "viewer_start", "viewer_end", "office_start", "office_end", "e164", "dial",
               "manual", "outcome", "at", "by", "note"]


def as_csv(sheet: Sheet) -> str:
    """A row per window and number, with empty outcome, at, by and note columns for the volunteer to fill
    in and send back (`faxcampaign log --import`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in sheet.rows:
        for slot in row.slots:
            for number in row.numbers:
                writer.writerow([
                    sheet.date.isoformat(), row.id, spreadsheet_safe(row.name), slot.start.isoformat(),
                    slot.end.isoformat(), slot.office_start.isoformat(), slot.office_end.isoformat(), number.e164,
                    number.dial, "yes" if row.manual else "no", "", "", "", "",
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


# The HTML sheet's only script: "Save outcomes" builds the import CSV in the page and downloads it.
SAVE_SCRIPT = """
"use strict";
const marked = {};
document.querySelectorAll("input[type=radio]").forEach(function (r) {
  r.addEventListener("change", function () { marked[r.name] = new Date().toISOString().slice(0, 19) + "Z"; });
});
function cell(v) {
  v = String(v);
  if (/^[=+\\-@\\t\\r]/.test(v) && !/^\\+[0-9]+$/.test(v)) { v = "'" + v; }
  return /[",\\r\\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
}
document.getElementById("save").addEventListener("click", function () {
  const by = document.getElementById("by").value.trim();
  const lines = ["date,id,e164,outcome,at,by,note"];
  document.querySelectorAll("section.office").forEach(function (s) {
    const chosen = s.querySelector("input[type=radio]:checked");
    if (!chosen) { return; }
    const number = s.querySelector("select.number");
    lines.push([s.dataset.date, s.dataset.id, number ? number.value : s.dataset.e164, chosen.value,
                marked[chosen.name] || "", by, s.querySelector("input.note").value].map(cell).join(","));
  });
  const blob = new Blob([lines.join("\\n") + "\\n"], {type: "text/csv"});
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = "outcomes-" + document.body.dataset.date + ".csv";
  document.body.appendChild(a);
  a.click();
  a.remove();
  document.getElementById("saved").textContent = (lines.length - 1) + " outcome(s) saved to " + a.download;
});
"""


def html(sheet: Sheet) -> str:
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(SAVE_SCRIPT.encode()).digest()).decode()
    rendered: str = _html_template().render(sheet=sheet, when=when, outcomes=OUTCOMES, nothing=sheet.nothing_text(),
                                            script=SAVE_SCRIPT, script_hash=digest)
    return rendered


def pdf(sheet: Sheet) -> bytes:
    from faxcampaign.letters import pdf as pdf_module

    return pdf_module.render_callsheet(sheet)


FORMATS: dict[str, Callable[[Sheet], str | bytes]] = {
    "text": text,
    "markdown": markdown,
    "html": html,
    "pdf": pdf,
    "csv": as_csv,
}

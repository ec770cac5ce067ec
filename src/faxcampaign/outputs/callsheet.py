"""The call sheet's formats: text, markdown, html, pdf and csv, each laying out a `Sheet` as built by
services/callsheet.py."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import textwrap
from collections.abc import Callable

from faxcampaign.outcomes import OUTCOMES
from faxcampaign.outputs.text import offset_text, span_text, spreadsheet_safe
from faxcampaign.services.callsheet import Row, Sheet, Slot


def logged(row: Row, zone: str) -> str | None:
    """What the log says of the row's office: 'reached 1 today, 3 in total; last: busy at ..., by Ann'."""
    from faxcampaign.outputs.status import last_outcome_text

    known = row.known
    if known is None:
        return None
    last = last_outcome_text(known, zone)
    return f"reached {known.delivered_today} today, {known.delivered} in total" + (f"; last: {last}" if last else "")


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
        if said := logged(row, sheet.zone):
            out += textwrap.wrap(said, 80, initial_indent="   Log:    ", subsequent_indent=" " * 11)
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
        if said := logged(row, sheet.zone):
            out.append(f"- **Log:** {e(said)}")
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
    rendered: str = _html_template().render(sheet=sheet, when=when, logged=logged, outcomes=OUTCOMES,
                                            nothing=sheet.nothing_text(), script=SAVE_SCRIPT, script_hash=digest)
    return rendered


def pdf(sheet: Sheet) -> bytes:
    from faxcampaign.letters.pdf import Section, render_sheet

    sections = []
    for i, row in enumerate(sheet.rows, 1):
        cells: list[tuple[str, list[str]]] = [
            ("When", [when(s) for s in row.slots]),
            ("Dial", [f"{n.dial}  ({n.e164})" + (f" suspect: {n.suspect}" if n.suspect else "") for n in row.numbers]),
            ("Manual line", ["Phone first."]) if row.manual else ("Automatic line", ["Just send."]),
        ]
        if row.script:
            cells.append(("Say", [row.script]))
        if row.letter:
            cells.append(("Letter", [row.letter]))
        if said := logged(row, sheet.zone):
            cells.append(("Log", [said]))
        cells.append(("", ["   ".join(f"\u25a1 {o}" for o in OUTCOMES)]))
        sections.append(Section(f"{i}. {row.name}" + (f", {row.title}" if row.title else ""), cells))
    return render_sheet(f"{sheet.heading()}: {sheet.date}", [sheet.heading(), sheet.subheading()],
                        sheet.deadline_text(), sections, sheet.nothing_text(),
                        [f"{c.name}: {c.reason} ({c.date:%a %d %b} local)" for c in sheet.closed])


FORMATS: dict[str, Callable[[Sheet], str | bytes]] = {
    "text": text,
    "markdown": markdown,
    "html": html,
    "pdf": pdf,
    "csv": as_csv,
}

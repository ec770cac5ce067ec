"""`status` and `history`: the log's contents for people (table) and programs (json, csv).

The json documents are a stable contract (docs/log.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from faxcampaign import clock
from faxcampaign.campaign import facts
from faxcampaign.log.progress import OfficeProgress, Progress
from faxcampaign.log.store import Entry, utc_text
from faxcampaign.outcomes import OUTCOMES
from faxcampaign.outputs.text import offset_text, spreadsheet_safe


def _moment(instant: dt.datetime, office_zone: str, viewer_zone: str) -> dict[str, str]:
    return {
        "utc": utc_text(instant),
        "office": clock.convert(instant, office_zone).isoformat(),
        "viewer": clock.convert(instant, viewer_zone).isoformat(),
    }


def both_clocks(instant: dt.datetime, office_zone: str, viewer_zone: str) -> str:
    """'Mon 06 Jan 09:41 their time (+06), 03:41 yours'."""
    theirs = clock.convert(instant, office_zone)
    yours = clock.convert(instant, viewer_zone)
    day = f"{yours:%a} " if yours.date() != theirs.date() else ""
    return f"{theirs:%a %d %b %H:%M} their time ({offset_text(theirs)}), {day}{yours:%H:%M} yours"


def last_outcome_text(office: OfficeProgress, viewer_zone: str) -> str | None:
    """'busy at Mon 06 Jan 09:40 their time (+06), 03:40 yours, by Ann'."""
    last = office.last
    if last is None:
        return None
    by = f", by {last.volunteer}" if last.volunteer else ""
    return f"{last.outcome} at {both_clocks(last.at, office.timezone, viewer_zone)}{by}"


def _days_left(p: Progress, zone: str) -> str:
    return facts.deadline_phrase(p.deadline, p.days_left(zone))


def status_table(p: Progress, zone: str) -> str:
    title = facts.heading(p.title, p.reference)
    now = clock.convert(p.now, zone)
    deliveries = f"{p.deliveries} deliver{'y' if p.deliveries == 1 else 'ies'}"
    out = [title, f"Status at {now:%a %d %b %Y %H:%M} ({zone}).",
           f"{p.reached} of {p.in_campaign} offices reached, {deliveries}; {_days_left(p, zone)}."]
    groups = [("Not yet reached", [o for o in p.offices if o.in_campaign and not o.delivered]),
              ("Reached", [o for o in p.offices if o.in_campaign and o.delivered]),
              ("No longer in the campaign (logged under an old id)", [o for o in p.offices if not o.in_campaign])]
    for heading, offices in groups:
        if not offices:
            continue
        out += ["", heading]
        for o in offices:
            out.append(f"  {o.name} ({o.id})" if o.name != o.id else f"  {o.id}")
            counts = ", ".join(f"{name} {o.by_outcome[name]}" for name in OUTCOMES if o.by_outcome[name])
            out.append(f"    delivered today {o.delivered_today}, in total {o.delivered}; "
                       f"attempts {o.attempts}" + (f" ({counts})" if counts else ""))
            if o.last_delivery:
                out.append(f"    last delivery: {both_clocks(o.last_delivery, o.timezone, zone)}")
            last = last_outcome_text(o, zone)
            if last and (o.last is None or o.last.at != o.last_delivery):
                out.append(f"    last attempt: {last}")
            if o.unconfirmed:
                out.append(f"    {o.unconfirmed} of the deliveries unconfirmed (recorded when an email gateway "
                           "accepted the message; no report was read)")
            for j in o.in_flight:
                waiting = ", awaiting its report for over a day" if j.awaiting_report else ""
                out.append(f"    in flight: job {j.job} to {j.number} ({j.backend}), since "
                           f"{both_clocks(j.submitted, o.timezone, zone)}{waiting}")
            for n in o.healthy_first():
                if n.suspect:
                    health = f"SUSPECT: {n.reason}"
                elif n.consecutive_failures:
                    health = f"{n.consecutive_failures} failure{'s' if n.consecutive_failures != 1 else ''} in a row"
                else:
                    health = "ok" if n.attempts else "not tried"
                out.append(f"    {n.e164:<16} {health}")
    if p.rota:
        out += ["", *_coverage_lines(p, zone)]
    return "\n".join(out) + "\n"


UNCOVERED_SHOWN = 12


def _coverage_lines(p: Progress, zone: str) -> list[str]:
    r = p.rota
    assert r is not None
    first, last = clock.convert(r.first, zone), clock.convert(r.last, zone)
    share = f" ({100 * r.reported // r.due}%)" if r.due else ""
    out = [f"Rota, {first:%a %d %b} to {last:%a %d %b %Y} ({zone}): {r.assigned} of {r.slots} slot(s) assigned; "
           f"{r.due} over, {r.reported} reported back{share}."]
    for h in r.volunteers:
        out.append(f"  {h.name}: {h.assigned} slot(s), {h.due} over, {h.reported} reported back")
    if r.uncovered:
        names = {o.id: o.name for o in p.offices}
        timezones = {o.id: o.timezone for o in p.offices}
        out.append(f"Hours no volunteer covers ({len(r.uncovered)} stretch(es), office time):")
        for office, start, end in r.uncovered[:UNCOVERED_SHOWN]:
            zone_of = timezones.get(office, "UTC")
            begin, finish = clock.convert(start, zone_of), clock.convert(end, zone_of)
            out.append(f"  {names.get(office, office)}: {begin:%a %d %b %H:%M}-{finish:%H:%M} {offset_text(begin)}")
        if len(r.uncovered) > UNCOVERED_SHOWN:
            out.append(f"  ... and {len(r.uncovered) - UNCOVERED_SHOWN} more (--format json lists them all)")
    return out


def status_document(p: Progress, zone: str) -> dict[str, Any]:
    return {
        "campaign": {"title": p.title, "reference": p.reference,
                     "deadline": p.deadline.isoformat() if p.deadline else None, "days_left": p.days_left(zone)},
        "now": utc_text(p.now),
        "viewer": {"timezone": zone},
        "totals": {"offices": p.in_campaign, "reached": p.reached, "deliveries": p.deliveries},
        "offices": [
            {
                "id": o.id,
                "name": o.name,
                "in_campaign": o.in_campaign,
                "reached": o.delivered > 0,
                "delivered_today": o.delivered_today,
                "delivered": o.delivered,
                "attempts": o.attempts,
                "by_outcome": {name: o.by_outcome[name] for name in OUTCOMES},
                "last_delivery": _moment(o.last_delivery, o.timezone, zone) if o.last_delivery else None,
                "last_attempt": None if o.last is None else {
                    **_moment(o.last.at, o.timezone, zone), "outcome": o.last.outcome, "number": o.last.number,
                    "by": o.last.volunteer, **o.last.proof, "unconfirmed": o.last.unconfirmed},
                "unconfirmed_deliveries": o.unconfirmed,
                "in_flight": [{"backend": j.backend, "job": j.job, "number": j.number,
                               "submitted": utc_text(j.submitted), "awaiting_report": j.awaiting_report}
                              for j in o.in_flight],
                "numbers": [
                    {"e164": n.e164, "attempts": n.attempts, "consecutive_failures": n.consecutive_failures,
                     "last_outcome": n.last_outcome, "suspect": n.suspect, "reason": n.reason}
                    for n in o.healthy_first()
                ],
            }
            for o in p.offices
        ],
        "rota": None if p.rota is None else {
            "first": utc_text(p.rota.first), "last": utc_text(p.rota.last), "slots": p.rota.slots,
            "assigned": p.rota.assigned, "over": p.rota.due, "reported_back": p.rota.reported,
            "volunteers": [{"name": h.name, "assigned": h.assigned, "over": h.due, "reported_back": h.reported}
                           for h in p.rota.volunteers],
            "offices": [{"office": office, "slots": a, "assigned": b, "reported_back": c}
                        for office, (a, b, c) in sorted(p.rota.offices.items())],
            "uncovered": [{"office": office, "start": utc_text(a), "end": utc_text(b)}
                          for office, a, b in p.rota.uncovered],
        },
    }


def _csv(header: Sequence[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def status_csv(p: Progress, zone: str) -> str:
    header = ["id", "name", "in_campaign", "reached", "delivered_today", "delivered", "attempts", *OUTCOMES,
              "last_delivery_utc", "e164", "number_attempts", "consecutive_failures", "suspect",
              "rota_slots", "rota_assigned", "rota_reported_back"]
    rows = []
    for o in p.offices:
        common = [o.id, spreadsheet_safe(o.name), _yes(o.in_campaign), _yes(o.delivered > 0), o.delivered_today,
                  o.delivered, o.attempts, *(o.by_outcome[name] for name in OUTCOMES),
                  utc_text(o.last_delivery) if o.last_delivery else ""]
        # the saved rota's slots for the office (empty without a saved rota)
        rota = list(p.rota.offices.get(o.id, (0, 0, 0))) if p.rota else ["", "", ""]
        numbers = o.healthy_first()
        rows += [common + [n.e164, n.attempts, n.consecutive_failures, _yes(n.suspect), *rota] for n in numbers]
        if not numbers:
            rows.append(common + ["", 0, 0, "no", *rota])
    return _csv(header, rows)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


STATUS_FORMATS: dict[str, Callable[[Progress, str], str]] = {
    "table": status_table,
    "json": lambda p, zone: json.dumps(status_document(p, zone), indent=2, ensure_ascii=False) + "\n",
    "csv": status_csv,
    "html": lambda p, zone: status_page(p, zone),
}


def status_page(p: Progress, zone: str) -> str:
    """`status --format html`: one self-contained page (inline SVG and style, no script, nothing fetched),
    for cron to mail."""
    import html

    from faxcampaign import clock
    from faxcampaign.outputs.charts import charts

    e = html.escape
    rows = []
    for o in p.offices:
        if not o.in_campaign:
            continue
        last = last_outcome_text(o, zone) or "no attempt yet"
        suspect = ", ".join(f"{n.e164} ({n.reason})" for n in o.numbers.values() if n.suspect)
        rows.append(f"<tr><td>{e(o.name)}</td><td>{'yes' if o.delivered else 'no'}</td><td>{o.attempts}</td>"
                    f"<td>{e(last)}</td><td>{e(suspect)}</td></tr>")
    title = e(p.title)
    return "\n".join([
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{title}: status</title>",
        "<style>body{font:14px sans-serif;max-width:60rem}td,th{padding:2px 6px;border-bottom:1px solid #ddd;"
        "text-align:left}table{border-collapse:collapse}figure{margin:8px 0}</style></head><body>",
        f"<h1>{title}</h1>",
        f"<p>{p.reached} of {p.in_campaign} offices reached, as of {e(f'{clock.convert(p.now, zone):%Y-%m-%d %H:%M}')}"
        f" {e(zone)}.</p>",
        *(f"<figure>{chart}</figure>" for chart in charts(p, zone)),
        "<table><thead><tr><th>Office</th><th>Reached</th><th>Attempts</th><th>Last</th><th>Suspect numbers</th>"
        "</tr></thead><tbody>", *rows, "</tbody></table>", "</body></html>", ""])



HISTORY_COLUMNS = ["entry", "at", "recipient", "number", "outcome", "by", "signer", "pages", "note", "source", "job",
                   "voided_by", "void_note", "pages_total", "remote_id", "provider_job", "error_code", "completed_at",
                   "unconfirmed"]


def _history_row(e: Entry) -> list[Any]:
    a = e.attempt
    return [e.id, utc_text(a.at), a.recipient, a.number, a.outcome, a.volunteer, a.signer, a.pages, a.note,
            a.source, a.job, e.voided_by, e.void_note, a.pages_total, a.remote_id, a.provider_job, a.error_code,
            utc_text(a.completed_at) if a.completed_at else None, a.unconfirmed]


def history_csv_chunks(entries: Iterable[Entry], rows_per_chunk: int = 2000) -> Iterator[str]:
    """`history --format csv`, written as it goes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for n, e in enumerate(entries, 1):
        row = _history_row(e)
        for i in (5, 6, 8, 12, 14, 15, 16):  # free text (a provider's or far end's too)
            row[i] = spreadsheet_safe(row[i])
        row[-1] = "yes" if row[-1] else ""
        writer.writerow(["" if v is None else v for v in row])
        if n % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def history_csv(entries: Iterable[Entry]) -> str:
    return "".join(history_csv_chunks(entries))


def history_entry(e: Entry) -> dict[str, Any]:
    """One entry as `history --format json` (and the web app's API) shows it."""
    return dict(zip(HISTORY_COLUMNS, _history_row(e), strict=True))


def history_json_chunks(entries: Iterable[Entry], per_chunk: int = 2000) -> Iterator[str]:
    """`history --format json`, written as it goes, a list of ``per_chunk`` entries at a time: the same
    bytes as the whole list dumped at once (each chunk is such a list without its brackets)."""
    import itertools

    it = iter(entries)
    first = True
    while batch := [history_entry(e) for e in itertools.islice(it, per_chunk)]:
        inner = json.dumps(batch, indent=2, ensure_ascii=False)[1:-2]  # "\n  {...},\n  {...}"
        yield ("[" if first else ",") + inner
        first = False
    yield "[]\n" if first else "\n]\n"


def history_json(entries: Iterable[Entry]) -> str:
    return "".join(history_json_chunks(entries))


HISTORY_FORMATS: dict[str, Callable[[Iterable[Entry]], Iterator[str]]] = {"csv": history_csv_chunks,
                                                                          "json": history_json_chunks}

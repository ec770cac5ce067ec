"""The call sheet of one volunteer (or viewer) for one day: which offices, when on whose clock, which
numbers, what to say, which letter, what the log knows.

The rows come from `schedule.plan` for one viewer-local day: one source of truth for times. The formats
(outputs/callsheet.py) only lay out what `build` prepared; `sheets` decides, for the command line and
the web app alike, whose clock and dialling country each sheet is on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from faxcampaign import clock
from faxcampaign.campaign import facts
from faxcampaign.campaign.model import Campaign, Office
from faxcampaign.campaign.numbers import dial
from faxcampaign.errors import FaxCampaignError, RequestError
from faxcampaign.letters.template import default_signer, render_call_script
from faxcampaign.log.progress import OfficeProgress, Progress
from faxcampaign.log.store import RotaSlot
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
    known: OfficeProgress | None = None  # what the log knows of the office (outputs put it in words)


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
        return "Nothing to call today: no office is open."

    @property
    def days_left(self) -> int | None:
        return None if self.deadline is None else (self.deadline - self.date).days

    def deadline_text(self) -> str:
        return facts.sentence(facts.deadline_phrase(self.deadline, self.days_left, last_chance=True))

    def heading(self) -> str:
        return facts.heading(self.title, self.reference)

    def subheading(self) -> str:
        numbers = f"numbers dialled from {self.dial_from}" if self.dial_from else "numbers in international form"
        whose = f" of {self.volunteer}'s rota slots" if self.volunteer else ""
        return f"Call sheet{whose} for {self.date:%a %d %b %Y}; times in {self.zone}; {numbers}."


def _letter_path(folder: Path | None, recipient_id: str, signer: str | None = None) -> str | None:
    """The letter to send from ``folder`` (where `render --out` wrote them): DIR/<id>.pdf, or with a
    signer, DIR/<signer>/<id>.pdf as `render --signers` lays them out."""
    if folder is None:
        return None
    places = [folder]
    if signer:
        from faxcampaign.letters.template import Signer

        named = Signer(signer)
        places = [folder / named.slug, folder / named.old_slug]  # the folder earlier versions wrote too
        folder = places[0]
    for place in places:
        for suffix in ("pdf", "tif"):
            candidate = place / f"{recipient_id}.{suffix}"
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
            letter=_letter_path(letters, office.id, letters_by), known=progress.office(office.id) if progress else None,
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


@dataclasses.dataclass(frozen=True, slots=True)
class SheetRequest:
    """Whose sheets, for which day. ``zone``/``dial_from`` are the viewer's; with a rota, each volunteer's
    own zone and country win unless ``zone_given``/``dial_given`` say the viewer chose them."""

    campaign: Path
    zone: str
    dial_from: str | None = None
    zone_given: bool = False
    dial_given: bool = False
    day: str | None = None  # YYYY-MM-DD, "today" (None) or "tomorrow", on the sheet's clock
    now_text: str | None = None  # the time the sheet is made, on the sheet's clock; default now
    letters: Path | None = None
    letters_by: str | None = None  # the signer whose letters `render --signers` wrote
    skip_delivered: bool = False
    volunteer: str | None = None  # only this volunteer's rota slots
    everyone: bool = False  # every volunteer's sheet
    rota_file: Path | None = None  # else the rota saved in the log
    log: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class VolunteerSheet:
    volunteer: str | None  # None: the viewer's sheet, without a rota
    sheet: Sheet


def sheet_day(day_text: str | None, now: dt.datetime, zone: str) -> dt.date:
    today = clock.local_date(now, zone)
    if day_text in (None, "today"):
        return today
    if day_text == "tomorrow":
        return today + dt.timedelta(days=1)
    assert day_text is not None
    return dt.date.fromisoformat(day_text)


def team_slots(campaign: Campaign, rota_file: Path | None, log_place: str | None) -> dict[str, list[RotaSlot]]:
    """Each volunteer's slots, from ``rota_file`` or the rota saved in the log; in order of name."""
    if rota_file is not None:
        from faxcampaign.team.rota import read_rota_file

        slots = read_rota_file(rota_file)
    else:
        from faxcampaign.log.roster import Roster
        from faxcampaign.log.store import location, open_log

        where = location(log_place, campaign.path)
        with open_log(where, Roster.of(campaign).key, create=False) as log:
            slots = log.rota()
        if not slots:
            raise FaxCampaignError(f"no rota saved in the log ({where}): run `faxcampaign rota --save`, or give "
                                   "--rota FILE")
    team: dict[str, list[RotaSlot]] = {}
    for s in slots:
        if s.volunteer is not None:
            team.setdefault(s.volunteer, []).append(s)
    return dict(sorted(team.items()))


def sheets(request: SheetRequest) -> list[VolunteerSheet]:
    """The sheet of the viewer, of one volunteer of the rota, or of every volunteer (none when the rota
    gives nobody a slot)."""
    from faxcampaign.campaign.loader import load
    from faxcampaign.services.base import parse_now, progress_of

    if request.rota_file and not (request.volunteer or request.everyone):
        raise RequestError("--rota needs --volunteer NAME, or --out with {volunteer} for everyone's sheets",
                           usage=True)
    loaded = load(request.campaign)
    team: dict[str | None, list[RotaSlot]] = {None: []}
    if request.volunteer or request.everyone:
        slots_of = team_slots(loaded, request.rota_file, request.log)
        if request.volunteer:
            wanted = " ".join(request.volunteer.split()).casefold()
            names = [n for n in slots_of if n.casefold() == wanted]
            if not names:
                known = ", ".join(sorted(slots_of)) or "none"
                raise RequestError(f"{request.volunteer!r} has no slot in the rota (volunteers: {known})",
                                   "--volunteer")
            slots_of = {names[0]: slots_of[names[0]]}
        team = dict(slots_of.items())  # type: ignore[arg-type]
    out = []
    for name, slots in team.items():
        zone = request.zone if request.zone_given or name is None else (slots[0].timezone or request.zone)
        dial_from = request.dial_from if request.dial_given or name is None else slots[0].dial_from
        now = parse_now(request.now_text, zone)
        day = sheet_day(request.day, now, zone)
        sheet = build(loaded, day, zone, dial_from, now, request.letters, progress_of(loaded, request.log, now),
                      request.skip_delivered, request.letters_by, (name, slots) if name is not None else None)
        out.append(VolunteerSheet(name, sheet))
    return out

"""Reading a campaign file: its YAML (yamldoc.py), its values validated (schema.py, where pydantic is) and
resolved into offices with the defaults applied, every problem a finding at its file, line and column.

Values are validated a part at a time, the top level and each recipient on their own, and each part is
known by a digest of its YAML values. `read` can be given the parts of the file's last clean load (the
cache folder keeps them: loader.py) and then validates only the parts that changed: after an edit to one
recipient, that recipient; after an edit that changes no value (a comment, the layout), nothing, and
pydantic is not even imported. Resolving (defaults, numbers, the checks across recipients and the
warnings) always runs on the whole file, and `check` always validates everything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from faxcampaign import clock
from faxcampaign.campaign.hours import DAY_NAMES
from faxcampaign.campaign.language import KEYS, has_words, primary
from faxcampaign.campaign.model import MAX_BYTES, Campaign, Office, Record, with_recipients
from faxcampaign.campaign.numbers import NumberError, parse_number
from faxcampaign.campaign.paths import Path_
from faxcampaign.campaign.yamldoc import Document
from faxcampaign.errors import CampaignError
from faxcampaign.files import is_inside

Parts = tuple[str, tuple[str, ...]]  # the digests of the top level's values (all but recipients), of each recipient's


class Reader(Document):
    """The campaign file: read (yamldoc.py), validated (schema.py), resolved into offices."""

    what = "the campaign file"
    empty = "the file is empty; a campaign needs at least 'title', 'letter' and 'recipients'"
    top = "the top level must be a mapping of keys such as 'title' and 'recipients'"
    holds = "campaign files hold plain data"
    max_bytes = MAX_BYTES

    def __init__(self, path: Path, describe_numbers: bool):
        super().__init__(path)
        self.describe_numbers = describe_numbers

    def check_open_days(self, entries: list[Record], base: Path_) -> None:
        """An `open` entry whose own hours say nothing about its weekday would open nothing."""
        for j, entry in enumerate(entries):
            if entry.hours and not entry.hours.spans(entry.date.weekday()):
                day = DAY_NAMES[entry.date.weekday()]
                self.add("warning", base + ("open", j, "hours"), f"{entry.date} is a {day} but these hours "
                         f"open nothing on {day}; write e.g. '{day} 09:00-13:00'")

    def check_language(self, model: Record, templates: Mapping[str, str], r: Record, language: str,
                       bilingual: bool, here: Path_) -> None:
        """Warn where a recipient's letter will not be in its language, or will print English labels."""
        place: Path_ = here + ("language",) if r.language else \
            ("defaults", "language") if model.defaults.language else ("language",)
        if language not in templates and primary(language) not in templates:
            what = "a bilingual letter without its translation" if bilingual else f"the {model.language!r} letter"
            self.add("warning", place, f"no letter template for {language!r}: this recipient gets {what}; add "
                     f"'letter: {{{language}: templates/letter.{language}.md.j2, ...}}'")
        if not has_words(language) and language not in model.words and primary(language) not in model.words:
            self.add("warning", place, f"faxcampaign has no built-in {language!r} words for the cover sheet and "
                     f"page numbers, so they print in English; give them under 'words: {{{language}: ...}}'")

    def check_letters(self, model: Record) -> None:
        """Each letter template must be a file inside the campaign's folder, symlinks followed: a campaign
        from a stranger may not print the organiser's own files into a fax."""
        if isinstance(model.letter, str):
            self.check_letter(model.letter, ("letter",))
            return
        for language, name in model.letter.items():
            self.check_letter(name, ("letter", language))
        if model.language not in model.letter:
            self.add("error", ("letter",), f"no template in the campaign's language {model.language!r} (the "
                     f"original of every letter); give 'letter: {{{model.language}: ...}}' or set 'language'")
        for language, table in model.words.items():
            for key in table:
                if key not in KEYS:
                    import difflib

                    close = difflib.get_close_matches(key, KEYS, n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else f" (the words: {', '.join(KEYS)})"
                    self.add("error", ("words", language, key), f"no fixed word {key!r}{hint}")

    def check_letter(self, name: str, place: Path_) -> None:
        folder = self.path.parent
        letter = folder / name
        if not is_inside(letter, folder):
            self.add("error", place, f"the letter template must be inside the campaign's folder "
                     f"({folder.resolve()}); {name!r} is not")
            return
        try:
            found = letter.is_file()
        except OSError as e:
            self.add("error", place, f"cannot read the letter template {name!r}: {e.strerror or e}")
            return
        if not found:
            self.add("error", place, f"letter template not found: {letter}")

    def resolve(self, model: Record, indexes: list[int]) -> list[Office]:
        if model.fax_gateway is not None:
            try:
                sample = model.fax_gateway.format(e164="+10", e164_digits="10")
            except (KeyError, IndexError, ValueError, AttributeError):
                sample = ""
            if "{" in model.fax_gateway.replace("{e164_digits}", "").replace("{e164}", "") or "@" not in sample:
                self.add("error", ("fax_gateway",), "write an address with {e164_digits} or {e164} for the number, "
                         "e.g. '{e164_digits}@fax.example.net'")
        if model.starts and model.deadline and model.deadline < model.starts:
            self.add("error", ("deadline",), f"the deadline {model.deadline} is before starts {model.starts}")
        self.check_letters(model)
        templates = {model.language: model.letter} if isinstance(model.letter, str) else model.letter
        defaults = model.defaults
        offices: list[Office] = []
        seen: dict[str, int] = {}
        owners: dict[str, int] = {}  # E.164 -> the first recipient that has it
        self.check_open_days(model.open, ())
        for i, r in zip(indexes, model.recipients, strict=True):
            here: Path_ = ("recipients", i)
            self.check_open_days(r.open, here)
            if r.id in seen:
                self.add("error", here + ("id",), f"duplicate id {r.id!r} (also recipients[{seen[r.id]}])")
            seen.setdefault(r.id, i)
            timezone = r.timezone or defaults.timezone
            hours = r.hours or defaults.hours
            country = r.country or defaults.country
            numbers: list[str] = []
            for j, text in enumerate(r.fax):
                where = here + ("fax", j) if len(r.fax) > 1 or (*here, "fax", 0) in self.marks.values \
                    else here + ("fax",)
                try:
                    # a national number (0216 ...) is read as dialled in the recipient's country
                    parsed = parse_number(text, model.numbers_dialled_from or country, self.describe_numbers)
                except NumberError as e:
                    self.add("error", where, str(e))
                    continue
                if parsed.warning:
                    self.add("warning", where, parsed.warning)
                if parsed.extension:
                    self.add("warning", where, f"the extension {parsed.extension!r} cannot be dialled by a fax "
                             "machine and is left out; say it in a call script if a person must put you through")
                if parsed.region and country and parsed.region != country:
                    self.add("warning", where, f"{parsed.e164} is a number in {parsed.region}, but the "
                             f"recipient's country is {country}: check the number and 'country'")
                if parsed.e164 in owners and owners[parsed.e164] != i:
                    self.add("warning", where, f"{parsed.e164} is also the number of recipients"
                             f"[{owners[parsed.e164]}]; is it the same office?")
                owners.setdefault(parsed.e164, i)
                numbers.append(parsed.e164)
            if timezone and country and not timezone.startswith("Etc/") and timezone != "UTC":
                zones = clock.country_zones(country)
                if zones and timezone not in zones:
                    self.add("warning", here, f"the time zone {timezone} is not one of {country}'s "
                             f"({', '.join(zones[:6])}{', ...' if len(zones) > 6 else ''}): check 'timezone' and "
                             "'country' (inherited from 'defaults'?)")
            if not timezone:
                self.add("error", here, "no timezone: give one here or in 'defaults'")
            if not hours:
                self.add("error", here, "no office hours: give 'hours' here or in 'defaults'")
            if hours and not country and any(rule.public_holiday for rule in hours.rules):
                self.add("warning", here, "hours name PH but no country is set, so no public holidays are "
                         "known")
            if not (timezone and hours):
                continue
            language = r.language or defaults.language or model.language
            bilingual = model.bilingual if r.bilingual is None else r.bilingual
            self.check_language(model, templates, r, language, bilingual, here)
            offices.append(
                Office(
                    id=r.id,
                    name=r.name,
                    timezone=timezone,
                    country=country,
                    hours=hours,
                    manual=defaults.manual if r.manual is None else r.manual,
                    fax=tuple(numbers),
                    closed={c.date: c.reason for c in [*model.closed, *r.closed]},
                    open={o.date: (o.reason, o.hours) for o in [*model.open, *r.open]},
                    recipient=r,
                    index=i,
                    language=language,
                    bilingual=bilingual and language != model.language,
                    phrase=r.phrase or defaults.phrase,
                )
            )
        return offices


class Known:
    """A clean load's values, by the digests of their parts: what `read` need not validate again."""

    def __init__(self, parts: Parts, values: Record):
        self.top, self.values = parts[0], values
        recipients = values.recipients
        self.recipients = dict(zip(parts[1], recipients, strict=True)) if len(parts[1]) == len(recipients) else {}


def digests(data: Any) -> Parts | None:
    """The digest of each part of a campaign file's values; None unless they hold a list of recipients,
    each a mapping."""
    recipients = data.get("recipients") if isinstance(data, dict) else None
    if not isinstance(recipients, list) or not recipients or not all(type(r) is dict for r in recipients):
        return None
    return _digest({k: v for k, v in data.items() if k != "recipients"}), tuple(map(_digest, recipients))


def _digest(value: Any) -> str:
    # repr tells apart every value plain YAML makes (str, int, float, bool, None, dates, bytes, lists,
    # mappings); values equal but written otherwise (keys in another order) are merely validated again
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _values(reader: Reader, data: Any, known: Known | None) -> tuple[Record | None, list[int], Parts | None]:
    """The validated values, the index in the file of each recipient they hold, and the parts' digests."""
    parts = digests(data)
    top: Record | None = None
    reused: dict[int, Record] = {}
    if parts is not None and known is not None:
        top = known.values if parts[0] == known.top else None
        reused = {i: known.recipients[d] for i, d in enumerate(parts[1]) if d in known.recipients}
        if top is not None and len(reused) == len(parts[1]):
            return with_recipients(top, list(reused.values())), list(reused), parts
    from faxcampaign.campaign.schema import validate

    values, indexes = validate(reader, data, top, reused)
    return values, indexes, parts


def read(path: Path, describe_numbers: bool = False, known: Known | None = None) -> tuple[Campaign, Parts | None]:
    """Read and validate a campaign file (validating only what ``known`` does not hold); raise
    `CampaignError` with every finding if it has errors. Also the digests of its parts."""
    reader = Reader(path, describe_numbers)
    data = reader.read()
    values, indexes, parts = _values(reader, data, known) if data is not None else (None, [], None)
    offices = reader.resolve(values, indexes) if values is not None else []
    reader.findings.sort(key=lambda f: (f.line, f.column))
    if values is None or reader.failed:
        raise CampaignError(reader.findings)
    return Campaign(path, values, offices, reader.findings, reader.marks), parts

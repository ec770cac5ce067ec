"""The campaign file: its model (which also gives the JSON Schema) and a loader that reports every
problem at once with the file, line and column of the YAML node at fault. What it loads is a `Campaign`
(campaign.py), whose values are plain `Record`s: the commands never need pydantic once a file has loaded."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
)

from faxcampaign import clock, limits
from faxcampaign.campaign.hours import HoursError, OpeningHours, parse_hours
from faxcampaign.campaign.model import FIRST_YEAR, LAST_YEAR, MAX_BYTES, SLUG, Campaign, Office, Record
from faxcampaign.campaign.numbers import is_region
from faxcampaign.campaign.paths import Path_
from faxcampaign.campaign.yamldoc import Document
from faxcampaign.errors import CampaignError


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError(
            f"not a valid id: {value!r} (ids become file names: lowercase letters, digits and '-', "
            "starting with a letter or digit, at most 64 characters)"
        )
    return value


def _timezone(value: str) -> str:
    if not clock.is_zone(value):
        raise ValueError(f"unknown time zone {value!r}{_zone_hint(value)}")
    return value


def _zone_hint(value: str) -> str:
    """A suggestion for an unknown time zone: a fixed offset gets the Etc/GMT form with its sign turned
    (and a nudge towards the place's own zone); a city's name gets the zone named after it; else the
    closest of the common (not legacy) zone names."""
    offset = re.fullmatch(r"\s*(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?00)?\s*", value, re.IGNORECASE)
    if offset:
        sign, hours = offset.groups()
        etc = f"Etc/GMT{'-' if sign == '+' else '+'}{int(hours)}"
        return (f"; a fixed offset is {etc!r} (the sign is turned, as the tz database does), but better the "
                "place's own zone, e.g. 'Europe/Istanbul', which knows its summer time and history")
    common = clock.common_zone_names()
    wanted = value.strip().replace(" ", "_").casefold()
    for name in common:
        if name.rsplit("/", 1)[-1].casefold() == wanted:
            return f"; did you mean {name!r}?"
    close = difflib.get_close_matches(value, common, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else " (use an IANA name such as 'Asia/Almaty')"


def _country(value: str) -> str:
    if not is_region(value):
        raise ValueError(f"not an ISO 3166 country code: {value!r} (e.g. 'KZ', 'GB')")
    return value.upper()


def _hours(value: Any) -> OpeningHours:
    if isinstance(value, OpeningHours):
        return value
    if not isinstance(value, str):
        raise ValueError("office hours must be a string such as 'Mo-Fr 09:00-18:00; PH off'")
    try:
        return parse_hours(value)
    except HoursError as e:
        raise ValueError(f"bad hours {value!r}: {e}") from e




def _sane_day(value: dt.date) -> dt.date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"{value} is out of range: campaigns run between {FIRST_YEAR} and {LAST_YEAR}")
    return value


def _listify(value: Any) -> Any:
    if isinstance(value, (str, int)):
        return [str(value)]
    if isinstance(value, list):
        return [str(v) if isinstance(v, int) else v for v in value]
    return value


def _language(value: str) -> str:
    from faxcampaign.campaign.language import LanguageError, normalise

    try:
        return normalise(value)
    except LanguageError as e:
        raise ValueError(str(e)) from None


Day = Annotated[dt.date, AfterValidator(_sane_day)]
Line = Annotated[str, Field(max_length=limits.LINE)]
Text = Annotated[str, Field(max_length=limits.TEXT)]
Context = Annotated[dict[str, Any], Field(description=f"values for the letter template, any plain data; each string "
                                          f"at most {limits.TEXT:,} characters, each key at most {limits.LINE}")]
Language = Annotated[str, AfterValidator(_language), Field(description="BCP 47 language tag, e.g. ru, kk, tr")]
Slug = Annotated[str, AfterValidator(_slug), Field(json_schema_extra={"pattern": "^" + SLUG.pattern[:-2] + "$"})]
TimeZone = Annotated[str, AfterValidator(_timezone), Field(description="IANA time zone, e.g. Asia/Almaty")]
Country = Annotated[str, AfterValidator(_country), Field(description="ISO 3166-1 alpha-2 code, e.g. KZ")]
Hours = Annotated[
    OpeningHours,
    PlainValidator(_hours),
    WithJsonSchema(
        {
            "type": "string",
            "description": "opening_hours subset, e.g. 'Mo-Fr 09:00-13:00,14:00-18:00; PH off'",
        }
    ),
]
Lines = Annotated[list[Line], BeforeValidator(lambda v: [v] if isinstance(v, str) else v),
                  WithJsonSchema({"anyOf": [{"type": "string", "maxLength": limits.LINE},
                                            {"type": "array", "items": {"type": "string", "maxLength": limits.LINE}}],
                                  "description": "one line, or a list of lines"})]
Numbers = Annotated[list[str], BeforeValidator(_listify), Field(min_length=1),
                    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"},
                                              {"type": "array", "minItems": 1,
                                               "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}],
                                    "description": "one number, or a list in order of preference"})]


class _Model(BaseModel):
    # Unknown keys are kept here so that the loader can report each one, with a did-you-mean, as an
    # error (a misspelled key is a setting silently not set); the published schema forbids them too.
    model_config = ConfigDict(
        extra="allow", json_schema_extra={"additionalProperties": False}, arbitrary_types_allowed=True
    )


class Sender(_Model):
    """Who signs and sends the letter (the default signer)."""

    name: Line
    organisation: Line | None = None
    address: Lines = []
    email: Line | None = None
    phone: Line | None = None


class Phrase(_Model):
    """What to say when the office answers, in its language, with how to pronounce it."""

    text: Line = Field(description="the phrase as written, e.g. 'Примите факс'")
    say: Line | None = Field(None, description="how to pronounce it, e.g. 'PREE-nyat fax'")


class Defaults(_Model):
    """Settings every recipient inherits unless it gives its own."""

    country: Country | None = None
    timezone: TimeZone | None = None
    hours: Hours | None = None
    manual: bool = True
    language: Language | None = None
    phrase: Phrase | None = None


class Closed(_Model):
    """A day the offices are shut although their weekly hours say open."""

    date: Day
    reason: Line


class Open(_Model):
    """A weekend day worked instead (a decreed transfer); Monday's hours unless `hours` is given."""

    date: Day
    reason: Line
    hours: Hours | None = None


class Recipient(_Model):
    """One office to fax."""

    id: Slug
    name: Line
    title: Line | None = None
    organisation: Line | None = None
    address: Lines = []
    salutation: Line | None = None
    fax: Numbers = Field(description="one number or a list, in order of preference")
    phone: Line | None = None
    email: Line | None = None
    country: Country | None = None
    timezone: TimeZone | None = None
    hours: Hours | None = None
    manual: bool | None = None
    call_script: Text | None = Field(None, description="this office's own call script, instead of the campaign's")
    language: Language | None = Field(None, description="the language the office reads (its letter's language)")
    bilingual: bool | None = Field(None, description="send the letter in its language followed by the original")
    phrase: Phrase | None = None
    closed: list[Closed] = []
    open: list[Open] = []
    context: Context = {}


ReportOutcome = Literal["delivered", "partial", "busy", "no-answer", "refused", "not-fax", "wrong-number", "failed"]


class CampaignFile(_Model):
    """A faxcampaign campaign file."""

    title: Line
    reference: Line | None = None
    starts: Day | None = None
    deadline: Day | None = None
    language: Language = Field("en", description="the campaign's own language: of a single letter template, of "
                               "`closing`, and of the original in bilingual letters")
    letter: str | dict[Language, str] = Field(
        description="path of the Jinja2 letter template, relative to this file; or one path per language, "
        "e.g. {ru: letter.ru.md.j2, en: letter.md.j2}")
    bilingual: bool = Field(False, description="each letter in its recipient's language, followed by the "
                            "original in the campaign's language")
    words: dict[Language, dict[str, Line]] = Field(
        {}, description="per language, the campaign's own wording of the fixed words (to, from, page, closing, "
        "translation, original, ...)")
    numbers_dialled_from: Country | None = Field(
        None, description="the fax numbers are written as dialled from this country"
    )
    call_script: Text | None = None
    fax_gateway: Line | None = Field(
        None, description="email-to-fax gateway address for `send --via smtp://...`, made from each number: "
        "{e164_digits} (77212420220) or {e164} (+77212420220), e.g. '{e164_digits}@fax.example.net'")
    fax_gateway_reports: dict[ReportOutcome, list[Line]] = Field(
        {}, description="for `sync --reports`: phrases in the gateway's report mails, per outcome, read before "
        "the built-in ones (plain text, any case), e.g. {busy: ['Leitung besetzt'], delivered: ['Fax zugestellt']}")
    closing: Line = Field("Yours sincerely,", description="the line above the signature")
    sender: Sender | None = None
    defaults: Defaults = Defaults()
    closed: list[Closed] = []
    open: list[Open] = []
    context: Context = {}
    recipients: list[Recipient] = Field(min_length=1)


def schema() -> dict[str, Any]:
    """The JSON Schema of the campaign file."""
    result = CampaignFile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **result}


# --- loading -------------------------------------------------------------------------------------


class _Loader(Document):
    """The campaign file: read (yamldoc.py), validated against the model, resolved into offices."""

    what = "the campaign file"
    empty = "the file is empty; a campaign needs at least 'title', 'letter' and 'recipients'"
    top = "the top level must be a mapping of keys such as 'title' and 'recipients'"
    holds = "campaign files hold plain data"
    max_bytes = MAX_BYTES

    def __init__(self, path: Path, describe_numbers: bool):
        super().__init__(path)
        self.describe_numbers = describe_numbers

    # -- model --

    def report(self, error: ValidationError, base: Path_, data: Any) -> None:
        for item in error.errors(include_url=False):
            path = base + _data_path(data, item["loc"])
            if item["type"] == "missing":
                self.add("error", path, f"required key {item['loc'][-1]!r} is missing")
                continue
            message = re.sub(r"^(Value|Assertion) error, ", "", item["msg"])
            if item["type"].startswith(("date_", "datetime_")):
                message = f"not a date: {item.get('input')!r}; write YYYY-MM-DD, e.g. 2003-01-06"
            elif item["type"] in ("string_type", "bool_type", "list_type", "dict_type", "model_type", "int_type"):
                message = f"{message} (found {type(item.get('input')).__name__} {str(item.get('input'))[:40]!r})"
            if item["type"] == "string_too_long":
                message = limits.too_long(str(item.get("input")), int(item["ctx"]["max_length"])) or message
            if item["type"] == "too_short" and path == ("recipients",):
                message = "a campaign needs at least one recipient"
            elif item["type"] == "too_short" and path[-1:] == ("fax",):
                message = "give at least one fax number"
            self.add("error", path, message)

    def validate(self, data: Any) -> tuple[CampaignFile | None, list[int]]:
        """The model, and the index in the file of each recipient it holds.

        Recipients are validated one by one so that one bad recipient hides neither the others'
        problems nor the checks that follow (numbers, ids), which run on the good ones.
        """
        if not isinstance(data, dict):
            return None, []
        self.unknown_keys(data, CampaignFile, ())
        raw = data.get("recipients")
        self.long_text(data.get("context"), ("context",))
        for i, item in enumerate(raw if isinstance(raw, list) else []):
            if isinstance(item, dict):
                self.long_text(item.get("context"), ("recipients", i, "context"))
        indexes: list[int] = []
        top = data
        if isinstance(raw, list) and raw:
            good: list[Recipient] = []
            for i, item in enumerate(raw):
                try:
                    good.append(Recipient.model_validate(item))
                    indexes.append(i)
                except ValidationError as e:
                    self.report(e, ("recipients", i), item)
            placeholder = Recipient.model_construct()  # type: ignore[call-arg]
            top = {**data, "recipients": good or [placeholder]}
        try:
            model = CampaignFile.model_validate(top)
        except ValidationError as e:
            self.report(e, (), top)
            return None, []
        if not indexes:
            return None, []
        return model, indexes

    def long_text(self, value: Any, path: Path_) -> None:
        """An error for each string of ``context`` (at any depth) longer than a paragraph may be."""
        if isinstance(value, str):
            problem = limits.too_long(value, limits.TEXT)
            if problem:
                self.add("error", path, problem)
        elif isinstance(value, dict):
            for key, item in value.items():
                problem = limits.too_long(str(key), limits.LINE)
                if problem:
                    self.add("error", path + (key,), f"the key is {problem}", key=True)
                self.long_text(item, path + (key,))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.long_text(item, path + (i,))

    def unknown_keys(self, data: Any, model: type[BaseModel], path: Path_) -> None:
        if not isinstance(data, dict):
            return
        known = list(model.model_fields)
        nested = _NESTED.get(model, {})
        for key, value in data.items():
            if key not in model.model_fields:
                close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.7)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.add("error", path + (key,), f"unknown key {key!r}{hint}", key=True)
            elif key in nested:
                items = enumerate(value) if isinstance(value, list) else [(None, value)]
                for i, item in items:
                    self.unknown_keys(item, nested[key], path + ((key,) if i is None else (key, i)))

    def check_open_days(self, entries: list[Record], base: Path_) -> None:
        """An `open` entry whose own hours say nothing about its weekday would open nothing."""
        from faxcampaign.campaign.hours import DAY_NAMES

        for j, entry in enumerate(entries):
            if entry.hours and not entry.hours.spans(entry.date.weekday()):
                day = DAY_NAMES[entry.date.weekday()]
                self.add("warning", base + ("open", j, "hours"), f"{entry.date} is a {day} but these hours "
                         f"open nothing on {day}; write e.g. '{day} 09:00-13:00'")

    def check_language(self, model: Record, templates: Mapping[str, str], r: Record, language: str,
                       bilingual: bool, here: Path_) -> None:
        """Warn where a recipient's letter will not be in its language, or will print English labels."""
        from faxcampaign.campaign.language import has_words, primary

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
        from faxcampaign.campaign.language import KEYS

        for language, table in model.words.items():
            for key in table:
                if key not in KEYS:
                    close = difflib.get_close_matches(key, KEYS, n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else f" (the words: {', '.join(KEYS)})"
                    self.add("error", ("words", language, key), f"no fixed word {key!r}{hint}")

    def check_letter(self, name: str, place: Path_) -> None:
        from faxcampaign.files import is_inside

        folder = self.path.parent
        letter = folder / name
        if not is_inside(letter, folder):
            self.add("error", place, f"the letter template must be inside the campaign's folder "
                     f"({folder.resolve()}); {name!r} is not")
            return
        try:
            found = letter.is_file()
        except OSError as e:
            found = False
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
        from faxcampaign.campaign.numbers import NumberError, parse_number

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


_NESTED: dict[type[BaseModel], dict[str, type[BaseModel]]] = {
    CampaignFile: {"sender": Sender, "defaults": Defaults, "closed": Closed, "open": Open,
                   "recipients": Recipient},
    Recipient: {"closed": Closed, "open": Open, "phrase": Phrase},
    Defaults: {"phrase": Phrase},
}


def _data_path(data: Any, loc: tuple[Any, ...]) -> Path_:
    """Keep the parts of a pydantic error location that are real keys or indexes of the data.

    Pydantic adds the names of union members and validators ("function-plain[...]"); a key that is
    missing from a mapping is kept, since the error is about it.
    """
    path: list[str | int] = []
    for part in loc:
        if isinstance(data, Mapping) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        elif isinstance(data, Mapping) and isinstance(part, str) and "[" not in part:
            data = None
        else:
            continue
        path.append(part)
    return tuple(path)


# Values that are their own record. Tested by exact type first: a model's isinstance check goes through its
# metaclass (ABCMeta), and a big campaign holds a hundred thousand values.
_LEAVES = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime})


def _record(value: Any) -> Any:
    """A validated model as `Record`s, lists and dicts (what a `Campaign` holds)."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is list:
        return [_record(v) for v in value]
    if isinstance(value, BaseModel):
        return Record({name: _record(getattr(value, name)) for name in type(value).model_fields})
    if isinstance(value, list):
        return [_record(v) for v in value]
    if isinstance(value, dict):
        return {k: _record(v) for k, v in value.items()}
    return value


def read(path: Path, describe_numbers: bool = False) -> Campaign:
    """Read and validate a campaign file; raise `CampaignError` with every finding if it has errors."""
    loader = _Loader(path, describe_numbers)
    data = loader.read()
    model, indexes = loader.validate(data) if data is not None else (None, [])
    values = _record(model) if model is not None else None
    offices = loader.resolve(values, indexes) if values is not None else []
    loader.findings.sort(key=lambda f: (f.line, f.column))
    if values is None or loader.failed:
        raise CampaignError(loader.findings)
    return Campaign(path, values, offices, loader.findings, loader.marks)

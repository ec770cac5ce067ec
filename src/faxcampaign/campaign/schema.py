"""The campaign file: its model (which also gives the JSON Schema) and the validation of its values, which
reports every problem at once with the file, line and column of the YAML node at fault (reader.py reads
the file and calls it for the parts that must be validated). What is validated becomes plain `Record`s
(model.py): the commands never need pydantic once a file has loaded."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
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
from faxcampaign.campaign.model import FIRST_YEAR, LAST_YEAR, SLUG, Record, with_recipients
from faxcampaign.campaign.numbers import is_region
from faxcampaign.campaign.paths import Path_
from faxcampaign.campaign.yamldoc import Document


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


# --- validation -------------------------------------------------------------------------------------


class _Validation:
    """Validating a campaign file's values against the model, every problem a finding of ``document``
    (reader.py reads the file and resolves the values into offices)."""

    def __init__(self, document: Document):
        self.add = document.add

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

    def validate(self, data: Any, top: Record | None, reused: Mapping[int, Record]) -> tuple[Record | None, list[int]]:
        """The values, and the index in the file of each recipient they hold. ``top`` (the top level's
        values) and ``reused`` (recipients' values, by index) were validated before and are taken as they
        are (reader.py).

        Recipients are validated one by one so that one bad recipient hides neither the others'
        problems nor the checks that follow (numbers, ids), which run on the good ones.
        """
        if not isinstance(data, dict):
            return None, []
        raw = data.get("recipients")
        listed = raw if isinstance(raw, list) and raw else None
        if top is None:
            self.unknown_keys({k: v for k, v in data.items() if k != "recipients"} if listed else data,
                              CampaignFile, ())
            self.long_text(data.get("context"), ("context",))
        indexes: list[int] = []
        recipients: list[Record] = []
        for i, item in enumerate(listed or []):
            if i in reused:
                recipients.append(reused[i])
                indexes.append(i)
                continue
            here: Path_ = ("recipients", i)
            self.unknown_keys(item, Recipient, here)
            if isinstance(item, dict):
                self.long_text(item.get("context"), (*here, "context"))
            try:
                recipients.append(_record(Recipient.model_validate(item)))
                indexes.append(i)
            except ValidationError as e:
                self.report(e, here, item)
        if top is None:
            # the recipients are validated above; the top level's own values with a stand-in for them
            checked = {**data, "recipients": [Recipient.model_construct()]} if listed else data  # type: ignore[call-arg]
            try:
                model = CampaignFile.model_validate(checked)
            except ValidationError as e:
                self.report(e, (), checked)
                return None, []
            top = Record({name: None if name == "recipients" else _record(getattr(model, name))
                          for name in CampaignFile.model_fields})
        if not indexes:
            return None, []
        return with_recipients(top, recipients), indexes

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


def validate(document: Document, data: Any, top: Record | None = None,
             reused: Mapping[int, Record] | None = None) -> tuple[Record | None, list[int]]:
    """A campaign file's values validated, each problem a finding of ``document``; ``top`` and ``reused``
    are parts validated before (`_Validation.validate`)."""
    return _Validation(document).validate(data, top, reused or {})

"""A loaded campaign: its values, its offices with the defaults applied, and its warnings (made by
reader.py, read back from the cache by loader.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faxcampaign.campaign.paths import Path_, format_path
from faxcampaign.errors import Finding
from faxcampaign.limits import CAMPAIGN_BYTES

if TYPE_CHECKING:
    from faxcampaign.campaign.hours import OpeningHours
    from faxcampaign.campaign.yamldoc import Marks

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}\Z")
FIRST_YEAR, LAST_YEAR = 1900, 2200
MAX_BYTES = CAMPAIGN_BYTES

class Record:
    """The validated values of one part of the campaign file (the campaign, a recipient, a phrase...), read
    as attributes named as in the file: ``campaign.data.title``, ``office.recipient.fax``."""

    def __init__(self, values: Mapping[str, Any]):
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a campaign's values are read-only ({name})")

    def __getattr__(self, name: str) -> Any:
        # Called only for a name that is not a value. Declared so that type checkers take every attribute
        # of a Record as a value (Any), as the campaign file's model defines them.
        raise AttributeError(name)

    def __repr__(self) -> str:
        return f"Record({self.__dict__!r})"

    def as_dict(self, include: set[str] | None = None, exclude: set[str] | None = None) -> dict[str, Any]:
        """The values as plain dicts and lists, all the way down (a copy: templates get these)."""
        return {name: _plain(value) for name, value in self.__dict__.items()
                if (include is None or name in include) and (exclude is None or name not in exclude)}


def with_recipients(top: Record, recipients: list[Record]) -> Record:
    """A campaign's values: the top level's, with these recipients (in their own place among the keys)."""
    return Record({**top.__dict__, "recipients": recipients})


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.as_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclasses.dataclass(frozen=True, eq=False)
class Office:
    """A recipient with the campaign's defaults applied: what the scheduler needs (compared by identity)."""

    id: str
    name: str
    timezone: str
    country: str | None
    hours: OpeningHours
    manual: bool
    fax: tuple[str, ...]  # E.164, in order of preference
    closed: Mapping[dt.date, str]
    open: Mapping[dt.date, tuple[str, OpeningHours | None]]
    recipient: Record
    index: int = -1  # its place in the file's recipients list
    language: str = "en"  # the language it reads
    bilingual: bool = False
    phrase: Record | None = None


@dataclasses.dataclass
class Campaign:
    path: Path
    data: Record
    offices: list[Office]
    findings: list[Finding]  # warnings only: a campaign with errors is never returned
    marks: Marks | None = None  # where each value stands in the file (read again when first asked for)
    cache: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False, compare=False)  # derived data

    def where(self, path: Path_) -> tuple[int, int]:
        """The line and column of the value at ``path`` (a YAML path); (0, 0) if the file no longer reads."""
        if self.marks is None and "marks" not in self.cache:
            from faxcampaign.campaign.yamldoc import read_marks

            self.marks = self.cache["marks"] = read_marks(self.path)
        return self.marks.at(path) if self.marks else (0, 0)

    def finding(self, severity: str, path: Path_, message: str) -> Finding:
        """A finding about the value at ``path`` (a YAML path), with its line and column."""
        line, column = self.where(path)
        return Finding(severity, str(self.path), line, column, format_path(path), message)  # type: ignore[arg-type]

    @property
    def letter_path(self) -> Path:
        """The template in the campaign's own language."""
        return self.path.parent / self.templates[self.data.language]

    @functools.cached_property
    def templates(self) -> dict[str, str]:
        """Letter template paths by language (the single-path form is the campaign's language)."""
        letter = self.data.letter
        return {self.data.language: letter} if isinstance(letter, str) else dict(letter)

    def template_language(self, language: str) -> str:
        """The language of the template a reader of ``language`` gets: their own, else one of the same
        primary language ("ru" for "ru-KZ"), else the campaign's."""
        if language in self.templates:
            return language
        base = language.split("-", 1)[0]
        return base if base in self.templates else self.data.language

    @functools.cached_property
    def _by_id(self) -> dict[str, Office]:
        return {office.id: office for office in self.offices}

    def office(self, recipient_id: str) -> Office:
        return self._by_id[recipient_id]

    def context_for(self, office: Office) -> dict[str, Any]:
        return {**self.data.context, **office.recipient.context}

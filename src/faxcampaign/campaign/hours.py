"""Office hours in a subset of OpenStreetMap's ``opening_hours`` syntax.

    Mo-Fr 09:00-13:00,14:00-18:00; Sa 10:00-12:00; PH off

Rules are separated by ``;``. Each names its days (``Mo-Fr``, ``Mo,We,Fr``, ``Sa``, ``PH`` for public
holidays, or a mix such as ``Sa,PH``) and then either time spans or ``off``. A later rule replaces earlier
ones on the days it names, so ``PH off`` after the weekday rule closes the office on holidays. Without a
``PH`` rule a public holiday is an ordinary day. Anything outside this subset is an error that says where.
"""

from __future__ import annotations

import dataclasses
import re

DAY_NAMES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY = {name: i for i, name in enumerate(DAY_NAMES)}

Span = tuple[int, int]  # minutes after local midnight, start < end <= 1440


class HoursError(ValueError):
    """A syntax error; ``position`` is the 0-based offset in the text."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (at character {position + 1})")
        self.position = position


@dataclasses.dataclass(frozen=True)
class Rule:
    days: frozenset[int]
    public_holiday: bool
    spans: tuple[Span, ...]  # empty: off


@dataclasses.dataclass(frozen=True)
class OpeningHours:
    text: str
    rules: tuple[Rule, ...]

    def spans(self, weekday: int, holiday: bool = False) -> tuple[Span, ...]:
        """The opening spans of a day (0 = Monday), applying the rules in order."""
        result: tuple[Span, ...] = ()
        for rule in self.rules:
            if weekday in rule.days or (holiday and rule.public_holiday):
                result = rule.spans
        return result

    def __str__(self) -> str:
        return self.text


_TOKEN = re.compile(r"\s*(?:(?P<time>\d\d:\d\d)|(?P<word>[A-Za-z]+)|(?P<punct>[-,;]))")


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m:
                if text[pos:].strip() == "":
                    break
                bad = pos + len(text[pos:]) - len(text[pos:].lstrip())
                if text[bad].isdigit():
                    raise HoursError("a time must be written HH:MM, e.g. 09:00", bad)
                word = re.match(r"[A-Za-z]+", text[bad:])
                if word and word.group(0)[:2].title() in DAY_NAMES:
                    raise HoursError(f"unexpected {word.group(0)!r}: days are written with two letters, "
                                     "Mo Tu We Th Fr Sa Su (e.g. 'Mo-Fr 09:00-17:00')", bad)
                raise HoursError(f"unexpected {text[bad]!r}", bad)
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind), m.start(kind)))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str, int]:
        if self.i < len(self.tokens):
            return self.tokens[self.i]
        return ("end", "", len(self.text))

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        self.i += 1
        return token

    def expect_punct(self, char: str) -> bool:
        kind, value, _ = self.peek()
        if kind == "punct" and value == char:
            self.i += 1
            return True
        return False

    def fail(self, expected: str) -> HoursError:
        kind, value, pos = self.peek()
        got = "the end" if kind == "end" else repr(value)
        hint = ""
        if kind != "end" and str(value)[:2].title() in DAY_NAMES and len(str(value)) > 2:
            hint = f"; write days with two letters: {str(value)[:2].title()!r}, as in 'Mo-Fr 09:00-17:00'"
        return HoursError(f"expected {expected}, found {got}{hint}", pos)

    def day(self) -> int:
        kind, value, _ = self.peek()
        if kind != "word" or value not in _DAY:
            raise self.fail("a day (" + ", ".join(DAY_NAMES) + ")")
        self.i += 1
        return _DAY[value]

    def selector(self) -> tuple[frozenset[int], bool]:
        days: set[int] = set()
        holiday = False
        while True:
            kind, value, _ = self.peek()
            if kind == "word" and value == "PH":
                self.i += 1
                holiday = True
            else:
                first = self.day()
                if self.expect_punct("-"):
                    last = self.day()
                    span = (last - first) % 7
                    days.update((first + k) % 7 for k in range(span + 1))
                else:
                    days.add(first)
            if not self.expect_punct(","):
                return frozenset(days), holiday

    def minutes(self) -> tuple[int, int]:
        kind, value, pos = self.peek()
        if kind != "time":
            raise self.fail("a time such as 09:00")
        hours, minutes = int(value[:2]), int(value[3:])
        if hours > 24 or minutes > 59 or (hours == 24 and minutes):
            raise HoursError(f"no such time {value!r}", pos)
        self.i += 1
        return hours * 60 + minutes, pos

    def spans(self) -> tuple[Span, ...]:
        kind, value, _ = self.peek()
        if kind == "word" and value in ("off", "closed"):
            self.i += 1
            return ()
        spans: list[Span] = []
        while True:
            start, pos = self.minutes()
            if not self.expect_punct("-"):
                raise self.fail("'-' between two times")
            end, _ = self.minutes()
            if end <= start:
                raise HoursError("a span must end after it starts, on the same day", pos)
            if spans and start < spans[-1][1]:
                raise HoursError("spans must be in order and must not overlap", pos)
            spans.append((start, end))
            if not self.expect_punct(","):
                return tuple(spans)

    def parse(self) -> OpeningHours:
        rules: list[Rule] = []
        while self.peek()[0] != "end":
            days, holiday = self.selector()
            rules.append(Rule(days, holiday, self.spans()))
            if not self.expect_punct(";") and self.peek()[0] != "end":
                raise self.fail("';' between rules")
        if not rules:
            raise HoursError("no rules; write e.g. 'Mo-Fr 09:00-17:00'", 0)
        return OpeningHours(self.text, tuple(rules))


def parse_hours(text: str) -> OpeningHours:
    """Parse an ``opening_hours`` string, raising `HoursError` with the position of the first problem."""
    return _Parser(text).parse()

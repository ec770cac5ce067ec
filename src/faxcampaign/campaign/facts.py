"""Facts about a campaign that several outputs state: one function each, so they are said one way.

The campaign has two keys, kept apart because existing logs and calendars depend on each: the log's key
(`log_key`: the reference, else the title) and the prefix of calendar UIDs (`calendar_prefix`: the
reference, else the campaign file's stem).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def log_key(title: str, reference: str | None) -> str:
    """What keeps a campaign apart from others in a shared log."""
    return reference or title


def calendar_prefix(reference: str | None, path: Path) -> str:
    """The start of every calendar event's UID, so that a re-imported calendar updates its events."""
    return reference or path.stem


def heading(title: str, reference: str | None) -> str:
    """'Free the Karaganda worker activists (KAR-2003-01)'."""
    return title + (f" ({reference})" if reference else "")


def deadline_phrase(deadline: dt.date | None, days_left: int | None, last_chance: bool = False) -> str:
    """'3 days left until the deadline (Fri 10 Jan 2003)', 'the deadline (...) has passed', 'no deadline';
    with ``last_chance``, the deadline's own day is 'deadline today (...): last chance'. Starts in lower
    case: `sentence` makes a sentence of it."""
    if days_left is None or deadline is None:
        return "no deadline"
    when = f"{deadline:%a %d %b %Y}"
    if days_left < 0:
        return f"the deadline ({when}) has passed"
    if days_left == 0 and last_chance:
        return f"deadline today ({when}): last chance"
    return f"{days_left} day{'s' if days_left != 1 else ''} left until the deadline ({when})"


def sentence(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:] + "."

"""The outcome vocabulary: one list, used by the CLI, the log, every output format and the senders."""

from __future__ import annotations

OUTCOMES: dict[str, str] = {
    "delivered": "all pages went",
    "partial": "some pages went",
    "busy": "the line was busy",
    "no-answer": "nobody answered",
    "refused": "a person answered and would not accept the fax",
    "not-fax": "a voice or data line answered; the fax never switched on",
    "wrong-number": "unobtainable, not in service, or another office",
    "failed": "anything else",
    "line-error": "a problem on the sender's side: recorded, not counted against the number",
}

DELIVERED = "delivered"
# An attempt that got a letter (or part of one) through: it ends a run of failures on its number.
GOT_THROUGH = frozenset({"delivered", "partial"})
# Outcomes that say the number itself may be wrong: two on different days make it suspect.
DEAD_LINE = frozenset({"wrong-number", "not-fax"})
# Outcomes that say nothing about the number.
NOT_COUNTED = frozenset({"line-error"})

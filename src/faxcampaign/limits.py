"""How long a piece of text may be, wherever it comes from (the campaign file, a CSV, the command line,
the web app). The limits keep every command's work bounded: within them, any campaign renders in seconds.

- ``LINE``: text that stands on one line of a letter or a call sheet: a name, a title, an organisation,
  an address line, an email, a phone number, a reference, a reason.
- ``TEXT``: a paragraph: a call script, a value of ``context``, a note.
"""

from __future__ import annotations

LINE = 300
TEXT = 20_000
CAMPAIGN_BYTES = 50_000_000  # the largest campaign file read


def too_long(value: str, limit: int) -> str | None:
    """Why ``value`` is too long for ``limit``, or None."""
    if len(value) <= limit:
        return None
    return f"longer than {limit:,} characters (it has {len(value):,})"

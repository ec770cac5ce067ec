"""Letter and call-script templates: Jinja2's sandbox, strict undefined, and a small Markdown subset.

The letter template's output is Markdown (paragraphs, bullet and numbered lists, **bold**, *italic*),
parsed by markdown-it-py into a neutral document that `pdf.py` lays out. Every value a template prints
is escaped for Markdown, so user-supplied text is never markup: ``Smith & <b>Sons</b>`` or ``*`` in a
name print literally.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import traceback
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from faxcampaign.campaign import Campaign, Office
from faxcampaign.errors import TemplateError

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#+\-.!|~()&{}])")


def _escape_markdown(value: Any) -> str:
    return _MD_SPECIAL.sub(r"\\\1", "" if value is None else str(value))


@functools.lru_cache(maxsize=8)
def _environment(folder: str, markdown: bool) -> jinja2.Environment:
    return ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        finalize=_escape_markdown if markdown else None,
    )


def _line(error: BaseException, filename: str) -> int:
    if isinstance(error, jinja2.TemplateSyntaxError) and error.lineno:
        return error.lineno
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename == filename and frame.lineno:
            return frame.lineno
    return 0


def _explain(error: BaseException) -> str:
    if isinstance(error, jinja2.exceptions.SecurityError):
        return f"not allowed in a template: {error}"
    if isinstance(error, jinja2.UndefinedError):
        return f"undefined variable: {error}"
    return str(error)


@dataclasses.dataclass(frozen=True)
class Signer:
    name: str
    organisation: str | None = None
    address: tuple[str, ...] = ()
    email: str | None = None
    phone: str | None = None

    @property
    def slug(self) -> str:
        import unicodedata

        from faxcampaign.campaign import SLUG

        ascii_name = unicodedata.normalize("NFKD", self.name).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:64].strip("-")
        if not SLUG.match(slug):
            # A name with no Latin letters (e.g. Cyrillic only): a stable code from its characters.
            slug = "signer-" + "-".join(f"{ord(c):x}" for c in self.name if c.isalnum())[:50].strip("-")
        return slug


def default_signer(campaign: Campaign) -> Signer:
    sender = campaign.data.sender
    if sender is None:
        return Signer(name=campaign.data.title)
    return Signer(sender.name, sender.organisation, tuple(sender.address), sender.email, sender.phone)


def recipient_vars(campaign: Campaign, office: Office) -> dict[str, Any]:
    data = office.recipient.model_dump(exclude={"hours", "closed", "open", "context"})
    data.update(
        fax=list(office.fax), timezone=office.timezone, country=office.country, manual=office.manual,
        context=campaign.context_for(office),
    )
    return data


def variables(campaign: Campaign, office: Office, signer: Signer, today: dt.date) -> dict[str, Any]:
    info = campaign.data.model_dump(include={"title", "reference", "starts", "deadline", "context", "closing"})
    return {
        "campaign": info,
        "recipient": recipient_vars(campaign, office),
        "recipients": [recipient_vars(campaign, o) for o in campaign.offices],
        "sender": dataclasses.asdict(signer),
        "context": campaign.context_for(office),
        "today": today,
    }


class LetterTemplate:
    """The campaign's letter template, compiled once."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        path = campaign.letter_path
        self.filename = str(path)
        env = _environment(str(path.parent), True)
        try:
            self.template = env.get_template(path.name)
        except jinja2.TemplateError as e:
            raise TemplateError(_explain(e), self.filename, _line(e, self.filename)) from e
        self._recipients = [recipient_vars(campaign, o) for o in campaign.offices]

    def render(self, office: Office, signer: Signer, today: dt.date) -> str:
        """The letter body as Markdown text."""
        values = variables(self.campaign, office, signer, today)
        try:
            return self.template.render(values)
        except Exception as e:  # also a template's own ZeroDivisionError, IndexError, ...
            message = f"recipient {office.id!r}: {_explain(e)}"
            raise TemplateError(message, self.filename, _line(e, self.filename)) from e


def render_call_script(campaign: Campaign, office: Office, signer: Signer, today: dt.date) -> str:
    """The call script for one office, as plain text (empty when the campaign has none)."""
    source = campaign.data.call_script
    if not source:
        return ""
    env = _environment(str(campaign.path.parent), False)
    try:
        template = env.from_string(source)
        return " ".join(template.render(variables(campaign, office, signer, today)).split())
    except Exception as e:
        raise TemplateError(f"call_script: recipient {office.id!r}: {_explain(e)}", str(campaign.path)) from e


# --- Markdown -> neutral document ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False


Inline = tuple[Run, ...]


@dataclasses.dataclass(frozen=True)
class Paragraph:
    runs: Inline


@dataclasses.dataclass(frozen=True)
class ListBlock:
    ordered: bool
    items: tuple[Inline, ...]
    start: int = 1


Block = Paragraph | ListBlock


@functools.lru_cache(maxsize=1)
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("zero").enable(["list", "emphasis", "escape", "newline"])


def _inline(token: Any) -> Inline:
    runs: list[Run] = []
    bold = italic = 0
    for child in token.children or []:
        kind = child.type
        if kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind in ("softbreak",):
            runs.append(Run(" ", bold > 0, italic > 0))
        elif kind == "hardbreak":
            runs.append(Run("\n", bold > 0, italic > 0))
        elif child.content:
            runs.append(Run(child.content, bold > 0, italic > 0))
    merged: list[Run] = []
    for run in runs:
        if merged and (merged[-1].bold, merged[-1].italic) == (run.bold, run.italic):
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.italic)
        else:
            merged.append(run)
    return tuple(merged)


def parse_markdown(text: str) -> list[Block]:
    """Parse the letter subset of Markdown into blocks; a nested list is folded into its item."""
    blocks: list[Block] = []
    items: list[Inline] = []
    depth = 0
    ordered = False
    start = 1
    for token in _markdown().parse(text):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            if depth == 0:
                ordered = token.type == "ordered_list_open"
                start = int(token.attrs.get("start", 1) or 1)
                items = []
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
            if depth == 0:
                blocks.append(ListBlock(ordered, tuple(items), start))
        elif token.type == "list_item_open" and depth == 1:
            items.append(())
        elif token.type == "inline":
            runs = _inline(token)
            if not depth:
                blocks.append(Paragraph(runs))
            elif items and items[-1]:
                items[-1] = items[-1] + (Run(" "),) + runs
            elif items:
                items[-1] = runs
    return blocks


def plain_text(blocks: list[Block]) -> str:
    """The document's text, for checks (font coverage) and tests."""
    lines: list[str] = []
    for block in blocks:
        items = block.items if isinstance(block, ListBlock) else (block.runs,)
        for runs in items:
            lines.append("".join(run.text for run in runs))
    return "\n".join(lines)

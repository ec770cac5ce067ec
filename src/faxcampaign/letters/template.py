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
import hashlib
import re
import traceback
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from faxcampaign.campaign.model import Campaign, Office
from faxcampaign.errors import TemplateError
from faxcampaign.letters import sandbox

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#+\-.!|~()&{}])")


def escape_markdown(value: Any) -> str:
    return _MD_SPECIAL.sub(r"\\\1", "" if value is None else str(value))


def _environment(campaign: Campaign, folder: Path, markdown: bool) -> jinja2.Environment:
    """The sandbox for one of the campaign's templates: it loads files only from the campaign's folder."""
    env = sandbox.environment(str(folder), str(campaign.path.parent), escape_markdown if markdown else None)
    env.filters["format_date"] = _format_date
    env.filters["format_number"] = _format_number
    return env


@jinja2.pass_context
def _format_date(context: Any, value: Any, style: str = "long") -> str:
    """``{{ campaign.deadline | format_date }}``: a date in the letter's language (``language``);
    style short, medium, long (the default), full, or a CLDR pattern such as "d MMMM y"."""
    from faxcampaign.campaign import language

    if not isinstance(value, dt.date):
        raise TypeError(f"format_date needs a date, not {type(value).__name__}")
    tag = context.get("language", language.DEFAULT)
    if style == "long":
        return language.long_date(value, tag)
    return language.format_date(value, "en-GB" if tag == language.DEFAULT else tag, style)


@jinja2.pass_context
def _format_number(context: Any, value: Any) -> str:
    """``{{ context.detained | format_number }}``: a number in the letter's language ("1 250" in Russian,
    "1,250" in English)."""
    from faxcampaign.campaign import language

    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"format_number needs a number, not {type(value).__name__}")
    return language.format_number(value, context.get("language", language.DEFAULT))


def _line(error: BaseException, filename: str) -> int:
    if isinstance(error, jinja2.TemplateSyntaxError) and error.lineno:
        return error.lineno
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename == filename and frame.lineno:
            return frame.lineno
    return 0


def _undefined(error: jinja2.UndefinedError, source: str, line: int, values: dict[str, Any]) -> tuple[str, int]:
    """'undefined: context.trial (context has: city, demands)', and the column where it is written."""
    text = str(error)
    found = re.search(r"has no attribute '([^']+)'", text) or re.search(r"'([^']+)' is undefined", text)
    if not found:
        return f"undefined variable: {text}", 1
    name = found.group(1)
    lines = source.splitlines()
    written = lines[line - 1] if 0 < line <= len(lines) else ""
    tags = [m.span() for m in re.finditer(r"\{\{.*?\}\}|\{%.*?%\}", written)]
    candidates = [m for m in re.finditer(rf"([A-Za-z_][\w.]*\.)?(?<![\w.]){re.escape(name)}\b|"
                                         rf"[A-Za-z_][\w.]*\.{re.escape(name)}\b", written)
                  if any(a <= m.start() < b for a, b in tags)]
    expression = next((m for m in candidates if "." in m.group(0)), candidates[0] if candidates else None)
    if not expression:
        return f"undefined variable: {name!r}", 1
    dotted = expression.group(0)
    parent: Any = values
    for part in dotted.split(".")[:-1]:
        parent = parent.get(part) if isinstance(parent, dict) else None
    known = f" ({dotted.rsplit('.', 1)[0]} has: {', '.join(sorted(map(str, parent))) or 'nothing'})" \
        if isinstance(parent, dict) and "." in dotted else ""
    return f"undefined: {dotted}{known}", expression.start() + 1


def _explain(error: BaseException) -> str:
    if isinstance(error, sandbox.TemplateLimitError):
        return f"over the template limits: {error}"
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
        """A folder name a person can read, from the signer's name: Latin letters as they are, Russian and
        Kazakh Cyrillic by the table below, every other script transliterated (anyascii), with a short
        digest of the name then, so that two names that transliterate alike keep apart. Code points only
        when nothing is left."""
        from faxcampaign.campaign.model import SLUG

        parts = []
        borrowed = False
        for c in self.name.lower():
            if c in _TRANSLIT or c.isascii():
                parts.append(_TRANSLIT.get(c, c))
                continue
            latin = unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode()
            if latin:
                parts.append(latin)
                continue
            from anyascii import anyascii

            text = anyascii(c)
            borrowed = borrowed or bool(text.strip())
            parts.append(f"-{text}-" if len(text) > 1 and text[0].isupper() else text)  # a syllable of Chinese
        slug = re.sub(r"[^a-z0-9]+", "-", "".join(parts).lower()).strip("-")
        if borrowed and slug:
            digest = hashlib.sha256(unicodedata.normalize("NFC", self.name).encode()).hexdigest()[:4]
            slug = f"{slug[:59].strip('-')}-{digest}"
        slug = slug[:64].strip("-")
        return slug if SLUG.match(slug) else self.old_slug

    @property
    def old_slug(self) -> str:
        """The folder name of earlier versions: as `slug` for Latin and Cyrillic names, code points for
        other scripts. Letters rendered under it are still found, and calendar events keep it in their UID
        (so a rota imported again updates its events)."""
        from faxcampaign.campaign.model import SLUG

        latin = "".join(_TRANSLIT.get(c, c) for c in self.name.lower())
        ascii_name = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:64].strip("-")
        if not SLUG.match(slug):
            slug = "signer-" + "-".join(f"{ord(c):x}" for c in self.name if c.isalnum())[:50].strip("-")
        return slug


# Russian and Kazakh Cyrillic, for folder names only.
_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
    "a b v g d e yo zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya a g q n o u u h i".split(),
    strict=True,
))
_TRANSLIT["ъ"] = _TRANSLIT["ь"] = ""


def default_signer(campaign: Campaign) -> Signer:
    sender = campaign.data.sender
    if sender is None:
        return Signer(name=campaign.data.title)
    return Signer(sender.name, sender.organisation, tuple(sender.address), sender.email, sender.phone)


def recipient_vars(campaign: Campaign, office: Office) -> dict[str, Any]:
    data = office.recipient.as_dict(exclude={"hours", "closed", "open", "context"})
    data.update(
        fax=list(office.fax), timezone=office.timezone, country=office.country, manual=office.manual,
        context=campaign.context_for(office), language=office.language, bilingual=office.bilingual,
        phrase=office.phrase.as_dict(include={"text", "say"}) if office.phrase else None,
    )
    return data


def variables(campaign: Campaign, office: Office, signer: Signer, today: dt.date,
              everyone: list[dict[str, Any]] | None = None, language: str | None = None) -> dict[str, Any]:
    """The template's variables. The `recipients` list is built once per campaign (a call script
    rendered for each of 5,000 offices must not rebuild it 5,000 times)."""
    if everyone is None:
        everyone = _everyone(campaign)
    position = campaign.cache.get("positions")
    if position is None:
        position = campaign.cache["positions"] = {o.id: i for i, o in enumerate(campaign.offices)}
    index = position.get(office.id)
    info = campaign.cache.get("info")
    if info is None:
        info = campaign.cache["info"] = campaign.data.as_dict(
            include={"title", "reference", "starts", "deadline", "context", "closing"})
    return {
        "campaign": info,
        "recipient": everyone[index] if index is not None and campaign.offices[index] is office
        else recipient_vars(campaign, office),
        "recipients": everyone,
        "sender": dataclasses.asdict(signer),
        "context": campaign.context_for(office),
        "today": today,
        "language": language or campaign.template_language(office.language),
    }


def _everyone(campaign: Campaign) -> list[dict[str, Any]]:
    if "recipients" not in campaign.cache:
        campaign.cache["recipients"] = [recipient_vars(campaign, o) for o in campaign.offices]
    everyone: list[dict[str, Any]] = campaign.cache["recipients"]
    return everyone


class LetterTemplate:
    """The campaign's letter templates (one per language), each compiled once, when first needed."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self._compiled: dict[str, tuple[jinja2.Template, str]] = {}
        self._rendered: dict[tuple[str, Signer, dt.date, str], str] = {}
        self.compiled(campaign.data.language)

    def compiled(self, language: str) -> tuple[jinja2.Template, str]:
        """(the template, its file name) for the letter in ``language`` (one of the campaign's)."""
        if language not in self._compiled:
            path = self.campaign.path.parent / self.campaign.templates[language]
            filename = str(path)
            env = _environment(self.campaign, path.parent, True)
            try:
                self._compiled[language] = (env.get_template(path.name), filename)
            except jinja2.TemplateError as e:
                raise TemplateError(_explain(e), filename, _line(e, filename)) from e
        return self._compiled[language]

    def render(self, office: Office, signer: Signer, today: dt.date, language: str | None = None) -> str:
        """The letter body as Markdown text, in ``language`` (default: the office's letter language);
        remembered: a check before writing and the writing itself render each letter once."""
        language = language or self.campaign.template_language(office.language)
        key = (office.id, signer, today, language)
        if key not in self._rendered:
            self._rendered[key] = self._render(office, signer, today, language)
        return self._rendered[key]

    def _render(self, office: Office, signer: Signer, today: dt.date, language: str) -> str:
        template, filename = self.compiled(language)
        values = variables(self.campaign, office, signer, today, language=language)
        try:
            return sandbox.render(template, values)
        except Exception as e:  # also a template's own ZeroDivisionError, IndexError, ...
            line, column = _line(e, filename), 1
            explained = _explain(e)
            if isinstance(e, jinja2.UndefinedError):
                explained, column = _undefined(e, _source(filename), line, values)
            raise TemplateError(f"recipient {office.id!r}: {explained}", filename, line, column) from e


def _source(filename: str) -> str:
    try:
        return Path(filename).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def render_call_script(campaign: Campaign, office: Office, signer: Signer, today: dt.date) -> str:
    """The call script for one office (its own, else the campaign's), as plain text; empty if none."""
    own = office.recipient.call_script
    source = own or campaign.data.call_script
    if not source:
        return ""
    compiled = campaign.cache.setdefault("scripts", {})
    try:
        if source not in compiled:
            compiled[source] = _environment(campaign, campaign.path.parent, False).from_string(source)
        return " ".join(sandbox.render(compiled[source], variables(campaign, office, signer, today)).split())
    except Exception as e:
        place: tuple[str | int, ...] = ("recipients", office.index, "call_script") if own else ("call_script",)
        line, column = campaign.where(place)
        raise TemplateError(f"call_script: recipient {office.id!r}: {_explain(e)}", str(campaign.path), line,
                            column) from e


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


@functools.lru_cache(maxsize=256)
def parse_markdown(text: str) -> tuple[Block, ...]:
    """Parse the letter subset of Markdown into blocks; a nested list is folded into its item.

    Cached: many signers of one office's letter usually share its text, and the next day's run writes
    the same letters again, so the blocks are also kept in ``markdown.json`` in the cache folder (by a
    digest of the text; made afresh when markdown-it or faxcampaign changes)."""
    from faxcampaign import cache

    stamp = cache.stamp("markdown_it") + "\n" + cache.own_stamp()
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    kept = _blocks(cache.table("markdown", stamp).get(key))
    if kept is not None:
        return kept
    blocks = tuple(_parse_markdown(text))
    cache.remember("markdown", stamp, key, [_kept(block) for block in blocks], keep=4096)
    return blocks


def _kept(block: Block) -> list[Any]:
    """A block as JSON: ["p", runs] or ["l", ordered, start, [runs, ...]]; runs: [[text, bold, italic]]."""
    def runs(inline: Inline) -> list[Any]:
        return [[run.text, run.bold, run.italic] for run in inline]

    if isinstance(block, ListBlock):
        return ["l", block.ordered, block.start, [runs(item) for item in block.items]]
    return ["p", runs(block.runs)]


def _blocks(kept: Any) -> tuple[Block, ...] | None:
    """Blocks from their JSON (`_kept`); None if it is not that (a damaged file)."""
    def runs(inline: Any) -> Inline:
        if not isinstance(inline, list):
            raise TypeError
        out = []
        for text, bold, italic in inline:
            if not (isinstance(text, str) and isinstance(bold, bool) and isinstance(italic, bool)):
                raise TypeError
            out.append(Run(text, bold, italic))
        return tuple(out)

    if not isinstance(kept, list):
        return None
    blocks: list[Block] = []
    try:
        for block in kept:
            if block[0] == "p" and len(block) == 2:
                blocks.append(Paragraph(runs(block[1])))
            elif block[0] == "l" and len(block) == 4 and isinstance(block[1], bool) and type(block[2]) is int:
                blocks.append(ListBlock(block[1], tuple(runs(item) for item in block[3]), block[2]))
            else:
                return None
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    return tuple(blocks)


def _parse_markdown(text: str) -> list[Block]:
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


def plain_text(blocks: Sequence[Block]) -> str:
    """The document's text, for checks (font coverage) and tests."""
    lines: list[str] = []
    for block in blocks:
        items = block.items if isinstance(block, ListBlock) else (block.runs,)
        for runs in items:
            lines.append("".join(run.text for run in runs))
    return "\n".join(lines)


# --- a letter, ready for layout --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Cover:
    to: tuple[str, ...]
    fax_to: str
    sender: tuple[str, ...]
    contact: str  # fax/phone/email of the sender, for "if this reached you in error"
    date: str


@dataclasses.dataclass(frozen=True)
class Letter:
    """Everything the page layout prints, as plain text (never markup)."""

    key: str  # the recipient id; names the file
    sender: tuple[str, ...]
    date: str
    recipient: tuple[str, ...]
    by_fax: str
    reference: str | None
    salutation: str
    body: tuple[Block, ...]
    closing: str
    signature: tuple[str, ...]
    title: str
    author: str
    subject: str
    cover: Cover | None = None
    language: str = "en"
    words: Mapping[str, str] | None = None  # the fixed words (language.words); None: English
    heading: str | None = None  # a part's heading in a bilingual letter ("Перевод", "Original")
    original: Letter | None = None  # a bilingual letter's second part


def word(letter: Letter, key: str) -> str:
    """One of the letter's fixed words (English when it has none of its own)."""
    from faxcampaign.campaign.language import WORDS

    return (letter.words or WORDS["en"])[key]


def build_letter(campaign: Campaign, template: LetterTemplate, office: Office, signer: Signer, today: dt.date,
                 cover: bool = False) -> Letter:
    """Render the template for one office and signer, and gather the page's text around it: in the
    office's language (its template's), followed in a bilingual letter by the original."""
    language = campaign.template_language(office.language)
    letter = _letter_in(campaign, template, office, signer, today, cover, language)
    if not office.bilingual or language == campaign.data.language:
        return letter
    original = _letter_in(campaign, template, office, signer, today, False, campaign.data.language)
    return dataclasses.replace(letter, heading=word(letter, "translation"),
                               original=dataclasses.replace(original, heading=word(original, "original")))


def _letter_in(campaign: Campaign, template: LetterTemplate, office: Office, signer: Signer, today: dt.date,
               cover: bool, language: str) -> Letter:
    from faxcampaign.campaign import language as languages
    from faxcampaign.campaign.numbers import dial

    words = languages.words(language, campaign.data.words,
                            campaign.data.closing if language == campaign.data.language else None)
    r = office.recipient
    body = parse_markdown(template.render(office, signer, today, language))
    numbers = f" {words['or']} ".join(dial(n, None) for n in office.fax)
    sender = tuple(x for x in (signer.name, signer.organisation, *signer.address, signer.email, signer.phone) if x)
    recipient = tuple(x for x in (r.name, r.title, r.organisation, *r.address) if x)
    reference = campaign.data.reference
    contact = ", ".join(x for x in (signer.email, signer.phone) if x) or signer.name
    date = languages.long_date(today, language)
    return Letter(
        key=office.id,
        sender=sender,
        date=date,
        recipient=recipient,
        by_fax=numbers,
        reference=reference,
        # a recipient's salutation is in its own language; the original of a bilingual letter has the default
        salutation=(r.salutation if language == campaign.template_language(office.language) else None)
        or words["salutation"],
        body=body,
        closing=words["closing"],
        signature=tuple(x for x in (signer.name, signer.organisation) if x),
        title=f"{campaign.data.title}: letter to {r.name}",
        author=signer.name,
        subject=reference or campaign.data.title,
        cover=Cover(recipient, numbers, sender, contact, date) if cover else None,
        language=language,
        words=words,
    )

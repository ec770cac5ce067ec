"""The only module that imports reportlab: fonts, page layout, and invariant PDF output.

Fax-safe layout: black on white, no grey, body at 11.5 pt, margins of 20 mm (fax machines crop the
edges). Every string drawn comes from `letters.Letter` as plain text and is escaped here before it
meets reportlab's paragraph markup.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import io
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from faxcampaign.letters.template import Block, Letter, ListBlock, Run, word


@dataclasses.dataclass(frozen=True, slots=True)
class Section:
    """One part of a printable sheet: a name over labelled lines."""

    name: str
    cells: Sequence[tuple[str, Sequence[str]]]


FONT_DIR = Path(__file__).parent.parent / "fonts"
FAMILY = "DejaVuSerif"
FACES = {
    "DejaVuSerif": "DejaVuSerif.ttf",
    "DejaVuSerif-Bold": "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic": "DejaVuSerif-Italic.ttf",
    "DejaVuSerif-BoldItalic": "DejaVuSerif-BoldItalic.ttf",
}
MM = 72 / 25.4
MARGIN = 20 * MM
BODY_SIZE = 11.5
FOOTER_SIZE = 9


@functools.lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register each bundled face once per process, one file per name, as one family."""
    from reportlab import rl_config
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    # Compressed streams without ASCII85 on top: a fifth smaller and quicker to write; PDF readers and
    # Ghostscript take binary streams.
    rl_config.useA85 = 0
    _reuse_compressed()
    _measure_characters_once()
    for name, filename in FACES.items():
        # not shaped: Latin and Cyrillic need no shaping, and letters stay the same bytes as ever
        pdfmetrics.registerFont(_reusing_subsets(TTFont(name, str(FONT_DIR / filename), shapable=False)))
    addMapping(FAMILY, 0, 0, "DejaVuSerif")
    addMapping(FAMILY, 1, 0, "DejaVuSerif-Bold")
    addMapping(FAMILY, 0, 1, "DejaVuSerif-Italic")
    addMapping(FAMILY, 1, 1, "DejaVuSerif-BoldItalic")
    return FAMILY


# Every letter is a PDF of its own and embeds the subsets of the fonts it uses. Letters of one campaign use
# the same few subsets (the same characters), so each subset is made and compressed once per process, and
# the arrays of numbers that describe it (its widths, the font's box) are formatted once: the same bytes,
# a good part less time per letter (bench/bench_render.py).

def _reusing_subsets(font: Any) -> Any:
    """``font`` (a reportlab TTFont), making each distinct subset of its face once."""
    from reportlab.pdfbase import pdfdoc

    made: dict[tuple[int, ...], bytes] = {}
    make = font.face.makeSubset

    def make_subset(subset: Sequence[int]) -> bytes:
        key = tuple(subset)
        if key not in made:
            if len(made) >= 64:
                made.clear()
            made[key] = make(subset)
        return made[key]

    add = font.addObjects

    def add_objects(doc: Any) -> None:
        # reportlab's addObjects names pdfdoc.PDFArray for these arrays only (widths, bounding box)
        saved, pdfdoc.PDFArray = pdfdoc.PDFArray, _numbers_array()
        try:
            add(doc)
        finally:
            pdfdoc.PDFArray = saved

    font.face.makeSubset = make_subset
    font.addObjects = add_objects
    return font


@functools.cache
def _numbers_array() -> Any:
    from reportlab.pdfbase import pdfdoc

    formatted: dict[tuple[Any, ...], bytes] = {}

    class NumbersArray(pdfdoc.PDFArray):  # type: ignore[misc]
        """A PDF array formatted once per process while it holds only numbers (which format the same in
        every document)."""

        def format(self, document: Any, IND: bytes = b"\n ") -> bytes:  # noqa: N803 (reportlab's name)
            if not all(type(e) in (int, float) for e in self.sequence):
                return bytes(super().format(document, IND))
            key = (IND, *self.sequence)
            if key not in formatted:
                if len(formatted) >= 256:
                    formatted.clear()
                formatted[key] = super().format(document, IND)
            return formatted[key]

    return NumbersArray


def _reuse_compressed() -> None:
    """Compress a large stream (a font subset) once per process: reportlab's Flate filter is one shared
    object; its encode is given a memory of the last few large inputs it saw."""
    from reportlab.pdfbase import pdfdoc

    flate = pdfdoc.PDFZCompress
    if getattr(flate, "_reused", False):
        return
    encode = flate.encode
    seen: dict[bytes, bytes] = {}

    def reusing(text: str | bytes) -> bytes:
        data = text.encode("utf8") if isinstance(text, str) else text
        if len(data) < 4096 and not data.startswith(b"/CIDInit"):  # small, unless a font's ToUnicode map
            return bytes(encode(data))
        if data not in seen:
            if len(seen) >= 32:
                seen.clear()
            seen[data] = encode(data)
        return seen[data]

    flate.encode = reusing
    flate._reused = True


def _measure_characters_once() -> None:
    """reportlab cuts a word too long for its line by measuring it a character at a time, anew each time
    the paragraph is laid out; each character's width is looked up once per font and size instead (the
    same widths, so the same lines)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import paragraph

    if getattr(paragraph, "_measured_once", False):
        return
    tables: dict[tuple[str, float], dict[str, float]] = {}

    def frag_word_iter(w: Any) -> Iterator[tuple[Any, float, str]]:
        for f, s in w[1:]:
            if hasattr(f, "cbDefn"):
                yield f, getattr(f.cbDefn, "width", 0), s
            elif s:
                if isinstance(s, bytes):
                    s = s.decode("utf8")
                key = (f.fontName, f.fontSize)
                table = tables.get(key)
                if table is None:
                    table = tables[key] = {}
                for c in s:
                    width = table.get(c)
                    if width is None:
                        width = table[c] = stringWidth(c, f.fontName, f.fontSize)
                    yield f, width, c
            else:
                yield f, 0, s

    paragraph._fragWordIter = frag_word_iter
    paragraph._measured_once = True
    _keep_lines_across_pages(paragraph.Paragraph)


def _keep_lines_across_pages(paragraph: Any) -> None:
    """A paragraph split at the foot of a page keeps, for the part that goes on, the lines it has already
    laid out, when the next frame is as wide; reportlab would lay the rest out again on every page, time
    that grows with the square of a long paragraph's length. Breaking lines greedily from the start of a
    line at the same width gives the same lines, so the letter is the same."""
    split = paragraph.split
    break_lines = paragraph.breakLines

    @functools.wraps(split)  # (what reportlab's own is stays readable: tests/test_architecture.py)
    def split_keeping_lines(self: Any, width: float, height: float) -> Any:
        parts = split(self, width, height)
        if len(parts) == 2 and hasattr(self, "blPara") and hasattr(parts[0], "blPara"):
            laid = self.blPara
            count = len(parts[0].blPara.lines)
            parts[0]._laid = (self._wrapWidths[-1], laid, laid.lines[:count])
            parts[1]._laid = (self._wrapWidths[-1], laid, laid.lines[count:])
        return parts

    @functools.wraps(break_lines)
    def reusing_lines(self: Any, widths: Sequence[float]) -> Any:
        laid = getattr(self, "_laid", None)
        if laid is not None and all(abs(w - laid[0]) < 1e-6 for w in widths):
            lines = copy.copy(laid[1])
            rest = laid[2]
            first = getattr(rest[0], "sFW", None) if rest else None
            if first:  # where each line starts in the paragraph's fragments, which now start at the first
                rest = [copy.copy(line) for line in rest]
                for line in rest:
                    line.sFW -= first
            lines.lines = rest
            return lines
        known = getattr(self, "_lines_by_width", None)  # a paragraph seen before in this process (_paragraph)
        if known is None:
            return break_lines(self, widths)
        key = tuple(widths)
        found = known.get(key)
        if found is None:
            found = known[key] = break_lines(self, widths)
        lines = copy.copy(found)
        lines.lines = list(found.lines)
        return lines

    paragraph.split = split_keeping_lines
    paragraph.breakLines = reusing_lines


# A run of characters without white space longer than this is no word (nor a paragraph of Chinese): a
# pasted blob. It is cut into pieces that each fit a line of the body, one to a line, in one pass.
# reportlab would cut it a character at a time each time the paragraph is laid out, once or twice for
# every page it spans: time that grows with the square of its length (minutes for 100,000 characters).
LONG_RUN = 1000
_LONG_RUN = re.compile(r"\S{" + str(LONG_RUN + 1) + ",}")


def _break_long_runs(text: str) -> str:
    if len(text) <= LONG_RUN or not _LONG_RUN.search(text):
        return text
    return _LONG_RUN.sub(lambda m: "\n".join(_pieces(m.group())), text)


def _pieces(run: str) -> Iterator[str]:
    """``run`` in pieces no wider than a body line on the narrower paper, measured in the widest face (a
    character the letter font lacks counts as a full em, as wide as a fallback font's widest)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    limit = 0.95 * (min(page_size("a4")[0], page_size("letter")[0]) - 2 * MARGIN)
    covered = _covered()
    widths: dict[str, float] = {}
    start = 0
    width = 0.0
    for i, c in enumerate(run):
        w = widths.get(c)
        if w is None:
            w = widths[c] = (stringWidth(c, "DejaVuSerif-Bold", BODY_SIZE) if c in covered else BODY_SIZE)
        if width + w > limit and i > start:
            yield run[start:i]
            start, width = i, 0.0
        width += w
    yield run[start:]


def prepare(fonts: Sequence[Path] = ()) -> None:
    """Import what a letter needs and register the fonts now (before worker processes fork); ``fonts``:
    the user's own fallback fonts (--font), tried before the system's."""
    import reportlab.platypus  # noqa: F401

    use_fonts(fonts)
    _styles()
    _flowables()


@functools.lru_cache(maxsize=1)
def _covered() -> frozenset[str]:
    """The characters every face of the letter font has."""
    from reportlab.pdfbase import pdfmetrics

    register_fonts()
    sets = [set(pdfmetrics.getFont(name).face.charToGlyph) for name in FACES]
    return frozenset(chr(c) for c in set.intersection(*sets))


# --- fallback fonts: other scripts (CJK, Arabic, Hebrew, Georgian, Armenian, Devanagari, ...) ---------
#
# A character the letter font lacks is drawn in the first fallback font that has it: the fonts given
# with --font, in order, then a font fontconfig finds on this computer (`fc-list :charset=...`),
# preferring regular faces, DejaVu Sans, then Noto. Which system font is found depends on the fonts
# installed; give --font to make letters the same on every computer.

_user_fonts: list[Path] = []
_fallbacks: list[tuple[str, frozenset[int]]] = []  # (registered name, its characters), in order of trial


def use_fonts(paths: Sequence[Path]) -> None:
    """Use these font files (TrueType) first for characters the letter font lacks."""
    wanted = [Path(p) for p in paths]
    if wanted == _user_fonts:
        return
    _user_fonts[:] = wanted
    _fallbacks.clear()
    _fallback_for.cache_clear()
    for path in wanted:
        _register_fallback(path)


class FontError(ValueError):
    pass


def _register_fallback(path: Path) -> str | None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    name = "Fallback-" + "".join(c if c.isalnum() else "-" for c in path.stem)[:40] + f"-{len(_fallbacks)}"
    try:
        # shapable: HarfBuzz may shape it for a paragraph that asks (none does yet: docs/campaign.md)
        font = _reusing_subsets(TTFont(name, str(path), shapable=True))
    except (TTFError, OSError, ValueError) as e:
        if path in _user_fonts:
            raise FontError(f"{path}: not a TrueType font reportlab can embed ({e})") from e
        return None
    pdfmetrics.registerFont(font)
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)  # the fallback has one face: bold and italic print regular
    _fallbacks.append((name, frozenset(font.face.charToGlyph)))
    return name


def _system_font(code: int) -> Path | None:
    """A TrueType file on this computer with the character, by fontconfig; None without fontconfig."""
    import subprocess

    try:
        found = subprocess.run(["fc-list", "--format", "%{file}\n", f":charset={code:x}"], capture_output=True,
                               text=True, timeout=30, check=False).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted({f for f in found if f.lower().endswith(".ttf")}, key=lambda f: (
        any(w in Path(f).stem.lower() for w in ("bold", "italic", "oblique", "mono", "light", "condensed")),
        0 if "DejaVuSans" in f else 1 if "Noto" in f else 2, f))
    return Path(files[0]) if files else None


@functools.cache
def _fallback_for(character: str) -> str | None:
    """The registered name of the first fallback font that has ``character``."""
    code = ord(character)
    for name, characters in _fallbacks:
        if code in characters:
            return name
    path = _system_font(code)
    if path is None or path in _tried:
        return None
    _tried.add(path)
    found = _register_fallback(path)
    return found if found is not None and code in _fallbacks[-1][1] else None


_tried: set[Path] = set()  # system fonts registered (or found unusable)


def _segments(text: str) -> list[tuple[str | None, str]]:
    """``text`` cut into runs of one font: None for the letter font, else a fallback's name."""
    covered = _covered()
    if covered.issuperset(text):
        return [(None, text)]
    runs: list[tuple[str | None, str]] = []
    for c in text:
        font = None if c in covered or c.isspace() else _fallback_for(c)
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + c)
        else:
            runs.append((font, c))
    return runs


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` that neither the letter font nor any fallback font can draw (white space
    aside)."""
    covered = _covered()
    return sorted({c for c in text if not c.isspace() and c not in covered and _fallback_for(c) is None})


def _draw(canvas: Any, text: str, size: float, x: float, y: float, centred: bool = False) -> None:
    """drawString in the letter font (already set on ``canvas``), switching to fallback fonts for runs
    of characters it lacks; right-to-left runs in visual order."""
    runs = _segments(text)
    if len(runs) == 1 and runs[0][0] is None and not _has_rtl(text):
        (canvas.drawCentredString if centred else canvas.drawString)(x, y, text)
        return
    from bidi.algorithm import get_base_level
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def space_in(left: str | None, space: str | None, right: str | None, spaces: str) -> float | None:
        # joined only where the space is as wide in the words' font (drawn here without word spacing)
        same = left == right and _widening(spaces, space or FAMILY, left or FAMILY, size) == 0
        return 0.0 if same else None

    runs = _one_string(_visual(runs, get_base_level(text)), space_in)
    widths = [stringWidth(part, font or FAMILY, size) for font, part in runs]
    at = x - sum(widths) / 2 if centred else x
    for (font, part), width in zip(runs, widths, strict=True):
        canvas.setFont(font or FAMILY, size)
        canvas.drawString(at, y, part)
        at += width
    canvas.setFont(FAMILY, size)


# Right-to-left text, in a letter of that language or as a name anywhere. reportlab's own bidi needs
# rlbidi (not on the package index); instead each line, once reportlab has broken the paragraph, is put
# into visual order here with python-bidi's implementation of the Unicode Bidirectional Algorithm (levels
# by rules P to I, then L1 and L2 on runs of one font), every right-to-left run reversed and its brackets
# mirrored. reportlab draws these strings as they are: it shapes (HarfBuzz) only a paragraph whose own
# style font is shapable and whose style asks for it, which the letter's styles are not, so Arabic is
# drawn in isolated letters, in the right order. Text drawn in visual order is what PDF readers expect of
# a right-to-left string: pdftotext reads it back in logical order (docs/campaign.md).

_RTL_CLASSES = frozenset({"R", "AL"})
_CONTROLS = frozenset({"LRE", "RLE", "LRO", "RLO", "PDF", "BN"})  # explicit embeddings, removed by rule X9
LEFT_TO_RIGHT = "\u202a{}\u202c"  # a number or code inside right-to-left text: LRE ... PDF keeps it in order


# The blocks that hold every right-to-left letter (Hebrew to Arabic Extended-A, their presentation forms,
# the right-to-left blocks of the supplementary planes) and the right-to-left mark: a quick first test
_RTL_BLOCKS = re.compile("[\u0590-\u08ff\u200f\ufb1d-\ufdff\ufe70-\ufefe\U00010800-\U00010fff"
                         "\U0001e800-\U0001efff]")


def _has_rtl(text: str) -> bool:
    if _RTL_BLOCKS.search(text) is None:
        return False
    from unicodedata import bidirectional

    return any(bidirectional(c) in _RTL_CLASSES for c in text)


def _levels(text: str, base: int) -> list[int]:
    """The embedding level of each character of one line, paragraph level ``base`` (0 LTR, 1 RTL)."""
    from unicodedata import bidirectional

    from bidi.algorithm import (
        explicit_embed_and_overrides,
        get_embedding_levels,
        get_empty_storage,
        resolve_implicit_levels,
        resolve_neutral_types,
        resolve_weak_types,
    )

    storage = get_empty_storage()
    storage["base_level"], storage["base_dir"] = base, "LR"[base]
    get_embedding_levels(text, storage)
    explicit_embed_and_overrides(storage)
    resolve_weak_types(storage)
    resolve_neutral_types(storage, False)
    resolve_implicit_levels(storage, False)
    kept = iter(c["level"] for c in storage["chars"])
    # rule X9 took out the embedding controls (drawn as nothing): they take their neighbour's level
    levels: list[int] = []
    for c in text:
        if bidirectional(c) in _CONTROLS:
            levels.append(levels[-1] if levels else base)
        else:
            levels.append(next(kept))
    end = len(levels)  # L1: white space at the end of a line takes the paragraph's level
    while end and text[end - 1].isspace():
        end -= 1
        levels[end] = base
    return levels


def _visual(pieces: Sequence[tuple[Any, str]], base: int) -> list[tuple[Any, str]]:
    """Runs of a line (each ``(key, text)`` in logical order, the key standing for its font) as runs to
    draw from left to right."""
    from unicodedata import bidirectional

    from bidi.mirror import MIRRORED

    text = "".join(part for _, part in pieces)
    levels = _levels(text, base)
    runs: list[tuple[int, Any, str]] = []
    at = 0
    for key, part in pieces:
        start = at
        for i in range(at, at + len(part) + 1):
            if i == at + len(part) or levels[i] != levels[start]:
                if i > start:
                    runs.append((levels[start], key, text[start:i]))
                start = i
        at += len(part)
    if not runs:
        return list(pieces)
    highest = max(level for level, _, _ in runs)
    lowest_odd = min(level for level, _, _ in runs) | 1
    for level in range(highest, lowest_odd - 1, -1):  # L2
        i = 0
        while i < len(runs):
            if runs[i][0] < level:
                i += 1
                continue
            j = i
            while j < len(runs) and runs[j][0] >= level:
                j += 1
            runs[i:j] = runs[i:j][::-1]
            i = j
    out = []
    for level, key, part in runs:
        part = "".join(c for c in part if bidirectional(c) not in _CONTROLS)
        if not part:
            continue
        if level % 2 == 1:
            part = "".join(MIRRORED.get(c, c) for c in reversed(part))
        out.append((key, part))
    return out


class _Spaced(str):
    """Text whose spaces are drawn ``word_space`` points wider than its font's own, by PDF word spacing
    (which widens code 32, the space of every reportlab subset, and the no-break space it is drawn as)."""

    word_space: float


def _word_space(text: str) -> float:
    return getattr(text, "word_space", 0.0)


def _spaces(text: str) -> int:
    return text.count(" ") + text.count("\xa0")


def _widening(spaces: str, font: str, other: str, size: float) -> float | None:
    """How much wider each of ``spaces`` is in ``font`` than in ``other``; None if they are not all plain or
    no-break spaces, which word spacing can widen, and differ."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    here, there = stringWidth(spaces, font, size), stringWidth(spaces, other, size)
    if here == there:
        return 0.0
    return None if _spaces(spaces) != len(spaces) else (here - there) / len(spaces)


_K = TypeVar("_K")


def _one_string(runs: Sequence[tuple[_K, str]],
                space_in: Callable[[_K, _K, _K, str], float | None]) -> list[tuple[_K, str]]:
    """Runs in visual order with the white space between two right-to-left words of one font drawn in the
    words' font, so that a run of right-to-left words is one string. A reader that puts right-to-left text
    in logical order string by string (pypdf does; a change of font ends its string) then reads the words
    in their order as well as each word's letters. ``space_in(left, space, right, spaces)`` tells how much
    wider each space must be drawn in the words' font to keep its width, or None if it cannot be (another
    size, colour or font for the words); a run is then `_Spaced`. The page is drawn exactly as before."""
    out: list[tuple[_K, str, float | None]] = []  # key, text, the widening of its spaces (None: none joined)
    for key, part in runs:
        if (len(out) >= 2 and out[-1][1].isspace() and not _has_space(part) and _has_rtl(part)
                and _has_rtl(out[-2][1])):
            (left, words, widened), (space, spaces, _) = out[-2], out[-1]
            extra = space_in(left, space, key, spaces)
            if extra is not None and (widened == extra or (widened is None and not _has_space(words))):
                out[-2:] = [(left, words + spaces + part, extra)]
                continue
        out.append((key, part, None))
    joined = []
    for key, part, extra in out:
        if extra:
            part = _Spaced(part)
            part.word_space = extra
        joined.append((key, part))
    return joined


def _has_space(text: str) -> bool:
    return any(c.isspace() for c in text)


_FACE = ("fontSize", "textColor", "backColor", "rise", "link", "us_lines")


def _frag_space_in(left: Any, space: Any, right: Any, spaces: str) -> float | None:
    """`_one_string` for a paragraph's fragments: the words of one face, the space of their size and colour."""
    if left.fontName != right.fontName or hasattr(space, "cbDefn") or any(
            not getattr(left, a, None) == getattr(space, a, None) == getattr(right, a, None) for a in _FACE):
        return None
    return _widening(spaces, space.fontName, left.fontName, left.fontSize)


@functools.lru_cache(maxsize=1)
def _bidirectional() -> type:
    """A paragraph with right-to-left text (a letter in Arabic, or an Arabic name in an English letter or
    call sheet): broken into lines by reportlab, then each line drawn in visual order. Its direction is
    its style's: right to left for the styles of a right-to-left language, else left to right."""
    from reportlab.platypus import Paragraph

    class Bidirectional(Paragraph):  # type: ignore[misc]
        def drawPara(self, debug: int = 0) -> None:  # noqa: N802 (reportlab's name)
            base = 1 if self.style.name.endswith("-rtl") else 0
            para = self.blPara
            logical = para.lines
            if para.kind == 1:
                if any(hasattr(f, "cbDefn") for line in logical for f in line.words):
                    super().drawPara(debug)
                    return
                para.lines = [line.clone(words=[f if f.text == part else f.clone(text=part) for f, part in
                                                _one_string(_visual([(f, f.text) for f in line.words], base),
                                                            _frag_space_in)])
                              for line in logical]
            else:
                para.lines = [(extra, "".join(part for _, part in _visual([(None, " ".join(words))], base)).split(" "))
                              for extra, words in logical]
            try:
                super().drawPara(debug)
            finally:
                para.lines = logical

        def beginText(self, x: float, y: float) -> Any:  # noqa: N802 (reportlab's name)
            """reportlab's text object, drawing a `_Spaced` fragment with its word spacing."""
            text = super().beginText(x, y)
            out = text._textOut

            def spaced_out(part: str, t_star: int = 0) -> None:
                extra = _word_space(part)
                if not extra:
                    out(part, t_star)
                    return
                usual = getattr(text, "_wordSpace", 0)
                text.setWordSpace(usual + extra)
                out(part)
                text.setWordSpace(usual)
                if t_star:
                    out("", t_star)

            text._textOut = spaced_out
            return text

    return Bidirectional


def _ltr(letter: Letter, text: str) -> str:
    """Fax numbers and references read left to right even inside a right-to-left letter."""
    from faxcampaign.campaign.language import is_rtl

    return LEFT_TO_RIGHT.format(text) if is_rtl(letter.language) else text


def _paragraph(markup: str, style: Any) -> Any:
    """A paragraph of ``markup``, laid out in both directions when its language or its text needs it.

    The markup of a left-to-right paragraph is parsed once per process, and broken into lines once per
    width (`_keep_lines_across_pages`): letters of one campaign repeat most of their paragraphs, and
    reportlab only reads the parsed fragments and the lines (it clones one to change it)."""
    if style.name.endswith("-rtl") or _has_rtl(markup):
        return _bidirectional()(markup, style)
    from reportlab.platypus import Paragraph

    key = (markup, id(style))
    parsed = _parsed.get(key)
    if parsed is not None:
        text, parsed_style, bullet, frags, lines = parsed
        paragraph = Paragraph(text, parsed_style, bulletText=bullet, frags=frags)
    else:
        paragraph = Paragraph(markup, style)
        if len(_parsed) >= 1024:
            _parsed.clear()
        lines = {}
        _parsed[key] = (paragraph.text, paragraph.style, paragraph.bulletText, paragraph.frags, lines)
    paragraph._lines_by_width = lines
    return paragraph


# markup and style -> the parsed paragraph, and its lines by the widths they were broken at (_paragraph)
_parsed: dict[tuple[str, int], tuple[str, Any, Any, list[Any], dict[tuple[float, ...], Any]]] = {}


def page_size(paper: str) -> tuple[float, float]:
    from reportlab.lib.pagesizes import A4, LETTER

    size: tuple[float, float] = {"a4": A4, "letter": LETTER}[paper]
    return size


@functools.lru_cache(maxsize=1)
def _styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    register_fonts()
    base = ParagraphStyle("body", fontName=FAMILY, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.3,
                          spaceAfter=BODY_SIZE * 0.6, textColor="black")
    return {
        "body": base,
        "block": ParagraphStyle("block", parent=base, spaceAfter=0),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "item": ParagraphStyle("item", parent=base, spaceAfter=BODY_SIZE * 0.3),
        "heading": ParagraphStyle("heading", parent=base, fontName="DejaVuSerif-Bold", fontSize=28, leading=34,
                                  spaceAfter=18),
        "title": ParagraphStyle("title", parent=base, fontSize=14, leading=18, alignment=TA_CENTER),
    }


@functools.lru_cache(maxsize=8)
def _styles_for(language: str) -> dict[str, Any]:
    """The styles of a letter in ``language``: right-aligned for a right-to-left script."""
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    from faxcampaign.campaign.language import is_rtl

    styles = _styles()
    if not is_rtl(language):
        return styles
    return {name: ParagraphStyle(f"{name}-rtl", parent=style, alignment=TA_RIGHT
                                 if name in ("body", "block", "item", "heading") else style.alignment)
            for name, style in styles.items()}


def escape(text: str) -> str:
    """Plain text as paragraph markup text: &, < and > as entities (xml.sax.saxutils.escape, whose module
    imports urllib and more)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(text: str) -> str:
    """Plain text as paragraph markup: escaped, runs the letter font lacks in a fallback font, and a run
    too long to be a word cut into lines (_break_long_runs)."""
    text = _break_long_runs(text)
    runs = _segments(text)
    if len(runs) == 1 and runs[0][0] is None:
        return escape(text).replace("\n", "<br/>")
    return "".join(escape(part).replace("\n", "<br/>") if font is None else
                   f'<font name="{font}">{escape(part)}</font>' for font, part in runs)


def _runs(runs: Sequence[Run]) -> str:
    out = []
    for run in runs:
        text = _text(run.text)
        if run.bold:
            text = f"<b>{text}</b>"
        if run.italic:
            text = f"<i>{text}</i>"
        out.append(text)
    return "".join(out)


def _lines(lines: Sequence[str], style: Any, bold_first: bool = False) -> Any:

    parts = [_text(line) for line in lines]
    if bold_first and parts:
        parts[0] = f"<b>{parts[0]}</b>"
    return _paragraph("<br/>".join(parts), style)


def _body(blocks: Sequence[Block], styles: dict[str, Any]) -> list[Any]:
    from reportlab.platypus import ListFlowable, ListItem

    story: list[Any] = []
    for block in blocks:
        if isinstance(block, ListBlock):
            items = [ListItem(_paragraph(_runs(item), styles["item"])) for item in block.items]
            # a right-to-left letter's numbers and bullets stand at the right margin
            side = dict(bulletDir="rtl", bulletAlign="right", leftIndent=0, rightIndent=18) \
                if styles["item"].name.endswith("-rtl") else dict(leftIndent=18)
            story.append(ListFlowable(
                items, bulletType="1" if block.ordered else "bullet", start=block.start if block.ordered else "•",
                bulletFormat="%s." if block.ordered else None,
                bulletFontName=FAMILY, bulletFontSize=BODY_SIZE, spaceAfter=BODY_SIZE * 0.6, **side,
            ))
        else:
            story.append(_paragraph(_runs(block.runs), styles["body"]))
    return story


@functools.lru_cache(maxsize=1)
def _flowables() -> tuple[type, type]:
    """Two zero-cost flowables, defined once: a mark where a letter starts (pages are numbered per
    letter), and a line whose text (the page total) is known only when the letter is finished."""
    from reportlab.platypus.flowables import Flowable

    class Mark(Flowable):  # type: ignore[misc]
        def __init__(self, key: int) -> None:
            super().__init__()
            self.key = key

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            return 0, 0

        def draw(self) -> None:
            self.canv._letter = self.key

    class Deferred(Flowable):  # type: ignore[misc]
        def __init__(self, template: str) -> None:
            super().__init__()
            self.template = template

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            return available_width, BODY_SIZE * 1.3

        def draw(self) -> None:
            self.canv._deferred.append((self.canv.absolutePosition(0, 3)[0:2], self.template))

    return Mark, Deferred


def _cover(letter: Letter, fax: bool = False) -> list[Any]:
    from reportlab.platypus import PageBreak, Spacer, Table, TableStyle

    assert letter.cover is not None
    styles = _styles_for(letter.language)
    cover = letter.cover

    def w(key: str) -> str:
        return word(letter, key)

    rows = [
        [w("to"), _lines(cover.to, styles["block"], bold_first=True)],
        [w("fax_number"), _lines([_ltr(letter, cover.fax_to)], styles["block"])],
        [w("from"), _lines(cover.sender, styles["block"], bold_first=True)],
        [w("date"), _lines([cover.date], styles["block"])],
        [w("pages"), _flowables()[1](w("pages_value"))],
    ]
    if letter.reference:
        rows.append([w("ref"), _lines([_ltr(letter, letter.reference)], styles["block"])])
    table = Table([[_paragraph(f"<b>{_text(label)}</b>", styles["block"]), value] for label, value in rows],
                  colWidths=[28 * MM, None], hAlign="LEFT", splitInRow=1)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    if fax:  # the cells' own font, which only text cells would use: ours, not Helvetica (see render)
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FAMILY)]))
    notice = w("error_notice").replace("{contact}", _ltr(letter, cover.contact))
    return [_paragraph(_text(w("fax")), styles["heading"]), table, Spacer(1, 18),
            _paragraph(_text(notice), styles["body"]), PageBreak()]


def _story(letter: Letter, index: int, fax: bool = False) -> list[Any]:
    from reportlab.platypus import PageBreak

    story: list[Any] = [_flowables()[0](index)]
    if letter.cover:
        story += _cover(letter, fax)
    story += _part(letter)
    if letter.original is not None:  # a bilingual letter: the original follows, in the same page numbering
        story += [PageBreak(), *_part(letter.original)]
    return story


def _part(letter: Letter) -> list[Any]:
    from reportlab.platypus import Spacer

    styles = _styles_for(letter.language)
    story: list[Any] = []
    if letter.heading:
        story += [_paragraph(f"<b>{_text(letter.heading)}</b>", styles["title"]), Spacer(1, 6)]
    story += [
        _lines(letter.sender, styles["block"], bold_first=True),
        Spacer(1, 10),
        _lines([letter.date], styles["right"]),
        _lines(letter.recipient, styles["block"], bold_first=True),
        Spacer(1, 6),
        _lines([f"{word(letter, 'by_fax')} {_ltr(letter, letter.by_fax)}"], styles["block"]),
    ]
    if letter.reference:
        story.append(_lines([f"{word(letter, 'ref')} {_ltr(letter, letter.reference)}"], styles["block"]))
    story += [Spacer(1, 14), _lines([letter.salutation], styles["body"])]
    story += _body(letter.body, styles)
    story += [Spacer(1, 4), _lines([letter.closing], styles["body"]), Spacer(1, 30),
              _lines(letter.signature, styles["block"], bold_first=True)]
    return story


def _canvas_class(references: Sequence[str | None], footers: Sequence[str], fax: bool = False,
                  pages: list[int] | None = None) -> Any:
    """The canvas for a document of letters; once saved, ``pages`` holds each letter's number of pages."""
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """Holds pages until the end, then writes "page X of Y" per letter and deferred totals."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if fax:  # no Helvetica, which reportlab names on every page (see render)
                kwargs["initialFontName"] = "DejaVuSerif"
            super().__init__(*args, **kwargs)
            self._letter = 0
            self._deferred: list[Any] = []
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._held.append(dict(self.__dict__))
            self._deferred = []
            self._startPage()

        def save(self) -> None:
            totals: dict[int, int] = {}
            for state in self._held:
                totals[state["_letter"]] = totals.get(state["_letter"], 0) + 1
            seen: dict[int, int] = {}
            width = self._pagesize[0]
            for state in self._held:
                self.__dict__.update(state)
                key = self._letter
                seen[key] = seen.get(key, 0) + 1
                total = totals[key]
                footer = footers[key].replace("{page}", str(seen[key])).replace("{total}", str(total))
                reference = references[key] if key < len(references) else None
                if reference:
                    footer = f"{reference} · {footer}"
                self.setFont(FAMILY, FOOTER_SIZE)
                self.setFillColorRGB(0, 0, 0)
                _draw(self, footer, FOOTER_SIZE, width / 2, MARGIN - 4 * MM, centred=True)
                self.setFont(FAMILY, BODY_SIZE)
                for (x, y), template in self._deferred:
                    _draw(self, template.replace("{total}", str(total)), BODY_SIZE, x, y)
                Canvas.showPage(self)
            Canvas.save(self)
            if pages is not None:
                pages[:] = [totals.get(key, 0) for key in range(len(footers))]

    return NumberedCanvas


@contextlib.contextmanager
def _own_dates() -> Iterator[None]:
    """Our PDFs are reproducible on their own (invariant mode: fixed metadata dates; the letter's date
    comes from --date), so SOURCE_DATE_EPOCH, which reportlab would read (and fail on when it is not a
    number), is set aside while a document is built."""
    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def render(letters: Sequence[Letter], paper: str = "a4", fax: bool = False) -> bytes:
    """One PDF holding ``letters`` in order, each numbered "page X of Y" on its own.

    ``fax``: a PDF only for Ghostscript to make the fax TIFF from. reportlab names Helvetica in every
    page's resources (its initial font, though our text never uses it), and Ghostscript loads a
    substitute for it from disk for every PDF, a fifth of its time a letter; a PDF for the fax starts in
    our own font instead, as does a cover sheet's table. The TIFF is the same, byte for byte (tested)."""
    return render_counted(letters, paper, fax)[0]


def render_counted(letters: Sequence[Letter], paper: str = "a4", fax: bool = False) -> tuple[bytes, list[int]]:
    """`render`, and the number of pages of each letter in the document, in order."""
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    if not letters:
        raise ValueError("no letters to render")
    register_fonts()
    buffer = io.BytesIO()
    first = letters[0]
    multiple = len(letters) > 1
    doc = SimpleDocTemplate(
        buffer, pagesize=page_size(paper), leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * MM, title="Letters" if multiple else first.title,
        author="" if multiple else first.author, subject=first.subject, creator="faxcampaign", invariant=1,
    )
    story: list[Any] = []
    for i, letter in enumerate(letters):
        if i:
            story.append(PageBreak())
        story += _story(letter, i, fax)
    pages: list[int] = []
    with _own_dates():
        doc.build(story, canvasmaker=_canvas_class([letter.reference for letter in letters],
                                                   [word(letter, "page") for letter in letters], fax, pages))
    return buffer.getvalue(), pages


def render_sheet(title: str, lines: Sequence[str], emphasis: str, sections: Sequence[Section],
                 empty: str, closed: Sequence[str], closed_heading: str = "Closed today") -> bytes:
    """A printable A4 sheet in the letters' font: a bold title, ``lines`` below it, ``emphasis`` in bold,
    then each section (a bold name over a table of labelled lines; ``empty`` when there is none), then
    ``closed`` under ``closed_heading``. Every string is plain text."""
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    register_fonts()
    styles = _styles()
    body, block = styles["body"], styles["block"]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=page_size("a4"), leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN, title=title,
                            subject="Call sheet", creator="faxcampaign", invariant=1)
    story: list[Any] = [
        _paragraph(f"<b>{_text(lines[0])}</b>", styles["body"]),
        _lines(list(lines[1:]), body),
        _paragraph(f"<b>{_text(emphasis)}</b>", body),
    ]
    if not sections:
        story.append(_lines([empty], body))
    for section in sections:
        table = Table([[Paragraph(f"<b>{_text(label)}</b>", block), _lines(list(value), block)]
                       for label, value in section.cells],
                      colWidths=[30 * MM, None], hAlign="LEFT", splitInRow=1)
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
        story.append(KeepTogether([Spacer(1, 8), _paragraph(f"<b>{_text(section.name)}</b>", body), table]))
    if closed:
        story += [Spacer(1, 10), Paragraph(f"<b>{_text(closed_heading)}</b>", body)]
        story += [_lines(list(closed), body)]
    with _own_dates():
        doc.build(story)
    return buffer.getvalue()

"""The only module that imports reportlab: fonts, page layout, and invariant PDF output."""

from __future__ import annotations

import functools
from pathlib import Path

FONT_DIR = Path(__file__).parent / "fonts"
FACES = {
    "DejaVuSerif": "DejaVuSerif.ttf",
    "DejaVuSerif-Bold": "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic": "DejaVuSerif-Italic.ttf",
    "DejaVuSerif-BoldItalic": "DejaVuSerif-BoldItalic.ttf",
}


@functools.lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register each bundled face once per process, as a family; return the family's regular name."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, filename in FACES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    addMapping("DejaVuSerif", 0, 0, "DejaVuSerif")
    addMapping("DejaVuSerif", 1, 0, "DejaVuSerif-Bold")
    addMapping("DejaVuSerif", 0, 1, "DejaVuSerif-Italic")
    addMapping("DejaVuSerif", 1, 1, "DejaVuSerif-BoldItalic")
    return "DejaVuSerif"


@functools.lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    from reportlab.pdfbase import pdfmetrics

    register_fonts()
    sets = [set(pdfmetrics.getFont(name).face.charToGlyph) for name in FACES]
    return frozenset(set.intersection(*sets))


def missing_glyphs(text: str) -> list[str]:
    """Characters of ``text`` that the letter fonts cannot draw (white space aside)."""
    covered = _covered()
    return sorted({c for c in text if not c.isspace() and ord(c) not in covered})

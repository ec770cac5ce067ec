"""The floor for `render`: raw reportlab in its own process, one face, nothing of faxcampaign's.

Reads letters (a JSON list, each a list of paragraph texts) and writes each to FOLDER/<n>.pdf with a
minimal Platypus script: the imports, one TTF face registered under its own name, SimpleDocTemplate,
one Paragraph per block. Run by bench_render.py as a subprocess beside `faxcampaign render`.

    python bench/floor_render.py LETTERS.json FOLDER
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate

FONT = Path(__file__).resolve().parent.parent / "src/faxcampaign/fonts/DejaVuSerif.ttf"


def main() -> None:
    letters = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    folder = Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    pdfmetrics.registerFont(TTFont("FloorSerif", str(FONT)))
    style = ParagraphStyle("body", fontName="FloorSerif", fontSize=11.5, leading=15, spaceAfter=7)
    for i, paragraphs in enumerate(letters):
        doc = SimpleDocTemplate(str(folder / f"{i}.pdf"), pagesize=A4, invariant=1)
        doc.build([Paragraph(escape(p).replace("\n", "<br/>"), style) for p in paragraphs])


if __name__ == "__main__":
    main()

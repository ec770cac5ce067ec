"""Render 1,000 letters: faxcampaign beside a floor of raw reportlab, in the same run.

The letters are the example campaign's three, signed by 334 volunteers (a --signers run). The floor
renders the same letters with a minimal Platypus script (SimpleDocTemplate, the same DejaVu family,
one Paragraph per block with the same bold and italic) and writes each to a file, as the real run
does. Targets: single-process throughput at least 0.8x the floor; --jobs 2 at least 1.6x
single-process (on 2 cores).

    python bench/bench_render.py [--letters N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from faxcampaign.letters import Letter, Run, Signer  # noqa: E402


def make_signers(count: int) -> list[Signer]:
    """Volunteers signing the example's three letters: the realistic way to reach many letters."""
    return [Signer(f"Volunteer {i}", "Trades Council", (f"{i} High Street", "London"), f"v{i}@example.org")
            for i in range(count)]


def floor(letter_texts: list[list[str]], folder: Path) -> float:
    """Raw reportlab: the same paragraphs with the same bold and italic, the same font family, each
    letter written to its own file as the real run does (plainly, not atomically)."""
    from reportlab.lib.fonts import addMapping
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    fonts = ROOT / "src/faxcampaign/fonts"
    for bold, italic, suffix in [(0, 0, ""), (1, 0, "-Bold"), (0, 1, "-Italic"), (1, 1, "-BoldItalic")]:
        pdfmetrics.registerFont(TTFont(f"Floor{suffix}", str(fonts / f"DejaVuSerif{suffix}.ttf")))
        addMapping("Floor", bold, italic, f"Floor{suffix}")
    style = ParagraphStyle("b", fontName="Floor", fontSize=11.5, leading=15)
    start = time.perf_counter()
    folder.mkdir()
    for i, paragraphs in enumerate(letter_texts):
        doc = SimpleDocTemplate(str(folder / f"{i}.pdf"), pagesize=A4, invariant=1)
        doc.build([Paragraph(p, style) for p in paragraphs])
    return time.perf_counter() - start


def markup(letter: Letter) -> list[str]:
    """The letter's paragraphs as reportlab markup, bold and italic as faxcampaign prints them."""
    from xml.sax.saxutils import escape

    from faxcampaign.letters import ListBlock

    def runs(items: Sequence[Run]) -> str:
        out = ""
        for run in items:
            text = escape(run.text)
            text = f"<b>{text}</b>" if run.bold else text
            out += f"<i>{text}</i>" if run.italic else text
        return out

    def block(lines: Sequence[str]) -> str:
        return "<br/>".join([f"<b>{escape(lines[0])}</b>", *map(escape, lines[1:])])

    paragraphs = [block(letter.sender), escape(letter.date), block(letter.recipient),
                  escape(f"By fax: {letter.by_fax}"), escape(f"Ref: {letter.reference}"), escape(letter.salutation)]
    for b in letter.body:
        if isinstance(b, ListBlock):
            paragraphs += [f"{i}. {runs(item)}" for i, item in enumerate(b.items, b.start)]
        else:
            paragraphs.append(runs(b.runs))
    return [*paragraphs, escape(letter.closing), block(letter.signature)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=1000, help="rounded up to a multiple of 3")
    args = parser.parse_args()
    from faxcampaign import pdf
    from faxcampaign.campaign import load
    from faxcampaign.letters import LetterTemplate, build_letter
    from faxcampaign.render import Options, render_all

    today = dt.date(2003, 1, 6)
    with tempfile.TemporaryDirectory() as tmp:
        campaign = load(ROOT / "campaign.yaml")
        signers = make_signers(-(-args.letters // len(campaign.offices)))
        pdf.register_fonts()
        template = LetterTemplate(campaign)
        texts = []
        for signer, office in ((s, o) for s in signers for o in campaign.offices):
            letter = build_letter(campaign, template, office, signer, today)
            texts.append(markup(letter))
        # Two rounds, interleaved; the best of each counts (this machine is noisy).
        options = Options(today=today)
        base = single = double = float("inf")
        for round_ in range(2):
            base = min(base, floor(texts, Path(tmp) / f"floor{round_}"))
            t0 = time.perf_counter()
            render_all(campaign, Path(tmp) / f"one{round_}", options, signers=signers, jobs=1)
            single = min(single, time.perf_counter() - t0)
            t0 = time.perf_counter()
            render_all(campaign, Path(tmp) / f"two{round_}", options, signers=signers, jobs=2)
            double = min(double, time.perf_counter() - t0)
        files = len(list((Path(tmp) / "two0").glob("*/*.pdf")))
    n = len(texts)
    print(f"{n} letters ({files} files), {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"floor: raw reportlab, same text and font   {n / base:7.1f} letters/s")
    print(f"faxcampaign render --jobs 1                 {n / single:7.1f} letters/s   "
          f"{base / single:.2f}x floor (target >= 0.8)")
    print(f"faxcampaign render --jobs 2                 {n / double:7.1f} letters/s   "
          f"{single / double:.2f}x --jobs 1 (target >= 1.6)")


if __name__ == "__main__":
    main()

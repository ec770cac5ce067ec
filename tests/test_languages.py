"""Letters in the officials' languages: per-recipient templates, bilingual letters, localised dates and
words, and scripts beyond the letter font, read back from the PDFs (and, for Arabic, from the glyphs)."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import shutil
import subprocess
import textwrap
import unicodedata
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from conftest import need
from faxcampaign.cli import cli

CAMPAIGN = """\
title: Karaganda
reference: KAR-2003-01
deadline: 2003-01-10
letter: {en: letter.md.j2, ru: letter.ru.md.j2, tr: letter.tr.md.j2, ar: letter.ar.md.j2}
defaults: {country: KZ, timezone: Asia/Almaty, hours: "Mo-Fr 09:00-18:00", language: ru}
recipients:
  - id: court
    name: Карагандинский областной суд
    fax: "+7 7212 42 02 20"
    phrase: {text: "Примите факс", say: "PREE-mee-tye fahks"}
  - id: istanbul
    name: İstanbul Adliyesi
    fax: "+90 212 440 00 00"
    country: TR
    timezone: Europe/Istanbul
    language: tr
  - id: cairo
    name: وزارة العدل
    fax: "+20 2 2795 8103"
    country: EG
    timezone: Africa/Cairo
    language: ar
"""

LETTERS = {
    "letter.md.j2": "We protest. The hearing ends on {{ campaign.deadline | format_date }}.\n\n"
                    + "We ask that the charges be dropped. " * 120 + "\n",
    "letter.ru.md.j2": "Мы протестуем. Слушание закончится {{ campaign.deadline | format_date }}.\n\n"
                       "Под следствием {{ 1250 | format_number }} человек.\n",
    "letter.tr.md.j2": "Protesto ediyoruz. Duruşma {{ campaign.deadline | format_date }} tarihinde bitiyor.\n",
    "letter.ar.md.j2": "نحن نحتج\n",
}


def write(folder: Path, campaign: str = CAMPAIGN) -> Path:
    for name, text in LETTERS.items():
        (folder / name).write_text(text, encoding="utf-8")
    path = folder / "campaign.yaml"
    path.write_text(textwrap.dedent(campaign), encoding="utf-8")
    return path


def render(campaign: Path, out: Path, *extra: str) -> None:
    result = CliRunner().invoke(cli, ["render", str(campaign), "--out", str(out), "--date", "2003-01-06",
                                      "--jobs", "1", *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def pages(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def test_a_russian_letter_for_the_karaganda_court_dated_in_russian(tmp_path: Path) -> None:
    two_numbers = CAMPAIGN.replace('fax: "+7 7212 42 02 20"', 'fax: ["+7 7212 42 02 20", "+7 7212 42 02 21"]')
    render(write(tmp_path, two_numbers), tmp_path / "out")
    text = pages(tmp_path / "out" / "court.pdf")
    assert len(text) == 1
    assert "6 января 2003 г." in text[0]  # the letter's date, from CLDR
    assert "Слушание закончится 10 января 2003 г." in text[0]  # format_date in the template
    assert re.search("Под следствием 1[\xa0 ]250 человек[.]", text[0])  # format_number: Russian digit groups
    assert "По факсу: +7 7212 42 02 20 или +7 7212 42 02 21" in text[0] and "Исх.: KAR-2003-01" in text[0]
    assert "Уважаемые господа!" in text[0] and "С уважением," in text[0]
    assert "стр. 1 из 1" in text[0]
    assert "By fax" not in text[0] and "January" not in text[0]


def test_a_bilingual_letter_has_both_parts_numbered_as_one(tmp_path: Path) -> None:
    campaign = write(tmp_path, CAMPAIGN.replace("deadline: 2003-01-10\n", "deadline: 2003-01-10\nbilingual: true\n"))
    render(campaign, tmp_path / "out")
    text = pages(tmp_path / "out" / "court.pdf")
    assert len(text) >= 3  # one Russian page, then the long English original over two or more
    total = len(text)
    assert text[0].lstrip().startswith("Перевод") and "Мы протестуем" in text[0]
    assert text[1].lstrip().startswith("Original") and "We protest" in text[1] and "6 January 2003" in text[1]
    assert "Dear Sir or Madam," in text[1] and "Мы протестуем" not in "".join(text[1:])
    for number, page in enumerate(text, 1):
        assert f"стр. {number} из {total}" in page  # one numbering, in the letter's language


def test_a_turkish_cover_sheet(tmp_path: Path) -> None:
    render(write(tmp_path), tmp_path / "out", "--cover")
    cover, letter = pages(tmp_path / "out" / "istanbul.pdf")
    for label in ("FAKS", "Kime:", "Faks:", "Kimden:", "Tarih:", "Sayfa:", "bu kapak dahil 2", "sayfa 1 / 2"):
        assert label in cover, label
    assert "6 Ocak 2003" in cover and "Duruşma 10 Ocak 2003 tarihinde bitiyor." in letter
    assert "Saygılarımla," in letter and "sayfa 2 / 2" in letter


def pdftotext(path: Path) -> str:
    tool = shutil.which("pdftotext")
    need(tool is not None, "pdftotext (apt-get install poppler-utils)")
    assert tool is not None
    text = subprocess.run([tool, str(path), "-"], capture_output=True, text=True, check=True).stdout
    import unicodedata

    return unicodedata.normalize("NFKC", text).replace("\u202b", "").replace("\u202a", "").replace("\u202c", "")


def test_an_arabic_letter_prints_its_letters_right_to_left_and_reads_back_as_written(tmp_path: Path) -> None:
    """Each right-to-left run is drawn in visual order: on paper its letters run from the right (the
    first letter of a word rightmost), and pdftotext and pypdf read each word back as it was written."""
    render(write(tmp_path), tmp_path / "out")
    pdf = tmp_path / "out" / "cairo.pdf"
    text = pdftotext(pdf)
    assert "وزارة العدل" in text and "نحن نحتج" in text and "يناير" in text and "2003" in text
    words = set(pages(pdf)[0].split())
    assert {"وزارة", "العدل", "نحن", "نحتج", "يناير"} <= words  # pypdf: each word's letters in order
    # the first letter of a word stands rightmost: `pdftotext -bbox` lists a word's characters in drawing
    # order, left to right
    tool = shutil.which("pdftotext")
    assert tool is not None
    drawn = subprocess.run([tool, "-f", "1", "-l", "1", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert ">جتحن<" in drawn and ">نحتج<" not in drawn


ARABIC_LINE = "نحن نكتب إليكم بشأن محكمة Karaganda Oblast في عام 2003 والعمال"


def words_on_paper(pdf: Path) -> list[list[tuple[float, str]]]:
    """Each line of page 1 as poppler lays it out: (left edge, word as written) in order of the left edge.
    `pdftotext -bbox` gives a word's characters in drawing order; a right-to-left word is drawn in visual
    order, so it is turned back here."""
    tool = shutil.which("pdftotext")
    need(tool is not None, "pdftotext (apt-get install poppler-utils)")
    assert tool is not None
    out = subprocess.run([tool, "-f", "1", "-l", "1", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    lines: dict[float, list[tuple[float, str]]] = {}
    for x, y, text in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', out):
        word = html.unescape(text)
        if re.search("[\u0590-\u08ff]", word):
            word = word[::-1]
        lines.setdefault(round(float(y)), []).append((float(x), word))
    return [sorted(words) for _, words in sorted(lines.items())]


def test_an_arabic_letter_reads_right_to_left_with_numbers_and_latin_left_to_right(tmp_path: Path) -> None:
    """On paper, as poppler reads the page back: an Arabic line's words run from the right margin leftwards
    in the order written; a Latin name and a number inside it, and the fax number, read left to right."""
    campaign = write(tmp_path)
    (tmp_path / "letter.ar.md.j2").write_text(ARABIC_LINE + "\n\n1. أولا الإفراج\n", encoding="utf-8")
    render(campaign, tmp_path / "out")
    lines = words_on_paper(tmp_path / "out" / "cairo.pdf")
    item = next(line for line in lines if any(word == "أولا" for _, word in line))
    assert [word for _, word in item] == ["الإفراج", "أولا", "1."]  # the number at the right margin
    body = next(line for line in lines if any(word == "Karaganda" for _, word in line) and len(line) > 5)
    right_to_left = [word for _, word in reversed(body)]
    assert right_to_left == ["نحن", "نكتب", "إليكم", "بشأن", "محكمة", "Oblast", "Karaganda", "في", "عام", "2003",
                             "والعمال"]
    assert body[-1][0] > 400  # flush with the right margin (A4: 595 pt wide)
    fax = next(line for line in lines if any("2795" in word for _, word in line))
    assert [word for _, word in fax] == ["+20", "2", "27958103", "بالفاكس:"]  # as written: the colon after the word
    # the same line in a left-to-right letter keeps its order and the left margin
    (tmp_path / "letter.ar.md.j2").write_text("Karaganda Oblast 2003\n", encoding="utf-8")
    render(campaign, tmp_path / "ltr")
    lines = words_on_paper(tmp_path / "ltr" / "cairo.pdf")
    line = next(line for line in lines if [w for _, w in line] == ["Karaganda", "Oblast", "2003"])
    assert line[0][0] > 300  # still right-aligned: the letter is Arabic


def test_an_arabic_name_in_an_english_letter_and_call_sheet_reads_right_to_left(tmp_path: Path) -> None:
    """A left-to-right page with a right-to-left name: the name's words run right to left, in place."""
    campaign = write(tmp_path, CAMPAIGN.replace("    language: ar\n", "    language: en\n"))
    render(campaign, tmp_path / "out")
    lines = words_on_paper(tmp_path / "out" / "cairo.pdf")
    name = next(line for line in lines if {w for _, w in line} == {"وزارة", "العدل"})
    assert [w for _, w in name] == ["العدل", "وزارة"] and name[0][0] < 100  # at the left margin
    sheet = tmp_path / "sheet.pdf"
    result = CliRunner().invoke(cli, ["callsheet", str(campaign), "--date", "2003-01-06", "--tz", "Africa/Cairo",
                                      "--now", "2003-01-06T08:00", "--format", "pdf", "--out", str(sheet)])
    assert result.exit_code == 0, result.output
    heading = next(line for line in words_on_paper(sheet) if any(w == "وزارة" for _, w in line))
    assert [w for _, w in heading][-2:] == ["العدل", "وزارة"]  # "3. <name>": the name's words reversed


def test_right_to_left_names_letters_and_mixed_lines_read_back_in_logical_order(tmp_path: Path) -> None:
    """pdftotext reads back an Arabic name in an English letter, a whole Arabic letter, a Hebrew letter and
    a mixed line (a number, a Latin word) as written, after NFKC normalisation."""
    hebrew = CAMPAIGN.replace("  - id: cairo", """  - id: jerusalem
    name: משרד המשפטים
    fax: "+972 2 646 6666"
    country: IL
    timezone: Asia/Jerusalem
    language: he
  - id: cairo""").replace("ar: letter.ar.md.j2}", "ar: letter.ar.md.j2, he: letter.he.md.j2}")
    campaign = write(tmp_path, hebrew)
    (tmp_path / "letter.he.md.j2").write_text("אנחנו מוחים נגד המשפט\n", encoding="utf-8")
    (tmp_path / "letter.ar.md.j2").write_text(ARABIC_LINE + "\n", encoding="utf-8")
    render(campaign, tmp_path / "out", "--signer", "محمد علي")
    assert "אנחנו מוחים נגד המשפט" in pdftotext(tmp_path / "out" / "jerusalem.pdf")
    assert "משרד המשפטים" in pdftotext(tmp_path / "out" / "jerusalem.pdf")
    arabic = pdftotext(tmp_path / "out" / "cairo.pdf")
    assert "نحن نكتب إليكم بشأن محكمة" in arabic and "في عام" in arabic and "والعمال" in arabic
    assert "Karaganda Oblast" in arabic and "2003" in arabic  # poppler puts its own spaces round the Latin
    assert "محمد علي" in arabic
    english = pdftotext(tmp_path / "out" / "court.pdf")  # Russian letter, Arabic signer
    assert "محمد علي" in english
    # pypdf puts right-to-left text in logical order string by string: each run of words is one string
    court = unicodedata.normalize("NFKC", pages(tmp_path / "out" / "court.pdf")[-1])
    assert court.count("محمد علي") == 2 and "علي محمد" not in court  # sender block and signature, in bold
    hebrew_pages = unicodedata.normalize("NFKC", "".join(pages(tmp_path / "out" / "jerusalem.pdf")))
    assert "אנחנו מוחים נגד המשפט" in hebrew_pages and "משרד המשפטים" in hebrew_pages
    arabic_pages = unicodedata.normalize("NFKC", "".join(pages(tmp_path / "out" / "cairo.pdf")))
    assert "نحن نكتب إليكم بشأن محكمة" in arabic_pages and "في عام" in arabic_pages  # the mixed line's runs
    assert "وزارة العدل" in arabic_pages


def test_right_to_left_runs_drawn_as_one_string_look_the_same_on_paper(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Drawing each run of right-to-left words as one string (so that pypdf reads them in order) leaves
    every pixel where it was: pdftoppm's pages of an Arabic letter with a bold line and an Arabic signer,
    with and without it."""
    tool = shutil.which("pdftoppm")
    need(tool is not None, "pdftoppm (apt-get install poppler-utils)")
    assert tool is not None
    (tmp_path / "letter.ar.md.j2").write_text(f"{ARABIC_LINE}\n\n**نحن نحتج بشدة** على *هذا الحكم* الظالم "
                                              f"{'كلمة عربية أخرى ' * 40}\n", encoding="utf-8")
    campaign = write(tmp_path)

    def rasters(out: Path) -> list[bytes]:
        render(campaign, out, "--signer", "محمد علي", "--cover")
        found = []
        for letter in sorted(out.glob("*.pdf")):
            subprocess.run([tool, "-r", "100", "-png", str(letter), str(letter.with_suffix(""))], check=True)
            found += [png.read_bytes() for png in sorted(out.glob(f"{letter.stem}-*.png"))]
        return found

    joined = rasters(tmp_path / "joined")
    from faxcampaign.letters import pdf

    strings = pdf._one_string
    calls = []
    monkeypatch.setattr(pdf, "_one_string", lambda runs, space_in: calls.append(strings(runs, space_in)) or
                        list(runs))
    apart = rasters(tmp_path / "apart")
    joined_runs = [part for runs in calls for _, part in runs if " " in part and pdf._has_rtl(part)]
    assert "محمد علي"[::-1] in joined_runs and any(pdf._word_space(part) for part in joined_runs)  # and bold
    assert len(joined) >= 6 and joined == apart


def test_a_cjk_signer_prints_and_check_names_what_no_font_has(tmp_path: Path) -> None:
    campaign = write(tmp_path)
    render(campaign, tmp_path / "out", "--signer", "王小明", "--email", "wang@example.org")
    text = pages(tmp_path / "out" / "court.pdf")[0]
    assert text.count("王小明") == 2  # sender block and signature, as text, not boxes
    # every script the fallback fonts cover: Georgian, Armenian, Hebrew, Devanagari names
    for name in ("ნინო ბერიძე", "Արամ Պետրոսյան", "דוד לוי", "अनीता शर्मा"):
        render(campaign, tmp_path / "scripts", "--signer", name)
        laid_out = {word for line in words_on_paper(tmp_path / "scripts" / "court.pdf") for _, word in line}
        assert set(name.split()) <= laid_out, (name, laid_out)
    check = CliRunner().invoke(cli, ["check", str(campaign)])
    assert check.exit_code == 0, check.output
    (tmp_path / "letter.ru.md.j2").write_text("Мы 𓀀 протестуем.\n", encoding="utf-8")
    check = CliRunner().invoke(cli, ["check", str(campaign)])
    assert check.exit_code == 1
    assert f"{tmp_path / 'letter.ru.md.j2'}:1:4: error: the letter font cannot print '𓀀' (U+13000)" in check.stdout


def test_check_warns_where_a_language_has_no_template_or_words(tmp_path: Path) -> None:
    campaign = write(tmp_path, CAMPAIGN.replace("    language: tr\n", "    language: hy\n"))
    result = CliRunner().invoke(cli, ["check", str(campaign)])
    assert result.exit_code == 0
    assert "recipients[1].language: no letter template for 'hy': this recipient gets the 'en' letter" \
        in result.stdout
    assert "no built-in 'hy' words" in result.stdout
    bad = write(tmp_path, CAMPAIGN.replace("language: ru}", "language: xx-yy}"))
    result = CliRunner().invoke(cli, ["check", str(bad)])
    assert result.exit_code == 1 and "unknown language 'xx-yy'" in result.stdout
    words = write(tmp_path, CAMPAIGN + "words: {ru: {clsoing: x}}\n")
    result = CliRunner().invoke(cli, ["check", str(words)])
    assert result.exit_code == 1 and "no fixed word 'clsoing'; did you mean 'closing'?" in result.stdout


def test_the_campaigns_own_words_win(tmp_path: Path) -> None:
    campaign = write(tmp_path, CAMPAIGN + "words: {ru: {closing: 'С солидарным приветом,'}}\n")
    render(campaign, tmp_path / "out")
    assert "С солидарным приветом," in pages(tmp_path / "out" / "court.pdf")[0]


def test_languages_render_the_same_bytes_twice(tmp_path: Path) -> None:
    campaign = write(tmp_path, CAMPAIGN.replace("deadline: 2003-01-10\n", "deadline: 2003-01-10\nbilingual: true\n"))
    digests = []
    for out in ("one", "two"):
        render(campaign, tmp_path / out, "--cover", "--signer", "王小明")
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / out).iterdir()})
    assert digests[0] == digests[1] and len(digests[0]) == 3


def test_init_russian_starter_checks_and_renders_russian_then_english(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", "--language", "ru", "--example", "karaganda-2003", str(tmp_path / "c")],
                                catch_exceptions=False)
    assert result.exit_code == 0
    campaign = tmp_path / "c" / "campaign.yaml"
    check = CliRunner().invoke(cli, ["check", str(campaign)])
    assert check.exit_code == 0 and ": error:" not in check.stdout
    render(campaign, tmp_path / "out")
    text = pages(tmp_path / "out" / "president.pdf")
    assert text[0].lstrip().startswith("Перевод") and "Уважаемый Президент Назарбаев!" in text[0]
    assert any(page.lstrip().startswith("Original") for page in text[1:])
    live = CliRunner().invoke(cli, ["init", "--language", "ru", str(tmp_path / "live")], catch_exceptions=False)
    assert live.exit_code == 0
    assert CliRunner().invoke(cli, ["check", str(tmp_path / "live" / "campaign.yaml")]).exit_code == 0
    render(tmp_path / "live" / "campaign.yaml", tmp_path / "live-out")
    assert pages(tmp_path / "live-out" / "example-ministry.pdf")[0].lstrip().startswith("Перевод")


def test_a_fax_tiff_is_the_tiff_of_the_letters_pdf(tmp_path: Path) -> None:
    """The PDF made only for Ghostscript (no Helvetica named) gives the TIFF the letter's own PDF gives:
    Russian, Turkish and Arabic letters, bilingual, with cover sheets, a Chinese signer and a letter of
    several pages."""
    from faxcampaign.letters.fax import pdf_to_tiff

    need(shutil.which("gs") is not None, "Ghostscript")
    campaign = write(tmp_path, CAMPAIGN.replace("deadline: 2003-01-10\n", "deadline: 2003-01-10\nbilingual: true\n"))
    render(campaign, tmp_path / "pdf", "--cover", "--signer", "王小明")
    render(campaign, tmp_path / "tiff", "--cover", "--signer", "王小明", "--format", "tiff")
    pdfs = sorted((tmp_path / "pdf").iterdir())
    assert [p.stem for p in pdfs] == ["cairo", "court", "istanbul"]
    assert all(b"/Helvetica" in p.read_bytes() for p in pdfs)  # the letters' PDFs are as they always were
    for pdf in pdfs:
        assert (tmp_path / "tiff" / f"{pdf.stem}.tif").read_bytes() == pdf_to_tiff(pdf.read_bytes())
    from faxcampaign.campaign.loader import load
    from faxcampaign.letters import pdf as pdf_module
    from faxcampaign.letters import template as letters

    loaded = load(campaign)
    letter = letters.build_letter(loaded, letters.LetterTemplate(loaded), loaded.offices[0],
                                  letters.Signer("王小明"), dt.date(2003, 1, 6), cover=True)
    assert b"/Helvetica" in pdf_module.render([letter])
    assert b"/Helvetica" not in pdf_module.render([letter], fax=True)  # what Ghostscript need not load

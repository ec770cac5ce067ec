"""Languages: BCP 47 tags, dates in the reader's language (Babel's CLDR data), and the fixed words a
letter and its cover sheet print ("To:", "page 1 of 2", "By fax:", the closing), with the campaign's own
wording per language on top (`words:` in the campaign file).

Babel is imported only when a language other than English is used: `--help`, `check` and `plan` of an
English campaign do not pay for it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

DEFAULT = "en"

# The words a letter prints besides the template's text. `{total}`, `{page}`, `{contact}` are filled in.
KEYS = ("fax", "to", "fax_number", "from", "date", "pages", "pages_value", "ref", "by_fax", "or", "page",
        "error_notice", "closing", "salutation", "translation", "original")

WORDS: dict[str, dict[str, str]] = {
    "en": {"fax": "FAX", "to": "To:", "fax_number": "Fax:", "from": "From:", "date": "Date:", "pages": "Pages:",
           "pages_value": "{total} including this cover sheet", "ref": "Ref:", "by_fax": "By fax:", "or": "or",
           "page": "page {page} of {total}",
           "error_notice": "If this fax reached you in error, please contact {contact}.",
           "closing": "Yours sincerely,", "salutation": "Dear Sir or Madam,", "translation": "Translation",
           "original": "Original"},
    "ru": {"fax": "ФАКС", "to": "Кому:", "fax_number": "Факс:", "from": "От:", "date": "Дата:",
           "pages": "Страниц:", "pages_value": "{total}, включая эту", "ref": "Исх.:", "by_fax": "По факсу:",
           "or": "или", "page": "стр. {page} из {total}",
           "error_notice": "Если этот факс попал к вам по ошибке, сообщите, пожалуйста: {contact}.",
           "closing": "С уважением,", "salutation": "Уважаемые господа!", "translation": "Перевод",
           "original": "Оригинал"},
    "kk": {"fax": "ФАКС", "to": "Кімге:", "fax_number": "Факс:", "from": "Кімнен:", "date": "Күні:",
           "pages": "Беттер:", "pages_value": "{total}, осы бетті қоса", "ref": "Шығыс №:", "by_fax": "Факс арқылы:",
           "or": "немесе", "page": "{total} беттің {page}-беті",
           "error_notice": "Бұл факс сізге қателікпен келсе, хабарласыңыз: {contact}.",
           "closing": "Құрметпен,", "salutation": "Құрметті мырзалар!", "translation": "Аударма",
           "original": "Түпнұсқа"},
    "tr": {"fax": "FAKS", "to": "Kime:", "fax_number": "Faks:", "from": "Kimden:", "date": "Tarih:",
           "pages": "Sayfa:", "pages_value": "bu kapak dahil {total}", "ref": "Ref:", "by_fax": "Faksla:", "or": "veya",
           "page": "sayfa {page} / {total}",
           "error_notice": "Bu faks size yanlışlıkla ulaştıysa lütfen bildirin: {contact}.",
           "closing": "Saygılarımla,", "salutation": "Sayın Yetkili,", "translation": "Çeviri",
           "original": "Asıl metin"},
    "de": {"fax": "FAX", "to": "An:", "fax_number": "Fax:", "from": "Von:", "date": "Datum:", "pages": "Seiten:",
           "pages_value": "{total} einschließlich dieses Deckblatts", "ref": "Az.:", "by_fax": "Per Fax:", "or": "oder",
           "page": "Seite {page} von {total}",
           "error_notice": "Falls Sie dieses Fax irrtümlich erhalten haben, wenden Sie sich bitte an {contact}.",
           "closing": "Mit freundlichen Grüßen", "salutation": "Sehr geehrte Damen und Herren,",
           "translation": "Übersetzung", "original": "Original"},
    "fr": {"fax": "FAX", "to": "À :", "fax_number": "Fax :", "from": "De :", "date": "Date :", "pages": "Pages :",
           "pages_value": "{total}, page de garde comprise", "ref": "Réf. :", "by_fax": "Par fax :", "or": "ou",
           "page": "page {page} sur {total}",
           "error_notice": "Si ce fax vous est parvenu par erreur, merci de contacter {contact}.",
           "closing": "Veuillez agréer l’expression de nos salutations distinguées,",
           "salutation": "Madame, Monsieur,", "translation": "Traduction", "original": "Original"},
    "es": {"fax": "FAX", "to": "Para:", "fax_number": "Fax:", "from": "De:", "date": "Fecha:", "pages": "Páginas:",
           "pages_value": "{total}, incluida esta portada", "ref": "Ref.:", "by_fax": "Por fax:", "or": "o",
           "page": "página {page} de {total}",
           "error_notice": "Si este fax le ha llegado por error, por favor contacte con {contact}.",
           "closing": "Atentamente,", "salutation": "Estimados señores:", "translation": "Traducción",
           "original": "Original"},
    "uk": {"fax": "ФАКС", "to": "Кому:", "fax_number": "Факс:", "from": "Від:", "date": "Дата:",
           "pages": "Сторінок:", "pages_value": "{total}, включно з цією", "ref": "Вих.:", "by_fax": "Факсом:",
           "or": "або", "page": "с. {page} з {total}",
           "error_notice": "Якщо цей факс потрапив до вас помилково, повідомте, будь ласка: {contact}.",
           "closing": "З повагою,", "salutation": "Шановні панове!", "translation": "Переклад",
           "original": "Оригінал"},
    "zh": {"fax": "传真", "to": "收件人：", "fax_number": "传真号码：", "from": "发件人：", "date": "日期：",
           "pages": "页数：", "pages_value": "共 {total} 页（含封面）", "ref": "编号：", "by_fax": "传真：", "or": "或",
           "page": "第 {page} 页，共 {total} 页", "error_notice": "如误收此传真，请联系 {contact}。",
           "closing": "此致敬礼", "salutation": "尊敬的先生/女士：", "translation": "译文", "original": "原文"},
    "ar": {"fax": "فاكس", "to": "إلى:", "fax_number": "رقم الفاكس:", "from": "من:", "date": "التاريخ:",
           "pages": "عدد الصفحات:", "pages_value": "{total} مع صفحة الغلاف", "ref": "المرجع:", "by_fax": "بالفاكس:",
           "or": "أو", "page": "صفحة {page} من {total}",
           "error_notice": "إذا وصلكم هذا الفاكس عن طريق الخطأ، يرجى الاتصال بـ {contact}.",
           "closing": "مع فائق الاحترام،", "salutation": "السادة المحترمون،", "translation": "ترجمة",
           "original": "النص الأصلي"},
}


class LanguageError(ValueError):
    pass


@functools.lru_cache(maxsize=256)
def normalise(tag: str) -> str:
    """A BCP 47 tag as written in campaigns ("ru", "kk", "pt-BR", "zh-Hans"), checked against CLDR."""
    text = tag.strip().replace("_", "-")
    if text.casefold() == DEFAULT:
        return DEFAULT
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(text, sep="-")
    except (UnknownLocaleError, ValueError, TypeError) as e:
        raise LanguageError(f"unknown language {tag!r}: write a BCP 47 tag such as 'ru', 'kk', 'tr' or "
                            "'pt-BR'") from e
    parts = [locale.language]
    if locale.script:
        parts.append(locale.script)
    if locale.territory:
        parts.append(locale.territory)
    return "-".join(parts)


def primary(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


def has_words(tag: str) -> bool:
    return primary(tag) in WORDS


def words(tag: str, own: Mapping[str, Mapping[str, str]] | None = None, closing: str | None = None) -> dict[str, str]:
    """The fixed words for a letter in ``tag``: English, under the built-in words of its language, under
    the campaign's own (``own``: language -> key -> text; the full tag wins over its primary subtag).
    ``closing``: the campaign's `closing`, which is in the campaign's own language."""
    result = dict(WORDS[DEFAULT])
    result.update(WORDS.get(primary(tag), {}))
    if closing is not None:
        result["closing"] = closing
    for key in (primary(tag), tag):
        result.update((own or {}).get(key, {}))
    return result


def is_rtl(tag: str) -> bool:
    return primary(tag) in {"ar", "he", "fa", "ur", "yi", "ps", "dv", "ug", "ckb", "sd"}


def long_date(day: dt.date, tag: str) -> str:
    """The letter's date as its reader writes it: "6 January 2003", "6 января 2003 г.", "6 Ocak 2003"."""
    if tag == DEFAULT:
        return f"{day.day} {day:%B %Y}"
    return format_date(day, tag, "long")


def format_date(day: dt.date, tag: str, style: str = "long") -> str:
    """``day`` in ``tag``'s language: style short, medium, long, full or a CLDR pattern ("d MMMM y")."""
    from babel.dates import format_date as babel_format

    try:
        return str(babel_format(day, format=style, locale=_locale(tag)))
    except (ValueError, KeyError) as e:
        raise LanguageError(f"cannot format a date as {style!r}: {e}") from e


def format_number(value: float, tag: str) -> str:
    """``value`` with the digit grouping and decimal sign of ``tag``'s language."""
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=_locale(tag)))


@functools.lru_cache(maxsize=64)
def _locale(tag: str) -> Any:
    from babel import Locale

    return Locale.parse(tag, sep="-")

"""Folder names a person can read for signers of every script; what earlier versions made keeps working."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from faxcampaign.campaign.model import SLUG
from faxcampaign.letters.template import Signer


@pytest.mark.parametrize(("name", "readable"), [
    ("محمد علي", "mhmd-ly-"),                 # Arabic
    ("李小龙", "li-xiao-long-"),               # Chinese, a syllable a part
    ("ნინო ბერიძე", "nino-beridze-"),          # Georgian
    ("राम शर्मा", "ram-srma-"),                # Devanagari
    ("שלום כהן", "slvm-khhn-"),               # Hebrew
    ("\U0001F642\U0001F642", "slight-smile-slight-smile-"),  # emoji only
])
def test_every_script_gets_a_readable_latin_slug(name: str, readable: str) -> None:
    slug = Signer(name).slug
    assert slug.startswith(readable) and len(slug) == len(readable) + 4  # and a short digest of the name
    assert SLUG.match(slug) and Signer(name).slug == slug  # a folder name, the same every time
    assert Signer(name).old_slug.startswith("signer-")  # what earlier versions made of it


def test_latin_and_cyrillic_slugs_are_as_before() -> None:
    for name, slug in [("Ann Smith", "ann-smith"), ("Zoë Müller", "zoe-muller"), ("Иван Петров", "ivan-petrov"),
                       ("Сәуле Әлиева", "saule-alieva")]:
        assert Signer(name).slug == Signer(name).old_slug == slug


def test_names_that_transliterate_alike_keep_apart() -> None:
    a, b = Signer("李小龙").slug, Signer("李小隆").slug  # both Li Xiao Long
    assert a != b and a.rsplit("-", 1)[0] == b.rsplit("-", 1)[0] == "li-xiao-long"


def test_readable_folders_and_letters_under_old_ones_are_found(write_campaign: Callable[..., Path],
                                                               cli: Callable[..., Any], tmp_path: Path) -> None:
    campaign = write_campaign()
    signers = tmp_path / "signers.csv"
    signers.write_text("name\nმარიამ გელაშვილი\nAnn Smith\n", encoding="utf-8")
    letters = tmp_path / "letters"
    cli("render", str(campaign), "--out", str(letters), "--signers", str(signers), "--recipient", "court")
    georgian = Signer("მარიამ გელაშვილი")
    assert sorted(p.name for p in letters.iterdir()) == sorted(["ann-smith", georgian.slug])
    assert georgian.slug.startswith("mariam-gelashvili-")
    # letters an earlier version wrote, under the code-point folder, are still found by callsheet
    shutil.move(str(letters / georgian.slug), str(letters / georgian.old_slug))
    sheet = cli("callsheet", str(campaign), "--date", "2026-12-14", "--tz", "UTC", "--letters", str(letters),
                "--signer", "მარიამ გელაშვილი").stdout
    assert f"   Letter: {letters / georgian.old_slug / 'court.pdf'}" in sheet.splitlines()


def test_calendar_uids_do_not_change(tmp_path: Path, cli: Callable[..., Any]) -> None:
    """A volunteer's rota calendar, imported again, updates its events: their UIDs keep the old slug."""
    import icalendar

    from test_rota import write

    campaign, _ = write(tmp_path)
    team = tmp_path / "team.csv"
    team.write_text("name,timezone,available\nნინო ბერიძე,Asia/Tbilisi,Mo-Fr 06:00-12:00\n", encoding="utf-8")
    text = cli("rota", str(campaign), "--volunteers", str(team), "--from", "2026-12-07", "--days", "1", "--tz",
               "UTC", "--now", "2026-12-06T12:00", "--format", "ics", "--volunteer", "ნინო ბერიძე").stdout
    uids = [str(e["UID"]) for e in icalendar.Calendar.from_ical(text).walk("VEVENT")]
    old = Signer("ნინო ბერიძე").old_slug
    assert uids and all(u.endswith(f"-{old}@faxcampaign") for u in uids)

"""The campaign and time-zone caches: a second command reads them instead of validating the file again
(no pydantic, PyYAML or icalendar imported) and says exactly the same; any change to the file or to the
letter templates' places is a fresh load; a damaged or planted entry is never trusted."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from faxcampaign import cache
from faxcampaign.campaign.loader import load
from faxcampaign.errors import CampaignError

RUN = """
import sys
import click
from faxcampaign.cli import cli
try:
    cli.main(sys.argv[1:], standalone_mode=False)
except click.ClickException as e:
    e.show()
finally:
    heavy = [m for m in ("pydantic", "yaml", "icalendar", "phonenumbers", "markdown_it") if m in sys.modules]
    print("imported: " + " ".join(heavy), file=sys.stderr)
"""
PLAN = ["--from", "2026-12-14", "--days", "7", "--tz", "UTC", "--now", "2026-12-14T00:00"]
WARNED = """\
title: Warned
letter: letter.md.j2
defaults: {country: KZ, timezone: Asia/Almaty, hours: "Mo-Fr 09:00-18:00"}
recipients:
  - {id: court, name: Court, fax: "+7 7212 42 02 20", timezone: Europe/London}
"""


def run(*args: str, cache_folder: Path) -> tuple[str, str, str]:
    """stdout, stderr without the last line, and the heavy modules the command imported."""
    done = subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True,
                          env={**os.environ, "FAXCAMPAIGN_CACHE": str(cache_folder)})
    *said, imported = done.stderr.splitlines()
    return done.stdout, "\n".join(said), imported.removeprefix("imported:").strip()


@pytest.mark.parametrize("form", ["json", "table", "csv", "ics"])
@pytest.mark.parametrize("dial_from", [[], ["--dial-from", "GB"]])
def test_a_second_plan_reads_the_cache_and_prints_the_same(write_campaign: Callable[..., Path], tmp_path: Path,
                                                           form: str, dial_from: list[str]) -> None:
    campaign = write_campaign(WARNED)
    folder = tmp_path / "cache"
    first = run("plan", str(campaign), *PLAN, "--format", form, *dial_from, cache_folder=folder)
    second = run("plan", str(campaign), *PLAN, "--format", form, *dial_from, cache_folder=folder)
    uncached = run("plan", str(campaign), *PLAN, "--format", form, *dial_from, cache_folder=Path("off"))
    assert "pydantic" in first[2] and "yaml" in first[2] and "phonenumbers" in first[2]
    assert second[2] == ""  # neither the validator, nor PyYAML, nor icalendar, nor phonenumbers
    assert first[:2] == second[:2] == uncached[:2]
    assert f"{campaign}: 1 warning(s)" in second[1]  # the warning, still counted
    assert len(list((folder / "campaigns").glob("*.pickle"))) == 1
    if form == "ics":
        assert "BEGIN:VTIMEZONE\r\nTZID:Europe/London" in second[0].replace("\n", "\r\n")
    if form == "table":
        assert ("00 7 7212 42 02 20" if dial_from else "+7 7212 42 02 20") in second[0]


EDITED = WARNED.replace("title: Warned", "title: Edited") + """\
  - {id: akimat, name: Akimat, fax: "+7 7212 42 11 11"}
  - {id: prosecutor, name: Prosecutor, fax: "+7 7212 42 22 22"}
"""


@pytest.mark.parametrize(("edit", "validator"), [
    # no value changes: nothing is validated again, yet the warning is found where it now stands
    (lambda text: "# moved down\n\n" + text.replace("recipients:\n", "recipients:\n\n# offices\n"), False),
    (lambda text: text.replace("{id: akimat, name: Akimat,", "{name: Akimat,   id: akimat,"), True),  # keys reordered
    (lambda text: text.replace("name: Akimat", "name: City Akimat"), True),  # one recipient's value
    (lambda text: text.replace("title: Edited", "title: Edited again"), True),  # the top level's
    (lambda text: text.replace("  - {id: akimat", "  - {id: akimat, name: Akimat, fax: '+7 7212 42 11 11'}\n"
                               "  - {id: akimat"), False),  # a recipient twice: a duplicate id, said again
    (lambda text: text.replace("Europe/London", "Europe/Londres"), True),  # now a bad value
    (lambda text: text.replace("  - {id: prosecutor", "  - {id: prosecutor, fox: 1"), True),  # an unknown key
])
def test_an_edit_validates_again_only_what_it_changed(write_campaign: Callable[..., Path], tmp_path: Path,
                                                      edit: Callable[[str], str], validator: bool) -> None:
    """After an edit, the parts of the file whose values are unchanged are taken from its last clean load;
    what is said is what a load with no cache says, findings at their new places included."""
    campaign = write_campaign(EDITED)
    folder = tmp_path / "cache"
    command = ("plan", str(campaign), *PLAN, "--format", "json")
    run(*command, cache_folder=folder)
    campaign.write_text(edit(EDITED), encoding="utf-8")
    edited = run(*command, cache_folder=folder)
    uncached = run(*command, cache_folder=Path("off"))
    assert edited[:2] == uncached[:2]
    assert "yaml" in edited[2] and ("pydantic" in edited[2]) == validator
    assert "warning" in edited[1] or "error" in edited[1]


def test_numbers_are_dialled_the_same_with_a_damaged_table(write_campaign: Callable[..., Path],
                                                           tmp_path: Path) -> None:
    campaign = write_campaign(WARNED)
    folder = tmp_path / "cache"
    command = ("plan", str(campaign), *PLAN, "--format", "table", "--dial-from", "GB")
    first = run(*command, cache_folder=folder)
    table = folder / "numbers.json"
    assert "+77212420220 GB" in table.read_text()
    for damage in ("{", '{"stamp": "another phonenumbers", "entries": {"+77212420220 GB": "wrong"}}', "[]"):
        table.write_text(damage)
        assert run(*command, cache_folder=folder)[:2] == first[:2]


def test_a_cached_campaign_is_the_loaded_one(write_campaign: Callable[..., Path], monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    campaign = write_campaign(WARNED)
    fresh = load(campaign)  # and kept
    monkeypatch.chdir(tmp_path)
    cached = load("campaign.yaml")  # the same file, named otherwise
    assert cached.data.as_dict() == fresh.data.as_dict() and cached.data is not fresh.data
    assert [(o.id, o.fax, o.hours, o.timezone, o.country, o.recipient.as_dict()) for o in cached.offices] == \
        [(o.id, o.fax, o.hours, o.timezone, o.country, o.recipient.as_dict()) for o in fresh.offices]
    [warning] = cached.findings
    assert str(warning) == str(fresh.findings[0]).replace(str(campaign), "campaign.yaml")
    assert str(warning).startswith("campaign.yaml:5:5: warning: recipients[0]: the time zone Europe/London is not "
                                   "one of KZ's")


def test_an_edited_file_loads_afresh(write_campaign: Callable[..., Path]) -> None:
    campaign = write_campaign(WARNED)
    assert load(campaign).data.title == "Warned"
    campaign.write_text(WARNED.replace("title: Warned", "title: Edited"), encoding="utf-8")
    assert load(campaign).data.title == "Edited"
    campaign.write_text(WARNED.replace("fax: ", "fox: "), encoding="utf-8")
    with pytest.raises(CampaignError) as caught:
        load(campaign)
    assert "unknown key 'fox'" in str(caught.value)


def test_a_letter_template_gone_since_is_an_error_again(write_campaign: Callable[..., Path]) -> None:
    campaign = write_campaign(WARNED)
    load(campaign)
    (campaign.parent / "letter.md.j2").unlink()
    with pytest.raises(CampaignError) as caught:
        load(campaign)
    assert f"{campaign}:2:9: error: letter: letter template not found" in str(caught.value)


def test_a_letter_template_moved_outside_the_folder_is_refused_again(write_campaign: Callable[..., Path],
                                                                     tmp_path: Path) -> None:
    campaign = write_campaign(WARNED)
    load(campaign)
    outside = tmp_path.parent / f"{tmp_path.name}-secret.txt"
    outside.write_text("the organiser's own file\n", encoding="utf-8")
    letter = campaign.parent / "letter.md.j2"
    letter.unlink()
    letter.symlink_to(outside)
    with pytest.raises(CampaignError) as caught:
        load(campaign)
    assert "the letter template must be inside the campaign's folder" in str(caught.value)


class Planted:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch planted",))


def test_a_planted_or_damaged_entry_is_not_trusted(write_campaign: Callable[..., Path], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAXCAMPAIGN_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    campaign = write_campaign(WARNED)
    load(campaign)
    [entry] = (tmp_path / "cache" / "campaigns").glob("*.pickle")
    for damage in (pickle.dumps(Planted()), b"not a pickle", pickle.dumps(("three", "wrong", "things")),
                   pickle.dumps(None)):
        entry.write_bytes(damage)
        again = load(campaign)
        assert again.data.title == "Warned" and [o.id for o in again.offices] == ["court"]
        assert not (tmp_path / "planted").exists()
        assert entry.read_bytes() != damage  # written afresh by the full load


def test_a_last_load_named_outside_the_cache_folder_is_not_read(write_campaign: Callable[..., Path], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The table of last loads names entries by digest; a name planted there that reaches outside the
    cache folder is not followed."""
    import json

    monkeypatch.setenv("FAXCAMPAIGN_CACHE", str(tmp_path / "cache"))
    from faxcampaign.campaign.model import Record

    campaign = write_campaign(WARNED)
    load(campaign)
    cache.flush()
    [entry] = (tmp_path / "cache" / "campaigns").glob("*.pickle")
    data, offices, findings, parts = pickle.loads(entry.read_bytes())  # noqa: S301 (our own entry)
    planted = Record(data.__dict__ | {"title": "Planted"})
    (tmp_path / "planted.pickle").write_bytes(pickle.dumps((planted, offices, findings, parts)))
    table = tmp_path / "cache" / "last-loads.json"
    written = json.loads(table.read_text())
    assert written["entries"][str(campaign.resolve())] == entry.stem
    written["entries"] = {name: "../../planted" for name in written["entries"]}
    table.write_text(json.dumps(written))
    cache.table.cache_clear()
    campaign.write_text(WARNED + "# a comment\n", encoding="utf-8")
    assert load(campaign).data.title == "Warned"


def test_the_cache_off_writes_nothing(write_campaign: Callable[..., Path], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("FAXCAMPAIGN_CACHE", "off")
    campaign = write_campaign(WARNED)
    assert cache.folder() is None
    assert load(campaign).data.title == load(campaign).data.title == "Warned"
    assert not (tmp_path / "xdg").exists()


def test_old_entries_make_way(write_campaign: Callable[..., Path], tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAXCAMPAIGN_CACHE", str(tmp_path / "cache"))
    campaign = write_campaign(WARNED)
    for n in range(cache.KEEP + 3):
        campaign.write_text(WARNED.replace("title: Warned", f"title: Version {n}"), encoding="utf-8")
        load(campaign)
    assert len(list((tmp_path / "cache" / "campaigns").glob("*.pickle"))) == cache.KEEP


def test_a_call_script_error_from_a_cached_campaign_still_has_its_place(write_campaign: Callable[..., Path],
                                                                       tmp_path: Path) -> None:
    text = WARNED.replace("letter: letter.md.j2\n", "letter: letter.md.j2\ncall_script: '{{ 1 // 0 }}'\n")
    campaign = write_campaign(text)
    folder = tmp_path / "cache"
    run("plan", str(campaign), *PLAN, "--format", "json", cache_folder=folder)  # fills the cache
    out, said, imported = run("plan", str(campaign), *PLAN, "--format", "ics", cache_folder=folder)
    assert out == "" and f"{campaign}:3: call_script: recipient 'court': integer division" in said
    assert "yaml" in imported and "pydantic" not in imported  # the place read again, without validating
    assert said == run("plan", str(campaign), *PLAN, "--format", "ics", cache_folder=Path("off"))[1]


def test_a_second_render_reads_its_letters_parsed_and_writes_the_same(write_campaign: Callable[..., Path],
                                                                      tmp_path: Path) -> None:
    campaign = write_campaign(WARNED, letter="Dear {{ recipient.name }},\n\n**We ask** you:\n\n1. to *free* them\n"
                                              "2. now\n")
    folder = tmp_path / "cache"

    def render(out: str, where: Path) -> tuple[dict[str, bytes], str]:
        _, said, imported = run("render", str(campaign), "--date", "2026-12-14", "--out", str(tmp_path / out),
                                "--signer", "A. Volunteer", cache_folder=where)
        return {p.name: p.read_bytes() for p in (tmp_path / out).iterdir()}, imported

    first, imported = render("first", folder)
    assert "markdown_it" in imported
    second, imported = render("second", folder)
    assert imported == "" and second == first == render("uncached", Path("off"))[0]
    table = folder / "markdown.json"
    assert "We ask" in table.read_text(encoding="utf-8")
    for damage in ("{", '{"stamp": "another", "entries": {}}', table.read_text().replace('"l"', '"?"'),
                   table.read_text().replace("true", "[]")):
        table.write_text(damage, encoding="utf-8")
        assert render("again", folder)[0] == first

"""No input stalls a command: text past a field's limit is a located error in `check` (and in every
command that loads the file or a CSV), and text a template makes, however long its words, renders."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import MODERN

from faxcampaign import limits

WORD = "x" * 100_000
EMOJI = "\U0001F600" * 100_000
COMBINING = "a\u0301" * 50_000
ARABIC = "\u0645\u062d\u0645\u062f" * 25_000

# (the text to replace in the fixture's campaign, its replacement, the YAML path check reports)
FIELDS = [
    ("title: Test campaign", f"title: {WORD}", "title", limits.LINE),
    ("reference: TST-1", f"reference: {EMOJI}", "reference", limits.LINE),
    ("  name: Test Sender", f"  name: {COMBINING}", "sender.name", limits.LINE),
    ("[1 High Street, London]", f"[1 High Street, {ARABIC}]", "sender.address[1]", limits.LINE),
    ("  city: Караганды", f"  city: {WORD}", "context.city", limits.TEXT),
    ("  city: Караганды", f"  city: [short, {EMOJI}]", "context.city[1]", limits.TEXT),
    ("    name: Karaganda Oblast Court", f"    name: {ARABIC}", "recipients[0].name", limits.LINE),
    ("    salutation: Dear Sir or Madam,", f"    salutation: {WORD}", "recipients[0].salutation", limits.LINE),
    ("call_script: 'Say", f"call_script: '{WORD} Say", "call_script", limits.TEXT),
]


@pytest.mark.parametrize(("old", "new", "where", "limit"), FIELDS, ids=[f[2] for f in FIELDS])
def test_a_field_past_its_limit_is_a_located_error(write_campaign: Callable[..., Path], cli: Callable[..., object],
                                                   old: str, new: str, where: str, limit: int) -> None:
    assert old in MODERN
    path = write_campaign(MODERN.replace(old, new, 1))
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if len(text) > limit)
    result = cli("check", str(path), code=1)
    errors = [x for x in result.output.splitlines() if ": error: " in x]
    assert len(errors) == 1, result.stderr
    assert re.fullmatch(rf"{re.escape(str(path))}:{line}:\d+: error: {re.escape(where)}: longer than {limit:,} "
                        r"characters \(it has [\d,]+\)", errors[0][:300]), errors[0][:300]
    # every command that loads the file refuses it the same way, with no traceback
    render = cli("render", str(path), "--out", str(path.parent / "out"), code=1)
    assert f"{where}: longer than" in render.output and "Traceback" not in render.output
    assert not (path.parent / "out").exists()


def test_the_schema_gives_each_limit(cli: Callable[..., object]) -> None:
    import json

    schema = json.loads(cli("schema").stdout)  # type: ignore[attr-defined]
    recipient = schema["$defs"]["Recipient"]["properties"]
    assert recipient["name"]["maxLength"] == limits.LINE
    assert schema["properties"]["title"]["maxLength"] == limits.LINE
    assert {"type": "string", "maxLength": limits.TEXT} in schema["properties"]["call_script"]["anyOf"]
    assert f"{limits.TEXT:,} characters" in schema["properties"]["context"]["description"]


@pytest.mark.parametrize("run", [WORD, EMOJI, COMBINING, ARABIC, ("abc " * 25_000)],
                         ids=["word", "emoji", "combining", "arabic", "words"])
def test_a_template_may_make_any_run_of_text_and_it_renders(write_campaign: Callable[..., Path],
                                                            cli: Callable[..., object], run: str) -> None:
    """Within the template sandbox's limits a letter may hold a 100,000-character word (or a run of emoji,
    combining marks or Arabic): it renders, and every character reads back."""
    piece = run[: len(run) // 100]  # a context value may not be that long: the template builds it
    path = write_campaign(letter="Before.\n\n{% for i in range(100) %}" + piece + "{% endfor %}\n\nAfter.\n")
    out = path.parent / "out"
    cli("render", str(path), "--out", str(out), "--recipient", "court", "--jobs", "1")
    pdf = out / "court.pdf"
    extracted = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    body = re.sub(r"TST-1·page\d+of\d+", "", "".join(unicodedata.normalize("NFKC", extracted).split()))
    wanted = "".join(unicodedata.normalize("NFKC", piece * 100).split())
    # not yet read back as written: right-to-left runs (in visual order) and characters beyond U+FFFF
    # (reportlab's ToUnicode map holds 16 bits); both are drawn
    if run is not ARABIC and run is not EMOJI:
        assert wanted in body
    pages = int(re.search(r"page\d+of(\d+)", "".join(extracted.split())).group(1))  # type: ignore[union-attr]
    assert pages >= 10
    assert "Before." in body and "After.Yourssincerely," in body


def test_signers_volunteers_and_options_past_a_limit(write_campaign: Callable[..., Path],
                                                     cli: Callable[..., object]) -> None:
    path = write_campaign()
    signers = path.parent / "signers.csv"
    signers.write_text(f"name,address\nAnn,\"1 High St\n{WORD}\"\n", encoding="utf-8")
    result = cli("render", str(path), "--out", str(path.parent / "out"), "--signers", str(signers), code=1)
    assert f"{signers}:2:6: address: longer than {limits.LINE} characters (it has 100,000)" in result.output
    result = cli("render", str(path), "--out", str(path.parent / "out"), "--signer", WORD, code=2)
    assert "--signer" in result.output and f"longer than {limits.LINE} characters" in result.output
    result = cli("render", str(path), "--out", str(path.parent / "out"), "--signer", "Ann", "--address", EMOJI,
                 code=2)
    assert "--address" in result.output and "(it has 100,000)" in result.output
    volunteers = path.parent / "volunteers.csv"
    volunteers.write_text(f"name,timezone,available\n{ARABIC},Europe/London,Mo-Fr 09:00-17:00\n", encoding="utf-8")
    result = cli("rota", str(path), "--volunteers", str(volunteers), code=1)
    assert f"{volunteers}:2:1: name: longer than {limits.LINE} characters" in result.output
    assert not (path.parent / "out").exists()

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from faxcampaign.campaign.loader import load
from faxcampaign.errors import CampaignError


def errors_of(path: Path) -> list[str]:
    with pytest.raises(CampaignError) as info:
        load(path)
    return [str(f) for f in info.value.findings]


def test_example_loads_with_renumbering_warnings(example: Path) -> None:
    campaign = load(example, describe_numbers=True)
    assert [o.id for o in campaign.offices] == ["president", "karaganda-court", "karaganda-akimat"]
    court = campaign.office("karaganda-court")
    assert court.fax == ("+73212420220",)
    assert court.timezone == "Asia/Almaty"
    assert court.country == "KZ"
    assert court.manual is True
    assert campaign.data.starts == dt.date(2003, 1, 6)
    assert campaign.data.deadline == dt.date(2003, 1, 10)
    warnings = [f.message for f in campaign.findings]
    assert len(warnings) == 4
    assert all("did you mean +7 7" in w for w in warnings)


def test_example_uses_one_spelling_per_person() -> None:
    from conftest import ROOT

    text = (ROOT / "campaign.yaml").read_text(encoding="utf-8")
    for wrong in ("Zhanusov", "Zhanusev", "Mengazov", "Rustan", "¹"):
        assert wrong not in text


def test_defaults_are_overridden_per_recipient(write_campaign: Callable[..., Path]) -> None:
    from conftest import MODERN

    text = MODERN.replace(
        '    fax: "+7 7212 42 02 20"\n',
        '    fax: "+7 7212 42 02 20"\n    timezone: Asia/Aqtobe\n    manual: false\n'
        "    closed: [{date: 2026-12-01, reason: Court holiday}]\n"
        "    context: {city: Almaty}\n",
    )
    campaign = load(write_campaign(text))
    court, president = campaign.offices
    assert (court.timezone, court.manual) == ("Asia/Aqtobe", False)
    assert court.closed == {dt.date(2026, 12, 1): "Court holiday"}
    assert (president.timezone, president.manual) == ("Asia/Almaty", True)
    assert campaign.context_for(court) == {"city": "Almaty"}
    assert campaign.context_for(president) == {"city": "Караганды"}
    assert president.fax == ("+77172324959", "+77172321904")


def test_every_problem_reported_at_once_with_line_and_column(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(
        """\
        title: Bad
        letter: missing.md.j2
        starts: 2003-01-10
        deadline: 2003-01-06
        recipents: []
        recipients:
          - id: ../x
            name: A
            fax: "007 3212 42022"
            timezone: Asia/Almatty
            hours: "Mo-Fr 9:00-13:00"
          - id: b
            name: B
            fax: "+77212420220"
            hours: "Mo-Fr 09:00-13:00"
          - id: c
            name: C
            fax: "+77212420220"
            timezone: Asia/Almaty
            hours: "Mo-Fr 09:00-13:00"
          - id: c
            name: C again
            fax: "+7 3212 42022"
            timezone: Asia/Almaty
            hours: "Mo-Fr 09:00-13:00"
        """,
        letter=None,
    )
    errors = errors_of(path)
    name = str(path)
    assert errors == [
        f"{name}:2:9: error: letter: letter template not found: {path.parent / 'missing.md.j2'}",
        f"{name}:4:11: error: deadline: the deadline 2003-01-06 is before starts 2003-01-10",
        f"{name}:5:1: error: recipents: unknown key 'recipents'; did you mean 'recipients'?",
        f"{name}:7:9: error: recipients[0].id: not a valid id: '../x' (ids become file names: lowercase "
        "letters, digits and '-', starting with a letter or digit, at most 64 characters)",
        f"{name}:10:15: error: recipients[0].timezone: unknown time zone 'Asia/Almatty'; "
        "did you mean 'Asia/Almaty'?",
        f"{name}:11:12: error: recipients[0].hours: bad hours 'Mo-Fr 9:00-13:00': a time must be written "
        "HH:MM, e.g. 09:00 (at character 7)",
        f"{name}:12:5: error: recipients[1]: no timezone: give one here or in 'defaults'",
        f"{name}:18:10: warning: recipients[2].fax: +77212420220 is also the number of recipients[1]; is it the "
        "same office?",
        f"{name}:21:9: error: recipients[3].id: duplicate id 'c' (also recipients[2])",
        f"{name}:23:10: error: recipients[3].fax: not a phone number: '+7 3212 42022' (too short)",
    ]


def test_missing_required_keys(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign("recipients:\n  - id: a\n    name: A\n    fax: '+77212420220'\n")
    errors = errors_of(path)
    assert f"{path}:1:1: error: title: required key 'title' is missing" in errors
    assert f"{path}:1:1: error: letter: required key 'letter' is missing" in errors


def test_no_recipients(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign("title: T\nletter: letter.md.j2\nrecipients: []\n")
    assert errors_of(path) == [f"{path}:3:13: error: recipients: a campaign needs at least one recipient"]


def test_recipient_without_fax(write_campaign: Callable[..., Path]) -> None:
    path = write_campaign(
        "title: T\nletter: letter.md.j2\ndefaults: {timezone: UTC, hours: Mo 09:00-10:00}\n"
        "recipients:\n  - id: a\n    name: A\n    fax: []\n"
    )
    assert errors_of(path) == [
        f"{path}:7:10: error: recipients[0].fax: give at least one fax number"
    ]


def test_python_tags_are_refused_and_never_run(write_campaign: Callable[..., Path], tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write_campaign(f"title: !!python/object/apply:os.system ['touch {marker}']\n")
    errors = errors_of(path)
    assert not marker.exists()
    assert errors == [
        f"{path}:1:8: error: title: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed: "
        "campaign files hold plain data"
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", ":1:1: error: the file is empty"),
        (b"# only a comment\n", ":1:1: error: the file is empty"),
        (b"- a\n- b\n", ":1:1: error: the top level must be a mapping"),
        (b"title: caf\xe9\n", ":1:11: error: not UTF-8: byte 0xe9 cannot be decoded"),
        (b"title: [unclosed\n", ":2:1: error: not valid YAML"),
        (b"a: &a [*a]\n", ":1:4: error: a[0]: a recursive alias is not allowed"),
        (b"title: a\ntitle: b\n", ":2:1: error: title: duplicate key 'title'"),
    ],
)
def test_unreadable_files_get_clear_errors(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(content)
    errors = errors_of(path)
    assert errors[0].startswith(str(path) + expected)


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert "expands to more than" in errors_of(path)[0]


def test_large_garbage_file(tmp_path: Path) -> None:
    import random

    rng = random.Random(4)
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(rng.randrange(256) for _ in range(200_000)))
    errors = errors_of(path)
    assert len(errors) == 1
    assert ": error: " in errors[0]


def test_missing_file(tmp_path: Path) -> None:
    errors = errors_of(tmp_path / "nope.yaml")
    assert errors[0].startswith(f"{tmp_path / 'nope.yaml'}: error: cannot read the campaign file")


def test_open_day_whose_hours_miss_its_weekday_is_warned(write_campaign: Callable[..., Path]) -> None:
    from conftest import MODERN

    entry = "  - {date: 2026-12-05, reason: Worked Saturday, hours: 'Mo-Fr 09:00-13:00'}\n"
    path = write_campaign(MODERN + "open:\n" + entry)
    campaign = load(path)
    assert [str(f) for f in campaign.findings] == [
        f"{path}:25:56: warning: open[0].hours: 2026-12-05 is a Sa but these hours open nothing on Sa; "
        "write e.g. 'Sa 09:00-13:00'"
    ]


def test_the_schema_accepts_every_example_by_an_independent_validator(tmp_path: Path) -> None:
    """jsonschema, not pydantic, reads the committed schema: what editors check while you type."""
    import json

    import jsonschema
    import yaml

    from conftest import MODERN, ROOT

    schema = json.loads((ROOT / "campaign.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    examples = [ROOT / "campaign.yaml", ROOT / "src" / "faxcampaign" / "templates" / "starter" / "campaign.yaml"]
    documents = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in examples] + [yaml.safe_load(MODERN)]
    for document in documents:
        plain = json.loads(json.dumps(document, default=str))  # YAML dates are strings to a JSON validator
        assert [e.message for e in validator.iter_errors(plain)] == []
    misspelled = json.loads(json.dumps(yaml.safe_load(MODERN.replace("deadline:", "dedline:")), default=str))
    assert any("dedline" in e.message for e in validator.iter_errors(misspelled))


def test_a_misspelled_key_is_an_error_as_the_schema_says(write_campaign: Callable[..., Path]) -> None:
    from click.testing import CliRunner

    from conftest import MODERN
    from faxcampaign.cli import cli

    path = write_campaign(MODERN.replace("deadline:", "dedline:"))
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}:4:1: error: dedline: unknown key 'dedline'; did you mean 'deadline'?" in result.stdout

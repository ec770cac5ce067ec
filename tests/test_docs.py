"""The README's examples are real: each console block's command gives the output shown."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from faxcampaign.cli import COMMANDS, cli

BLOCKS = re.findall(r"```console\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)


def steps(block: str) -> list[tuple[str, str]]:
    """A console block's commands, each with the output shown after it."""
    return [(chunk.split("\n", 1)[0], chunk.split("\n", 1)[1]) for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]]


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("block", BLOCKS, ids=[b[2:42] for b in BLOCKS])
def test_readme_example_output(block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(ROOT / "campaign.yaml", tmp_path)
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FAXCAMPAIGN_LOG", raising=False)
    runner = CliRunner()
    for command, expected in steps(block):
        if "--letters letters" in command:
            runner.invoke(cli, ["render", "campaign.yaml", "--out", "letters", "--date", "2003-01-06"],
                          catch_exceptions=False)
        args = shlex.split(command)
        assert args[0] == "faxcampaign"
        result = runner.invoke(cli, args[1:], catch_exceptions=False)
        assert result.exit_code == 0
        shown = result.stdout + result.stderr
        if expected.endswith("...\n"):
            assert shown.startswith(expected[: -len("...\n")])
        else:
            assert shown == expected


def test_docs_name_every_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        assert f"`faxcampaign {name}" in readme, name


def test_docs_reference_lists_every_key_of_the_schema() -> None:
    from faxcampaign.campaign.schema import CampaignFile, Recipient

    reference = (ROOT / "docs" / "campaign.md").read_text(encoding="utf-8")
    for model in (CampaignFile, Recipient):
        for key in model.model_fields:
            assert f"`{key}`" in reference, key

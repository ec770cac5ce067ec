"""`faxcampaign init`: the example campaign, its letter template and the schema editors validate with."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from faxcampaign.errors import OutputError
from faxcampaign.files import atomic_write


def starter_files() -> dict[str, str]:
    from faxcampaign.campaign import schema

    folder = resources.files("faxcampaign") / "templates" / "starter"
    return {
        "campaign.yaml": (folder / "campaign.yaml").read_text(encoding="utf-8"),
        "templates/letter.md.j2": (folder / "letter.md.j2").read_text(encoding="utf-8"),
        "campaign.schema.json": json.dumps(schema(), indent=2, ensure_ascii=False) + "\n",
    }


def write_starter(directory: Path, force: bool) -> list[Path]:
    files = {directory / name: text for name, text in starter_files().items()}
    existing = [str(p) for p in files if p.exists()]
    if existing and not force:
        raise OutputError(f"not overwriting {', '.join(existing)} (use --force)")
    for path, text in files.items():
        atomic_write(path, text)
    return list(files)

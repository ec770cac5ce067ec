"""`faxcampaign init`: the example campaign, its letter template and the schema editors validate with."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from faxcampaign.errors import OutputError
from faxcampaign.files import atomic_write

LANGUAGES = ("en", "ru")

# What `init --language ru` changes in the English starter: the offices read Russian, and get the letter
# in Russian followed by the English original.
_RUSSIAN = [
    ("letter: templates/letter.md.j2\n",
     "# The offices read Russian: each gets the letter in Russian, then the English original.\n"
     "letter:\n  en: templates/letter.md.j2\n  ru: templates/letter.ru.md.j2\nbilingual: true\n"),
    ("  manual: true\n",
     "  manual: true\n  language: ru\n  phrase: {text: \"Примите факс\", say: \"PREE-mee-tye fahks\"}\n"),
    ("    salutation: Dear President Nazarbayev,\n", "    salutation: Уважаемый Президент Назарбаев!\n"),
]


def starter_files(language: str = "en") -> dict[str, str]:
    from faxcampaign.campaign.schema import schema

    folder = resources.files("faxcampaign") / "templates" / "starter"
    campaign = (folder / "campaign.yaml").read_text(encoding="utf-8")
    files = {"campaign.yaml": campaign, "templates/letter.md.j2": (folder / "letter.md.j2").read_text(encoding="utf-8")}
    if language == "ru":
        for old, new in _RUSSIAN:
            assert old in campaign, old
            campaign = campaign.replace(old, new, 1)
        files["campaign.yaml"] = campaign
        files["templates/letter.ru.md.j2"] = (folder / "letter.ru.md.j2").read_text(encoding="utf-8")
    files["campaign.schema.json"] = json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"
    return files


def write_starter(directory: Path, force: bool, language: str = "en") -> list[Path]:
    files = {directory / name: text for name, text in starter_files(language).items()}
    existing = [str(p) for p in files if p.exists()]
    if existing and not force:
        raise OutputError(f"not overwriting {', '.join(existing)} (use --force)")
    for path, text in files.items():
        atomic_write(path, text)
    return list(files)

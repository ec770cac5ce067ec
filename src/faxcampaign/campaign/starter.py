"""`faxcampaign init`: a starter campaign, its letter template and the schema editors validate with.

By default the starter is live: it starts today and ends two weeks ahead, with example offices (marked as
examples, at fictional numbers) whose hours are open on working days, so `check` then `plan` shows
windows at once. `--example karaganda-2003` writes the 2003 appeal the README uses, as it was."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

from faxcampaign.errors import OutputError
from faxcampaign.files import atomic_write

LANGUAGES = ("en", "ru")
EXAMPLES = ("karaganda-2003",)
LIVE_DAYS = 14  # from today to the live starter's deadline

# The live starter's offices: fictional numbers (Ofcom's ranges for drama: 020 7946 0xxx in London,
# 0161 496 0xxx in Manchester) so that nobody faxes a real office while trying the tool.
_LIVE_RECIPIENTS = """recipients:
  # EXAMPLES: replace these two with the real offices, their fax numbers, time zones and hours.
  - id: example-ministry
    name: "EXAMPLE: Ministry of Justice"
    title: Minister of Justice (an example office; replace it)
    address: [1 Example Street, London]
    salutation: Dear Minister,
    fax: "+44 20 7946 0018"
  - id: example-court
    name: "EXAMPLE: Regional Court"
    title: Chair of the court (an example office; replace it)
    address: [2 Example Road, Manchester]
    salutation: Dear Sir or Madam,
    fax: "+44 161 496 0123"
    manual: false     # this line answers with a fax tone: `send` can fax it, no call needed
"""

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


def _live(campaign: str, today: dt.date) -> str:
    """The 2003 appeal's file as a campaign of today: dates, header, offices and their clock changed."""
    deadline = today + dt.timedelta(days=LIVE_DAYS)
    header, rest = campaign.split("title: ", 1)
    rest = "title: " + rest
    changes = [
        ("title: Free the Karaganda worker activists\nreference: KAR-2003-01\n",
         "title: \"EXAMPLE: Free the Karaganda worker activists\"   # your campaign's title\nreference: EXAMPLE-1\n"),
        (rest[rest.index("starts:"):rest.index("letter:")],
         f"starts: {today.isoformat()}      # today\ndeadline: {deadline.isoformat()}    # two weeks ahead\n"),
        (rest[rest.index("# The appeal wrote"):rest.index("call_script:")], ""),
        ("  country: KZ\n  timezone: Asia/Almaty     # Karaganda and Astana both kept Almaty time (+06 in winter "
         "2003)\n",
         "  country: GB\n  timezone: Europe/London   # the offices' own zone: their hours are on their clock\n"),
        (rest[rest.index("recipients:"):], _LIVE_RECIPIENTS),
    ]
    for old, new in changes:
        assert old in rest, old
        rest = rest.replace(old, new, 1)
    top = ("# yaml-language-server: $schema=./campaign.schema.json\n#\n"
           "# A starter campaign: it runs from today for two weeks, and its two offices are EXAMPLES at fictional\n"
           "# numbers. Put in the real offices, the facts of your case (context) and your letter\n"
           "# (templates/letter.md.j2). The facts below are the 2003 Karaganda appeal's, as an example\n"
           "# (`faxcampaign init --example karaganda-2003` writes that campaign as it was).\n#\n"
           "# Check it:   faxcampaign check campaign.yaml\n"
           "# Plan it:    faxcampaign plan campaign.yaml --tz Europe/London\n"
           "# Reference:  docs/campaign.md, or `faxcampaign schema`.\n\n")
    assert header.startswith("# yaml-language-server")
    return top + rest


def starter_files(language: str = "en", example: str | None = None, today: dt.date | None = None) -> dict[str, str]:
    """The starter's files by name: live from ``today`` (default), or the named ``example``."""
    from faxcampaign.campaign.schema import schema

    folder = resources.files("faxcampaign") / "templates" / "starter"
    campaign = (folder / "campaign.yaml").read_text(encoding="utf-8")
    if example is None:
        if today is None:
            from faxcampaign import clock

            today = clock.local_date(clock.utc_now(), clock.system_zone_name())
        campaign = _live(campaign, today)
    files = {"campaign.yaml": campaign, "templates/letter.md.j2": (folder / "letter.md.j2").read_text(encoding="utf-8")}
    if language == "ru":
        for old, new in _RUSSIAN:
            if example is None and "Nazarbayev" in old:
                continue  # the live starter's offices have their own salutations
            assert old in campaign, old
            campaign = campaign.replace(old, new, 1)
        files["campaign.yaml"] = campaign
        files["templates/letter.ru.md.j2"] = (folder / "letter.ru.md.j2").read_text(encoding="utf-8")
    files["campaign.schema.json"] = json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"
    return files


def write_starter(directory: Path, force: bool, language: str = "en", example: str | None = None,
                  today: dt.date | None = None) -> list[Path]:
    files = {directory / name: text for name, text in starter_files(language, example, today).items()}
    existing = [str(p) for p in files if p.exists()]
    if existing and not force:
        raise OutputError(f"not overwriting {', '.join(existing)} (use --force)")
    for path, text in files.items():
        atomic_write(path, text)
    return list(files)

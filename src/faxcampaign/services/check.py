"""`faxcampaign check`: load the campaign, then render every letter and call script and check the
fonts cover them."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from faxcampaign.campaign.loader import load
from faxcampaign.campaign.model import Campaign, Office
from faxcampaign.errors import CampaignError, Finding, TemplateError


def _template_finding(e: TemplateError, path: str) -> Finding:
    return Finding("error", e.file or path, e.line, (e.column or 1) if e.line else 0, "", e.detail)


def _once(findings: list[Finding]) -> list[Finding]:
    """One finding for a template error that every recipient hits alike ("recipient 'a': x" and
    "recipient 'b': x" become "recipients 'a', 'b': x")."""
    grouped: dict[tuple[str, int, int, str], list[str]] = {}
    others: list[Finding] = []
    for f in findings:
        found = re.match(r"(call_script: )?recipient ('[^']*'): (.*)", f.message, re.S)
        if not found:
            others.append(f)
            continue
        prefix, who, rest = found.groups()
        grouped.setdefault((f.file, f.line, f.column, (prefix or "") + "\0" + rest), []).append(who)
    merged = []
    for (file, line, column, key), who in grouped.items():
        prefix, rest = key.split("\0", 1)
        label = f"recipient {who[0]}" if len(who) == 1 else ("every recipient" if len(who) > 3 else
                                                            f"recipients {', '.join(who)}")
        merged.append(Finding("error", file, line, column, "", f"{prefix}{label}: {rest}"))
    return others + merged


def check(path: str | Path, today: dt.date) -> list[Finding]:
    """Every finding about a campaign: the file's, then each letter's and call script's."""
    from faxcampaign.letters import template as letters

    try:
        campaign = load(path, describe_numbers=True)
    except CampaignError as e:
        return e.findings
    findings = list(campaign.findings)
    signer = letters.default_signer(campaign)
    try:
        template = letters.LetterTemplate(campaign)
    except TemplateError as e:
        return findings + [_template_finding(e, str(path))]
    from faxcampaign.letters.pdf import missing_glyphs

    findings += _holiday_data(campaign)
    from faxcampaign.schedule.plan import never_open

    for office in never_open(campaign, campaign.offices, today):
        findings.append(campaign.finding("warning", ("recipients", office.index),
                                         f"{office.id!r} is never open between the campaign's start and its deadline "
                                         "(check 'hours', 'closed' and the dates): it will be in no plan or sheet"))

    # The texts the campaign file prints: a character the fonts lack is blamed on the line that holds it.
    in_fields: set[str] = set()
    for place, value in _printed_fields(campaign):
        missing = missing_glyphs(value)
        if missing:
            in_fields.update(missing)
            findings.append(campaign.finding("error", place, f"the letter font cannot print {_shown(missing)}"))
    template_findings: list[Finding] = []
    for office in campaign.offices:
        try:
            body = letters.plain_text(letters.parse_markdown(template.render(office, signer, today)))
            if office.bilingual:  # the original follows the translation
                body += letters.plain_text(letters.parse_markdown(
                    template.render(office, signer, today, campaign.data.language)))
            letters.render_call_script(campaign, office, signer, today)
        except TemplateError as e:
            template_findings.append(_template_finding(e, str(path)))
            continue
        blamed: dict[tuple[str, int, str], tuple[int, list[str]]] = {}  # one finding per line
        for c in missing_glyphs(body):  # from the template or from the context
            if c not in in_fields:
                in_fields.add(c)
                f = _blame(campaign, office, c)
                column, characters = blamed.get((f.file, f.line, f.path), (f.column, []))
                blamed[f.file, f.line, f.path] = (min(column, f.column), [*characters, c])
        for (file, line, yaml_path), (column, characters) in blamed.items():
            findings.append(Finding("error", file, line, column, yaml_path,
                                    f"the letter font cannot print {_shown(characters)}"))
    return findings + _once(template_findings)


def _printed_fields(campaign: Campaign) -> list[tuple[tuple[str | int, ...], str]]:
    """(YAML path, text) of every campaign value printed on a letter outside its body."""
    data = campaign.data
    fields: list[tuple[tuple[str | int, ...], str]] = [
        (("title",), data.title), (("reference",), data.reference or ""), (("closing",), data.closing)]
    if data.sender is not None:
        fields += [(("sender", "name"), data.sender.name), (("sender", "organisation"), data.sender.organisation or "")]
        fields += [(("sender", "address", k), line) for k, line in enumerate(data.sender.address)]
    for office in campaign.offices:
        r, place = office.recipient, ("recipients", office.index)
        fields += [(place + (key,), value or "") for key, value in (
            ("name", r.name), ("title", r.title), ("organisation", r.organisation), ("salutation", r.salutation))]
        fields += [(place + ("address", k), line) for k, line in enumerate(r.address)]
    return fields


def _blame(campaign: Campaign, office: Office, character: str) -> Finding:
    """A finding at the place that holds an unprintable character: a context value, else the template."""
    message = f"the letter font cannot print {_shown([character])}"
    for base, data in ((("context",), campaign.data.context),
                       (("recipients", office.index, "context"), office.recipient.context)):
        found = _holding(data, character, base)
        if found is not None:
            return campaign.finding("error", found, message)
    own = campaign.template_language(office.language)
    paths = [campaign.path.parent / campaign.templates[own]]
    paths += [campaign.path.parent / name for language, name in campaign.templates.items() if language != own]
    for path in paths:  # the office's own template first
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            lines = []
        for number, line in enumerate(lines, 1):
            if character in line:
                return Finding("error", str(path), number, line.index(character) + 1, "", message)
    return Finding("error", str(paths[0]), 1, 1, "", message)


def _holding(data: Any, character: str, path: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    if isinstance(data, str):
        return path if character in data else None
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        found = _holding(value, character, path + (key,))
        if found is not None:
            return found
    return None


def _shown(characters: list[str]) -> str:
    return " ".join(f"{c!r} (U+{ord(c):04X})" for c in characters[:10])


def _holiday_data(campaign: Campaign) -> list[Finding]:
    """A warning for each country whose public holidays a PH rule needs but the holidays package lacks."""
    import holidays

    supported = holidays.list_supported_countries()
    warned: set[str] = set()
    findings = []
    for office in campaign.offices:
        country = office.country
        if country and country not in supported and country not in warned and any(
            rule.public_holiday for rule in office.hours.rules
        ):
            warned.add(country)
            findings.append(Finding("warning", str(campaign.path), 0, 0, "",
                                    f"no public holiday data for {country}: its PH rules never apply; "
                                    "list holidays under 'closed'"))
    return findings


def check_files(campaign: Path, today: dt.date, signers_file: Path | None = None,
                volunteers_file: Path | None = None) -> list[Finding]:
    """Every finding about a campaign and, if given, its signers and volunteers files."""
    from faxcampaign.csvfile import CSVError
    from faxcampaign.errors import FaxCampaignError
    from faxcampaign.team.signers import read_signers
    from faxcampaign.team.volunteers import read_volunteers

    findings = check(campaign, today)
    try:
        if signers_file is not None:
            read_signers(signers_file)
    except CSVError as e:
        findings.append(Finding("error", str(e.path), e.line, e.column, "", e.message))
    if volunteers_file is not None:
        try:
            ids = [o.id for o in load(campaign).offices]
        except FaxCampaignError:  # reported by the campaign's own check
            ids = []
        try:
            read_volunteers(volunteers_file, ids)
        except CSVError as e:
            findings.append(Finding("error", str(e.path), e.line, e.column, "", e.message))
    return findings

"""`faxcampaign check`: load the campaign, then render every letter and call script and check the
fonts cover them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from faxcampaign.campaign import Campaign, load
from faxcampaign.errors import CampaignError, Finding, TemplateError


def _template_finding(e: TemplateError, path: str) -> Finding:
    return Finding("error", e.file or path, e.line, 1 if e.line else 0, "", e.detail)


def check(path: str | Path, today: dt.date) -> list[Finding]:
    """Every finding about a campaign: the file's, then each letter's and call script's."""
    from faxcampaign import letters

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
    from faxcampaign.pdf import missing_glyphs

    findings += _holiday_data(campaign)

    for office in campaign.offices:
        try:
            body = letters.plain_text(letters.parse_markdown(template.render(office, signer, today)))
            letters.render_call_script(campaign, office, signer, today)
        except TemplateError as e:
            findings.append(_template_finding(e, str(path)))
            continue
        r = office.recipient
        text = "\n".join([body, r.name, r.title or "", r.organisation or "", *r.address, r.salutation or "",
                          signer.name, signer.organisation or "", *signer.address, campaign.data.title,
                          campaign.data.reference or "", campaign.data.closing])
        missing = missing_glyphs(text)
        if missing:
            shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:10])
            findings.append(Finding("error", str(campaign.letter_path), 0, 0, "",
                                    f"recipient {office.id!r}: the letter font cannot print {shown}"))
    return findings


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

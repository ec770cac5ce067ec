"""Property: whatever a campaign file is mutated into, loading gives a campaign or findings, never a crash."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import LETTER, MODERN
from faxcampaign.campaign.loader import load
from faxcampaign.campaign.model import Campaign
from faxcampaign.errors import CampaignError

LINES = MODERN.splitlines(keepends=True)
SNIPPETS = ["", ":", "- ", "[", "]", "{", "}", "&a ", "*a", "!!binary ", "!!python/name:os.system ", "~",
            "'", '"', "\t", "null", "2003-13-45", "99999999999999999999", "Mo-Fr 25:00-26:00", "\ufeff",
            "recipients: 3\n", "  - id: x\n", "fax: [[]]", "\x00", "é", "Қ"]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "cut", "swap"]))
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "insert":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.sampled_from(SNIPPETS) | st.text(max_size=5)) + lines[i][at:]
        elif action == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))] + "\n"
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        if not lines:
            break
    return "".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutated())
def test_mutated_campaign_loads_or_reports(tmp_path: Path, text: str) -> None:
    (tmp_path / "letter.md.j2").write_text(LETTER)
    path = tmp_path / "campaign.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        campaign = load(path)
    except CampaignError as e:
        assert e.findings
        assert any(f.severity == "error" for f in e.findings)
        for finding in e.findings:
            assert str(finding).startswith(str(path))
    else:
        assert isinstance(campaign, Campaign)
        assert campaign.offices

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


# What PyYAML's safe loader makes of more than a campaign file usually holds: merge keys, anchors and
# aliases, sets, ordered maps, pairs, dates, times, every way of writing a number or a boolean, binary.
FORMS = ["base: &b {hours: 'Mo-Fr 09:00-17:00', n: 0x1F}\nmerged: {<<: *b, n: 1_000}\nmore: {<<: [*b], m: 2}\n",
         "s: !!set {a, b}\no: !!omap [{a: 1}, {b: 2}]\np: !!pairs [{a: 1}, {a: 2}]\n",
         "t: 2003-01-06T09:00:00+06:00\nd: 2003-01-06\nu: 2003-01-06 09:00:00.5\n",
         "f: [.inf, -.Inf, .nan, 1e3, 6.8523015e+5, 190:20:30.15, !!float '1']\n",
         "i: [0o14, 0b1010, 190:20:30, +685_230, -0, 012, !!int '7']\nlong: 99999999999999999999\n",
         "b: [yes, No, on, OFF, ~, null, '', !!str 3, !!null '']\n", "bin: !!binary aGVsbG8=\n",
         "a: &x [1, {k: &y v}]\nb: *x\nc: {k: *x, l: *y}\n", "=: v\nk: {=: value}\n", "? [a, b]\n: complex key\n",
         "1: one\n2.5: two\nnull: three\ntrue: four\n2003-01-06: five\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutated(), forms=st.lists(st.sampled_from(FORMS), max_size=4))
def test_a_read_document_holds_what_pyyaml_makes_of_it(tmp_path: Path, text: str, forms: list[str]) -> None:
    import yaml

    from faxcampaign.campaign.yamldoc import Document

    path = tmp_path / "file.yaml"
    text = "".join(forms) + text if forms else text
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    document = Document(path)
    found = document.read()
    if document.findings:
        return
    # the safe loader on the parser that Document reads with (the C parser and PyYAML's own differ at the edges)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    expected = yaml.load(path.read_bytes().decode("utf-8").removeprefix("\ufeff"), loader)  # noqa: S506
    assert repr(found) == repr(expected)  # repr: .nan is not equal to itself

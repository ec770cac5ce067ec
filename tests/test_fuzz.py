"""A short, seeded round of the campaign-file mutation fuzzer (tests/fuzzing.py): no command may end in a
traceback, and every error `check` prints has a FILE:LINE location. The long round is
`python bench/fuzz_campaign.py`."""

from __future__ import annotations

from pathlib import Path

from fuzzing import example, run_case

CASES = 120


def test_mutated_campaigns_never_end_in_a_traceback(tmp_path: Path) -> None:
    base = example(tmp_path)
    failures = []
    for case in range(CASES):
        failures += run_case(case, tmp_path, base, render=case % 10 == 0)
    assert [(f.case, f.command, f.problem) for f in failures] == []

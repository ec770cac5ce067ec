"""The long round of the campaign-file mutation fuzzer (tests/fuzzing.py), on every core.

Prints the cases run, the failures (tracebacks, "internal error", unlocated check errors, any command
over --seconds) and the time; writes each failing campaign to fuzz-failures/ for replay. Exit 1 if any
case failed.

    python bench/fuzz_campaign.py [--cases 20000] [--render-every 20] [--seconds 5] [--jobs N]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fuzzing import Failure, example, run_case  # noqa: E402


def chunk(bounds: tuple[int, int, int, float]) -> list[Failure]:
    first, last, render_every, seconds = bounds
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = example(folder)
        failures: list[Failure] = []
        for case in range(first, last):
            failures += run_case(case, folder, base, render=render_every > 0 and case % render_every == 0,
                                 seconds=seconds)
        return failures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--render-every", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0, help="a command that runs longer fails")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    started = time.perf_counter()
    size = 250
    bounds = [(i, min(i + size, args.cases), args.render_every, args.seconds) for i in range(0, args.cases, size)]
    failures: list[Failure] = []
    with concurrent.futures.ProcessPoolExecutor(args.jobs) as pool:
        for found in pool.map(chunk, bounds):
            failures += found
    seconds = time.perf_counter() - started
    out = Path("fuzz-failures")
    for f in failures:
        out.mkdir(exist_ok=True)
        (out / f"case-{f.case}.yaml").write_text(f.campaign, encoding="utf-8", errors="surrogatepass")
        print(f"case {f.case}: {f.command}: {f.problem}")
    print(f"{args.cases} cases, {len(failures)} failure(s), {seconds:.0f} s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

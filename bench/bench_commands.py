"""Whole commands as a user types them, each a subprocess, min and median of several interleaved runs,
beside baselines measured in the same run (`python -c "import click"`, `faxcampaign --help`). Each command
runs once untimed first, which also fills the cache folder as a daily run finds it (cache.py).

- `plan` at 5,000 recipients x 30 days in every format (targets: json < 1.0 s; table, csv < 1.5 s;
  ics < 3 s), and at 20 recipients (target: each within 1.3x of --help plus 0.15 s);
- linear scaling: `check`, `plan --format ics` and `callsheet` at 5,000 recipients against 500 (target:
  at most 12x).

    python bench/bench_commands.py [--runs N] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_plan import generate  # noqa: E402

FAX = [sys.executable, "-m", "faxcampaign"]


# As pip leaves an installed package: with compiled bytecode (this machine's environment may turn it off).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, env=ENV)
    return time.perf_counter() - start


def measure(commands: dict[str, tuple[list[str], Path]], runs: int) -> dict[str, tuple[float, float]]:
    for command, cwd in commands.values():
        timed(command, cwd)  # warm the file cache
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (command, cwd) in commands.items():
            times[name].append(timed(command, cwd))
    result = {name: (min(t), statistics.median(t)) for name, t in times.items()}
    for name, (low, mid) in result.items():
        print(f"  {name:46} min {low * 1000:8.1f} ms   median {mid * 1000:8.1f} ms")
    return result


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes, one run: a smoke test for CI")
    args = parser.parse_args()
    big, small, tiny = (200, 20, 5) if args.quick else (5000, 500, 20)
    runs = 1 if args.quick else args.runs
    with tempfile.TemporaryDirectory() as tmp:
        # The cache folder of a daily run (cache.py: the validated campaign, holidays, time zones): warmed
        # by each command's first (untimed) run, in a folder of this run's own; "cache off" runs show the
        # first run of a new machine, or of a campaign file just edited.
        ENV["FAXCAMPAIGN_CACHE"] = str(Path(tmp) / "cache")
        cold = ["env", "FAXCAMPAIGN_CACHE=off", *FAX]
        folders = {}
        for size in (big, small, tiny):
            folders[size] = Path(tmp) / str(size)
            folders[size].mkdir()
            generate(folders[size], size)
        plan = ["plan", "campaign.yaml", "--from", "2026-12-01", "--tz", "UTC", "--now", "2026-12-01T08:00", "-q"]
        base = {"import click": ([sys.executable, "-c", "import click"], folders[tiny]),
                "faxcampaign --help": (FAX + ["--help"], folders[tiny])}

        print(f"plan, {big:,} recipients x 30 days")
        formats = ("json", "table", "csv", "ics")
        results = measure({**base, **{f"plan --format {f}": (FAX + plan + ["--days", "30", "--format", f],
                                                               folders[big]) for f in formats},
                           **{f"plan --format {f}, cache off": (cold + plan + ["--days", "30", "--format", f],
                                                                folders[big]) for f in formats}}, runs)
        targets = {"json": 1.0, "table": 1.5, "csv": 1.5, "ics": 3.0}
        for f in formats:
            value, cold_value = results[f"plan --format {f}"][1], results[f"plan --format {f}, cache off"][1]
            print(f"  {f}: {value:.2f} s median ({cold_value:.2f} s with the cache off)   target < {targets[f]} s: "
                  f"{verdict(value < targets[f])}")

        print(f"plan, {tiny} recipients x 7 days")
        results = measure({**base, **{f"plan --format {f}": (FAX + plan + ["--format", f], folders[tiny])
                                      for f in formats},
                           "plan --format json, cache off": (cold + plan + ["--format", "json"],
                                                                   folders[tiny])}, runs)
        limit = 1.3 * results["faxcampaign --help"][1] + 0.15
        print(f"  --help / import click: {results['faxcampaign --help'][1] / results['import click'][1]:.2f}x "
              f"(target <= 1.3x: {verdict(results['faxcampaign --help'][1] <= 1.3 * results['import click'][1])})")
        for f in formats:
            value = results[f"plan --format {f}"][1]
            print(f"  {f}: {value:.3f} s   target <= 1.3 x --help + 0.15 s = {limit:.3f} s: {verdict(value <= limit)}")

        print(f"scaling, {small:,} -> {big:,} recipients")
        scaled = {
            "check": ["check", "campaign.yaml"],
            "plan --format ics": plan + ["--days", "7", "--format", "ics"],
            "callsheet": ["callsheet", "campaign.yaml", "--date", "2026-12-14", "--tz", "UTC", "--now",
                          "2026-12-14T08:00"],
        }
        commands = {}
        for name, command in scaled.items():
            for size in (small, big):
                commands[f"{name} ({size:,})"] = (FAX + command, folders[size])
        results = measure(commands, runs)
        for name in scaled:
            ratio = results[f"{name} ({big:,})"][1] / results[f"{name} ({small:,})"][1]
            print(f"  {name}: {ratio:.1f}x for {big // small}x the recipients   target <= 12x: {verdict(ratio <= 12)}")


if __name__ == "__main__":
    main()

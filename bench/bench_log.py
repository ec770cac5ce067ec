"""The outcome log, as a user meets it: whole commands as subprocesses, beside a baseline in the same run.

- `faxcampaign status` over a log of 100,000 attempts for 500 offices (target: under 0.5 s);
- `faxcampaign log` of one attempt, beside `faxcampaign --help` (target: within 1.3x).

Runs are interleaved; min and median of each are printed with the ratio.

    python bench/bench_log.py [--runs N] [--attempts N] [--offices N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_plan import generate  # noqa: E402


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=cwd)
    return time.perf_counter() - start


def fill(campaign: Path, attempts: int, offices: int) -> None:
    from faxcampaign.campaign import load
    from faxcampaign.log import Attempt, location, open_log
    from faxcampaign.outcomes import OUTCOMES
    from faxcampaign.roster import Roster

    loaded = load(campaign)
    rng = random.Random(1)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    names = list(OUTCOMES)
    batch = [Attempt(start + dt.timedelta(seconds=rng.randrange(40 * 86400)), (o := loaded.offices[i % offices]).id,
                     o.fax[0], rng.choice(names), f"volunteer {i % 40}") for i in range(attempts)]
    with open_log(location(None, campaign), Roster.of(loaded).key, create=True) as log:
        log.record(sorted(batch, key=lambda a: a.at), start)


def report(name: str, times: list[float]) -> float:
    median = statistics.median(times)
    print(f"{name:44} min {min(times) * 1000:7.1f} ms   median {median * 1000:7.1f} ms")
    return median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--offices", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        campaign = generate(folder, args.offices)
        fill(campaign, args.attempts, args.offices)
        fax = [sys.executable, "-m", "faxcampaign"]
        commands = {
            "faxcampaign --help": fax + ["--help"],
            f"faxcampaign status ({args.attempts:,} attempts)": fax + ["status", "campaign.yaml", "--tz", "UTC"],
            "faxcampaign log (one attempt)": fax + ["log", "campaign.yaml", "office-7", "busy", "--by", "bench"],
        }
        for command in commands.values():
            timed(command, folder)  # warm the file cache
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(timed(command, folder))
        medians = {name: report(name, t) for name, t in times.items()}
        base, status, log = medians.values()
        print(f"status: {status:.3f} s median   target < 0.5 s: {'ok' if status < 0.5 else 'MISSED'}")
        print(f"log / --help: {log / base:.2f}x   target <= 1.3x: {'ok' if log / base <= 1.3 else 'MISSED'}")


if __name__ == "__main__":
    main()

"""The outcome log, as a user meets it: whole commands as subprocesses, beside a baseline in the same run.

- `faxcampaign status` over a log of 100,000 attempts for 500 offices (target: under 0.5 s);
- `faxcampaign log` of one attempt, beside `faxcampaign --help` (target: within 1.3x);
- `status` again with the same log copied into a local PostgreSQL server (target: under 0.5 s), when
  PostgreSQL and psycopg are installed (the server is started in a temporary folder, as the tests do).

Runs are interleaved; min and median of each are printed with the ratio.

    python bench/bench_log.py [--runs N] [--attempts N] [--offices N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from bench_plan import generate  # noqa: E402

# As pip leaves an installed package: with compiled bytecode (this machine's environment may turn it off).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=cwd, env=ENV)
    return time.perf_counter() - start


def fill(campaign: Path, attempts: int, offices: int) -> None:
    from faxcampaign.campaign.loader import load
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import Attempt, location, open_log
    from faxcampaign.outcomes import OUTCOMES

    loaded = load(campaign)
    rng = random.Random(1)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    names = list(OUTCOMES)
    batch = [Attempt(start + dt.timedelta(seconds=rng.randrange(40 * 86400)), (o := loaded.offices[i % offices]).id,
                     o.fax[0], rng.choice(names), f"volunteer {i % 40}") for i in range(attempts)]
    with open_log(location(None, campaign), Roster.of(loaded).key, create=True) as log:
        log.record(sorted(batch, key=lambda a: a.at), start)


def postgres(folder: Path, campaign: Path) -> tuple[object, str] | None:
    """A local server with the campaign's log copied in, or None without PostgreSQL."""
    try:
        import psycopg  # noqa: F401

        from pg import Server, binaries
    except ImportError:
        return None
    if binaries() is None:
        return None
    from faxcampaign.campaign.loader import load
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import copy_log, location, open_log

    pg_folder = Path(tempfile.mkdtemp(prefix="faxcampaign-bench-pg-"))
    server = Server(pg_folder)
    url = server.new_database()
    key = Roster.of(load(campaign)).key
    with open_log(location(None, campaign), key, create=False) as source, open_log(url, key, create=True) as target:
        copy_log(source, target)
    return server, url


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
        server = postgres(folder, campaign)
        if server is not None:
            commands["status on PostgreSQL"] = fax + ["status", "campaign.yaml", "--tz", "UTC", "--log", server[1]]
        for command in commands.values():
            timed(command, folder)  # warm the file cache
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(timed(command, folder))
        medians = {name: report(name, t) for name, t in times.items()}
        base, status, log, *pg = medians.values()
        print(f"status: {status:.3f} s median   target < 0.5 s: {'ok' if status < 0.5 else 'MISSED'}")
        print(f"log / --help: {log / base:.2f}x   target <= 1.3x: {'ok' if log / base <= 1.3 else 'MISSED'}")
        if server is not None:
            print(f"status on PostgreSQL: {pg[0]:.3f} s median   target < 0.5 s: {'ok' if pg[0] < 0.5 else 'MISSED'}")
            server[0].stop("immediate")
        else:
            print("status on PostgreSQL: not measured (needs PostgreSQL's initdb and psycopg)")


if __name__ == "__main__":
    main()

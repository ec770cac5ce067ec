"""The outcome log, as a user meets it: whole commands as subprocesses, beside a baseline in the same run.

- `faxcampaign status` over a log of 100,000 attempts for 500 offices, spread as a team makes it (97
  volunteers, 9 days, any minute; target: under 0.4 s), beside a raw floor: a
  standalone script that runs one `GROUP BY recipient, outcome` over the same log (target: within 3x);
- `faxcampaign log --import` of a 20,000-row call sheet (target: under 1 s);
- the peak memory of `faxcampaign history` (csv and json) over the same log (target: under 120 MB);
- `faxcampaign log` of one attempt, beside `faxcampaign --help` (target: within 1.3x);
- `status` and the floor again with the same log copied into a local PostgreSQL server, when
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
    """A log spread as a team makes it: any office, 97 volunteers, any minute of 9 days; outcomes as manual
    lines give them (mostly busy or no answer, few deliveries, so most numbers' tails are long)."""
    from faxcampaign.campaign.loader import load
    from faxcampaign.log.roster import Roster
    from faxcampaign.log.store import Attempt, location, open_log
    from faxcampaign.outcomes import OUTCOMES

    loaded = load(campaign)
    rng = random.Random(1)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    names = list(OUTCOMES)
    share = {"delivered": 1, "partial": 0.5, "busy": 30, "no-answer": 30, "refused": 5, "not-fax": 4,
             "wrong-number": 3, "failed": 10, "line-error": 2}
    weights = [share[n] for n in names]
    batch = []
    for _ in range(attempts):
        office = loaded.offices[rng.randrange(offices)]
        batch.append(Attempt(start + dt.timedelta(seconds=rng.randrange(9 * 86400)), office.id,
                             rng.choice(office.fax), rng.choices(names, weights)[0], f"volunteer {rng.randrange(97)}"))
    with open_log(location(None, campaign), Roster.of(loaded).key, create=True) as log:
        log.record(sorted(batch, key=lambda a: a.at), start)


FLOOR = """
import sys
where = sys.argv[1]
if where.startswith("postgresql"):
    import psycopg
    db = psycopg.connect(where)
    db.execute("SET search_path TO faxcampaign")
else:
    import sqlite3
    db = sqlite3.connect(where)
rows = db.execute("SELECT recipient, outcome, count(*) FROM attempt GROUP BY recipient, outcome").fetchall()
print(len(rows))
"""


def sheet(campaign: Path, rows: int) -> Path:
    """A call sheet CSV sent back with ``rows`` outcomes filled in."""
    import csv

    from faxcampaign.campaign.loader import load

    loaded = load(campaign)
    path = campaign.parent / "returned.csv"
    rng = random.Random(2)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "e164", "outcome", "at", "by", "note"])
        for i in range(rows):
            office = loaded.offices[i % len(loaded.offices)]
            out.writerow([office.id, office.fax[0], rng.choice(["busy", "no-answer", "delivered"]),
                          f"2026-11-{1 + i % 9:02d}T{9 + i % 8:02d}:{i % 60:02d}:00+00:00", f"volunteer {i % 97}",
                          f"row {i}"])
    return path


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
    parser.add_argument("--import-rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        campaign = generate(folder, args.offices)
        fill(campaign, args.attempts, args.offices)
        returned = sheet(campaign, args.import_rows)
        fax = [sys.executable, "-m", "faxcampaign"]
        sqlite_log = str(folder / "campaign.log.sqlite")
        commands = {
            "faxcampaign --help": fax + ["--help"],
            f"faxcampaign status ({args.attempts:,} attempts)": fax + ["status", "campaign.yaml", "--tz", "UTC"],
            "faxcampaign log (one attempt)": fax + ["log", "campaign.yaml", "office-7", "busy", "--by", "bench"],
            "floor: one GROUP BY (SQLite)": [sys.executable, "-c", FLOOR, sqlite_log],
        }
        server = postgres(folder, campaign)
        if server is not None:
            commands["status on PostgreSQL"] = fax + ["status", "campaign.yaml", "--tz", "UTC", "--log", server[1]]
            commands["floor: one GROUP BY (PostgreSQL)"] = [sys.executable, "-c", FLOOR, server[1]]
        for command in commands.values():
            timed(command, folder)  # warm the file cache
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(timed(command, folder))
        medians = {name: report(name, t) for name, t in times.items()}
        base, status, log, floor, *pg = medians.values()
        print(f"status: {status:.3f} s median   target < 0.4 s: {'ok' if status < 0.4 else 'MISSED'};  "
              f"{status / floor:.2f}x the floor   target <= 3x: {'ok' if status / floor <= 3 else 'MISSED'}")
        print(f"log / --help: {log / base:.2f}x   target <= 1.3x: {'ok' if log / base <= 1.3 else 'MISSED'}")
        if server is not None:
            status_pg, floor_pg = pg
            print(f"status on PostgreSQL: {status_pg:.3f} s median   target < 0.4 s: "
                  f"{'ok' if status_pg < 0.4 else 'MISSED'};  {status_pg / floor_pg:.2f}x the floor   target <= 3x: "
                  f"{'ok' if status_pg / floor_pg <= 3 else 'MISSED'}")
            server[0].stop("immediate")
        else:
            print("status on PostgreSQL: not measured (needs PostgreSQL's initdb and psycopg)")
        imports = []
        for i in range(max(1, args.runs // 3)):
            target = folder / f"import-{i}.sqlite"
            imports.append(timed(fax + ["log", "campaign.yaml", "--import", str(returned), "--log", str(target)],
                                 folder))
        median = report(f"faxcampaign log --import ({args.import_rows:,} rows)", imports)
        print(f"import: {median:.3f} s median   target < 1 s: {'ok' if median < 1 else 'MISSED'}")
        # history is written as the log is read: its memory does not grow with the log
        for fmt in ("csv", "json"):
            kib = peak(fax + ["history", "campaign.yaml", "--format", fmt, "--log", sqlite_log], folder)
            print(f"history --format {fmt} ({args.attempts:,} attempts): peak memory {kib / 1024:5.0f} MB   "
                  f"target < 120 MB: {'ok' if kib < 120 * 1024 else 'MISSED'}")


def peak(command: list[str], cwd: Path) -> int:
    """The peak resident memory (KiB) of ``command``, its output thrown away, run as the only child of a
    fresh interpreter."""
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
             "check=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    return int(subprocess.run([sys.executable, "-c", probe, *command], cwd=cwd, env=ENV, capture_output=True,
                              text=True, check=True).stdout)


if __name__ == "__main__":
    main()

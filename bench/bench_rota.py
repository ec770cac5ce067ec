"""`faxcampaign rota` as a user runs it: 500 volunteers, 200 offices, 30 days, 15-minute slots.

Whole commands, each a subprocess, min and median of several interleaved runs, beside `plan` on the same
campaign and `python -c "import click"` in the same run. Target: rota under 2 s. Also `rota --save`, every
slot into a SQLite log. Then the peak memory of
each format (target: under 120 MB), beside plan's, on that campaign and on 5,000 offices over 30 days
(the rota is made and written a day at a time, so memory should not grow with the rota).

    python bench/bench_rota.py [--runs N] [--quick]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_commands import FAX, measure, verdict  # noqa: E402
from bench_plan import ZONES, generate, peak  # noqa: E402

HOURS = ["Mo-Fr 06:00-08:30", "Mo-Fr 18:00-22:00; Sa 10:00-14:00", "Mo-Su 09:00-17:00", "Tu,Th 12:00-15:00",
         "Mo-Fr 07:00-09:00,12:00-13:00,19:00-21:00", "Sa,Su 08:00-20:00"]


def volunteers(path: Path, count: int, offices: int) -> None:
    rng = random.Random(2003)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "email", "timezone", "country", "available", "offices", "cap"])
        for i in range(count):
            only = " ".join(f"office-{rng.randrange(offices)}" for _ in range(3)) if i % 5 == 0 else ""
            writer.writerow([f"Volunteer {i}", f"v{i}@example.org", rng.choice(ZONES), "GB", rng.choice(HOURS),
                             only, rng.choice(["", "", "6", "12"])])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes, one run: a smoke test for CI")
    args = parser.parse_args()
    team, offices, days = (20, 10, 3) if args.quick else (500, 200, 30)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, offices)
        volunteers(folder / "team.csv", team, offices)
        when = ["--from", "2026-12-01", "--days", str(days), "--tz", "UTC", "--now", "2026-12-01T00:00"]
        print(f"{team} volunteers, {offices} offices, {days} days, 15-minute slots")
        result = measure({
            "import click": ([sys.executable, "-c", "import click"], folder),
            "plan --format json": ([*FAX, "plan", "campaign.yaml", *when, "-q", "--format", "json"], folder),
            "rota": ([*FAX, "rota", "campaign.yaml", "--volunteers", "team.csv", *when], folder),
            "rota --format json": ([*FAX, "rota", "campaign.yaml", "--volunteers", "team.csv", *when,
                                    "--format", "json"], folder),
            # every slot into a SQLite log, the last run's slots replaced
            "rota --save": ([*FAX, "rota", "campaign.yaml", "--volunteers", "team.csv", *when, "--save", "--log",
                             "log.sqlite"], folder),
        }, 1 if args.quick else args.runs)
        rota, plan = result["rota"][1], result["plan --format json"][1]
        print(f"  rota: {rota:.2f} s median, {rota / plan:.1f}x plan   target < 2 s: {verdict(rota < 2)}")
        memory(folder, when)
    big = (20, 50, 3) if args.quick else (500, 5000, 30)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, big[1])
        volunteers(folder / "team.csv", big[0], big[1])
        print(f"{big[0]} volunteers, {big[1]} offices, {big[2]} days, 15-minute slots")
        memory(folder, ["--from", "2026-12-01", "--days", str(big[2]), "--tz", "UTC", "--now", "2026-12-01T00:00"])


def memory(folder: Path, when: list[str]) -> None:
    """Each format's peak memory, beside plan's on the same campaign and days."""
    floor = peak([*FAX, "plan", str(folder / "campaign.yaml"), *when, "-q", "--format", "json"])
    print(f"  peak memory: plan --format json {floor / 1024:.0f} MB")
    for fmt in ("table", "json", "csv", "ics"):
        kib = peak([*FAX, "rota", str(folder / "campaign.yaml"), "--volunteers", str(folder / "team.csv"), *when,
                    "--format", fmt])
        print(f"  peak memory: rota --format {fmt:5} {kib / 1024:5.0f} MB   target < 120 MB: "
              f"{verdict(kib < 120 * 1024)}")


if __name__ == "__main__":
    main()

"""Plan a generated campaign of 5,000 recipients over 30 days.

Target: under 1 s wall for load + plan on a 2-core machine. Prints each stage, and a baseline in the
same run: the same number of bare pytz localize() calls the plan needs, so a slow machine shows up as
a slow baseline too. Also checks that `plan` imports neither reportlab nor phonenumbers' geocoder.
Each format as a whole command, with its peak memory (target: under 120 MB, as outputs are written as
they are made), and the first `plan` after the file is edited beside reading it with PyYAML's C loader
(target: within 2.5x), for an edit of one recipient and for an edit that changes no value.

    python bench/bench_plan.py [--recipients N] [--days N] [--edits N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ZONES = ["Asia/Almaty", "Asia/Aqtobe", "Asia/Oral", "Europe/London", "Europe/Berlin", "America/New_York",
         "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney", "Africa/Nairobi"]
COUNTRIES = ["KZ", "KZ", "KZ", "GB", "DE", "US", "US", "JP", "AU", "KE"]
# Distinct numbers (the last four digits vary), so that no cache flatters the parsing.
NUMBERS = ["+7 7212 42 ", "+7 7132 55 ", "+7 7112 51 ", "+44 20 7946 ", "+49 30 123 ",
           "+1 212 736 ", "+1 213 484 ", "+81 3 1234 ", "+61 2 9876 ", "+254 20 222 "]


def generate(folder: Path, count: int) -> Path:
    (folder / "letter.md.j2").write_text("Dear {{ recipient.name }}\n")
    lines = ["title: Bench", "letter: letter.md.j2", "starts: 2026-01-01", "deadline: 2027-12-31",
             "defaults: {hours: 'Mo-Fr 09:00-13:00,14:00-18:00; PH off'}", "recipients:"]
    for i in range(count):
        k = i % len(ZONES)
        lines += [f"  - id: office-{i}", f"    name: Office {i}", f"    fax: '{NUMBERS[k]}{i:04d}'",
                  f"    timezone: {ZONES[k]}", f"    country: {COUNTRIES[k]}"]
    path = folder / "campaign.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


# As pip leaves an installed package: with compiled bytecode (this machine's environment may turn it off).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def peak(command: list[str]) -> int:
    """The peak resident memory (KiB) of ``command``, run as the only child of a fresh interpreter."""
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    return int(subprocess.run([sys.executable, "-c", probe, *command], check=True, capture_output=True,
                              text=True, env=ENV).stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--edits", type=int, default=5, help="edits of each kind, each followed by a plan")
    args = parser.parse_args()

    from faxcampaign import clock
    from faxcampaign.campaign.loader import load
    from faxcampaign.outputs import plan as output
    from faxcampaign.schedule.plan import plan

    with tempfile.TemporaryDirectory() as tmp:
        # A cache folder of this run's own (cache.py), so that no earlier run has seen the edited files
        os.environ["FAXCAMPAIGN_CACHE"] = ENV["FAXCAMPAIGN_CACHE"] = str(Path(tmp) / "cache")
        path = generate(Path(tmp), args.recipients)
        now = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
        t0 = time.perf_counter()
        campaign = load(path)
        t1 = time.perf_counter()
        result = plan(campaign, dt.date(2026, 12, 1), args.days, "Europe/London", now)
        t2 = time.perf_counter()
        text = output.as_json(result, "GB")
        t3 = time.perf_counter()
        whole = {}
        peaks = {}
        for fmt in ("json", "table", "csv", "ics"):
            command = [sys.executable, "-m", "faxcampaign", "plan", str(path), "--from", "2026-12-01", "--days",
                       str(args.days), "--tz", "Europe/London", "--now", "2026-12-01T00:00", "--format", fmt]
            c0 = time.perf_counter()
            peaks[fmt] = peak(command)
            whole[fmt] = time.perf_counter() - c0
        # the first run after the file is edited beside reading it with PyYAML's C loader: an edit of one
        # recipient's name (that recipient is validated again), and an edit of a comment (no value changed)
        edits: dict[str, tuple[list[float], list[float]]] = {"one recipient's name": ([], []), "a comment": ([], [])}
        for i in range(args.edits):
            for kind, (firsts, floors) in edits.items():
                text = path.read_text()
                if kind == "a comment":
                    text += f"# edit {i}\n"
                else:
                    k = (i * 997) % args.recipients
                    text = text.replace(f"    name: Office {k}\n", f"    name: Office {k} (edited {i})\n", 1)
                path.write_text(text)
                c0 = time.perf_counter()
                subprocess.run(command[:-2] + ["--format", "json"], check=True, stdout=subprocess.DEVNULL, env=ENV)
                firsts.append(time.perf_counter() - c0)
                c0 = time.perf_counter()
                subprocess.run([sys.executable, "-c", "import sys, yaml; yaml.load(open(sys.argv[1]), yaml.CLoader)",
                                str(path)], check=True, env=ENV)
                floors.append(time.perf_counter() - c0)
    windows = sum(len(p.windows) for p in result.offices)

    # Baseline: the localize() calls a naive scheduler would make, one per window edge, without caching.
    import pytz

    zone = pytz.timezone("Asia/Almaty")
    naive = dt.datetime(2026, 12, 1, 9)  # noqa: DTZ001 (a wall time, for localize)
    b0 = time.perf_counter()
    for _ in range(windows * 2):
        zone.localize(naive)
    b1 = time.perf_counter()

    print(f"recipients {args.recipients}, days {args.days}, windows {windows}, json {len(text) // 1024} KiB")
    print(f"load (YAML, validation, numbers)   {t1 - t0:6.3f} s")
    print(f"plan (schedule)                    {t2 - t1:6.3f} s")
    print(f"load + plan                        {t2 - t0:6.3f} s   target < 1 s: {'ok' if t2 - t0 < 1 else 'MISSED'}")
    print(f"json output                        {t3 - t2:6.3f} s")
    print(f"baseline: {windows * 2} bare pytz localize() calls {b1 - b0:6.3f} s "
          f"(plan is {(t2 - t1) / (b1 - b0):.2f}x that)")
    for fmt, seconds in whole.items():
        fits = "ok" if peaks[fmt] < 120 * 1024 else "MISSED"
        print(f"whole command, --format {fmt:5}            {seconds:6.3f} s   (start-up, load, plan, output); "
              f"peak memory {peaks[fmt] / 1024:5.0f} MB   target < 120 MB: {fits}")
    for kind, (firsts, floors) in edits.items():
        first, floor = statistics.median(firsts), statistics.median(floors)
        rounds = statistics.median(a / b for a, b in zip(firsts, floors, strict=True))
        print(f"first plan after an edit of {kind}: min {min(firsts):.3f} s, median {first:.3f} s; PyYAML C loader "
              f"of the same file: min {min(floors):.3f} s, median {floor:.3f} s; {first / floor:.2f}x "
              f"({rounds:.2f}x by round)   target <= 2.5x: {'ok' if first / floor <= 2.5 else 'MISSED'}")
    heavy = [m for m in ("reportlab", "phonenumbers.geocoder") if m in sys.modules]
    print(f"heavy modules imported by plan: {heavy or 'none'}")
    print(f"clock cache: {clock.wall.cache_info()}")


if __name__ == "__main__":
    main()

"""Startup: `faxcampaign --help` beside `python -c "import click"`, interleaved, same run.

Target: the median of --help within 1.3x of the median of importing click alone. Also lists which heavy
modules `--help` and `plan` import (none of reportlab, the phonenumbers geocoder or pydantic for --help).

    python bench/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

HEAVY = ["reportlab", "phonenumbers", "phonenumbers.geocoder", "holidays", "pydantic", "yaml", "jinja2",
         "icalendar", "markdown_it", "pytz"]


# As pip leaves an installed package: with compiled bytecode (this machine's environment may turn it off).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def imported_by(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    return done.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    base_cmd = [sys.executable, "-c", "import click"]
    help_cmd = [sys.executable, "-m", "faxcampaign", "--help"]
    timed(base_cmd), timed(help_cmd)  # warm the file cache
    base, helps = [], []
    for _ in range(args.runs):
        base.append(timed(base_cmd))
        helps.append(timed(help_cmd))
    b, h = statistics.median(base), statistics.median(helps)
    print(f"python -c 'import click'   median {b * 1000:6.1f} ms over {args.runs} runs")
    print(f"faxcampaign --help         median {h * 1000:6.1f} ms over {args.runs} runs")
    print(f"ratio {h / b:.2f}x   target <= 1.3x: {'ok' if h / b <= 1.3 else 'MISSED'}")
    help_code = ("from click.testing import CliRunner\nfrom faxcampaign.cli import cli\n"
                 "CliRunner().invoke(cli, ['--help'])")
    print(f"heavy modules imported by --help: {imported_by(help_code) or 'none'}")
    plan_code = ("from click.testing import CliRunner\nfrom faxcampaign.cli import cli\n"
                 "CliRunner().invoke(cli, ['plan', 'campaign.yaml', '--tz', 'UTC', '--from', '2003-01-06'])")
    print(f"heavy modules imported by plan:   {imported_by(plan_code) or 'none'}")


if __name__ == "__main__":
    main()

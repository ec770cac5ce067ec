"""`faxcampaign render` as a user runs it, each figure a whole process, beside a raw-reportlab floor
run as its own process in the same run (bench/floor_render.py: one face, nothing of faxcampaign's).

The letters are the example campaign's three recipients signed by many volunteers (a --signers run).
Figures, min and median of several rounds (each round runs every command once, back to back), and each
ratio three ways: min over min, median over median, and the median of the rounds' own ratios, which the
verdict uses (a busy spell on a shared machine slows the commands of one round alike):
- `render --jobs 1` against the floor, at 150 and 1,000 letters (target: >= 1.0x at both);
- `render --jobs 2` against `--jobs 1` (targets: >= 1.5x at 150, >= 1.75x at 1,000; needs 2 CPUs);
- `render --format tiff` against `--format pdf` for the same letters (target: within 1.6x);
- peak resident memory of each command (the largest process of the run, from wait4).

    python bench/bench_render.py [--runs N] [--quick]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

# As pip leaves an installed package: with compiled bytecode (this machine's environment may turn it off).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
DATE = "2003-01-06"


def write_signers(path: Path, count: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "organisation", "address", "email"])
        for i in range(count):
            writer.writerow([f"Volunteer {i}", "Trades Council", f"{i} High Street;London", f"v{i}@example.org"])


def write_floor_letters(campaign_path: Path, signers_path: Path, target: Path) -> int:
    """The same letters' text, a list of plain paragraphs each, for the floor to set in one face."""
    from faxcampaign.campaign.loader import load
    from faxcampaign.letters.template import LetterTemplate, ListBlock, build_letter
    from faxcampaign.team.signers import read_signers

    campaign = load(campaign_path)
    template = LetterTemplate(campaign)
    letters = []
    for signer in read_signers(signers_path):
        for office in campaign.offices:
            letter = build_letter(campaign, template, office, signer, dt.date.fromisoformat(DATE))
            paragraphs = ["\n".join(letter.sender), letter.date, "\n".join(letter.recipient),
                          f"By fax: {letter.by_fax}", f"Ref: {letter.reference}", letter.salutation]
            for block in letter.body:
                if isinstance(block, ListBlock):
                    paragraphs += [f"{i}. " + "".join(r.text for r in item)
                                   for i, item in enumerate(block.items, block.start)]
                else:
                    paragraphs.append("".join(r.text for r in block.runs))
            letters.append([*paragraphs, letter.closing, "\n".join(letter.signature)])
    target.write_text(json.dumps(letters), encoding="utf-8")
    return len(letters)


def run(command: list[str], out: Path) -> tuple[float, int]:
    """Seconds and peak resident KiB of one run (the output folder emptied first)."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, cwd=ROOT)
    assert process.stderr is not None
    error = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{error.decode(errors='replace')}")
    return elapsed, usage.ru_maxrss


def measure(commands: dict[str, tuple[list[str], Path]], runs: int) -> dict[str, list[float]]:
    """Each command's seconds, one per round; a round runs every command once, back to back."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, int] = dict.fromkeys(commands, 0)
    for _ in range(runs):
        for name, (command, out) in commands.items():
            seconds, peak = run(command, out)
            times[name].append(seconds)
            peaks[name] = max(peaks[name], peak)
    for name, t in times.items():
        print(f"  {name:34} min {min(t):7.2f} s   median {statistics.median(t):7.2f} s   "
              f"peak RSS {peaks[name] / 1024:6.0f} MiB")
    return times


def ratio(first: list[float], second: list[float]) -> tuple[float, float, float]:
    """The second command's times over the first's, three ways: min over min, median over median, and
    the median of each round's own ratio (the commands of one round ran back to back, so a busy spell on a
    shared machine slows both)."""
    rounds = [b / a for a, b in zip(first, second, strict=True)]
    return min(second) / min(first), statistics.median(second) / statistics.median(first), statistics.median(rounds)


def ratio_text(name: str, value: tuple[float, float, float], target: str, ok: bool) -> str:
    return (f"  {name}: {value[2]:.2f}x by round (min {value[0]:.2f}x, median {value[1]:.2f}x)   target {target}: "
            f"{verdict(ok)}")


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes, one run: a smoke test for CI")
    args = parser.parse_args()
    sizes = (12, 30) if args.quick else (150, 1000)
    runs = 1 if args.quick else args.runs
    fax = [sys.executable, "-m", "faxcampaign"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # The cache folder of this run's own (cache.py), as a daily run finds it: the campaign validated
        # once, here, by write_floor_letters.
        os.environ["FAXCAMPAIGN_CACHE"] = ENV["FAXCAMPAIGN_CACHE"] = str(folder / "cache")
        for size, floor_target, jobs_target in zip(sizes, (1.0, 1.0), (1.5, 1.75), strict=True):
            signers = folder / f"signers{size}.csv"
            write_signers(signers, -(-size // 3))
            letters = folder / f"letters{size}.json"
            count = write_floor_letters(ROOT / "campaign.yaml", signers, letters)
            render = [*fax, "render", "campaign.yaml", "--signers", str(signers), "--date", DATE]
            commands = {
                "floor (raw reportlab, one face)": ([sys.executable, "bench/floor_render.py", str(letters),
                                                     str(folder / "floor")], folder / "floor"),
                "render --jobs 1": ([*render, "--out", str(folder / "one"), "--jobs", "1"], folder / "one"),
                "render --jobs 2": ([*render, "--out", str(folder / "two"), "--jobs", "2"], folder / "two"),
            }
            if size == sizes[0]:
                commands["render --format tiff --jobs 1"] = (
                    [*render, "--out", str(folder / "tiff"), "--jobs", "1", "--format", "tiff"], folder / "tiff")
            print(f"{count} letters, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
            result = measure(commands, runs)
            floor, one, two = (result[k] for k in ("floor (raw reportlab, one face)", "render --jobs 1",
                                                    "render --jobs 2"))
            throughput = ratio(one, floor)  # the floor's time over ours: our throughput against the floor's
            print(ratio_text("--jobs 1 against the floor's throughput", throughput, f">= {floor_target}x",
                             throughput[2] >= floor_target))
            speedup = ratio(two, one)
            print(ratio_text("--jobs 2 against --jobs 1", speedup, f">= {jobs_target}x", speedup[2] >= jobs_target))
            if "render --format tiff --jobs 1" in result:
                tiff = ratio(one, result["render --format tiff --jobs 1"])
                print(ratio_text("tiff against pdf (time)", tiff, "<= 1.6x", tiff[2] <= 1.6))


if __name__ == "__main__":
    main()

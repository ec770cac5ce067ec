"""A mutation fuzzer for campaign files: it mutates the bundled example (keys retyped, deleted and
duplicated; odd Unicode, very long strings, extreme dates and numbers) and runs the commands in-process.

A case fails when a command ends in a traceback (an exception other than a clean exit), prints
"internal error", or when `check` prints an error line without a FILE:LINE location. Given ``seconds``
(the long round), a command that runs longer fails too: a profiling timer stops it, so that a stall
cannot hang the round. The short round checks outcomes only, never time.

Besides odd characters, it writes long runs: unbreakable words, emoji, combining marks and right-to-left
text, at a field's limit and far past it.
`tests/test_fuzz.py` runs a short, seeded round in CI; `bench/fuzz_campaign.py` runs a long one.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import random
import re
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from faxcampaign.cli import cli

ROOT = Path(__file__).resolve().parent.parent
ODD = ["", " ", "\u200b", "\u202e", "\ufeff", "é", "Ω", "🙂", "名", "\u0000", "\t", "\r", "\n\n===\n", "'", '"',
       "{{", "}}", "{% raw %}", "*", "_", "~~", "&amp;", "<b>", "=1+1", "@x", "-", "+", "../", "/etc/passwd", "%s",
       "{date.__class__}", "\\", "—", "ǅ", "\U0001F468\u200d\U0001F469", "İ", "ß", "\ud7ff"]
SCALARS: list[Any] = [None, True, False, 0, -1, 2**63, 1e308, float("nan"), "", "x" * 5000, [], {}, [1, 2],
                      {"a": 1}, dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(2003, 1, 6),
                      "2003-02-30", "Mo-Fr 09:00-13:00", "24:00-25:00", "PH off", "Asia/Almaty", "UTC+3",
                      "+7 7212 42 02 20", "0", "KZ", "XX"]


@dataclasses.dataclass
class Failure:
    case: int
    command: str
    problem: str
    campaign: str


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += _paths(value, prefix + (i,))
    return found


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


RUNS = ["x", "\U0001F600", "a\u0301", "\u0645\u062d\u0645\u062f", "\u05e9\u05dc\u05d5\u05dd", "\u540d",
        "\U0001F468\u200d\U0001F469"]


def _long_text(rng: random.Random) -> str:
    """A run without white space: at a limit, just under it, or far past it."""
    from faxcampaign import limits

    length = rng.choice([limits.LINE - 1, limits.LINE, limits.LINE + 1, limits.TEXT - 1, limits.TEXT, 100_000])
    unit = rng.choice(RUNS)
    return (unit * (length // len(unit) + 1))[:length]


def _odd_text(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return _long_text(rng)
    text = "".join(rng.choice(ODD) for _ in range(rng.randint(1, 4)))
    return text * rng.choice([1, 1, 1, 50, 3000])


def mutate(rng: random.Random, base: dict[str, Any]) -> str:
    """One mutated campaign file, as text."""
    data = copy.deepcopy(base)
    for _ in range(rng.randint(1, 4)):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = rng.choice(paths)
        parent = _get(data, path[:-1])
        key = path[-1]
        action = rng.random()
        if action < 0.25:
            parent[key] = copy.deepcopy(rng.choice(SCALARS))  # SCALARS holds lists and dicts: never share them
        elif action < 0.45:
            value = parent[key]
            parent[key] = (value + _odd_text(rng)) if isinstance(value, str) else _odd_text(rng)
        elif action < 0.6:
            del parent[key]
        elif action < 0.7 and isinstance(parent, dict):
            parent[_odd_text(rng)[:30] or "k"] = copy.deepcopy(parent[key])
        elif action < 0.8 and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif action < 0.9:
            parent[key] = rng.choice([dt.date(rng.randint(1, 9999), rng.randint(1, 12), rng.randint(1, 28)),
                                      f"{rng.randint(0, 99999)}-{rng.randint(0, 20)}-{rng.randint(0, 40)}"])
        else:
            parent[key] = [copy.deepcopy(parent[key])] * rng.randint(0, 3)
    text = yaml.safe_dump(data, allow_unicode=rng.random() < 0.8, sort_keys=False, width=10**6)
    if rng.random() < 0.15:  # textual damage: a duplicated line, a cut, a tab, a stray character
        lines = text.splitlines(keepends=True)
        i = rng.randrange(len(lines)) if lines else 0
        damage = rng.choice(["dup", "cut", "tab", "char"])
        if damage == "dup" and lines:
            lines.insert(i, lines[i])
        elif damage == "cut":
            lines = lines[:i]
        elif damage == "tab" and lines:
            lines[i] = "\t" + lines[i]
        elif lines:
            lines[i] = lines[i][: len(lines[i]) // 2] + rng.choice(ODD) + lines[i][len(lines[i]) // 2:]
        text = "".join(lines)
    return text


LOCATED = re.compile(r"^.+?:\d+(:\d+)?: error: ")


def _commands(rng: random.Random, render: bool) -> list[list[str]]:
    day = rng.choice(["2003-01-06", "2003-01-01", "2024-02-29", "2026-12-16"])
    commands = [
        ["check", "campaign.yaml"],
        ["plan", "campaign.yaml", "--from", day, "--days", str(rng.choice([1, 7])), "--tz",
         rng.choice(["Europe/London", "America/Los_Angeles", "Asia/Almaty"]), "--now", f"{day}T05:00",
         "--format", rng.choice(["table", "json", "csv", "ics"])],
        ["callsheet", "campaign.yaml", "--date", day, "--tz", "Europe/London", "--now", f"{day}T05:00",
         "--format", rng.choice(["text", "markdown", "html", "csv"])],
        ["status", "campaign.yaml", "--tz", "UTC", "--now", f"{day}T05:00", "--format", rng.choice(["table", "json"])],
    ]
    if render:
        commands.append(["render", "campaign.yaml", "--out", "out", "--jobs", "1", "--date", day,
                         *rng.choice([[], ["--cover"], ["--combine"]])])
    return commands


class Stalled(Exception):
    """A command ran past the round's time limit."""


def _stop(signum: int, frame: Any) -> None:
    raise Stalled


def run_case(case: int, folder: Path, base: dict[str, Any], render: bool = False,
             seconds: float | None = None) -> list[Failure]:
    rng = random.Random(case)
    text = mutate(rng, base)
    (folder / "campaign.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    runner = CliRunner()
    failures = []
    cwd = Path.cwd()
    import os

    os.chdir(folder)
    try:
        for command in _commands(rng, render):
            name = " ".join(command)
            started = time.perf_counter()
            if seconds is not None:
                signal.signal(signal.SIGPROF, _stop)
                signal.setitimer(signal.ITIMER_PROF, seconds)
            try:
                result = runner.invoke(cli, command)
            finally:
                if seconds is not None:
                    signal.setitimer(signal.ITIMER_PROF, 0)
            took = time.perf_counter() - started
            if isinstance(result.exception, Stalled) or (seconds is not None and took > seconds):
                failures.append(Failure(case, name, f"took more than {seconds:g} s", text))
            elif result.exception is not None and not isinstance(result.exception, SystemExit):
                failures.append(Failure(case, name, f"{type(result.exception).__name__}: {result.exception}", text))
            elif "internal error" in result.output:
                failures.append(Failure(case, name, result.output.strip()[-300:], text))
            elif command[0] == "check":
                unlocated = [line for line in result.output.splitlines()
                             if ": error: " in line and not LOCATED.match(line)]
                if unlocated:
                    failures.append(Failure(case, name, f"no location: {unlocated[0][:200]}", text))
    finally:
        os.chdir(cwd)
        shutil.rmtree(folder / "out", ignore_errors=True)
    return failures


def example(folder: Path) -> dict[str, Any]:
    """Copy the bundled example's templates into ``folder`` and return the example's data."""
    shutil.copytree(ROOT / "templates", folder / "templates", dirs_exist_ok=True)
    data: dict[str, Any] = yaml.safe_load((ROOT / "campaign.yaml").read_text(encoding="utf-8"))
    return data

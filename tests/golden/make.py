"""Write tests/golden/digests.json: SHA-256 of what each command writes for the example campaign.

test_identical.py runs the same commands and compares, so a change made for speed cannot change an
output unnoticed. Run this only when an output is meant to change, and say so in the commit:

    python tests/golden/make.py
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WHEN = ["--tz", "Europe/London", "--dial-from", "GB"]
DAY = ["--date", "2003-01-07", "--now", "2003-01-07T07:00", *WHEN]
PLAN = ["plan", "campaign.yaml", "--from", "2003-01-06", "--days", "14", "--now", "2003-01-06T07:00", *WHEN]
TEXT_COMMANDS = {
    **{f"plan --format {f}": [*PLAN, "--format", f] for f in ("table", "json", "csv", "ics")},
    **{f"callsheet --format {f}": ["callsheet", "campaign.yaml", *DAY, "--format", f, "--log", "none.sqlite"]
       for f in ("text", "markdown", "html", "csv")},
}
ROTA = ["rota", "campaign.yaml", "--volunteers", "team.csv", "--from", "2003-01-06", "--days", "5", "--now",
        "2003-01-06T07:00", "--tz", "Europe/London"]
TEXT_COMMANDS.update({f"rota --format {f}": [*ROTA, "--format", f] for f in ("table", "json", "csv", "ics")})
TEAM = """name,email,timezone,country,available,offices,cap
Ann Smith,ann@example.org,Europe/London,GB,Mo-Fr 04:00-08:30; Sa 10:00-12:00,,8
Bob Jones,bob@example.org,America/New_York,US,Mo-Su 00:00-06:00,,
Aigerim Bekova,,Asia/Almaty,KZ,Mo-Fr 09:00-12:00,karaganda-court,
"""
SHEET_PDF = ["callsheet", "campaign.yaml", *DAY, "--format", "pdf", "--log", "none.sqlite", "--out", "sheet.pdf"]
RENDER = ["render", "campaign.yaml", "--date", "2003-01-06", "--cover", "--combine", "--jobs", "1"]


def run(args: list[str], cwd: Path) -> bytes:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("SOURCE_DATE_EPOCH", None)
    done = subprocess.run([sys.executable, "-m", "faxcampaign", *args], cwd=cwd, env=env, capture_output=True,
                          check=True)
    return done.stdout


def outputs(folder: Path) -> dict[str, bytes]:
    """Every output by name, made in ``folder`` (a copy of the example campaign)."""
    found = {name: run(args, folder) for name, args in TEXT_COMMANDS.items()}
    run(SHEET_PDF, folder)
    found["callsheet --format pdf"] = (folder / "sheet.pdf").read_bytes()
    run([*RENDER, "--out", "letters"], folder)
    for path in sorted((folder / "letters").iterdir()):
        found[f"render {path.name}"] = path.read_bytes()
    return found


def example(folder: Path) -> Path:
    for name in ("campaign.yaml", "templates/letter.md.j2"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes((ROOT / name).read_bytes())
    (folder / "team.csv").write_text(TEAM, encoding="utf-8")
    return folder


def main() -> None:
    import reportlab

    with tempfile.TemporaryDirectory() as tmp:
        found = outputs(example(Path(tmp)))
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in found.items()}
    target = Path(__file__).with_name("digests.json")
    target.write_text(json.dumps({"reportlab": reportlab.Version, "digests": digests}, indent=2) + "\n")
    print(f"wrote {target} ({len(digests)} outputs)")


if __name__ == "__main__":
    main()

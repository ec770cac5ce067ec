"""`render` of bilingual letters beside the same number of monolingual ones, as a user runs it.

Whole commands, each a subprocess, min and median of several interleaved runs. Both campaigns have N
Russian-reading offices and the same English original; the bilingual one prints the Russian letter
followed by the English original (twice the text, so somewhat under twice the work). Target: bilingual
within 1.5x of monolingual.

    python bench/bench_languages.py [--letters N] [--runs N] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_commands import FAX, measure, verdict  # noqa: E402

ENGLISH = "We protest the prosecution of the worker activists of {{ context.city }}. " * 12 + "\n"
RUSSIAN = "Мы протестуем против преследования рабочих активистов города {{ context.city }}. " * 12 + "\n"


def campaign(folder: Path, letters: int, bilingual: bool) -> Path:
    folder.mkdir()
    (folder / "letter.md.j2").write_text(ENGLISH, encoding="utf-8")
    (folder / "letter.ru.md.j2").write_text(RUSSIAN, encoding="utf-8")
    lines = ["title: Bench", "reference: B-1", "letter: {en: letter.md.j2, ru: letter.ru.md.j2}",
             f"bilingual: {'true' if bilingual else 'false'}", "context: {city: Караганда}",
             "defaults: {country: KZ, timezone: Asia/Almaty, hours: 'Mo-Fr 09:00-18:00', language: ru}",
             "recipients:"]
    for i in range(letters):
        lines += [f"  - id: office-{i}", f"    name: Office {i}", f"    fax: '+7 7212 {i // 10000 % 100:02d} "
                  f"{i // 100 % 100:02d} {i % 100:02d}'"]
    path = folder / "campaign.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20 letters, one run: a smoke test for CI")
    args = parser.parse_args()
    letters = 20 if args.quick else args.letters
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        one, two = campaign(root / "mono", letters, False), campaign(root / "bi", letters, True)
        render = ["render", "campaign.yaml", "--date", "2003-01-06", "--jobs", "1"]
        print(f"render of {letters} letters to Russian-reading offices, one process")
        result = measure({
            "monolingual (Russian)": ([*FAX, *render, "--out", str(root / "out-mono")], one.parent),
            "bilingual (Russian + English original)": ([*FAX, *render, "--out", str(root / "out-bi")], two.parent),
        }, 1 if args.quick else args.runs)
        ratio = result["bilingual (Russian + English original)"][1] / result["monolingual (Russian)"][1]
        print(f"  bilingual / monolingual: {ratio:.2f}x   target <= 1.5x: {verdict(ratio <= 1.5)}")


if __name__ == "__main__":
    main()

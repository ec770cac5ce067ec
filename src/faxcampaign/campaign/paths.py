"""YAML paths: where a value stands in the campaign file, as ``recipients[1].fax[0]``."""

from __future__ import annotations

from typing import Union

Path_ = tuple[Union[str, int], ...]  # a YAML path: keys and list indexes


def format_path(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out

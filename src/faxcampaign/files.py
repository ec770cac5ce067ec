"""Atomic file writes: a temporary file in the same folder, then ``os.replace``."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from pathlib import Path

from faxcampaign.errors import OutputError

_serial = itertools.count()


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` whole or not at all: readers never see a half-written file.

    The file gets the permissions any new file gets (0666 less the umask); a stopped run leaves no
    temporary file behind unless the process is killed outright.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if path.name in ("", ".", "..") or path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder; give a file name")
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{next(_serial)}.tmp")
    try:
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise OutputError(f"cannot write {path}: {e.strerror or e}") from e
        raise


def dated_path(pattern: str, day: dt.date) -> Path:
    """``pattern`` with ``{date}`` replaced by the day (YYYY-MM-DD); no other placeholder exists."""
    rest = pattern.replace("{date}", "")
    if "{" in rest or "}" in rest:
        raise ValueError(f"{pattern!r}: the only placeholder is {{date}}")
    return Path(pattern.replace("{date}", day.isoformat()))


def is_inside(path: Path, root: Path) -> bool:
    """Whether ``path``, resolved with every symlink followed, lies inside ``root`` (resolved)."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a name too long
        return False

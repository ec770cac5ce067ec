from __future__ import annotations

import os
from pathlib import Path

import pytest

from faxcampaign.errors import OutputError
from faxcampaign.files import atomic_write


def test_writes_whole_file_with_umask_permissions(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.txt"
    old = os.umask(0o027)
    try:
        atomic_write(target, "first")
        atomic_write(target, "second")
    finally:
        os.umask(old)
    assert target.read_text() == "second"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in target.parent.iterdir()] == ["a.txt"]


def test_failure_keeps_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.txt"
    atomic_write(target, b"old")

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputError) as info:
        atomic_write(target, b"new")
    assert str(info.value) == f"cannot write {target}: No space left on device"
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]

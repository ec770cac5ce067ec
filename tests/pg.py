"""A private PostgreSQL server for the tests: initdb and pg_ctl in a temporary folder, listening only on a
Unix socket there (no TCP port), run as the postgres user when the tests run as root."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any


def binaries() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return str(Path(found[-1]).parent)
    initdb = shutil.which("initdb")
    return str(Path(initdb).resolve().parent) if initdb else None


def _user() -> dict[str, Any]:
    """initdb refuses to run as root: run the server as the postgres user then."""
    if os.geteuid() != 0:
        return {}
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        entry = pwd.getpwnam("nobody")
    return {"user": entry.pw_uid, "group": entry.pw_gid}


class Server:
    def __init__(self, folder: Path):
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL's initdb was not found")
        self.bin = Path(bin_dir)
        self.folder = folder
        self.data = folder / "data"
        self.socket = folder / "socket"
        self.socket.mkdir(parents=True)
        run_as = _user()
        if run_as:
            for path in (folder, self.socket):
                os.chown(path, run_as["user"], run_as["group"])
        self.run_as = run_as
        subprocess.run([str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                        "-E", "UTF8", "--no-sync"], check=True, capture_output=True, **run_as)
        self.start()

    def start(self) -> None:
        options = f"-c listen_addresses='' -k {self.socket} -c fsync=off -c full_page_writes=off"
        subprocess.run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-l",
                        str(self.folder / "server.log"), "start"], check=True, capture_output=True, **self.run_as)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
                       check=False, capture_output=True, **self.run_as)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket}"

    def new_database(self) -> str:
        import psycopg

        name = "t" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        return self.url(name)

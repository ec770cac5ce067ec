"""A real fax loop for tests: HylaFAX and two iaxmodems dialling each other, in private namespaces.

`start.sh` runs under ``unshare --net --mount``: it binds private copies of the spool and of HylaFAX's
and iaxmodem's configuration over the real paths, so the host's /etc and spool are never written, and
its loopback is its own. Commands reach it through ``nsenter``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEEDED = ["unshare", "nsenter", "ip", "faxq", "hfaxd", "faxgetty", "faxstat", "iaxmodem", "gs"]


def missing() -> list[str]:
    found = [n for n in NEEDED if not (shutil.which(n) or Path("/usr/sbin", n).exists())]
    if os.geteuid() != 0:
        found.append("root")
    return found


class FaxLab:
    def __init__(self, work: Path):
        self.work = work
        self.process = subprocess.Popen(
            ["unshare", "--net", "--mount", "--propagation", "private", "--fork", "bash", str(HERE / "start.sh"),
             str(work)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.output: list[str] = []
        deadline = time.monotonic() + 90
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.output.append(line)
            if line.strip() == "READY":
                if "Running and idle" not in "".join(self.output):
                    break
                return
        self.stop()
        raise RuntimeError("the fax lab did not start:\n" + "".join(self.output))

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)

    def run(self, args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """A command inside the lab's namespaces."""
        return subprocess.run(["nsenter", "-t", str(self.process.pid), "-n", "-m", f"--wd={cwd}", *args],
                              capture_output=True, text=True, timeout=timeout, check=False)

    def faxcampaign(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return self.run([sys.executable, "-m", "faxcampaign", *args], cwd)

    def received(self) -> list[Path]:
        return sorted((self.work / "spool" / "recvq").glob("fax*.tif"))

    def stop_receiver(self) -> None:
        """The receiving modem stays, but nothing answers its calls."""
        os.kill(int((self.work / "faxgetty1.pid").read_text()), signal.SIGTERM)


def wait_for(check: Callable[[], bool], timeout: float, step: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()

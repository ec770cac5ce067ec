"""`send`, `sync` and `cancel` against a real HylaFAX with two software modems dialling each other.

The lab runs in private network and mount namespaces (tests/faxlab). These tests need root and the
Debian packages hylafax-server, hylafax-client, iaxmodem and ghostscript; they skip without them here,
and fail in CI (FAXCAMPAIGN_REQUIRE_ALL=1), which installs them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import need, zone_at_noon
from faxlab.lab import FaxLab, missing, wait_for

VIA = "hylafax://127.0.0.1"
NUMBER = "+442079460000"


HOST_PATHS = [Path("/var/spool/hylafax"), Path("/etc/hylafax"), Path("/etc/iaxmodem")]


def host_files() -> list[tuple[str, float]]:
    return sorted((str(p), p.lstat().st_mtime) for root in HOST_PATHS if root.exists() for p in root.rglob("*"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaxLab]:
    absent = missing()
    need(not absent, "a fax loop: " + ", ".join(absent))
    before = host_files()
    started = FaxLab(tmp_path_factory.mktemp("faxlab"))
    try:
        yield started
    finally:
        started.stop()
    assert host_files() == before  # the lab wrote nothing to the host's spool or configuration


def write_campaign(folder: Path, hours: str, zone: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "letter.md.j2").write_text("We write about the case of {{ context.case }}.\n\n- Free them\n",
                                         encoding="utf-8")
    path = folder / "campaign.yaml"
    path.write_text(f"""\
title: Loop test
reference: LOOP-1
letter: letter.md.j2
sender: {{name: Test Sender, email: sender@example.org}}
defaults: {{timezone: {zone}, hours: "{hours}", manual: false}}
context: {{case: the Karaganda four}}
recipients:
  - id: office
    name: Test Office
    fax: "+44 20 7946 0000"
  - id: court
    name: Manual Court
    manual: true
    fax: "+44 20 7946 0001"
""", encoding="utf-8")
    return path


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def history(lab: FaxLab, folder: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(ok(lab.faxcampaign("history", "campaign.yaml", cwd=folder)))))


JOBS = """
import json, sys
from faxcampaign.send.hylafax import HylaFAX
with HylaFAX("127.0.0.1")._session() as ftp:
    print(json.dumps(HylaFAX("127.0.0.1")._list(ftp)))
"""


def server_jobs(lab: FaxLab, folder: Path) -> dict[str, list[str]]:
    """HylaFAX's own view: job id -> [id, state, pages, dials, send time (epoch), tag, status]."""
    return json.loads(ok(lab.run([sys.executable, "-c", JOBS], folder)))  # type: ignore[no-any-return]


def same_image_below_header(sent: Path, received: Path, header_rows: int = 31) -> bool:
    from PIL import Image

    with Image.open(sent) as a, Image.open(received) as b:
        if a.size != b.size:
            return False
        box = (0, header_rows, a.size[0], a.size[1])
        return a.convert("1").crop(box).tobytes() == b.convert("1").crop(box).tobytes()


def test_a_letter_goes_through_the_loop_and_sync_logs_it(lab: FaxLab, tmp_path: Path) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    folder = tmp_path / "delivered"
    write_campaign(folder, "Mo-Su 06:00-20:00", zone_at_noon(now))
    sent = ok(lab.faxcampaign("send", "campaign.yaml", "--via", VIA, "--tz", "UTC", cwd=folder))
    assert "office: queued to +442079460000 from " in sent and "signed by Test Sender; job " in sent
    assert "manual lines, to phone (faxcampaign callsheet): court" in sent
    again = ok(lab.faxcampaign("send", "campaign.yaml", "--via", VIA, "--tz", "UTC", cwd=folder))
    assert "office: job " in again and "is still queued" in again  # cron may run it again: nothing new

    def delivered() -> bool:
        ok(lab.faxcampaign("sync", "campaign.yaml", "--via", VIA, "--no-requeue", cwd=folder))
        return any(r["outcome"] == "delivered" for r in history(lab, folder))

    assert wait_for(delivered, 180, 5), lab.run(["faxstat", "-h", "127.0.0.1", "-sd"], folder).stdout
    (row,) = history(lab, folder)
    assert (row["recipient"], row["number"], row["pages"], row["source"], row["signer"]) == \
        ("office", NUMBER, "1", "hylafax", "Test Sender")
    assert row["job"] and row["note"].startswith(f"HylaFAX job {row['job']}: done")

    ok(lab.faxcampaign("render", "campaign.yaml", "--out", "letters", "--format", "tiff", "--recipient", "office",
                       cwd=folder))
    received = lab.received()
    assert received and same_image_below_header(folder / "letters" / "office.tif", received[-1])

    status = json.loads(ok(lab.faxcampaign("status", "campaign.yaml", "--format", "json", cwd=folder)))
    assert status["totals"]["reached"] == 1
    after = ok(lab.faxcampaign("send", "campaign.yaml", "--via", VIA, cwd=folder))
    assert "office: every letter has been delivered" in after


def test_a_window_that_opens_later_leaves_the_job_sleeping_until_then_and_cancel_removes_it(
        lab: FaxLab, tmp_path: Path) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    zone = zone_at_noon(now)
    folder = tmp_path / "later"
    write_campaign(folder, "Mo-Su 16:00-18:00", zone)
    sent = ok(lab.faxcampaign("send", "campaign.yaml", "--via", VIA, "--tz", "UTC", cwd=folder))
    job = sent.split("; job ")[1].split()[0]
    state = server_jobs(lab, folder)[job]
    assert state[1] == "P"  # pending: waiting for its send time
    from faxcampaign import clock

    local_today = clock.local_date(now, zone)
    opening = clock.wall(zone, local_today if clock.convert(now, zone).hour < 16 else
                         local_today + dt.timedelta(days=1), 16 * 60)
    assert int(state[4]) == int(opening.timestamp())
    assert state[5] == "faxcampaign LOOP-1 office test-sender"
    cancelled = ok(lab.faxcampaign("cancel", "campaign.yaml", "--via", VIA, cwd=folder))
    assert cancelled == f"office: cancelled job {job}\n"
    assert server_jobs(lab, folder)[job][1] == "F"
    assert history(lab, folder) == []  # no call was made: nothing to count against the number
    assert "queued" in ok(lab.faxcampaign("send", "campaign.yaml", "--via", VIA, cwd=folder))
    ok(lab.faxcampaign("cancel", "campaign.yaml", "--via", VIA, cwd=folder))


def test_two_sends_at_once_queue_the_letter_once(lab: FaxLab, tmp_path: Path) -> None:
    folder = tmp_path / "twice"
    write_campaign(folder, "Mo-Su 16:00-18:00", zone_at_noon(dt.datetime.now(dt.timezone.utc)))
    args = ["nsenter", "-t", str(lab.process.pid), "-n", "-m", f"--wd={folder}", sys.executable, "-m",
            "faxcampaign", "send", "campaign.yaml", "--via", VIA]
    runs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [r.communicate(timeout=120) for r in runs]
    assert all(r.returncode == 0 for r in runs), outputs
    assert sum("queued to" in out for out, _ in outputs) == 1
    tagged = [j for j in server_jobs(lab, folder).values() if j[5].endswith("office test-sender") and j[1] == "P"]
    assert len(tagged) == 1
    ok(lab.faxcampaign("cancel", "campaign.yaml", "--via", VIA, cwd=folder))


def test_no_answer_is_logged_and_queued_again_after_the_back_off(lab: FaxLab, tmp_path: Path) -> None:
    lab.stop_receiver()  # last test of the module: the receiving modem no longer answers
    now = dt.datetime.now(dt.timezone.utc)
    folder = tmp_path / "no-answer"
    write_campaign(folder, "Mo-Su 06:00-20:00", zone_at_noon(now))
    ok(lab.faxcampaign("send", "campaign.yaml", "--via", VIA, "--calls-per-job", "1", cwd=folder))

    def failed() -> bool:
        ok(lab.faxcampaign("sync", "campaign.yaml", "--via", VIA, "--no-requeue", cwd=folder))
        return bool(history(lab, folder))

    assert wait_for(failed, 240, 5), lab.run(["faxstat", "-h", "127.0.0.1", "-sd"], folder).stdout
    (row,) = history(lab, folder)
    assert row["outcome"] == "no-answer", row
    synced = ok(lab.faxcampaign("sync", "campaign.yaml", "--via", VIA, "--tz", "UTC", cwd=folder))
    assert "office: queued to +442079460000 from " in synced
    job = synced.split("; job ")[1].split()[0]
    at = dt.datetime.fromisoformat(row["at"].replace("Z", "+00:00"))
    assert int(server_jobs(lab, folder)[job][4]) >= int((at + dt.timedelta(minutes=30)).timestamp())
    ok(lab.faxcampaign("cancel", "campaign.yaml", "--via", VIA, cwd=folder))

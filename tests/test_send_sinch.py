"""`send`/`sync --via sinch://PROJECT_ID` against a local stand-in for Sinch's Fax API v3 that answers as
Sinch's own OpenAPI document says and validates every request against it (tests/sinch_double.py), and
Sinch's webhooks into a real `faxcampaign serve` on loopback."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import Served, zone_at_noon
from sinch_double import SinchDouble

KEY = {"FAXCAMPAIGN_SINCH_KEY_ID": "key-id", "FAXCAMPAIGN_SINCH_KEY_SECRET": "key-secret"}
VIA = "sinch://proj-1"
OFFICES = {"court": "+77212420220", "president": "+77172745631"}


@pytest.fixture
def sinch() -> Iterator[SinchDouble]:
    double = SinchDouble()
    try:
        yield double
    finally:
        double.stop()
        assert double.violations == []  # every request the backend sent was one the document allows


def campaign(folder: Path, offices: dict[str, str] = OFFICES) -> Path:
    # two pages, so that a partial send can be told from a whole one
    (folder / "letter.md.j2").write_text("We protest at the trial in Karaganda.\n\n" + "\n\n".join(
        f"Paragraph {i}: the workers' representatives must be released." for i in range(60)) + "\n",
        encoding="utf-8")
    path = folder / "campaign.yaml"
    zone = zone_at_noon(dt.datetime.now(dt.timezone.utc))
    listed = "".join(f"  - {{id: {o}, name: {o.title()} office, fax: '{n}'}}\n" for o, n in offices.items())
    path.write_text(f"""\
title: Cloud test
reference: CLOUD-1
letter: letter.md.j2
sender: {{name: Campaign Office, email: office@example.org}}
defaults: {{timezone: {zone}, hours: "Mo-Su 06:00-20:00", manual: false}}
recipients:
{listed}""", encoding="utf-8")
    return path


def env(sinch: SinchDouble, **more: str) -> dict[str, str]:
    return {**KEY, "FAXCAMPAIGN_SINCH_URL": sinch.url, **more}


def history(cli: Any, path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(cli("history", str(path)).stdout)))


def pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def only_fax(sinch: SinchDouble, number: str) -> dict[str, Any]:
    (fax,) = [f for f in sinch.faxes.values() if f["to"] == number]
    return fax


def test_a_fax_is_queued_then_its_completion_polled(backend: str, sinch: SinchDouble, tmp_path: Path,
                                                    cli: Any) -> None:
    path = campaign(tmp_path, {"court": OFFICES["court"]})
    sent = cli("send", str(path), "--via", VIA, env=env(sinch))
    line = sent.stdout.splitlines()[0]
    assert line.startswith("court: queued to +77212420220 from ") and ": submitted" in line
    fax = only_fax(sinch, OFFICES["court"])
    label = fax["labels"]["faxcampaign"]
    assert label.startswith("fc-") and f"job {label}" in line
    assert fax["resolution"] == "FINE" and 0 <= fax["maxRetries"] <= 2 and fax["retryDelaySeconds"] == 300
    total = pages(sinch.sent_files[fax["id"]])
    assert total > 1 and fax["numberOfPages"] == total
    assert "callbackUrl" not in fax  # no serve to receive webhooks: sync polls
    assert history(cli, path) == []
    status = json.loads(cli("status", str(path), "--format", "json").stdout)
    (court,) = [o for o in status["offices"] if o["id"] == "court"]
    assert [(j["backend"], j["job"]) for j in court["in_flight"]] == [(VIA, label)]

    refused = cli("cancel", str(path), "--via", VIA, env=env(sinch), code=1)  # the API has no way to stop it
    assert "cannot stop a fax it has queued" in refused.stderr
    sinch.progress(fax["id"])
    still = cli("sync", str(path), "--via", VIA, "--no-requeue", env=env(sinch))
    assert still.stdout == "" and history(cli, path) == []
    sinch.finish(fax["id"])
    done = cli("sync", str(path), "--via", VIA, env=env(sinch))
    assert f"court: job {label} delivered ({total} of {total} pages)" in done.stdout
    assert "court: every letter has been delivered" in done.stdout
    (row,) = history(cli, path)
    assert (row["outcome"], row["source"], row["provider_job"], row["pages"], row["pages_total"]) == (
        "delivered", "sinch", fax["id"], str(total), str(total))
    assert row["completed_at"].endswith("Z") and row["remote_id"] == ""  # Sinch reports no station id
    assert len(sinch.faxes) == 1
    assert [m for m, p in sinch.requests if "/faxes/" in p] == ["GET", "GET"]  # polled by its id
    # log-copy carries the proof
    source = os.environ.get("FAXCAMPAIGN_LOG") or str(tmp_path / "campaign.log.sqlite")
    copy = tmp_path / "copy.sqlite"
    cli("log-copy", str(path), source, str(copy))
    copied = list(csv.DictReader(io.StringIO(cli("history", str(path), "--log", str(copy)).stdout)))
    assert copied == [row]


@pytest.mark.parametrize("kind, code, sent, outcome", [
    ("CALL_ERROR", 17, 0, "busy"),
    ("CALL_ERROR", 16, 0, "no-answer"),
    ("CALL_ERROR", 34, 0, "wrong-number"),
    ("CALL_ERROR", 15, 0, "line-error"),
    ("FAX_ERROR", 132, 0, "not-fax"),
    ("FAX_ERROR", 131, 1, "partial"),
    ("FAX_ERROR", 63, 0, "failed"),
    ("DOCUMENT_CONVERSION_ERROR", 4, 0, "line-error"),
    ("GENERAL_ERROR", None, 0, "failed"),
])
def test_each_failure_type_is_recorded_as_its_outcome(kind: str, code: int | None, sent: int, outcome: str,
                                                      sinch: SinchDouble, tmp_path: Path, cli: Any) -> None:
    path = campaign(tmp_path, {"court": OFFICES["court"]})
    sinch.script[OFFICES["court"]] = [("failure", kind, code, sent)]
    cli("send", str(path), "--via", VIA, env=env(sinch))
    fax = only_fax(sinch, OFFICES["court"])
    sinch.finish(fax["id"])
    cli("sync", str(path), "--via", VIA, "--no-requeue", env=env(sinch))
    (row,) = history(cli, path)
    assert row["outcome"] == outcome and row["pages"] == str(sent)
    assert row["pages_total"] == str(pages(sinch.sent_files[fax["id"]]))
    assert row["error_code"] == (f"{kind}/{code}" if code else kind)


@pytest.mark.parametrize("status, headers, message", [
    (429, {"Retry-After": "7"}, "429"),
    (500, {}, "500"),
    (503, {}, "503"),
])
def test_rate_limits_and_server_errors_record_nothing_as_sent(status: int, headers: dict[str, str], message: str,
                                                              sinch: SinchDouble, tmp_path: Path, cli: Any) -> None:
    path = campaign(tmp_path, {"court": OFFICES["court"]})
    sinch.script[OFFICES["court"]] = [("http", status, headers)]
    failed = cli("send", str(path), "--via", VIA, env=env(sinch), code=1)
    assert message in failed.stderr and "nothing was sent" in failed.stderr
    assert ("in 7 s" in failed.stderr) == (status == 429)
    assert history(cli, path) == [] and sinch.faxes == {}
    status_doc = json.loads(cli("status", str(path), "--format", "json").stdout)
    assert all(o["in_flight"] == [] for o in status_doc["offices"])
    again = cli("send", str(path), "--via", VIA, env=env(sinch))  # the next run tries again
    assert ": submitted" in again.stdout and len(sinch.faxes) == 1


def test_bad_credentials_and_no_credit_are_clear_errors(sinch: SinchDouble, tmp_path: Path, cli: Any) -> None:
    path = campaign(tmp_path, {"court": OFFICES["court"]})
    wrong = cli("send", str(path), "--via", VIA, env=env(sinch, FAXCAMPAIGN_SINCH_KEY_SECRET="not-the-secret"),
                code=1)
    assert "access key was refused (401)" in wrong.stderr and "not-the-secret" not in wrong.output
    missing = cli("send", str(path), "--via", VIA, env={"FAXCAMPAIGN_SINCH_KEY_ID": None,  # type: ignore[dict-item]
                                                        "FAXCAMPAIGN_SINCH_URL": sinch.url}, code=1)
    assert "FAXCAMPAIGN_SINCH_KEY_ID" in missing.stderr
    sinch.script[OFFICES["court"]] = [("http", 402, {})]
    broke = cli("send", str(path), "--via", VIA, env=env(sinch), code=1)
    assert "out of credit (402)" in broke.stderr and "key-secret" not in broke.output
    unreachable = cli("send", str(path), "--via", VIA, env={**KEY, "FAXCAMPAIGN_SINCH_URL": "http://127.0.0.1:9"},
                      code=1)
    assert "Sinch Fax API" in unreachable.stderr and "Traceback" not in unreachable.output
    assert history(cli, path) == [] and sinch.faxes == {}


def test_a_send_killed_between_the_answer_and_the_log_never_faxes_twice(sinch: SinchDouble, tmp_path: Path,
                                                                        cli: Any) -> None:
    path = campaign(tmp_path, {"court": OFFICES["court"]})
    sinch.script[OFFICES["court"]] = [("slow", 30)]  # the fax is created at once, the answer is slow
    process = subprocess.Popen([sys.executable, "-m", "faxcampaign", "send", str(path), "--via", VIA],
                               env={**os.environ, **env(sinch)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(300):
        if sinch.faxes:
            break
        time.sleep(0.05)
    assert sinch.faxes, process.communicate(timeout=5)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    fax = only_fax(sinch, OFFICES["court"])

    # the next run finds the job it recorded before sending, by its label, and completes the record
    again = cli("send", str(path), "--via", VIA, env=env(sinch))
    assert "is still queued" in again.stdout and len(sinch.faxes) == 1
    cli("sync", str(path), "--via", VIA, "--no-requeue", env=env(sinch))
    status = json.loads(cli("status", str(path), "--format", "json").stdout)
    (court,) = [o for o in status["offices"] if o["id"] == "court"]
    assert [j["job"] for j in court["in_flight"]] == [fax["labels"]["faxcampaign"]]
    sinch.finish(fax["id"])
    done = cli("sync", str(path), "--via", VIA, env=env(sinch))
    assert "delivered" in done.stdout and "every letter has been delivered" in done.stdout
    (row,) = history(cli, path)
    assert row["provider_job"] == fax["id"] and len(sinch.faxes) == 1
    assert any(m == "GET" and "faxcampaign=" in p for m, p in sinch.requests)  # found by listing with the label


def test_a_slow_answer_still_completes(sinch: SinchDouble, tmp_path: Path, cli: Any) -> None:
    path = campaign(tmp_path, {"court": OFFICES["court"]})
    sinch.script[OFFICES["court"]] = [("slow", 2)]
    sent = cli("send", str(path), "--via", VIA, env=env(sinch))
    assert ": submitted" in sent.stdout and len(sinch.faxes) == 1


def test_offices_sharing_a_number_are_never_dialled_at_once(sinch: SinchDouble, tmp_path: Path, cli: Any) -> None:
    path = campaign(tmp_path, {"court": OFFICES["court"], "registry": OFFICES["court"]})
    sent = cli("send", str(path), "--via", VIA, env=env(sinch))
    assert len(sinch.faxes) == 1
    assert "registry: left out: +77212420220 has a fax in flight for court" in sent.stdout
    again = cli("send", str(path), "--via", VIA, env=env(sinch))
    assert "registry: left out: +77212420220 has a fax in flight for court" in again.stdout
    sinch.finish(only_fax(sinch, OFFICES["court"])["id"])
    cli("sync", str(path), "--via", VIA, env=env(sinch))
    assert len(sinch.faxes) == 2  # the registry's letter, once the court's fax had ended


def test_webhooks_into_serve_count_once_whatever_their_order(backend: str, sinch: SinchDouble, tmp_path: Path,
                                                             cli: Any) -> None:
    path = campaign(tmp_path)
    secret = "hook-secret-123"
    server_env = {**os.environ, **env(sinch), "FAXCAMPAIGN_SINCH_WEBHOOK_SECRET": secret}
    served = Served(path, server_env).start()
    try:
        hooked = {**env(sinch), "FAXCAMPAIGN_SINCH_WEBHOOK_SECRET": secret, "FAXCAMPAIGN_BASE_URL": served.url}
        sinch.script[OFFICES["president"]] = [("failure", "CALL_ERROR", 17, 0)]
        cli("send", str(path), "--via", VIA, env=hooked)
        court, president = only_fax(sinch, OFFICES["court"]), only_fax(sinch, OFFICES["president"])
        assert court["callbackUrl"] == f"http://sinch:{secret}@127.0.0.1:{served.port}/hooks/sinch/cloud-1"

        done = sinch.finish(court["id"])
        assert sinch.webhook(done) == (200, {"recorded": True, "job": court["labels"]["faxcampaign"],
                                             "outcome": "delivered", "reason": "recorded"})
        assert sinch.webhook(done)[1]["recorded"] is False  # a duplicate
        stale = {**done, "status": "IN_PROGRESS"}
        stale.pop("completedTime")
        assert sinch.webhook(stale)[1]["recorded"] is False  # late and out of order: nothing changes
        failed = sinch.finish(president["id"])
        late_success = {**failed, "status": "COMPLETED", "errorType": None, "errorCode": None}
        late_success = {k: v for k, v in late_success.items() if v is not None}
        assert sinch.webhook(failed)[1]["outcome"] == "busy"
        assert sinch.webhook(late_success)[1]["recorded"] is False  # the first result stands

        wrong = done["callbackUrl"].replace(secret, "guess")
        assert sinch.webhook(done, url=f"http://sinch:guess@127.0.0.1:{served.port}/hooks/sinch/cloud-1")[0] == 401
        assert "guess" in wrong
        assert sinch.webhook(done, url=f"http://127.0.0.1:{served.port}/hooks/sinch/cloud-1")[0] == 401
        assert sinch.webhook(done, url=f"http://sinch:{secret}@127.0.0.1:{served.port}/hooks/sinch/other")[0] == 404

        cli("sync", str(path), "--via", VIA, "--no-requeue", env=hooked)  # the poll agrees: nothing new
        rows = history(cli, path)
        assert sorted((r["recipient"], r["outcome"]) for r in rows) == [("court", "delivered"),
                                                                        ("president", "busy")]
        assert secret not in served.output.read_text(errors="replace")
    finally:
        served.stop()


def test_a_webhook_as_multipart_form_is_read_too(sinch: SinchDouble, tmp_path: Path, cli: Any) -> None:
    import base64
    import urllib.request

    path = campaign(tmp_path, {"court": OFFICES["court"]})
    secret = "hook-secret-456"
    served = Served(path, {**os.environ, **env(sinch), "FAXCAMPAIGN_SINCH_WEBHOOK_SECRET": secret}).start()
    try:
        cli("send", str(path), "--via", VIA, env={**env(sinch), "FAXCAMPAIGN_SINCH_WEBHOOK_SECRET": secret,
                                                 "FAXCAMPAIGN_BASE_URL": served.url})
        fax = sinch.finish(only_fax(sinch, OFFICES["court"])["id"])
        boundary = "xYzBoundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"event\"\r\n\r\nFAX_COMPLETED\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"fax\"\r\nContent-Type: application/json\r\n"
                f"\r\n{json.dumps(fax)}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"fax.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 (pages)\r\n--{boundary}--\r\n")
        request = urllib.request.Request(f"{served.url}/hooks/sinch/cloud-1", data=body.encode(), method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                                  "Authorization": "Basic " + base64.b64encode(
                                                      f"sinch:{secret}".encode()).decode()})
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert json.loads(answer.read())["recorded"] is True
        assert [r["outcome"] for r in history(cli, path)] == ["delivered"]
    finally:
        served.stop()

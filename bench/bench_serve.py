"""`faxcampaign serve` under load, as volunteers meet it: real HTTP requests from a load generator in its
own process (pinned to one core; the server to the other), beside a baseline in the same run.

- Latency: 50 volunteers each record an outcome every 2 s (25 requests a second) for --seconds; the p50
  and p95 of recording an outcome (goal: p95 under 100 ms), on SQLite and on PostgreSQL.
- Throughput: as many recordings a second as one server takes from 32 connections (each taking turns over ten
  volunteers' links, every link kept under the server's limit of requests a minute), beside the same POST
  to a minimal Starlette app that does one INSERT into the same kind of database (goal: at least half).
- The volunteer's page: bytes of its first load (HTML, CSS, script) and the time to first paint in
  headless Chromium on loopback (goals: under 100 KB and 300 ms).

Several runs of each; min and median printed.

    python bench/bench_serve.py [--seconds 60] [--runs 3] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
from conftest import ALWAYS_OPEN, LETTER, Served, free_port  # noqa: E402

CORES = os.cpu_count() or 1
PACED, VOLUNTEERS = 50, 320  # the volunteers of the latency run; the links the throughput run takes turns over
SERVER_CORE, LOAD_CORE = "0", str(min(1, CORES - 1))

BASELINE = '''
import json, os, sqlite3, sys, uuid
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
import uvicorn

where = sys.argv[1]
if where.startswith("postgresql"):
    import psycopg
    db = psycopg.connect(where, autocommit=True)
    db.execute("CREATE TABLE IF NOT EXISTS baseline (id BIGSERIAL PRIMARY KEY, body TEXT, key TEXT UNIQUE)")
    insert = "INSERT INTO baseline (body, key) VALUES (%s, %s)"
else:
    db = sqlite3.connect(where, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS baseline (id INTEGER PRIMARY KEY, body TEXT, key TEXT UNIQUE)")
    insert = "INSERT INTO baseline (body, key) VALUES (?, ?)"

async def record(request: Request) -> JSONResponse:
    body = await request.body()
    db.execute(insert, (body.decode(), uuid.uuid4().hex))
    return JSONResponse(json.loads(body), status_code=201)

uvicorn.run(Starlette(routes=[Route("/api/v1/attempts", record, methods=["POST"])]), host="127.0.0.1",
            port=int(sys.argv[2]), log_level="warning", access_log=False)
'''

LOAD = r'''
import asyncio, json, sys, time

host, port, mode, seconds, tokens = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), sys.argv[5:]
CONNECTIONS = 32

def request(token: str, i: int) -> bytes:
    body = json.dumps({"recipient": "court" if i % 2 else "president", "outcome": "busy",
                       "key": f"{token[:8]}-{i}-{time.time_ns()}"}).encode()
    return (f"POST /api/v1/attempts HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body

async def call(reader, writer, data: bytes) -> int:
    writer.write(data)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length"))
    await reader.readexactly(length)
    return status

def volunteer(k: int):
    """Each volunteer's connection from an address of its own on loopback, as volunteers come from their own
    networks (the server's limit per address is not what is measured)."""
    return asyncio.open_connection(host, port, local_addr=(f"127.0.{1 + k // 250}.{2 + k % 250}", 0))

async def paced(k: int, token: str, end: float, latencies: list, errors: list, delay: float) -> None:
    reader, writer = await volunteer(k)
    await asyncio.sleep(delay)  # the volunteers tap at their own moments, not all at once
    i = 0
    while time.perf_counter() < end:
        start = time.perf_counter()
        status = await call(reader, writer, request(token, i))
        latencies.append(time.perf_counter() - start)
        if status != 201:
            errors.append(status)
        i += 1
        await asyncio.sleep(max(0.0, 2.0 - (time.perf_counter() - start)))
    writer.close()

async def flat_out(k: int, links: list, end: float, done: list, errors: list) -> None:
    reader, writer = await volunteer(k)
    i = 0
    while time.perf_counter() < end:
        status = await call(reader, writer, request(links[i % len(links)], i))
        if status != 201:
            errors.append(status)
        done.append(1)
        i += 1
    writer.close()

async def main() -> None:
    results: list = []
    errors: list = []
    start = time.perf_counter()
    end = start + seconds
    if mode == "latency":
        await asyncio.gather(*(paced(i, t, end, results, errors, 2.0 * i / len(tokens))
                               for i, t in enumerate(tokens)))
        print(json.dumps({"latencies": results, "errors": len(errors), "statuses": sorted(set(errors))}))
    else:
        await asyncio.gather(*(flat_out(k, tokens[k::CONNECTIONS], end, results, errors)
                               for k in range(min(CONNECTIONS, len(tokens)))))
        print(json.dumps({"rate": len(results) / (time.perf_counter() - start), "errors": len(errors),
                          "statuses": sorted(set(errors))}))

asyncio.run(main())
'''


def pinned(core: str, command: list[str]) -> list[str]:
    return ["taskset", "-c", core, *command] if shutil.which("taskset") and CORES > 1 else command


def load(port: int, mode: str, seconds: float, tokens: list[str]) -> dict[str, Any]:
    out = subprocess.run(pinned(LOAD_CORE, [sys.executable, "-c", LOAD, "127.0.0.1", str(port), mode, str(seconds),
                                            *tokens]), capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


def wait_port(port: int) -> None:
    for _ in range(200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def campaign_in(folder: Path) -> Path:
    campaign = folder / "campaign.yaml"
    campaign.write_text(ALWAYS_OPEN, encoding="utf-8")
    (folder / "letter.md.j2").write_text(LETTER, encoding="utf-8")
    rows = "".join(f"Volunteer {i},,Europe/London,GB,Mo-Su 00:00-24:00\n" for i in range(VOLUNTEERS))
    (folder / "team.csv").write_text("name,email,timezone,country,available\n" + rows, encoding="utf-8")
    return campaign


class PinnedServed(Served):
    def start(self) -> PinnedServed:
        handle = open(self.output, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(pinned(SERVER_CORE, [sys.executable, "-m", "faxcampaign", "serve",
                                                             str(self.campaign), "--port", str(self.port),
                                                             "--base-url", self.url]),
                                        env=self.env, stdout=handle, stderr=handle)
        wait_port(self.port)
        return self


def backend_run(name: str, folder: Path, env: dict[str, str], log_where: str, args: argparse.Namespace) -> None:
    campaign = campaign_in(folder)
    server = PinnedServed(campaign, env).start()
    tokens = [m["token"] for m in server.invite("--volunteers", str(folder / "team.csv"))]
    baseline_port = free_port()
    baseline = subprocess.Popen(pinned(SERVER_CORE, [sys.executable, "-c", BASELINE, log_where + (
        "" if log_where.startswith("postgresql") else ".baseline"), str(baseline_port)]), env=env)
    wait_port(baseline_port)
    try:
        p50s, p95s, ours, floor = [], [], [], []
        for _ in range(args.runs):
            measured = load(server.port, "latency", args.seconds, tokens[:PACED])
            assert measured["errors"] == 0, measured
            p50s.append(percentile(measured["latencies"], 0.5) * 1000)
            p95s.append(percentile(measured["latencies"], 0.95) * 1000)
            for port, into in ((server.port, ours), (baseline_port, floor)):
                rate = load(port, "throughput", args.burst, tokens)
                assert rate["errors"] == 0, rate
                into.append(rate["rate"])
        print(f"{name}: recording an outcome, 50 volunteers every 2 s for {args.seconds:g} s "
              f"(server on core {SERVER_CORE}, load generator on core {LOAD_CORE}, of {CORES})")
        print(f"  p50 min {min(p50s):.1f} ms, median {statistics.median(p50s):.1f} ms; "
              f"p95 min {min(p95s):.1f} ms, median {statistics.median(p95s):.1f} ms (goal: p95 under 100 ms)")
        ratio = statistics.median(ours) / statistics.median(floor)
        print(f"  throughput: serve min {min(ours):.0f}/s, median {statistics.median(ours):.0f}/s; baseline "
              f"(Starlette + one INSERT) min {min(floor):.0f}/s, median {statistics.median(floor):.0f}/s; "
              f"ratio {ratio:.2f} (goal: at least 0.5)")
    finally:
        server.stop()
        baseline.terminate()
        baseline.wait()


def page(folder: Path, args: argparse.Namespace) -> None:
    """The first load of a volunteer's page in headless Chromium: bytes and time to first paint."""
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        print("page: skipped (no chromium and chromedriver)")
        return
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    campaign = campaign_in(folder)
    server = PinnedServed(campaign, dict(os.environ)).start()
    links = server.invite("--volunteers", str(folder / "team.csv"))
    import urllib.request

    request = urllib.request.Request(server.url + "/", headers={"Authorization": f"Bearer {links[-1]['token']}"})
    urllib.request.urlopen(request).read()  # a running server has served a page before
    paints, sizes = [], []
    try:
        for i in range(args.runs):
            options = webdriver.ChromeOptions()
            options.binary_location = chromium
            for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--no-first-run", "--disable-component-update", "--disable-sync",
                         f"--user-data-dir={folder / f'profile-{i}'}"):
                options.add_argument(flag)
            driver = webdriver.Chrome(service=Service(driver_path), options=options)
            try:
                driver.set_window_size(390, 844)
                driver.get("about:blank")  # a phone's browser is running before the link is tapped
                driver.get(links[i % len(links)]["url"])
                paint = None
                for _ in range(100):  # the paint entry is recorded a moment after the page is shown
                    paint = driver.execute_script(
                        "const p = performance.getEntriesByType('paint').find(e => e.name === "
                        "'first-contentful-paint'); const n = performance.getEntriesByType('navigation')[0];"
                        "return p && n ? p.startTime - n.startTime : null;")
                    if paint is not None:
                        break
                    time.sleep(0.05)
                if paint is None:
                    raise RuntimeError("Chromium recorded no first contentful paint for the volunteer's page")
                size = driver.execute_script(
                    "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType("
                    "'resource')).reduce((s, e) => s + (e.transferSize || e.encodedBodySize || 0), 0);")
                paints.append(float(paint))
                sizes.append(int(size))
            finally:
                driver.quit()
    finally:
        server.stop()
    print(f"page: first load {max(sizes) / 1024:.1f} KB transferred at most (goal: under 100 KB); first "
          f"contentful paint after the page's own request min {min(paints):.0f} ms, median "
          f"{statistics.median(paints):.0f} ms (goal: under 300 ms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--burst", type=float, default=10, help="seconds of each throughput run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a smoke run: short and once")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.burst, args.runs = 3, 2, 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "sqlite").mkdir()
        backend_run("SQLite", folder / "sqlite", {k: v for k, v in os.environ.items() if k != "FAXCAMPAIGN_LOG"},
                    str(folder / "sqlite" / "campaign.log.sqlite"), args)
        from pg import Server, binaries

        if binaries() is not None:
            pg_folder = Path(tempfile.mkdtemp(prefix="faxcampaign-pg-"))
            pg = Server(pg_folder)
            try:
                url = pg.new_database()
                (folder / "pg").mkdir()
                backend_run("PostgreSQL", folder / "pg", {**os.environ, "FAXCAMPAIGN_LOG": url}, url, args)
            finally:
                pg.stop("immediate")
                shutil.rmtree(pg_folder, ignore_errors=True)
        else:
            print("PostgreSQL: skipped (no server binaries)")
        (folder / "page").mkdir()
        page(folder / "page", args)


if __name__ == "__main__":
    main()

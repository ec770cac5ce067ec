"""`faxcampaign serve` for real: uvicorn on a loopback port, the real log (SQLite and PostgreSQL), links
made by `invite`, requests over HTTP; what is recorded is read back with `history` and `status`."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import httpx
import pytest

from conftest import Served

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def command(served: Served, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "faxcampaign", *args], env=served.env, capture_output=True,
                          text=True)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_invite_open_record_and_read_back(served: Served) -> None:
    ann, ben = served.invite("--volunteers", str(served.campaign.parent / "volunteers.csv"))
    (olga,) = served.invite("--organiser", "Olga Petrova", "--tz", "Europe/Berlin")
    assert (ann["name"], ann["role"], ben["name"], olga["role"]) == ("Ann Smith", "volunteer", "Ben Jones", "organiser")
    assert ann["url"] == f"{served.url}/v/{ann['token']}" and len(ann["token"]) >= 32  # 192 random bits

    with httpx.Client(base_url=served.url) as web:
        opened = web.get(f"/v/{ann['token']}")
        assert opened.status_code == 303 and opened.headers["location"] == "/"  # the token leaves the address bar
        cookie = opened.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # plain http here
        page = web.get("/")
        assert page.status_code == 200 and "Calls for Ann Smith" in page.text
        assert "ben@example.org" not in page.text and "ann@example.org" not in page.text
        assert web.get("/api/v1/me").json() == {"name": "Ann Smith", "role": "volunteer",
                                                "timezone": "Europe/London", "dial_from": "GB"}

    api = httpx.Client(base_url=served.url + "/api/v1", headers=bearer(ann["token"]))
    calls = api.get("/calls").json()
    assert calls["timezone"] == "Europe/London" and calls["dial_from"] == "GB"
    court = next(c for c in calls["calls"] if c["recipient"] == "court")
    assert court["numbers"] == [{"number": "+77212420220", "dial": "00 7 7212 42 02 20", "suspect": None}]
    assert court["letter_url"] == "/letters/court.pdf" and "prinyat fax" in court["script"]

    body = {"recipient": "court", "outcome": "busy", "by": "Mallory", "note": "engaged", "key": "tap-1"}
    first = api.post("/attempts", json=body)
    assert first.status_code == 201, first.text
    entry = first.json()
    assert (entry["by"], entry["outcome"], entry["source"], entry["number"]) == ("Ann Smith", "busy", "web",
                                                                                  "+77212420220")
    again = api.post("/attempts", json=body)
    assert again.status_code == 200 and again.json() == entry  # the same key and body: recorded once
    other = api.post("/attempts", json={**body, "outcome": "delivered"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "conflict"
    delivered = api.post("/attempts", json={"recipient": "president", "outcome": "delivered", "pages": 2}).json()

    history = json.loads(command(served, "history", str(served.campaign), "--format", "json").stdout)
    assert [(h["entry"], h["recipient"], h["outcome"], h["by"]) for h in history] == [
        (entry["entry"], "court", "busy", "Ann Smith"), (delivered["entry"], "president", "delivered", "Ann Smith")]
    assert history[0] == entry  # the API answers with the entry as history shows it

    # Ben sees Ann's outcomes on the offices, and may not undo them; Ann may
    ben_api = httpx.Client(base_url=served.url + "/api/v1", headers=bearer(ben["token"]))
    seen = {c["recipient"]: c for c in ben_api.get("/calls").json()["calls"]}
    assert seen["president"]["delivered_today"] == 1
    assert [e["entry"] for e in seen["court"]["today"]] == [entry["entry"]]
    assert ben_api.post(f"/attempts/{entry['entry']}/void").status_code == 403
    undone = api.post(f"/attempts/{entry['entry']}/void", json={"note": "wrong office"})
    assert undone.status_code == 200 and undone.json()["voided_by"] is not None
    assert api.post(f"/attempts/{entry['entry']}/void").status_code == 409

    assert api.get("/status").status_code == 403
    organiser = httpx.Client(base_url=served.url + "/api/v1", headers=bearer(olga["token"]))
    status = organiser.get("/status", params={"tz": "Europe/London"}).json()
    cli_status = json.loads(command(served, "status", str(served.campaign), "--tz", "Europe/London", "--format",
                                    "json").stdout)
    assert {**status, "now": None} == {**cli_status, "now": None}
    assert status["totals"]["reached"] == 1

    listed = command(served, "invite", str(served.campaign), "--list").stdout.splitlines()
    assert listed[0].startswith("Ann Smith\tvolunteer\tactive\tlast used ")
    assert listed[1] == "Ben Jones\tvolunteer\tactive\tlast used " + listed[1].split("last used ")[1]
    # inviting again replaces the link; revoking ends it at once
    (new_ann,) = served.invite("--volunteers", str(served.campaign.parent / "volunteers.csv"), "--volunteer",
                               "Ann Smith")
    assert api.get("/me").status_code == 401
    assert httpx.get(served.url + "/api/v1/me", headers=bearer(new_ann["token"])).status_code == 200
    assert command(served, "invite", str(served.campaign), "--revoke", "Ann Smith").returncode == 0
    refused = httpx.get(served.url + "/api/v1/me", headers=bearer(new_ann["token"]))
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]["message"]
    log = served.output.read_text(errors="replace")
    assert all(t not in log for t in (ann["token"], ben["token"], olga["token"], new_ann["token"]))


@SQLITE_ONLY
def test_nothing_without_a_valid_link(served: Served) -> None:
    (ann,) = served.invite("--volunteers", str(served.campaign.parent / "volunteers.csv"), "--volunteer", "Ann Smith")
    paths = ["/", "/api/v1/me", "/api/v1/calls", "/api/v1/status", "/api/v1/links", "/letters/court.pdf",
             "/export.csv", "/api/v1/attempts"]
    for token in (None, "made-up-token", ann["token"][:-1] + ("A" if ann["token"][-1] != "A" else "B")):
        for path in paths:
            answer = httpx.get(served.url + path, headers=bearer(token) if token else {})
            assert answer.status_code == 401, (path, answer.text)
            assert answer.headers["content-type"] == "application/json"
            assert answer.json()["error"]["code"] == "unauthorised"
        posted = httpx.post(served.url + "/api/v1/attempts", json={"recipient": "court", "outcome": "busy"},
                            headers=bearer(token) if token else {})
        assert posted.status_code == 401
    assert httpx.get(served.url + "/v/made-up-token").status_code == 401
    assert httpx.get(served.url + "/no/such/page").json()["error"]["code"] == "not_found"
    history = json.loads(command(served, "history", str(served.campaign), "--format", "json").stdout)
    assert history == []


@SQLITE_ONLY
def test_attacks_are_refused(served: Served) -> None:
    ann, ben = served.invite("--volunteers", str(served.campaign.parent / "volunteers.csv"))
    (olga,) = served.invite("--organiser", "Olga")
    web = httpx.Client(base_url=served.url)
    web.get(f"/v/{ann['token']}")
    page = web.get("/").text
    csrf = page.split('name="csrf" content="')[1].split('"')[0]
    form = {"csrf": csrf, "recipient": "court", "outcome": "busy", "number": "+77212420220"}
    # a cross-origin form post (the cookie rides along) and one with no token
    evil = web.post("/attempts", data=form, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403 and evil.json()["error"]["code"] == "bad_origin"
    no_origin = web.post("/attempts", data=form)
    assert no_origin.status_code == 403
    no_csrf = web.post("/attempts", data={**form, "csrf": "x"}, headers={"Origin": served.url})
    assert no_csrf.status_code == 403 and no_csrf.json()["error"]["code"] == "bad_csrf"
    api_cross = web.post("/api/v1/attempts", json={"recipient": "court", "outcome": "busy"},
                         headers={"Origin": "https://evil.example", "X-CSRF-Token": csrf})
    assert api_cross.status_code == 403
    # without JavaScript: the page's own form post records, as the cookie's holder
    done = web.post("/attempts", data={**form, "by": "Ben Jones"}, headers={"Origin": served.url})
    assert done.status_code == 303
    # oversized bodies, declared or streamed
    big = httpx.post(served.url + "/api/v1/attempts", content=b"{" + b" " * 70_000 + b"}",
                     headers={**bearer(ann["token"]), "Content-Type": "application/json"})
    assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"

    def chunks() -> Any:
        for _ in range(80):
            yield b" " * 1024

    streamed = httpx.post(served.url + "/api/v1/attempts", content=chunks(), headers=bearer(ann["token"]))
    assert streamed.status_code == 413
    invalid = httpx.post(served.url + "/api/v1/attempts", json={"recipient": "court", "outcome": "exploded"},
                         headers=bearer(ann["token"]))
    assert invalid.status_code == 422 and "not an outcome" in invalid.json()["error"]["message"]
    future = httpx.post(served.url + "/api/v1/attempts", headers=bearer(ann["token"]),
                        json={"recipient": "court", "outcome": "busy", "at": "2099-01-01T00:00:00+00:00"})
    assert future.status_code == 422
    unknown = httpx.post(served.url + "/api/v1/attempts", json={"recipient": "nowhere", "outcome": "busy"},
                         headers=bearer(ann["token"]))
    assert unknown.status_code in (404, 422)
    # a volunteer's letter is theirs: signed by them, whoever they ask for
    letter = httpx.get(served.url + "/letters/court.pdf", headers=bearer(ben["token"]))
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=letter.content, capture_output=True, check=True).stdout
    assert b"Ben Jones" in text and b"Ann Smith" not in text
    assert httpx.get(served.url + "/letters/nowhere.pdf", headers=bearer(ben["token"])).status_code == 404
    # every answer carries a CSP without inline scripts
    csp = httpx.get(served.url + "/healthz").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    # an organiser's things are the organiser's
    assert httpx.get(served.url + "/export.csv", headers=bearer(ann["token"])).status_code == 403
    exported = httpx.get(served.url + "/export.csv", headers=bearer(olga["token"]))
    assert exported.status_code == 200 and "Ann Smith" in exported.text and "Ben Jones" not in exported.text
    # a thousand bad tokens a second from one address: refused with 429 and Retry-After, not looked up
    async def guesser(client: httpx.AsyncClient, first: int) -> list[httpx.Response]:
        return [await client.get("/api/v1/me", headers=bearer(f"guess-{i}")) for i in range(first, first + 50)]

    async def storm() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=served.url, timeout=60) as client:
            found = await asyncio.gather(*(guesser(client, i * 50) for i in range(20)))
        return [a for answers in found for a in answers]

    answers = asyncio.run(storm())
    limited = [a for a in answers if a.status_code == 429]
    assert len(limited) >= 900 and all(a.status_code in (401, 429) for a in answers)
    assert int(limited[0].headers["retry-after"]) >= 1 and limited[0].json()["error"]["code"] == "rate_limited"


@SQLITE_ONLY
def test_hostile_text_is_never_markup(served: Served) -> None:
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>"\''
    volunteers = served.campaign.parent / "hostile.csv"
    volunteers.write_text(f"name,timezone,available\n\"{hostile}\",Europe/London,Mo-Su 00:00-24:00\n",
                          encoding="utf-8")
    (mallory,) = served.invite("--volunteers", str(volunteers))
    (olga,) = served.invite("--organiser", "Olga")
    recorded = httpx.post(served.url + "/api/v1/attempts", headers=bearer(mallory["token"]),
                          json={"recipient": "court", "outcome": "busy", "note": hostile})
    assert recorded.status_code == 201
    for token in (mallory["token"], olga["token"]):
        page = httpx.get(served.url + "/", headers=bearer(token)).text
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_two_hundred_volunteers_at_once(served: Served) -> None:
    """200 volunteers record 20 outcomes each at the same time: exactly 4,000 rows, through the pool."""
    rows = "".join(f"Volunteer {i},,Europe/London,GB,Mo-Su 00:00-24:00\n" for i in range(200))
    team = served.campaign.parent / "team.csv"
    team.write_text("name,email,timezone,country,available\n" + rows, encoding="utf-8")
    links = served.invite("--volunteers", str(team))

    async def volunteer(client: httpx.AsyncClient, token: str) -> list[int]:
        codes = []
        for i in range(20):
            answer = await client.post("/api/v1/attempts", headers=bearer(token),
                                       json={"recipient": "court" if i % 2 else "president", "outcome": "busy",
                                             "key": f"tap-{i}"})
            codes.append(answer.status_code)
        return codes

    async def everyone() -> list[list[int]]:
        # each volunteer's phone keeps its own connection
        clients = [httpx.AsyncClient(base_url=served.url, timeout=60) for _ in links]
        try:
            return await asyncio.gather(*(volunteer(c, link["token"]) for c, link in zip(clients, links, strict=True)))
        finally:
            for c in clients:
                await c.aclose()

    codes = [c for person in asyncio.run(everyone()) for c in person]
    assert codes == [201] * 4000
    history = json.loads(command(served, "history", str(served.campaign), "--format", "json").stdout)
    assert len(history) == 4000
    assert len({h["by"] for h in history}) == 200


@SQLITE_ONLY
def test_the_api_fuzzed_from_its_own_document(served: Served) -> None:
    """schemathesis generates requests from /api/v1/openapi.json (a bounded number, so CI stays short):
    no answer is a 5xx, every answer is JSON, and the document itself is valid OpenAPI."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    (ann,) = served.invite("--volunteers", str(served.campaign.parent / "volunteers.csv"), "--volunteer",
                           "Ann Smith")
    (olga,) = served.invite("--organiser", "Olga")
    from openapi_spec_validator import validate

    document = httpx.get(served.url + "/api/v1/openapi.json").json()
    validate(document)
    schema = schemathesis.openapi.from_dict(document)
    seen: list[int] = []

    def fuzz(operation: Any, token: str) -> None:
        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            response = case.call(base_url=served.url + "/api/v1", headers=bearer(token))
            seen.append(response.status_code)
            assert response.status_code < 500, (case.method, case.path, response.text)
            assert response.headers["content-type"][0].startswith("application/json")  # schemathesis: a list

        check()

    for operation in schema.get_all_operations():
        for token in (ann["token"], olga["token"]):
            fuzz(operation.ok(), token)
    assert len(seen) > 100 and {200, 403, 422}.issubset(seen), sorted(set(seen))


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_servers_on_one_database(served: Served) -> None:
    """Behind a load balancer: what one process records, the other shows; a revoked link fails on both."""
    other = Served(served.campaign, served.env).start()
    try:
        ann, ben = served.invite("--volunteers", str(served.campaign.parent / "volunteers.csv"))
        recorded = httpx.post(served.url + "/api/v1/attempts", headers=bearer(ann["token"]),
                              json={"recipient": "president", "outcome": "delivered", "key": "one"})
        assert recorded.status_code == 201
        again = httpx.post(other.url + "/api/v1/attempts", headers=bearer(ann["token"]),
                           json={"recipient": "president", "outcome": "delivered", "key": "one"})
        assert again.status_code == 200 and again.json() == recorded.json()  # the key holds across processes
        seen = {c["recipient"]: c for c in httpx.get(other.url + "/api/v1/calls",
                                                    headers=bearer(ben["token"])).json()["calls"]}
        assert seen["president"]["delivered_today"] == 1
        assert command(served, "invite", str(served.campaign), "--revoke", "Ann Smith").returncode == 0
        for server in (served, other):
            assert httpx.get(server.url + "/api/v1/me", headers=bearer(ann["token"])).status_code == 401
    finally:
        other.stop()


@SQLITE_ONLY
def test_log_copy_carries_the_links_and_keys(served: Served, postgres: Any) -> None:
    """The team moves from the laptop's SQLite log to PostgreSQL: the links and request keys go too."""
    (ann,) = served.invite("--volunteers", str(served.campaign.parent / "volunteers.csv"), "--volunteer",
                           "Ann Smith")
    body = {"recipient": "court", "outcome": "busy", "key": "before-the-move"}
    first = httpx.post(served.url + "/api/v1/attempts", headers=bearer(ann["token"]), json=body).json()
    served.stop()
    url = postgres.new_database()
    copied = command(served, "log-copy", str(served.campaign), str(served.campaign.with_suffix(".log.sqlite")), url)
    assert copied.returncode == 0, copied.stderr
    moved = Served(served.campaign, {**served.env, "FAXCAMPAIGN_LOG": url}).start()
    try:
        assert httpx.get(moved.url + "/api/v1/me", headers=bearer(ann["token"])).json()["name"] == "Ann Smith"
        again = httpx.post(moved.url + "/api/v1/attempts", headers=bearer(ann["token"]), json=body)
        assert again.status_code == 200 and again.json()["entry"] == first["entry"]
    finally:
        moved.stop()


@SQLITE_ONLY
def test_an_edited_campaign_is_served_at_once(served: Served) -> None:
    """serve keeps the campaign loaded while its file is unchanged, and loads it again when it changes."""
    (ann,) = served.invite("--volunteers", str(served.campaign.parent / "volunteers.csv"), "--volunteer",
                           "Ann Smith")

    def offices() -> list[str]:
        calls = httpx.get(served.url + "/api/v1/calls", headers=bearer(ann["token"])).json()["calls"]
        return sorted(c["recipient"] for c in calls)

    assert offices() == ["court", "president"]
    text = served.campaign.read_text(encoding="utf-8")
    akimat = '  - id: akimat\n    name: Karaganda Oblast Akimat\n    fax: "+7 7212 74 27 83"\n'
    served.campaign.write_text(text + akimat, encoding="utf-8")
    assert offices() == ["akimat", "court", "president"]


@SQLITE_ONLY
def test_a_volunteers_page_shows_their_rota_slots(served: Served) -> None:
    """With a rota saved, a volunteer's calls are their own slots."""
    team = served.campaign.parent / "volunteers.csv"
    (ann,) = served.invite("--volunteers", str(team), "--volunteer", "Ann Smith")
    import datetime as dt

    today = dt.datetime.now(dt.timezone.utc).date()
    saved = command(served, "rota", str(served.campaign), "--volunteers", str(team), "--from", today.isoformat(),
                    "--days", "2", "--tz", "Europe/London", "--save")
    assert saved.returncode == 0, saved.stderr
    rota = json.loads(command(served, "rota", str(served.campaign), "--volunteers", str(team), "--from",
                              today.isoformat(), "--days", "2", "--tz", "Europe/London", "--format", "json").stdout)
    mine = {(s["office"], s["start"]) for s in rota["slots"] if s["volunteer"] == "Ann Smith"}
    calls = httpx.get(served.url + "/api/v1/calls", headers=bearer(ann["token"])).json()["calls"]
    shown = {(c["recipient"], s["office_start"]) for c in calls for s in c["slots"]}
    assert shown and all(c["slots"] for c in calls)
    assert {office for office, _ in shown} <= {office for office, _ in mine}


@SQLITE_ONLY
def test_the_organiser_makes_a_new_link_without_javascript(served: Served) -> None:
    (ann,) = served.invite("--volunteers", str(served.campaign.parent / "volunteers.csv"), "--volunteer",
                           "Ann Smith")
    (olga,) = served.invite("--organiser", "Olga")
    web = httpx.Client(base_url=served.url)
    web.get(f"/v/{olga['token']}")
    csrf = web.get("/").text.split('name="csrf" content="')[1].split('"')[0]
    made = web.post("/links/Ann%20Smith", data={"csrf": csrf}, headers={"Origin": served.url})
    assert made.status_code == 201 and "shown once" in made.text
    url = made.text.split('<p id="new-link">')[1].split("</p>")[0]
    assert url.startswith(served.url + "/v/") and url != ann["url"]
    assert httpx.get(served.url + "/api/v1/me", headers=bearer(ann["token"])).status_code == 401
    assert httpx.get(url).status_code in (303, 200)
    volunteer = httpx.Client(base_url=served.url, headers=bearer(ann["token"]))
    assert volunteer.post("/links/Olga", data={"csrf": "x"}).status_code == 401

"""The Starlette app of `serve`: personal links, the volunteer's page, the organiser's dashboard and the
JSON API under /api/v1. Every route authenticates the link's holder and calls a service as them."""

from __future__ import annotations

import base64
import collections
import dataclasses
import datetime as dt
import hashlib
import hmac
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from faxcampaign import clock
from faxcampaign.errors import ConflictError, FaxCampaignError, RequestError
from faxcampaign.log.store import LogError, utc_text
from faxcampaign.outputs.status import history_entry, status_document
from faxcampaign.services import links as links_service
from faxcampaign.services import team
from faxcampaign.services.links import AuthError, Holder
from faxcampaign.web import api

HERE = Path(__file__).parent
COOKIE = "faxcampaign"
# The pages' style sheet is inlined (one round trip less before the first paint) and named by its hash;
# the one script is a file. No other inline style or script can run.
STYLE = (HERE / "static" / "app.css").read_text(encoding="utf-8")
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CSP = (f"default-src 'none'; script-src 'self'; style-src 'sha256-{_STYLE_HASH}'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


@dataclasses.dataclass(frozen=True)
class Limits:
    """Requests allowed per minute: per link, per address, and bad links per address."""

    per_token: int = 600
    per_address: int = 20_000
    bad_tokens: int = 30


@dataclasses.dataclass(frozen=True)
class Settings:
    campaign: Path
    base_url: str
    log: str | None = None
    now: Callable[[], dt.datetime] = clock.utc_now
    limits: Limits = Limits()

    @property
    def origin(self) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def secure(self) -> bool:
        return self.base_url.startswith("https://")


class Problem(Exception):
    """An error the API answers with ``status`` and a JSON body."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


def problem_response(p: Problem) -> JSONResponse:
    headers = {"Retry-After": str(p.retry_after)} if p.retry_after else None
    return JSONResponse({"error": {"code": p.code, "message": p.message}}, status_code=p.status, headers=headers)


class RateLimiter:
    """Sliding one-minute windows, in this process only (the one piece of state the log does not hold)."""

    def __init__(self) -> None:
        self._hits: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str, limit: int, count: bool = True) -> None:
        """A 429 `Problem` when ``key`` had ``limit`` requests in the last minute; else count this one
        (unless not ``count``: a look before the work)."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, collections.deque())
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= limit:
                raise Problem(429, "rate_limited", "too many requests; wait a little",
                              retry_after=max(1, int(60 - (now - hits[0])) + 1))
            if count:
                hits.append(now)
            if len(self._hits) > 100_000:
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - 60}


class Guard:
    """Security headers on every answer, and a cap on every request body (413 past it)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = api.MAX_HOOK_BODY if str(scope.get("path", "")).startswith("/hooks/") else api.MAX_BODY
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > cap):
            await problem_response(Problem(413, "too_large", f"the body is over {cap} bytes"))(
                scope, receive, self._headed(send))
            return
        seen = 0

        async def capped() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise Problem(413, "too_large", f"the body is over {cap} bytes")
            return message

        await self.app(scope, capped, self._headed(send))

    @staticmethod
    def _headed(send: Send) -> Send:
        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
                            (b"cache-control", b"no-store")]
                message = {**message, "headers": headers}
            await send(message)

        return with_headers


@dataclasses.dataclass(frozen=True)
class Call:
    """One authenticated request, read whole: what a route's (synchronous) handler gets, in a worker thread."""

    request: Request
    holder: Holder
    token: str
    body: bytes
    form: dict[str, str]


def _slot_text(slot: dict[str, str]) -> str:
    """'Wed 19:00-21:00 yours, 00:00-02:00 +05 theirs' from a call's slot."""
    from faxcampaign.outputs.text import offset_text, span_text

    start, end = dt.datetime.fromisoformat(slot["start"]), dt.datetime.fromisoformat(slot["end"])
    theirs = dt.datetime.fromisoformat(slot["office_start"]), dt.datetime.fromisoformat(slot["office_end"])
    return (f"{start:%a} {span_text(start, end)} yours, {theirs[0]:%a} {span_text(*theirs)} {offset_text(theirs[0])} "
            "theirs")


def create_app(settings: Settings) -> Starlette:
    limiter = RateLimiter()
    pages = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                               undefined=jinja2.StrictUndefined)
    pages.globals["style"] = STYLE

    def address(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def token_of(request: Request) -> tuple[str | None, bool]:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return header[7:].strip(), False
        return request.cookies.get(COOKIE), True

    def csrf_for(token: str) -> str:
        return hmac.new(token.encode(), b"faxcampaign csrf", hashlib.sha256).hexdigest()[:32]

    def holder_of(request: Request, token: str | None) -> Holder:
        limiter.check("address:" + address(request), settings.limits.per_address)
        limiter.check("bad:" + address(request), settings.limits.bad_tokens, count=False)  # guessing: no lookup
        if not token:
            raise Problem(401, "unauthorised", "no link: open your personal link, or send Authorization: Bearer")
        try:
            holder = links_service.holder(settings.campaign, token, settings.now(), settings.log)
        except AuthError as e:
            limiter.check("bad:" + address(request), settings.limits.bad_tokens)
            raise Problem(401, "unauthorised", str(e)) from None
        limiter.check(f"link:{holder.link}", settings.limits.per_token)
        return holder

    def guarded(handler: Callable[[Call], Response], role: str | None = None,
                changes: bool = False) -> Callable[[Request], Awaitable[Response]]:
        """The route: the body read, the holder authenticated, the role and (for a change made with the
        cookie) the Origin and the form token checked; then ``handler`` in a worker thread, as the log's
        drivers block. Every error is a JSON answer."""

        def answer(request: Request, token: str | None, by_cookie: bool, body: bytes,
                   form: dict[str, str]) -> Response:
            try:
                holder = holder_of(request, token)
                assert token is not None
                if role and holder.role != role:
                    raise Problem(403, "forbidden", f"only an {role} may do this")
                if changes and by_cookie:
                    if request.headers.get("origin") != settings.origin:
                        raise Problem(403, "bad_origin", "a change must come from the campaign's own pages")
                    sent = request.headers.get("x-csrf-token") or form.get("csrf", "")
                    if not sent or not hmac.compare_digest(sent, csrf_for(token)):
                        raise Problem(403, "bad_csrf", "the page's form token is missing or wrong; reload the page")
                return handler(Call(request, holder, token, body, form))
            except Problem as p:
                return problem_response(p)
            except RequestError as e:
                return problem_response(Problem(422, "invalid", f"{e.option}: {e.message}" if e.option
                                                else e.message))
            except (LookupError, KeyError) as e:
                return problem_response(Problem(404, "not_found", str(e).strip("'\"")))
            except PermissionError as e:
                return problem_response(Problem(403, "forbidden", str(e)))
            except ConflictError as e:
                return problem_response(Problem(409, "conflict", str(e)))
            except LogError as e:
                return problem_response(Problem(503, "log_unavailable", str(e)))
            except FaxCampaignError as e:
                return problem_response(Problem(422, "invalid", str(e)))

        async def endpoint(request: Request) -> Response:
            token, by_cookie = token_of(request)
            try:
                body = await request.body() if request.method == "POST" else b""
            except Problem as p:
                return problem_response(p)
            form: dict[str, str] = {}
            if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                from urllib.parse import parse_qsl

                form = dict(parse_qsl(body.decode("utf-8", "replace"), max_num_fields=50))
            return await run_in_threadpool(answer, request, token, by_cookie, body, form)

        return endpoint

    def body_of(call: Call, model: type[BaseModel], optional: bool = False) -> Any:
        raw = call.body
        if not raw and optional:
            raw = b"{}"
        try:
            return model.model_validate_json(raw)
        except ValidationError as e:
            first = e.errors(include_url=False)[0]
            where = ".".join(str(x) for x in first["loc"]) or "body"
            raise Problem(422, "invalid", f"{where}: {first['msg']}") from None

    # -- the API --

    def me(call: Call) -> Response:
        h = call.holder
        return JSONResponse({"name": h.name, "role": h.role, "timezone": h.timezone, "dial_from": h.dial_from})

    def calls_document(holder: Holder, day: dt.date | None) -> dict[str, Any]:
        result = team.calls(settings.campaign, holder, settings.now(), day, settings.log)
        sheet = result.sheet
        out = []
        for row in sheet.rows:
            today = result.today.get(row.id, [])
            out.append({
                "recipient": row.id, "name": row.name, "title": row.title, "manual": row.manual,
                "slots": [{"start": s.start.isoformat(), "end": s.end.isoformat(),
                           "office_start": s.office_start.isoformat(), "office_end": s.office_end.isoformat()}
                          for s in row.slots],
                "numbers": [{"number": n.e164, "dial": n.dial, "suspect": n.suspect} for n in row.numbers],
                "script": row.script, "letter_url": f"/letters/{row.id}.pdf",
                "delivered_today": sum(1 for e in today if e.attempt.outcome == "delivered" and e.voided_by is None),
                "today": [history_entry(e) for e in today],
            })
        return {"date": sheet.date.isoformat(), "timezone": sheet.zone, "dial_from": sheet.dial_from, "calls": out}

    def day_param(request: Request) -> dt.date | None:
        text = request.query_params.get("date")
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise Problem(422, "invalid", f"date: not a date: {text[:40]!r} (YYYY-MM-DD)") from None

    def entry_param(request: Request) -> int:
        text = request.path_params["entry"]
        if not text.isdigit() or len(text) > 18:
            raise Problem(404, "not_found", "no such entry")
        return int(text)

    def api_calls(call: Call) -> Response:
        return JSONResponse(calls_document(call.holder, day_param(call.request)))

    def api_attempt(call: Call) -> Response:
        body = body_of(call, api.AttemptIn)
        entry, new = team.record(settings.campaign, call.holder, body.recipient, body.outcome, settings.now(),
                                 number=body.number, at=body.at, pages=body.pages, note=body.note, key=body.key,
                                 log_place=settings.log)
        return JSONResponse(history_entry(entry), status_code=201 if new else 200)

    def api_void(call: Call) -> Response:
        body = body_of(call, api.VoidIn, optional=True)
        entry = team.undo(settings.campaign, call.holder, entry_param(call.request), body.note, settings.now(),
                          settings.log)
        return JSONResponse(history_entry(entry))

    def api_status(call: Call) -> Response:
        from faxcampaign.services.status import status

        zone = call.request.query_params.get("tz") or call.holder.timezone
        if not clock.is_zone(zone):
            raise Problem(422, "invalid", f"tz: unknown time zone {zone[:64]!r}")
        return JSONResponse(status_document(status(settings.campaign, settings.now(), settings.log), zone))

    def link_json(s: links_service.LinkState) -> dict[str, Any]:
        return {"name": s.name, "role": s.role, "state": s.state, "created": utc_text(s.created),
                "expires": utc_text(s.expires), "last_used": utc_text(s.last_used) if s.last_used else None}

    def api_recent(call: Call) -> Response:
        from faxcampaign.services.status import recent

        return JSONResponse([history_entry(e) for e in recent(settings.campaign, settings.now(), settings.log)])

    def api_links(call: Call) -> Response:
        return JSONResponse([link_json(s) for s in links_service.links(settings.campaign, settings.now(),
                                                                       settings.log)])

    def api_new_link(call: Call) -> Response:
        made = links_service.renew(settings.campaign, call.request.path_params["name"], settings.now(),
                                   settings.base_url, settings.log)
        return JSONResponse({"name": made.name, "role": made.role, "url": made.url, "token": made.token},
                            status_code=201)

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(api.openapi())

    # -- pages --

    async def open_link(request: Request) -> Response:
        """A personal link: the token goes into an HttpOnly cookie and out of the address bar. SameSite=Lax,
        not Strict: a link opened from webmail must still sign the volunteer in after the redirect."""
        token = request.path_params["token"]
        try:
            await run_in_threadpool(holder_of, request, token)
        except Problem as p:
            return problem_response(p)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=settings.secure, path="/",
                            max_age=60 * 60 * 24 * 90)
        return response

    def home(call: Call) -> Response:
        from faxcampaign.outcomes import OUTCOMES

        holder = call.holder
        if holder.role == "organiser":
            return dashboard(call)
        document = calls_document(holder, day_param(call.request))
        for row in document["calls"]:
            row["times"] = [_slot_text(s) for s in row["slots"]]
            for e in row["today"]:
                e["local"] = f"{clock.convert(dt.datetime.fromisoformat(e['at']), holder.timezone):%H:%M}"
        html = pages.get_template("volunteer.html").render(
            me=holder, calls=document["calls"], date=document["date"], csrf=csrf_for(call.token),
            outcomes=[(name, words) for name, words in OUTCOMES.items() if name != "line-error"],
            zone=holder.timezone)
        return HTMLResponse(html)

    def dashboard(call: Call) -> Response:
        from faxcampaign.outputs.charts import charts
        from faxcampaign.services.status import queue, recent, status

        holder, now = call.holder, settings.now()
        progress = status(settings.campaign, now, settings.log)
        feed = [history_entry(e) for e in reversed(recent(settings.campaign, now, settings.log))]
        for e in feed:
            e["local"] = f"{clock.convert(dt.datetime.fromisoformat(e['at']), holder.timezone):%H:%M}"
        jobs = [(j.recipient, j.number, j.backend, f"{clock.convert(j.send_at, holder.timezone):%a %H:%M}")
                for j in queue(settings.campaign, settings.log)]
        html = pages.get_template("dashboard.html").render(
            me=holder, charts=charts(progress, holder.timezone), csrf=csrf_for(call.token), zone=holder.timezone,
            links=[link_json(s) for s in links_service.links(settings.campaign, now, settings.log)],
            today=feed, jobs=jobs, unreached=[o.name for o in progress.offices if o.in_campaign and not o.delivered],
            suspect=[(o.name, n.e164, n.reason) for o in progress.offices for n in o.numbers.values() if n.suspect])
        return HTMLResponse(html)

    def form_attempt(call: Call) -> Response:
        """The page's form, without JavaScript: one POST per outcome, then back to the page."""
        form = call.form
        team.record(settings.campaign, call.holder, form.get("recipient", ""), form.get("outcome", ""),
                    settings.now(), number=form.get("number") or None, note=form.get("note") or None,
                    key=form.get("key") or None, log_place=settings.log)
        return RedirectResponse("/", status_code=303)

    def form_void(call: Call) -> Response:
        team.undo(settings.campaign, call.holder, entry_param(call.request), "tapped by mistake", settings.now(),
                  settings.log)
        return RedirectResponse("/", status_code=303)

    def form_new_link(call: Call) -> Response:
        """The dashboard's button, without JavaScript: a page that shows the new link once."""
        made = links_service.renew(settings.campaign, call.request.path_params["name"], settings.now(),
                                   settings.base_url, settings.log)
        return HTMLResponse(pages.get_template("newlink.html").render(made=made, csrf=csrf_for(call.token)),
                            status_code=201)

    def letter(call: Call) -> Response:
        """The holder's own signed letter to one office."""
        from faxcampaign.services.render import RenderRequest, Signing, prepare

        recipient = call.request.path_params["recipient"]
        with tempfile.TemporaryDirectory() as folder:
            try:
                prepared = prepare(RenderRequest(settings.campaign, Path(folder) / "out", settings.now(),
                                                 Signing(signer=call.holder.name), only=(recipient,), jobs=1))
            except RequestError as e:
                raise Problem(404, "not_found", e.message) from None
            data = next(p for p in prepared.run(None) if p.suffix == ".pdf").read_bytes()
        return Response(data, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{recipient}.pdf"'})

    def export(call: Call) -> Response:
        from faxcampaign.outputs.status import history_csv
        from faxcampaign.services.status import history

        return Response(history_csv(history(settings.campaign, settings.log)), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="attempts.csv"'})

    def health() -> Response:
        from faxcampaign.services.status import reachable

        try:
            reachable(settings.campaign, settings.log)
        except FaxCampaignError as e:
            return problem_response(Problem(503, "log_unavailable", str(e)))
        return JSONResponse({"ok": True})

    async def healthz(request: Request) -> Response:
        return await run_in_threadpool(health)

    def hook_auth(request: Request) -> None:
        """Sinch's webhooks: basic auth with the credentials the callback URL carried
        ($FAXCAMPAIGN_SINCH_WEBHOOK_SECRET, compared in constant time), checked before the body is read; no
        Origin check (they come from Sinch, not a page of ours); rate-limited by address like every request."""
        import os

        from faxcampaign.send.sinch import WEBHOOK_SECRET_ENV

        limiter.check("address:" + address(request), settings.limits.per_address)
        limiter.check("bad:" + address(request), settings.limits.bad_tokens, count=False)
        secret = os.environ.get(WEBHOOK_SECRET_ENV)
        if not secret:
            raise Problem(404, "not_found", f"webhooks are off: set {WEBHOOK_SECRET_ENV} for serve and send")
        expected = "Basic " + base64.b64encode(f"sinch:{secret}".encode()).decode()
        if not hmac.compare_digest(request.headers.get("authorization", "").encode(), expected.encode()):
            limiter.check("bad:" + address(request), settings.limits.bad_tokens)
            raise Problem(401, "unauthorised", "the webhook's credentials are missing or wrong")

    def sinch_hook(name: str, body: bytes, parts: dict[str, str]) -> Response:
        import json

        from faxcampaign.services.hooks import hook_name, sinch_completed

        try:
            if not hmac.compare_digest(name.encode(), hook_name(settings.campaign).encode()):
                raise Problem(404, "not_found", "no such campaign here")
            try:
                if parts:  # multipart/form-data: `fax` is a JSON part, `event` the event's name (or its JSON)
                    kind = parts.get("event", "")
                    event = {"event": json.loads(kind) if kind.startswith('"') else kind,
                             "fax": json.loads(parts.get("fax", "null"))}
                else:
                    event = json.loads(body)
            except ValueError:
                raise Problem(400, "invalid", "the body is not the JSON of a fax event") from None
            if not isinstance(event, dict) or event.get("event") != "FAX_COMPLETED":
                return JSONResponse({"recorded": False, "reason": "not a FAX_COMPLETED event"})
            pushed = sinch_completed(settings.campaign, event, settings.now(), settings.log)
        except Problem as p:
            return problem_response(p)
        except ValueError as e:
            return problem_response(Problem(400, "invalid", str(e)))
        except LogError as e:
            return problem_response(Problem(503, "log_unavailable", str(e)))
        return JSONResponse({"recorded": pushed.recorded, "job": pushed.job, "outcome": pushed.outcome,
                             "reason": pushed.reason})

    async def hooks_sinch(request: Request) -> Response:
        try:
            hook_auth(request)
        except Problem as p:
            return problem_response(p)
        body, parts = await request.body(), {}
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            async with request.form(max_files=4, max_fields=64) as parsed:
                parts = {k: v for k, v in parsed.items() if isinstance(v, str)}
        return await run_in_threadpool(sinch_hook, request.path_params["campaign"], body, parts)

    async def not_found(request: Request, exc: Exception) -> Response:
        return problem_response(Problem(404, "not_found", "no such page"))

    async def failed(request: Request, exc: Exception) -> Response:
        if isinstance(exc, Problem):
            return problem_response(exc)
        return problem_response(Problem(500, "internal", "internal error; nothing was recorded by this request"))

    async def method(request: Request, exc: Exception) -> Response:
        return problem_response(Problem(405, "method_not_allowed", "method not allowed"))

    routes = [
        Route("/healthz", healthz),
        Route("/v/{token}", open_link),
        Route("/", guarded(home)),
        Route("/attempts", guarded(form_attempt, changes=True), methods=["POST"]),
        Route("/attempts/{entry}/void", guarded(form_void, changes=True), methods=["POST"]),
        Route("/links/{name}", guarded(form_new_link, role="organiser", changes=True), methods=["POST"]),
        Route("/letters/{recipient}.pdf", guarded(letter)),
        Route("/export.csv", guarded(export, role="organiser")),
        Route("/api/v1/openapi.json", openapi_json),
        Route("/hooks/sinch/{campaign}", hooks_sinch, methods=["POST"]),
        Route("/api/v1/me", guarded(me)),
        Route("/api/v1/calls", guarded(api_calls)),
        Route("/api/v1/attempts", guarded(api_attempt, changes=True), methods=["POST"]),
        Route("/api/v1/attempts", guarded(api_recent, role="organiser"), methods=["GET"]),
        Route("/api/v1/attempts/{entry}/void", guarded(api_void, changes=True), methods=["POST"]),
        Route("/api/v1/status", guarded(api_status, role="organiser")),
        Route("/api/v1/links", guarded(api_links, role="organiser")),
        Route("/api/v1/links/{name}", guarded(api_new_link, role="organiser", changes=True), methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={404: not_found, 405: method, 500: failed, Problem: failed})
    return app


def asgi(settings: Settings) -> ASGIApp:
    return Guard(create_app(settings))


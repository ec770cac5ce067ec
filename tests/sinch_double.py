"""A local stand-in for Sinch's Fax API v3 on loopback, for the `sinch://` backend's tests.

It answers as Sinch's own OpenAPI document says (tests/contracts/sinch-fax-v3.yaml, a trimmed copy of the
published one) and checks every request against that document with openapi-core: the path, method,
parameters and basic-auth security of each, and the multipart body of a send (openapi-core cannot decode a
multipart body whose schema is an `allOf`, as this one is, so the form is turned into the JSON instance it
stands for and validated against the document's schema with openapi-core's schema validator). Its own
answers and the webhooks it sends are validated against the document too. A request that breaks the
contract is answered 400 and kept in ``violations``: every test checks there are none.

A test scripts what happens to a fax by its number (``script``): completed, each failure type, an HTTP error
with its headers, or a slow answer; and sends webhooks (``complete``) twice or out of order as it likes.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.parser
import email.policy
import json
import re
import threading
import time
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

CONTRACT = Path(__file__).parent / "contracts" / "sinch-fax-v3.yaml"
SEND_BODY = "#/paths/~1v3~1projects~1{projectId}~1faxes/post/requestBody/content/multipart~1form-data/schema"
FAX = "#/components/schemas/Fax"
LIST = "#/components/schemas/ListFaxesObject"
WEBHOOK = "#/webhooks/faxCompleted/post/requestBody/content/application~1json/schema"


class Contract:
    def __init__(self) -> None:
        from openapi_core import OpenAPI

        self.doc = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
        self.api = OpenAPI.from_dict(self.doc)

    def validate(self, instance: Any, pointer: str) -> None:
        """``instance`` against the document's schema at ``pointer`` (jsonschema errors raise)."""
        from openapi_schema_validator import OAS31Validator

        OAS31Validator({**self.doc, "$ref": pointer}).validate(instance)

    def _property(self, schema: dict[str, Any], name: str) -> dict[str, Any] | None:
        """The schema of form field ``name`` in the send body (through its allOf and $refs)."""
        if "$ref" in schema:
            schema = self._resolve(schema["$ref"])
        if name in schema.get("properties", {}):
            found = schema["properties"][name]
            while "$ref" in found or ("allOf" in found and len(found["allOf"]) == 1 and "type" not in found):
                found = self._resolve(found["$ref"]) if "$ref" in found else found["allOf"][0]
            return dict(found)
        for sub in schema.get("allOf", []):
            found = self._property(sub, name)
            if found is not None:
                return found
        return None

    def _resolve(self, pointer: str) -> dict[str, Any]:
        node: Any = self.doc
        for part in pointer.lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return dict(node)

    def form_instance(self, fields: list[tuple[str, bytes, bool]]) -> dict[str, Any]:
        """A multipart form as the JSON instance its schema describes: each field typed as its property
        says; `labels[key]` fields (the documented form of the Labels object) as one object."""
        body = self._resolve(SEND_BODY)
        instance: dict[str, Any] = {}
        for name, value, is_file in fields:
            label = re.fullmatch(r"labels\[([^\]]+)\]", name)
            if label:
                instance.setdefault("labels", {})[label.group(1)] = value.decode()
                continue
            prop = self._property(body, name)
            if prop is None:
                raise ValueError(f"form field {name!r} is not in the document")
            kind = prop.get("type")
            if is_file or prop.get("format") == "binary":
                instance[name] = "(binary)"
            elif kind == "integer":
                instance[name] = int(value)
            elif kind == "boolean":
                instance[name] = {b"true": True, b"false": False}[value]
            else:
                instance[name] = value.decode()
        return instance

    def request(self, method: str, host: str, path: str, query: str, headers: dict[str, str], body: bytes) -> None:
        """Raise unless the request is one the document allows."""
        from openapi_core.datatypes import RequestParameters
        from openapi_core.validation.request.validators import (
            V31RequestParametersValidator,
            V31RequestSecurityValidator,
        )
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        class Request:
            host_url = "https://fax.api.sinch.com"
            full_url_pattern = host_url + path
            parameters = RequestParameters(query=ImmutableMultiDict(urllib.parse.parse_qsl(query)),
                                           header=Headers(headers), cookie=ImmutableMultiDict())
            content_type = headers.get("Content-Type", "")

        request = Request()
        request.path, request.method, request.body = path, method.lower(), body  # type: ignore[attr-defined]
        if not request.content_type.startswith("multipart/"):
            self.api.validate_request(request)  # type: ignore[arg-type]
            return
        V31RequestSecurityValidator(self.api.spec).validate(request)  # type: ignore[arg-type]
        V31RequestParametersValidator(self.api.spec).validate(request)  # type: ignore[arg-type]
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + request.content_type.encode() + b"\r\n\r\n" + body)
        fields = [(part.get_param("name", header="content-disposition"), part.get_payload(decode=True),
                   part.get_filename() is not None) for part in message.iter_parts()]
        self.validate(self.form_instance(fields), SEND_BODY)


class SinchDouble:
    """The stand-in server. ``script[number]`` is a list of what happens to each fax sent to it, in turn:
    "completed", ("failure", errorType, errorCode, pagesSent), ("http", status, headers) for the send
    request itself, ("slow", seconds) before answering the send. Default: "completed"."""

    def __init__(self, key: tuple[str, str] = ("key-id", "key-secret"), project: str = "proj-1"):
        self.contract = Contract()
        self.key, self.project = key, project
        self.script: dict[str, list[Any]] = {}
        self.faxes: dict[str, dict[str, Any]] = {}
        self.outcomes: dict[str, Any] = {}
        self.requests: list[tuple[str, str]] = []
        self.violations: list[str] = []
        self.sent_files: dict[str, bytes] = {}
        self.lock = threading.Lock()
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items()}
                with double.lock:
                    double.requests.append((self.command, self.path))
                try:
                    double.contract.request(self.command, "", parts.path, parts.query, headers, body)
                except Exception as e:  # noqa: BLE001 (any violation is kept and answered 400)
                    double.violations.append(f"{self.command} {self.path}: {type(e).__name__}: {e}")
                    self._answer(400, {"code": 400, "status": "INVALID_ARGUMENT", "message": str(e)[:200]})
                    return
                expected = "Basic " + base64.b64encode(f"{double.key[0]}:{double.key[1]}".encode()).decode()
                if headers.get("Authorization") != expected:
                    self._answer(401)
                    return
                status, answer, extra = double.route(self.command, parts.path, parts.query, headers, body)
                self._answer(status, answer, extra)

            do_GET = do_POST = do_DELETE = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # the API

    def route(self, method: str, path: str, query: str, headers: dict[str, str],
              body: bytes) -> tuple[int, Any, dict[str, str] | None]:
        prefix = f"/v3/projects/{self.project}/faxes"
        if not path.startswith(prefix):
            return 404, {"code": 404, "message": "The resource is not found"}, None
        rest = path[len(prefix):]
        if method == "POST" and rest == "":
            return self._send(headers, body)
        if method == "GET" and rest == "":
            params = dict(urllib.parse.parse_qsl(query))
            with self.lock:
                faxes = [self._view(f) for f in self.faxes.values()
                         if f["to"].startswith(params.get("to", "")) and all(
                             f.get("labels", {}).get(k) == v for k, v in params.items()
                             if k not in ("to", "direction", "pageSize", "page", "status", "from"))]
            listing = {"faxes": faxes, "page": 1, "totalPages": 1, "pageSize": 100, "totalItems": len(faxes)}
            self.contract.validate(listing, LIST)
            return 200, listing, None
        if method == "GET" and rest.startswith("/"):
            with self.lock:
                fax = self.faxes.get(urllib.parse.unquote(rest[1:]))
                view = self._view(fax) if fax else None
            if view is None:
                return 404, {"code": 404, "message": "The resource is not found"}, None
            self.contract.validate(view, FAX)
            return 200, view, None
        return 404, {"code": 404, "message": "The resource is not found"}, None

    def _send(self, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict[str, str] | None]:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + headers["Content-Type"].encode() + b"\r\n\r\n" + body)
        form: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            form[name] = part.get_payload(decode=True)
        number = form["to"].decode()
        with self.lock:
            plan = self.script.get(number, [])
            step = plan.pop(0) if plan else "completed"
        if isinstance(step, tuple) and step[0] == "http":
            status, extra = step[1], step[2] if len(step) > 2 else {}
            return status, ({"code": status, "message": f"status {status}"} if status != 401 else None), extra
        delay = 0.0
        if isinstance(step, tuple) and step[0] == "slow":  # the fax is made at once, the answer comes late
            delay, step = step[1], step[2] if len(step) > 2 else "completed"
        fax_id = "01" + uuid.uuid4().hex[:24].upper()
        labels = {k[7:-1]: v.decode() for k, v in form.items() if k.startswith("labels[")}
        fax = {"id": fax_id, "direction": "OUTBOUND", "to": number, "status": "QUEUED", "labels": labels,
               "createTime": _now(), "projectId": self.project, "numberOfPages": _pages(form.get("file", b"")),
               "maxRetries": int(form["maxRetries"]), "retryDelaySeconds": int(form["retryDelaySeconds"]),
               "resolution": form["resolution"].decode()}
        if "callbackUrl" in form:
            fax["callbackUrl"] = form["callbackUrl"].decode()
        with self.lock:
            self.faxes[fax_id] = fax
            self.outcomes[fax_id] = step
            self.sent_files[fax_id] = form.get("file", b"")
            view = self._view(fax)
        self.contract.validate(view, FAX)
        time.sleep(delay)
        return 200, view, None

    @staticmethod
    def _view(fax: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in fax.items() if k != "callbackUrl"} | (
            {"callbackUrl": re.sub(r"//[^@/]*@", "//***@", fax["callbackUrl"])} if "callbackUrl" in fax else {})

    # the test's side

    def progress(self, fax_id: str) -> None:
        """The fax starts going (IN_PROGRESS)."""
        with self.lock:
            self.faxes[fax_id]["status"] = "IN_PROGRESS"

    def finish(self, fax_id: str) -> dict[str, Any]:
        """The fax ends as scripted; returns the Fax object."""
        with self.lock:
            fax, step = self.faxes[fax_id], self.outcomes[fax_id]
            fax["completedTime"] = _now()
            if step == "completed":
                fax.update(status="COMPLETED", pagesSentSuccessfully=fax["numberOfPages"])
            else:
                _, kind, code, sent = step
                fax.update(status="FAILURE", errorType=kind, pagesSentSuccessfully=sent, errorMessage=f"{kind} {code}")
                if code is not None:
                    fax["errorCode"] = code
            return dict(fax)

    def webhook(self, fax: dict[str, Any], url: str | None = None) -> tuple[int, dict[str, Any]]:
        """POST a FAX_COMPLETED webhook for ``fax`` to its callbackUrl, as Sinch does (JSON, basic auth from
        the URL's credentials); the event is checked against the document first."""
        target = urllib.parse.urlsplit(url or fax["callbackUrl"])
        event = {"event": "FAX_COMPLETED", "eventTime": _now(), "fax": self._view(fax)}
        self.contract.validate(event, WEBHOOK)
        plain = target._replace(netloc=target.hostname + (f":{target.port}" if target.port else ""))
        request = urllib.request.Request(urllib.parse.urlunsplit(plain), data=json.dumps(event).encode(),
                                         method="POST", headers={"Content-Type": "application/json"})
        if target.username is not None:
            credentials = f"{urllib.parse.unquote(target.username)}:{urllib.parse.unquote(target.password or '')}"
            request.add_header("Authorization", "Basic " + base64.b64encode(credentials.encode()).decode())
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"{}")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)) or 1

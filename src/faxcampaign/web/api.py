"""The JSON API's bodies (pydantic models) and its OpenAPI document, generated from the same models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from faxcampaign import limits

MAX_BODY = 64 * 1024  # bytes a request body may hold
MAX_HOOK_BODY = 32 * 1024 * 1024  # a provider's webhook, which may carry the fax's own file


class AttemptIn(BaseModel):
    """One attempt, recorded as the token's holder (a ``by`` in the body is ignored)."""

    model_config = ConfigDict(extra="ignore")
    recipient: str = Field(max_length=64, description="the office's id")
    outcome: str = Field(max_length=40, description="delivered, busy, no-answer, refused, wrong-number, ...")
    number: str | None = Field(None, max_length=40, description="as written in the campaign, or E.164")
    at: dt.datetime | None = Field(None, description="ISO 8601 with an offset; default now")
    pages: int | None = Field(None, ge=0, le=999)
    note: str | None = Field(None, max_length=limits.TEXT)
    key: str | None = Field(None, min_length=1, max_length=100, description="an idempotency key, per volunteer")


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    note: str = Field("tapped by mistake", max_length=limits.LINE)


class Me(BaseModel):
    name: str
    role: str
    timezone: str
    dial_from: str | None


class EntryOut(BaseModel):
    """An entry as `history --format json` shows it."""

    entry: int
    at: str
    recipient: str
    number: str
    outcome: str
    by: str | None
    signer: str | None
    pages: int | None
    note: str | None
    source: str
    job: str | None
    voided_by: int | None
    void_note: str | None


class NumberOut(BaseModel):
    number: str
    dial: str
    suspect: str | None


class SlotOut(BaseModel):
    start: str
    end: str
    office_start: str
    office_end: str


class CallOut(BaseModel):
    recipient: str
    name: str
    title: str | None
    manual: bool
    slots: list[SlotOut]
    numbers: list[NumberOut]
    script: str
    letter_url: str
    delivered_today: int
    today: list[EntryOut]


class CallsOut(BaseModel):
    date: str
    timezone: str
    dial_from: str | None
    calls: list[CallOut]


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


class LinkOut(BaseModel):
    name: str
    role: str
    state: str
    created: str
    expires: str
    last_used: str | None


class NewLinkOut(BaseModel):
    name: str
    role: str
    url: str
    token: str


MODELS: list[type[BaseModel]] = [AttemptIn, VoidIn, Me, EntryOut, CallsOut, CallOut, SlotOut, NumberOut, ErrorOut,
                                 ErrorBody, LinkOut, NewLinkOut]


def _json(model: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}}


def _errors(*codes: int) -> dict[str, Any]:
    words = {401: "no valid link", 403: "the role may not", 404: "not found", 409: "the key was used for another "
             "body", 413: "the body is too large", 422: "the body does not validate", 429: "too many requests"}
    return {str(c): {"description": words[c], "content": _json("ErrorOut")} for c in codes}


def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of /api/v1, its schemas generated from the models above."""
    schemas: dict[str, Any] = {}
    for model in MODELS:
        document = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(document.pop("$defs", {}))
        schemas[model.__name__] = document
    auth: list[dict[str, list[str]]] = [{"bearer": []}, {"cookie": []}]
    entry = {"name": "entry", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "faxcampaign team API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {"schemas": schemas, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "the token of an invite link"},
            "cookie": {"type": "apiKey", "in": "cookie", "name": "faxcampaign"}}},
        "security": auth,
        "paths": {
            "/me": {"get": {"summary": "the link's holder", "responses": {
                "200": {"description": "who", "content": _json("Me")}, **_errors(401, 429)}}},
            "/calls": {"get": {"summary": "the holder's calls for a day", "parameters": [
                {"name": "date", "in": "query", "required": False,
                 "schema": {"type": "string", "format": "date"}}],
                "responses": {"200": {"description": "calls", "content": _json("CallsOut")},
                              **_errors(401, 422, 429)}}},
            "/attempts": {"post": {"summary": "record an attempt as the holder", "requestBody": {
                "required": True, "content": _json("AttemptIn")}, "responses": {
                "201": {"description": "recorded", "content": _json("EntryOut")},
                "200": {"description": "already recorded under this key", "content": _json("EntryOut")},
                **_errors(401, 404, 409, 413, 422, 429)}},
                "get": {"summary": "the team's attempts of the last day (organisers)", "responses": {
                    "200": {"description": "entries", "content": {"application/json": {"schema": {
                        "type": "array", "items": {"$ref": "#/components/schemas/EntryOut"}}}}},
                    **_errors(401, 403, 429)}}},
            "/attempts/{entry}/void": {"post": {"summary": "void one of the holder's own entries", "parameters": [
                entry], "requestBody": {"required": False, "content": _json("VoidIn")}, "responses": {
                "200": {"description": "voided", "content": _json("EntryOut")},
                **_errors(401, 403, 404, 409, 413, 422, 429)}}},
            "/status": {"get": {"summary": "status --format json (organisers)", "parameters": [
                {"name": "tz", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 64}}],
                "responses": {"200": {"description": "status", "content": {"application/json": {
                    "schema": {"type": "object"}}}}, **_errors(401, 403, 422, 429)}}},
            "/links": {"get": {"summary": "every link's state (organisers)", "responses": {
                "200": {"description": "links", "content": {"application/json": {"schema": {
                    "type": "array", "items": {"$ref": "#/components/schemas/LinkOut"}}}}},
                **_errors(401, 403, 429)}}},
            "/links/{name}": {"post": {"summary": "a new link for a name already invited (organisers; shown "
                                       "once)", "parameters": [{"name": "name", "in": "path", "required": True,
                                                                "schema": {"type": "string", "maxLength": 300}}],
                                       "responses": {"201": {"description": "the new link",
                                                             "content": _json("NewLinkOut")},
                                                     **_errors(401, 403, 404, 429)}}},
        },
    }

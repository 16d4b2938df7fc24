"""JSON APIs described by their own code: one OpenAPI document per API, built from the routes.

    doc = ApiDoc(title="…", version="1", prefix="/api/mp")

    @bp.get("/api/mp/ledger")
    @doc.operation(summary="…", query=LedgerQuery, ok=LedgerOut)
    def ledger(query): ...            # `query` (and `body`) arrive loaded and checked

    doc.serve(bp, "/api/mp/openapi.json")

A route declares its inputs and its answer as marshmallow schemas; the same schemas check the
request (a bad one is a 400 whose JSON names the field) and write the document (apispec), so the
two cannot drift apart. The document lists every route of the app under the prefix, whichever
blueprint holds it: another blueprint under the same prefix only decorates its routes with the
same `doc.operation` (tests/web/test_mp_openapi.py fails for a route left undocumented).
The partner API (/api/partner/, bot/web/partner.py) is a second ApiDoc over the same machinery.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Callable

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, current_app, jsonify, request
from marshmallow import Schema, ValidationError, fields

OPENAPI_VERSION = "3.0.3"
# What every documented route may answer besides its success (the spec lists them, so that a
# property-based run can hold the API to it).
COMMON_ERRORS = {400: "Bad input: `field` names the first field in error",
                 429: "Too many requests: wait `Retry-After` seconds"}
AUTH_ERRORS = {401: "No valid token: log in again"}
_RULE_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


class ApiError(Exception):
    """An answer other than success, as JSON: {"error": message, "field": name or null}."""

    def __init__(self, status: int, message: str, field: str | None = None, **extra: Any):
        super().__init__(message)
        self.status, self.message, self.field, self.extra = status, message, field, extra

    def response(self):
        return jsonify(error=self.message, field=self.field, **self.extra), self.status


class ErrorOut(Schema):
    error = fields.String(required=True, metadata={"description": "what went wrong, in words"})
    field = fields.String(allow_none=True, metadata={"description": "the input field in error, if one is"})
    field_errors = fields.Dict(keys=fields.String(), data_key="fields",
                               metadata={"description": "every field in error, with why"})
    retry_after = fields.Integer(metadata={"description": "seconds to wait (429)"})
    code = fields.String(metadata={"description": "a machine-readable reason, where one helps (NOT_BOUND, …)"})
    messages = fields.List(fields.Dict(), metadata={"description": "the assistant's own words, where it spoke"})


@dataclass
class Operation:
    summary: str
    description: str
    query: type[Schema] | None
    body: type[Schema] | None
    ok: type[Schema] | None
    ok_status: int
    auth: bool
    errors: dict[int, str]
    tags: tuple[str, ...] = field(default=())


def _load(schema: type[Schema], data: Any, where: str) -> dict:
    try:
        return schema().load(data if data is not None else {} if where == "query" else None)
    except ValidationError as e:
        messages = e.messages if isinstance(e.messages, dict) else {"_schema": e.messages}
        name = next(iter(messages), "_schema")
        why = messages.get(name)
        text = why[0] if isinstance(why, list) and why and isinstance(why[0], str) else "invalid"
        name = where if name == "_schema" else name
        raise ApiError(400, f"{name}: {text}", name, fields={str(k): v for k, v in messages.items()}) from None


def load_query(schema: type[Schema]) -> dict:
    return _load(schema, request.args.to_dict(flat=True), "query")


def load_body(schema: type[Schema]) -> dict:
    return _load(schema, request.get_json(silent=True), "body")


class ApiDoc:
    def __init__(self, *, title: str, version: str, prefix: str, description: str = "",
                 bearer: str | None = None, authenticate: Callable[[], Any] | None = None):
        """`bearer`: how a token is got, when the API authenticates callers with one;
        `authenticate()` raises ApiError(401) for a route that needs a caller, before its input is read."""
        self.title, self.version, self.prefix, self.description = title, version, prefix.rstrip("/"), description
        self.bearer = bearer
        self.authenticate = authenticate

    # -- declaring routes -------------------------------------------------------------------------
    def operation(self, *, summary: str, description: str = "", query: type[Schema] | None = None,
                  body: type[Schema] | None = None, ok: type[Schema] | None = None, ok_status: int = 200,
                  auth: bool = True, errors: dict[int, str] | None = None, tags: tuple[str, ...] = ()) -> Callable:
        """Documents the route and loads its `query` / `body` (passed to the view by those names)."""
        op = Operation(summary, description, query, body, ok, ok_status, auth,
                       {**COMMON_ERRORS, **(AUTH_ERRORS if auth else {}), **(errors or {})}, tags)

        def wrap(view):
            @wraps(view)
            def inner(*args, **kw):
                if auth and self.authenticate is not None:
                    self.authenticate()
                if query is not None:
                    kw["query"] = load_query(query)
                if body is not None:
                    kw["body"] = load_body(body)
                return view(*args, **kw)
            inner.openapi = op
            return inner
        return wrap

    def serve(self, bp: Blueprint, path: str) -> None:
        @bp.get(path)
        def openapi_document():
            cache = current_app.extensions.setdefault("openapi", {})
            if self.prefix not in cache:
                cache[self.prefix] = self.document(current_app)
            return jsonify(cache[self.prefix])
        openapi_document.openapi_self = True

    # -- the document -----------------------------------------------------------------------------
    def routes(self, app: Flask) -> list[tuple[str, str, Callable]]:
        """(rule, method, view) of every route under the prefix, the document's own left out."""
        out = []
        for rule in app.url_map.iter_rules():
            if not (rule.rule == self.prefix or rule.rule.startswith(self.prefix + "/")):
                continue
            view = app.view_functions[rule.endpoint]
            if getattr(view, "openapi_self", False):
                continue
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                out.append((rule.rule, method, view))
        return out

    def document(self, app: Flask) -> dict:
        spec = APISpec(title=self.title, version=self.version, openapi_version=OPENAPI_VERSION,
                       info={"description": self.description}, plugins=[MarshmallowPlugin()])
        spec.components.schema("Error", schema=ErrorOut)
        if self.bearer:
            spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                                       "description": self.bearer})
        spec.components.header("Retry-After", {"description": "seconds to wait before trying again",
                                                "schema": {"type": "integer"}})
        paths: dict[str, dict] = {}
        for rule, method, view in self.routes(app):
            op: Operation | None = getattr(view, "openapi", None)
            if op is None:
                continue   # undocumented: the test of the document names it
            path = _RULE_ARG.sub(r"{\1}", rule)
            paths.setdefault(path, {})[method.lower()] = self._operation(op, _RULE_ARG.findall(rule))
        for path in sorted(paths):
            spec.path(path=path, operations=paths[path])
        return spec.to_dict()

    def _operation(self, op: Operation, path_args: list[str]) -> dict:
        doc: dict[str, Any] = {"summary": op.summary, "responses": {}}
        if op.description:
            doc["description"] = op.description
        if op.tags:
            doc["tags"] = list(op.tags)
        params: list[dict] = [{"in": "path", "name": a, "required": True,
                               "schema": {"type": "string", "minLength": 1, "maxLength": 64}} for a in path_args]
        if op.query is not None:
            params.append({"in": "query", "schema": op.query})
        if params:
            doc["parameters"] = params
        if op.body is not None:
            doc["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
        ok = {"description": "success"}
        if op.ok is not None:
            ok["content"] = {"application/json": {"schema": op.ok}}
        doc["responses"][str(op.ok_status)] = ok
        for status, why in sorted(op.errors.items()):
            answer = {"description": why, "content": {"application/json": {"schema": "Error"}}}
            if status == 429:
                answer["headers"] = {"Retry-After": "Retry-After"}
            doc["responses"][str(status)] = answer
        if op.auth and self.bearer:
            doc["security"] = [{"bearer": []}]
        return doc


def install_errors(app: Flask) -> None:
    """ApiError raised anywhere becomes its JSON answer."""
    app.register_error_handler(ApiError, lambda e: e.response())

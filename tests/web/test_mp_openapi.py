"""The mini-program API's OpenAPI document: every /api/mp route is in it, and a property-based
run (schemathesis) against it through the real stack finds no 5xx and no answer that breaks it."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_headers_conformance,
                                 response_schema_conformance, status_code_conformance)

from bot.web.miniprogram import doc
from tests.web.conftest import MpClient
from tests.web.test_mp_limits import limits

OWN = "/api/mp/openapi.json"
EXAMPLES_PER_OPERATION = 6    # bounded: the whole run stays well under a minute


def routes(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/mp/") and rule.rule != OWN:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                out.add((rule.rule.replace("<", "{").replace(">", "}"), method.lower()))
    return out


def test_every_mp_route_is_in_the_document(mp_app):
    document = mp_app.test_client().get(OWN).get_json()
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert routes(mp_app) and routes(mp_app) == documented
    assert document["openapi"].startswith("3.")
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            assert "429" in op["responses"] and "400" in op["responses"], (path, method)


def test_a_route_added_without_its_documentation_is_caught(mp_app_factory):
    """What the test above guards against: a new /api/mp route with no `doc.operation`."""
    from flask import Blueprint
    from app import create_app  # noqa: F401
    app = mp_app_factory()
    extra = Blueprint("undocumented", __name__)
    extra.add_url_rule("/api/mp/undocumented", "x", lambda: "")
    app.register_blueprint(extra)
    documented = {(p, m) for p, ops in doc.document(app)["paths"].items() for m in ops}
    assert ("/api/mp/undocumented", "get") in routes(app) - documented


@pytest.fixture
def mp_schema(mp_app_factory, redis_hub):
    app = mp_app_factory(**limits())
    citizen = MpClient(app.test_client(), redis_hub).login("oProperty")
    citizen.bind()
    return schemathesis.openapi.from_wsgi(OWN, app), citizen.token


def test_the_api_keeps_to_its_document(mp_schema):
    """Each operation, EXAMPLES_PER_OPERATION generated requests (schemathesis' strategies driven by
    hypothesis here: its pytest plugin does not run under this pytest)."""
    schema, token = mp_schema
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_headers_conformance, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 19
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def keeps_to_it(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=checks)
        keeps_to_it()

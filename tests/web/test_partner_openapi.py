"""The partner API's OpenAPI document (GET /api/partner/openapi.json): every /api/partner route is in
it, and a property-based run (schemathesis) through the real stack, with a key holding every scope
and a granted consent, finds no 5xx and no answer that breaks the document."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_headers_conformance,
                                 response_schema_conformance, status_code_conformance)

from bot.web.partner import doc
from tests.web.partners import world, world_factory  # noqa: F401 (fixtures)

OWN = "/api/partner/openapi.json"
EXAMPLES_PER_OPERATION = 6
ALL = ["catalogue:read", "status:read", "ledger:read"]


def routes(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/partner/") and rule.rule != OWN:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                out.add((rule.rule.replace("<", "{").replace(">", "}"), method.lower()))
    return out


def test_every_partner_route_is_in_the_document(world):
    document = world.app.test_client().get(OWN).get_json()
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert routes(world.app) and routes(world.app) == documented
    assert document["openapi"].startswith("3.") and "bearer" in document["components"]["securitySchemes"]
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            assert {"400", "401", "429"} <= set(op["responses"]), (path, method)
            assert op["security"] == [{"bearer": []}]
    assert not any(p.startswith("/api/mp") for p in document["paths"])
    mp = world.app.test_client().get("/api/mp/openapi.json").get_json()["paths"]
    assert {"/api/mp/consents", "/api/mp/consents/{consent_id}", "/api/mp/consents/requests/{code}"} <= set(mp)
    assert doc.document(world.app) == document


@pytest.fixture
def partner_schema(world):
    hospital = world.partner("property", ALL)
    asked = hospital.ask_consent()
    citizen = world.citizen("oPartnerProperty")
    assert citizen.post("/api/mp/consents", json={"code": asked["code"], "grant": True}).status_code == 200
    return schemathesis.openapi.from_wsgi(OWN, world.app), hospital.key


def test_the_partner_api_keeps_to_its_document(partner_schema):
    schema, key = partner_schema
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_headers_conformance, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def keeps_to_it(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=checks)
        keeps_to_it()

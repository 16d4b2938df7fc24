"""Market-regulation bureau (市场监管, business registration): JSON with
snake_case English fields, API key in X-Api-Key, the applicant's ID number in
X-Applicant-Id (never in the URL: 400 IDENTIFIER_IN_URL), and slow: every
answer takes `delay_ms` (350 ms by default), like the real system under its
usual load.

state: ACCEPTED 已受理, REVIEWING 审查中, APPROVED 已核准, REJECTED 已驳回,
LICENSED 已发照; license_status: READY (可领取) or NOT_READY.
"""
from __future__ import annotations

import hmac
import time

from werkzeug.routing import Rule

from sandbox import credentials
from sandbox.backends.base import SandboxBackend
from sandbox.data import local_time

STATES = {"已受理": "ACCEPTED", "审查中": "REVIEWING", "已核准": "APPROVED", "已驳回": "REJECTED", "已发照": "LICENSED"}
ID_HEADER = "X-Applicant-Id"


class MarketRegulationBackend(SandboxBackend):
    name = "market_regulation"
    ping_path = "/scjg/v1/ping"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.delay_s = float(self.options.get("delay_ms", 350)) / 1000

    def rules(self):
        return [
            Rule("/scjg/v1/registrations/<application_no>", endpoint="one", methods=["GET"]),
            Rule("/scjg/v1/registrations", endpoint="many", methods=["GET"]),
        ]

    def authenticate(self, request, endpoint):
        time.sleep(self.delay_s)  # slow for every authenticated call, as the real one is
        if hmac.compare_digest(request.headers.get("X-Api-Key", ""), credentials.MARKET_REGULATION_API_KEY):
            return None
        return self.unauthorized()

    def unauthorized(self):
        return self.json({"error": "UNAUTHORIZED", "message": "api key rejected"}, 401)

    @staticmethod
    def _wire(r: dict) -> dict:
        return {
            "app_no": r["ref"], "enterprise_name": r["company"], "reg_type": r["reg_type"],
            "state": STATES[r["status"]], "license_status": "READY" if r["licence_ready"] else "NOT_READY",
            "pickup_location": r["collect_place"], "district": r["district"],
            "submitted": r["submitted"].isoformat(), "updated": local_time(r["updated"]).isoformat(),
            "hint": r["next_step"],
        }

    def one(self, request, application_no):
        owner = (request.headers.get(ID_HEADER) or "").upper()
        for person, reg in self.world.every("market_regulation", "registrations"):
            if reg["ref"] == application_no and person["id_number"] == owner:
                return self.json({"registration": self._wire(reg)})
        return self.json({"error": "NOT_FOUND", "message": "no such application"}, 404)

    def many(self, request):
        section = self.world.section(request.headers.get(ID_HEADER), "market_regulation") or {}
        return self.json({"registrations": [self._wire(r) for r in section.get("registrations") or []]})

"""Market-regulation bureau (市场监管, business registration): JSON with
snake_case English fields, API key in X-Api-Key, the applicant's ID number in
X-Applicant-Id (never in the URL: 400 IDENTIFIER_IN_URL), and slow: every
answer takes `delay_ms` (350 ms by default), like the real system under its
usual load.

state: ACCEPTED 已受理, REVIEWING 审查中, APPROVED 已核准, REJECTED 已驳回,
LICENSED 已发照; license_status: READY (可领取) or NOT_READY.

Bulk exchange: GET /scjg/v1/bulk/officers?page_size=1000&page_token=…
    every officer of every registered company, one row per (company, person):
    {"officers": [{uscc, enterprise_name, enterprise_status EXISTING (存续) |
    DEREGISTERED (注销) | REVOKED (吊销), established, registered_capital_wan "500.00",
    district, role LEGAL_REPRESENTATIVE | DIRECTOR | SUPERVISOR | MANAGER,
    person_name, person_id_number}], "next_page_token": "…" ("" on the last page),
    "total_size": N}. page_size above 1000 is cut to 1000; a token from another
    listing or made up: 400 INVALID_PAGE_TOKEN. Slow like every call here, and
    metered: `officer_quota` records a day (100,000, a fixed window) per API key;
    X-Quota-Limit / X-Quota-Remaining on every page; a page the quota cannot cover:
    429 QUOTA_EXCEEDED with Retry-After (the seconds until the window ends).
"""
from __future__ import annotations

import base64
import binascii
import hmac
import json
import time

from werkzeug.routing import Rule

from sandbox import credentials
from sandbox.backends.base import SandboxBackend
from sandbox.data import local_time
from sandbox.progress import Sequence, Step, move
from sandbox.quotas import Quota, retry_after_header

STATES = {"已受理": "ACCEPTED", "审查中": "REVIEWING", "已核准": "APPROVED", "已驳回": "REJECTED", "已发照": "LICENSED"}
ID_HEADER = "X-Applicant-Id"
COMPANY_STATES = {"存续": "EXISTING", "注销": "DEREGISTERED", "吊销": "REVOKED"}
ROLES = {"法定代表人": "LEGAL_REPRESENTATIVE", "董事": "DIRECTOR", "监事": "SUPERVISOR", "经理": "MANAGER"}
MAX_PAGE_SIZE = 1000

# POST /__data/advance: 已核准 means the licence is printed and waits (license_status READY);
# 已发照 that it was handed over. 已驳回 ends it off the line.
SEQUENCE = Sequence(
    Step("已受理", next_step="等待审查"),
    Step("审查中", next_step="审查通过后将短信通知"),
    Step("已核准", next_step="营业执照已可领取，请携带身份证件到领取地点领取"),
    Step("已发照", next_step="营业执照已领取，无需操作"),
    ends=("已驳回",))


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
            Rule("/scjg/v1/bulk/officers", endpoint="officers", methods=["GET"]),
        ]

    def make_quotas(self):
        return {"officers": Quota(str(self.options.get("officer_quota", "100000/day")), "fixed")}

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

    def advance(self, ref):
        with self.lock:
            for _person, reg in self.world.every("market_regulation", "registrations"):
                if reg["ref"] == ref:
                    moved = move(self.name, ref, reg, SEQUENCE)
                    reg["licence_ready"] = moved.status == "已核准"
                    return moved
        return None

    def one(self, request, application_no):
        owner = (request.headers.get(ID_HEADER) or "").upper()
        for person, reg in self.world.every("market_regulation", "registrations"):
            if reg["ref"] == application_no and person["id_number"] == owner:
                return self.json({"registration": self._wire(reg)})
        return self.json({"error": "NOT_FOUND", "message": "no such application"}, 404)

    def many(self, request):
        section = self.world.section(request.headers.get(ID_HEADER), "market_regulation") or {}
        return self.json({"registrations": [self._wire(r) for r in section.get("registrations") or []]})

    # --- bulk exchange ---------------------------------------------------------------------
    @staticmethod
    def _token(offset: int) -> str:
        return base64.urlsafe_b64encode(json.dumps({"listing": "officers", "offset": offset}).encode()).decode()

    @staticmethod
    def _offset(token: str) -> int | None:
        try:
            body = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
            offset = body["offset"] if body.get("listing") == "officers" else None
        except (ValueError, binascii.Error, UnicodeDecodeError, TypeError, KeyError, AttributeError):
            return None
        return offset if isinstance(offset, int) and offset >= 0 else None

    def officers(self, request):
        try:
            size = min(int(request.args.get("page_size", str(MAX_PAGE_SIZE))), MAX_PAGE_SIZE)
            if size < 1:
                raise ValueError
        except ValueError:
            return self.json({"error": "INVALID_ARGUMENT", "message": "page_size must be a positive integer"}, 400)
        token = request.args.get("page_token", "")
        offset = self._offset(token) if token else 0
        if offset is None:
            return self.json({"error": "INVALID_PAGE_TOKEN", "message": "page_token is not one this API issued"}, 400)
        rows = self.world.exchange.get().officers
        page = rows[offset:offset + size]
        verdict = self.quotas["officers"].take(max(1, len(page)))
        if not verdict.allowed:
            self.stats.add(self.name, "rate_limited")
            response = self.json({"error": "QUOTA_EXCEEDED", "message": "daily record quota used up"}, 429)
            response.headers["Retry-After"] = retry_after_header(verdict.retry_after_s)
        else:
            more = offset + size < len(rows)
            response = self.json({"officers": [{
                "uscc": o.uscc, "enterprise_name": o.company, "enterprise_status": COMPANY_STATES[o.company_status],
                "established": o.established.isoformat(), "registered_capital_wan": f"{o.capital_wan:.2f}",
                "district": o.district, "role": ROLES[o.role], "person_name": o.name, "person_id_number": o.id_number,
            } for o in page], "next_page_token": self._token(offset + size) if more else "", "total_size": len(rows)})
        response.headers["X-Quota-Limit"] = str(verdict.limit)
        response.headers["X-Quota-Remaining"] = str(verdict.remaining)
        return response

"""Public utilities (水电气) billing platform: JSON, API key in X-Api-Key, paged
by an opaque cursor: at most `max_page_size` (2) bills per page, and
`next_cursor` is null on the last page. Amounts are integers in fen (分).

POST /utility/api/bills/query {"cert_no", "limit"?, "cursor"?}: a read-only
query with the ID number in the body (never in the URL: 400 IDENTIFIER_IN_URL).

category: WATER 水费, POWER 电费, GAS 燃气费; status: UNPAID or PAID.
"""
from __future__ import annotations

import base64
import hmac
from decimal import Decimal

from werkzeug.routing import Rule

from sandbox import credentials
from sandbox.backends.base import SandboxBackend

CATEGORIES = {"水费": "WATER", "电费": "POWER", "燃气费": "GAS"}


def to_fen(amount) -> int:
    return int(Decimal(str(amount)) * 100)


class UtilitiesBackend(SandboxBackend):
    name = "utilities"
    ping_path = "/utility/api/ping"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_page_size = int(self.options.get("max_page_size", 2))

    def rules(self):
        return [Rule("/utility/api/bills/query", endpoint="bills", methods=["POST"])]

    def authenticate(self, request, endpoint):
        if hmac.compare_digest(request.headers.get("X-Api-Key", ""), credentials.UTILITIES_API_KEY):
            return None
        return self.unauthorized()

    def unauthorized(self):
        return self.json({"error": {"code": "AUTH_FAILED", "message": "invalid key"}}, 401)

    def identifier_refused(self):
        return self.json({"error": {"code": "IDENTIFIER_IN_URL", "message": "send cert_no in the body"}}, 400)

    def bills(self, request):
        query = self.body_json(request)
        section = self.world.section(query.get("cert_no"), "utilities") or {}
        bills = section.get("bills") or []
        try:
            limit = min(max(int(query.get("limit", self.max_page_size)), 1), self.max_page_size)
            cursor = query.get("cursor")
            start = int(base64.urlsafe_b64decode(str(cursor).encode()).decode()) if cursor else 0
        except (ValueError, TypeError):
            return self.json({"error": {"code": "BAD_REQUEST", "message": "bad limit or cursor"}}, 400)
        page = bills[start:start + limit]
        more = start + limit < len(bills)
        return self.json({
            "bills": [{
                "bill_id": b["bill_no"], "category": CATEGORIES[b["kind"]], "account": b["account_no"],
                "company": b["company"], "district": b["district"], "period": b["period"],
                "amount_fen": to_fen(b["amount"]), "due": b["due"].isoformat(),
                "status": "PAID" if b["paid"] else "UNPAID",
            } for b in page],
            "next_cursor": base64.urlsafe_b64encode(str(start + limit).encode()).decode() if more else None,
        })

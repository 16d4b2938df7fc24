"""Medical-insurance bureau (医保): JSON, OAuth2 client-credentials tokens.

POST /oauth2/token (form: grant_type=client_credentials, client_id,
client_secret) gives a bearer token that lives `token_ttl_s` (120 s by
default: short on purpose). An expired or revoked token gets 401
{"errorCode": "TOKEN_EXPIRED"}; the control port can revoke every token.
Money is sent as JSON numbers (the bureau's choice), claim states as English
codes (SUBMITTED, REVIEWING, SETTLED, REJECTED).
"""
from __future__ import annotations

import hmac
import secrets
import time
from decimal import Decimal

from werkzeug.routing import Rule

from sandbox import credentials
from sandbox.backends.base import SandboxBackend
from sandbox.data import local_time
from sandbox.progress import Sequence, Step, move

CLAIM_STATES = {"已提交": "SUBMITTED", "审核中": "REVIEWING", "已结算": "SETTLED", "审核不通过": "REJECTED"}
# POST /__data/advance: a reimbursement claim is reviewed and settled; 审核不通过 is final.
SEQUENCE = Sequence(Step("已提交", next_step="等待审核"), Step("审核中", next_step="审核结果将短信通知"),
                    Step("已结算", next_step="报销款已拨付"), ends=("审核不通过",))


def money(value) -> float:
    # Sent as a JSON number: the adapter must read it without float rounding.
    return float(Decimal(str(value)))


class MedicalInsuranceBackend(SandboxBackend):
    name = "medical_insurance"
    ping_path = "/api/yb/v1/ping"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.token_ttl_s = int(self.options.get("token_ttl_s", 120))
        self._tokens: dict[str, float] = {}  # token -> expiry (epoch seconds)

    def rules(self):
        return [
            Rule("/oauth2/token", endpoint="token", methods=["POST"]),
            Rule("/api/yb/v1/insured/account", endpoint="account", methods=["POST"]),
            Rule("/api/yb/v1/insured/claims", endpoint="claims", methods=["POST"]),
        ]

    def revoke_tokens(self) -> int:
        with self.lock:
            n = len(self._tokens)
            self._tokens.clear()
        return n

    def unauthorized(self):
        return self.json({"success": False, "errorCode": "TOKEN_EXPIRED", "errorMsg": "访问令牌无效或已过期"}, 401)

    def authenticate(self, request, endpoint):
        if endpoint == "token":
            return None  # the token endpoint checks the client's credentials itself
        auth = request.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        with self.lock:
            expires = self._tokens.get(token)
        if not expires or expires < time.time():
            return self.unauthorized()
        return None

    def token(self, request):
        form = request.form
        if (form.get("grant_type") != "client_credentials"
                or not hmac.compare_digest(form.get("client_id", ""), credentials.MEDICAL_CLIENT_ID)
                or not hmac.compare_digest(form.get("client_secret", ""), credentials.MEDICAL_CLIENT_SECRET)):
            return self.json({"error": "invalid_client"}, 401)
        token = secrets.token_urlsafe(24)
        with self.lock:
            now = time.time()
            for t, exp in list(self._tokens.items()):
                if exp < now:
                    del self._tokens[t]
            self._tokens[token] = now + self.token_ttl_s
        self.stats.add(self.name, "tokens_issued")
        return self.json({"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl_s})

    @staticmethod
    def _claim(c: dict) -> dict:
        return {
            "claimNo": c["ref"], "hospital": c["hospital"], "visitType": c["kind"],
            "totalAmount": money(c["total"]), "fundPaid": money(c["reimbursed"]),
            "state": CLAIM_STATES[c["status"]], "district": c["district"],
            "submitTime": f"{c['submitted'].isoformat()}T00:00:00+08:00",
            "updateTime": local_time(c["updated"]).isoformat(), "remark": c["next_step"],
        }

    def account(self, request):
        yb = self.world.section(self.body_json(request).get("idNo"), "medical_insurance")
        if not yb:
            return self.json({"success": False, "errorCode": "INSURED_NOT_FOUND", "errorMsg": "未找到参保信息"}, 404)
        return self.json({"success": True, "result": {
            "insuredType": yb["insured_type"], "insuredState": yb["status"],
            "accountBalance": money(yb["balance"]),
            "recentClaims": [self._claim(c) for c in yb.get("claims") or []],
        }})

    def advance(self, ref):
        with self.lock:
            for _person, claim in self.world.every("medical_insurance", "claims"):
                if claim["ref"] == ref:
                    return move(self.name, ref, claim, SEQUENCE)
        return None

    def claims(self, request):
        yb = self.world.section(self.body_json(request).get("idNo"), "medical_insurance") or {}
        return self.json({"success": True, "result": [self._claim(c) for c in yb.get("claims") or []]})

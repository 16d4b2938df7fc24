"""Housing-fund centre (公积金): JSON over POST, every request signed with HMAC.

Signature (headers X-Gjj-AppKey, X-Gjj-Timestamp (unix seconds), X-Gjj-Nonce,
X-Gjj-Signature = hex HMAC-SHA256 with the app secret) over the lines
    METHOD, PATH, CANONICAL_QUERY, TIMESTAMP, NONCE, SHA256_HEX(BODY)
joined by "\n". CANONICAL_QUERY is the query pairs sorted and percent-encoded
(RFC 3986 unreserved characters kept). The timestamp must be within 300 s of
the server's clock and a nonce is accepted once (only requests that pass the
check use it up, so a retry after a gateway 503 may resend it).

Answers use the centre's pinyin field names and an envelope whose `code` is
"0000" on success and "1004" when the citizen has no account (HTTP 200 both).
"""
from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import quote

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from sandbox import credentials
from sandbox.backends.base import SandboxBackend
from sandbox.data import local_time
from sandbox.progress import Sequence, Step, move

WINDOW_S = 300
STATUS_CODES = {"正常缴存": "01", "封存": "02", "销户": "03"}

# POST /__data/advance: a withdrawal (提取) and a loan (贷款) each have their course; 不予受理 /
# 审批未通过 end one off the line.
WITHDRAWAL = Sequence(
    Step("已受理", "受理", "等待审核"),
    Step("审核中", "审核", "审核通过后将转账至绑定银行卡"),
    Step("已审批", "转账", "提取款正在转入绑定银行卡"),
    Step("已到账", "办结", "无需操作，提取款已转入绑定银行卡"),
    ends=("不予受理", "审批未通过"))
LOAN = Sequence(
    Step("已受理", "受理", "等待审批"),
    Step("审批中", "贷款审批", "审批通过后签订借款合同"),
    Step("已审批", "签约", "请到受理网点签订借款合同"),
    Step("已放款", "办结", "贷款已发放"),
    ends=("不予受理", "审批未通过"))


def canonical_query(pairs) -> str:
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(pairs))


def string_to_sign(method: str, path: str, query: str, timestamp: str, nonce: str, body: bytes) -> str:
    return "\n".join([method.upper(), path, query, timestamp, nonce, hashlib.sha256(body).hexdigest()])


class HousingFundBackend(SandboxBackend):
    name = "housing_fund"
    ping_path = "/gjj/open/v2/ping"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._nonces: dict[str, float] = {}

    def rules(self):
        return [
            Rule("/gjj/open/v2/account/query", endpoint="account", methods=["POST"]),
            Rule("/gjj/open/v2/business/query", endpoint="business", methods=["POST"]),
        ]

    def unauthorized(self):
        return self.json({"code": "4010", "msg": "签名校验失败", "data": None}, 401)

    def garbage(self):
        return Response("<html><body><h1>502 Bad Gateway</h1></body></html>", 200, content_type="text/html")

    def authenticate(self, request, endpoint):
        h = request.headers
        app_key, ts, nonce, sig = (h.get("X-Gjj-AppKey", ""), h.get("X-Gjj-Timestamp", ""),
                                   h.get("X-Gjj-Nonce", ""), h.get("X-Gjj-Signature", ""))
        if app_key != credentials.HOUSING_FUND_APP_KEY or not ts.isdigit() or not nonce:
            return self.unauthorized()
        now = time.time()
        if abs(now - int(ts)) > WINDOW_S:
            return self.json({"code": "4011", "msg": "时间戳超出允许范围", "data": None}, 401)
        expected = hmac.new(
            credentials.HOUSING_FUND_APP_SECRET.encode(),
            string_to_sign(request.method, request.path, canonical_query(request.args.items(multi=True)),
                           ts, nonce, request.get_data()).encode(),
            hashlib.sha256,
        ).hexdigest()
        if not hmac.compare_digest(expected, sig):
            return self.unauthorized()
        with self.lock:
            for n, seen in list(self._nonces.items()):
                if seen < now - WINDOW_S:
                    del self._nonces[n]
            if nonce in self._nonces:
                return self.json({"code": "4012", "msg": "重复的请求", "data": None}, 401)
            self._nonces[nonce] = now
        return None

    def advance(self, ref):
        with self.lock:
            for _person, affair in self.world.every("housing_fund", "affairs"):
                if affair["ref"] == ref:
                    return move(self.name, ref, affair, LOAN if "贷款" in affair["item"] else WITHDRAWAL)
        return None

    @staticmethod
    def _envelope(data, code="0000", msg="成功"):
        return SandboxBackend.json({"code": code, "msg": msg, "data": data})

    def account(self, request):
        fund = self.world.section(self.body_json(request).get("zjhm"), "housing_fund")
        if not fund:
            return self._envelope(None, "1004", "未查询到缴存信息")
        return self._envelope({
            "grzh": fund["account_no"],
            "dwmc": fund["employer"],
            "zhye": fund["balance"],
            "yjce": fund["monthly_deposit"],
            "zhzt": STATUS_CODES[fund["status"]],
            "jzny": fund["last_deposit_month"].replace("-", ""),
            "khrq": fund["opened_on"].strftime("%Y%m%d"),
        })

    def business(self, request):
        fund = self.world.section(self.body_json(request).get("zjhm"), "housing_fund") or {}
        rows = [{
            "ywlsh": a["ref"], "ywmc": a["item"], "blzt": a["status"], "blhj": a["stage"],
            "bljg": a["place"], "xzqh": a["district"], "sqrq": a["submitted"].strftime("%Y%m%d"),
            "gxsj": local_time(a["updated"]).strftime("%Y%m%d%H%M%S"), "xybcz": a["next_step"],
            "sfbj": "1" if a["done"] else "0",
        } for a in fund.get("affairs") or []]
        return self._envelope({"total": len(rows), "list": rows})

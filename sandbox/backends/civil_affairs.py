"""Civil-affairs bureau (民政) data-exchange platform: death registrations and
minimum-living-allowance (低保) households, for other departments, in bulk.

Authentication is a login session, as on many older platforms: POST
/mz/api/auth/login {"account", "password"} answers {"code": "000000", "data":
{"expiresIn": 600}} and sets the cookie MZSESSIONID (Max-Age the same); every
other call sends that cookie. An unknown or expired session gets 401
{"code": "100401"}; the control port can revoke every session.

Envelope: {"code": "000000", "msg": "成功", "data": …}; errors are JSON whatever
the endpoint: 100400 bad request, 100413 date range too long, 100429 too many
requests (HTTP 429, Retry-After), 100401 not logged in.

GET /mz/api/exchange/deaths?startDate=2026-01-01&endDate=2026-03-31&pageNo=1&pageSize=200
    Death registrations whose *registration* date is in the range, as CSV (UTF-8,
    header row in Chinese: 登记编号,姓名,性别,公民身份号码,死亡日期,登记日期,登记机关,
    行政区划), oldest first. Paging by page number in headers: X-Total-Count,
    X-Page-No, X-Page-Size, X-Total-Pages. pageSize at most 200 (more: 400, not cut);
    the range at most 92 days (more: 400 code 100413).
GET /mz/api/exchange/dibao/households?pageNo=1&pageSize=100
    低保 households, JSON: data {pageNo, pageSize, total, records: [{householdNo,
    district, status 在保|停保, startMonth, endMonth, monthlyAmount "720.00",
    members: [{name, idNumber, relation}]}]}; pageSize at most 100 (more: 400).

Both share one limit per account: `exchange_rate` requests a minute (120, a
fixed window): then 429 with Retry-After (seconds to the window's end) and
X-RateLimit-Remaining on every answer.
"""
from __future__ import annotations

import csv
import datetime as dt
import hmac
import io
import secrets
import time

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from sandbox import credentials
from sandbox.backends.base import SandboxBackend
from sandbox.quotas import Quota, retry_after_header

COOKIE = "MZSESSIONID"
MAX_DEATH_PAGE = 200
MAX_HOUSEHOLD_PAGE = 100
MAX_SPAN_DAYS = 92
DEATH_COLUMNS = ("登记编号", "姓名", "性别", "公民身份号码", "死亡日期", "登记日期", "登记机关", "行政区划")


class CivilAffairsBackend(SandboxBackend):
    name = "civil_affairs"
    ping_path = "/mz/api/ping"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.session_ttl_s = int(self.options.get("session_ttl_s", 600))
        self._sessions: dict[str, float] = {}  # session id -> expiry (epoch seconds)

    def rules(self):
        return [
            Rule("/mz/api/auth/login", endpoint="login", methods=["POST"]),
            Rule("/mz/api/exchange/deaths", endpoint="deaths", methods=["GET"]),
            Rule("/mz/api/exchange/dibao/households", endpoint="households", methods=["GET"]),
        ]

    def make_quotas(self):
        return {"exchange": Quota(str(self.options.get("exchange_rate", "120/minute")), "fixed")}

    # --- envelope and errors ----------------------------------------------------------------
    @staticmethod
    def _answer(data=None, code="000000", msg="成功", status=200) -> Response:
        return SandboxBackend.json({"code": code, "msg": msg, "data": data}, status)

    def _bad(self, msg: str, code: str = "100400") -> Response:
        return self._answer(None, code, msg, 400)

    def unauthorized(self):
        return self._answer(None, "100401", "会话已失效，请重新登录", 401)

    def identifier_refused(self):
        return self._bad("公民身份号码不得出现在URL中")

    def garbage(self):
        # A CSV export cut off mid-row (the gateway dropped the upstream).
        return Response("登记编号,姓名,性别,公民身份号码\nSW2026081500", 200, content_type="text/csv; charset=utf-8")

    def ping(self, request):
        return self._answer(None, msg="UP")

    # --- the session ------------------------------------------------------------------------
    def revoke_tokens(self) -> int:
        with self.lock:
            n = len(self._sessions)
            self._sessions.clear()
        return n

    def authenticate(self, request, endpoint):
        if endpoint == "login":
            return None
        session = request.cookies.get(COOKIE, "")
        with self.lock:
            expires = self._sessions.get(session)
        if not expires or expires < time.time():
            return self.unauthorized()
        return None

    def login(self, request):
        body = self.body_json(request)
        if not (hmac.compare_digest(str(body.get("account", "")), credentials.CIVIL_AFFAIRS_ACCOUNT)
                and hmac.compare_digest(str(body.get("password", "")), credentials.CIVIL_AFFAIRS_PASSWORD)):
            return self._answer(None, "100401", "账号或密码错误", 401)
        session = secrets.token_urlsafe(24)
        with self.lock:
            now = time.time()
            for s, exp in list(self._sessions.items()):
                if exp < now:
                    del self._sessions[s]
            self._sessions[session] = now + self.session_ttl_s
        self.stats.add(self.name, "tokens_issued")
        response = self._answer({"expiresIn": self.session_ttl_s}, msg="登录成功")
        response.set_cookie(COOKIE, session, max_age=self.session_ttl_s, path="/mz", httponly=True)
        return response

    # --- the listings -----------------------------------------------------------------------
    def _limited(self, respond):
        """Run one exchange call under the account's per-minute limit."""
        verdict = self.quotas["exchange"].take()
        if not verdict.allowed:
            self.stats.add(self.name, "rate_limited")
            response = self._answer(None, "100429", "请求过于频繁，请稍后再试", 429)
            response.headers["Retry-After"] = retry_after_header(verdict.retry_after_s)
        else:
            response = respond()
        response.headers["X-RateLimit-Limit"] = str(verdict.limit)
        response.headers["X-RateLimit-Remaining"] = str(verdict.remaining)
        return response

    @staticmethod
    def _paging(request, cap: int) -> tuple[int, int] | str:
        try:
            page_no = int(request.args.get("pageNo", "1"))
            page_size = int(request.args.get("pageSize", str(cap)))
        except ValueError:
            return "pageNo 与 pageSize 须为正整数"
        if page_no < 1 or page_size < 1:
            return "pageNo 与 pageSize 须为正整数"
        if page_size > cap:
            return f"pageSize 不得超过 {cap}"
        return page_no, page_size

    def deaths(self, request):
        def respond():
            paging = self._paging(request, MAX_DEATH_PAGE)
            if isinstance(paging, str):
                return self._bad(paging)
            try:
                first = dt.date.fromisoformat(request.args["startDate"])
                last = dt.date.fromisoformat(request.args["endDate"])
            except (KeyError, ValueError):
                return self._bad("startDate 与 endDate 为必填的日期（YYYY-MM-DD）")
            if last < first:
                return self._bad("endDate 早于 startDate")
            if (last - first).days + 1 > MAX_SPAN_DAYS:
                return self._bad(f"查询区间不得超过 {MAX_SPAN_DAYS} 天", "100413")
            page_no, page_size = paging
            rows = self.world.exchange.get().deaths_between(first, last)
            page = rows[(page_no - 1) * page_size:page_no * page_size]
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(DEATH_COLUMNS)
            for d in page:
                writer.writerow((d.ref, d.name, d.gender, d.id_number, d.died_on.isoformat(),
                                 d.registered_on.isoformat(), d.authority, d.district))
            response = Response(out.getvalue(), 200, content_type="text/csv; charset=utf-8")
            response.headers.update({
                "X-Total-Count": str(len(rows)), "X-Page-No": str(page_no), "X-Page-Size": str(page_size),
                "X-Total-Pages": str(-(-len(rows) // page_size)),
            })
            return response
        return self._limited(respond)

    def households(self, request):
        def respond():
            paging = self._paging(request, MAX_HOUSEHOLD_PAGE)
            if isinstance(paging, str):
                return self._bad(paging)
            page_no, page_size = paging
            rows = self.world.exchange.get().households
            page = rows[(page_no - 1) * page_size:page_no * page_size]
            return self._answer({"pageNo": page_no, "pageSize": page_size, "total": len(rows), "records": [{
                "householdNo": h.household_no, "district": h.district, "status": h.status,
                "startMonth": h.since, "endMonth": h.until, "monthlyAmount": f"{h.monthly_amount:.2f}",
                "members": [{"name": m.name, "idNumber": m.id_number, "relation": m.relation} for m in h.members],
            } for h in page]})
        return self._limited(respond)

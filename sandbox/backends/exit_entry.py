"""Exit-entry administration (出入境): REST-style GETs, JSON with an `errcode`
envelope, API key as `Authorization: ApiKey <key>`, the citizen's ID number
(sfzh) in the `X-Sfzh` header (never in the URL: 400 IDENTIFIER_IN_URL).

Status codes (blzt): 01 已受理, 02 审批中, 03 制证中, 04 已制证待领取, 05 已领取,
06 不予批准. Destination (qwd): HKMO (港澳) or TWN (台湾).
GET /crj/api/v1/endorsements/<no> with X-Sfzh: another person's application
answers 404 like a missing one; without X-Sfzh any application is shown (kept
for the early demo path only). GET /crj/api/v1/endorsements with X-Sfzh: the
citizen's applications.

GET /crj/api/v1/staff/endorsements?after=<sqbh>&limit=<n> (staff side, no X-Sfzh): every
application, named citizens' and the synthetic population's (sandbox/endorsements.py), by
number, without the applicant: data {items, has_more, last}; pass `last` as `after` for the
next page (a cursor, unlike the other backends' page numbers); limit at most 500. The staff
listing has its own limit (`staff_rate`, 10/second): over it 429 errcode 42901 + Retry-After.
"""
from __future__ import annotations

import bisect
import hmac

from werkzeug.routing import Rule

from sandbox import credentials
from sandbox.backends.base import SandboxBackend
from sandbox.data import local_time, now_local
from sandbox.progress import Sequence, Step, move
from sandbox.quotas import Quota, retry_after_header

STATUS_CODES = {"已受理": "01", "审批中": "02", "制证中": "03", "已制证待领取": "04", "已领取": "05", "不予批准": "06"}
REGIONS = {"港澳": "HKMO", "台湾": "TWN"}
ID_HEADER = "X-Sfzh"
MAX_STAFF_PAGE = 500
STAFF_FIELDS = ("sqbh", "qwd", "qzzl", "blzt", "xzqh", "sqrq", "gxsj")   # what staff listings show: no applicant

# POST /__data/advance: the course of an endorsement. Approval and printing are one step for the
# citizen (制证中, shown by some records, moves on like 审批中); 不予批准 ends it off the line.
SEQUENCE = Sequence(
    Step("已受理", "受理", "等待审批，审批结果将短信通知"),
    Step("审批中", "审批", "审批通过后制证，制证完成将短信通知领取"),
    Step("已制证待领取", "待领取", "请携带身份证件到领证地点领取"),
    Step("已领取", "办结", "已领取，无需操作"),
    joins={"制证中": "审批中"}, ends=("不予批准",))


class ExitEntryBackend(SandboxBackend):
    name = "exit_entry"
    ping_path = "/crj/api/v1/ping"

    def rules(self):
        return [
            Rule("/crj/api/v1/endorsements/<application_no>", endpoint="one", methods=["GET"]),
            Rule("/crj/api/v1/endorsements", endpoint="many", methods=["GET"]),
            Rule("/crj/api/v1/staff/endorsements", endpoint="staff_list", methods=["GET"]),
        ]

    def make_quotas(self):
        return {"staff": Quota(str(self.options.get("staff_rate", "10/second")))}

    def authenticate(self, request, endpoint):
        if hmac.compare_digest(request.headers.get("Authorization", ""), f"ApiKey {credentials.EXIT_ENTRY_API_KEY}"):
            return None
        return self.unauthorized()

    def unauthorized(self):
        return self.json({"errcode": 40101, "errmsg": "无效的访问密钥"}, 401)

    def identifier_refused(self):
        return self.json({"errcode": 40001, "errmsg": "身份证号不得出现在URL中，请使用 X-Sfzh 请求头"}, 400)

    @staticmethod
    def _wire(a: dict) -> dict:
        return {
            "sqbh": a["ref"], "qwd": REGIONS[a["region"]], "qzzl": a["type"], "blzt": STATUS_CODES[a["status"]],
            "hjmc": a["stage"], "lzdd": a["collect_place"], "xzqh": a["district"],
            "sqrq": a["submitted"].isoformat(), "gxsj": local_time(a["updated"]).isoformat(), "tsxx": a["next_step"],
        }

    def advance(self, ref):
        with self.lock:
            for _person, app in self.world.every("exit_entry", "applications"):
                if app["ref"] == ref:
                    return move(self.name, ref, app, SEQUENCE)
        return None

    def one(self, request, application_no):
        wanted_owner = request.headers.get(ID_HEADER)
        for person, app in self.world.every("exit_entry", "applications"):
            if app["ref"] == application_no and (wanted_owner is None or person["id_number"] == wanted_owner.upper()):
                return self.json({"errcode": 0, "errmsg": "ok", "data": self._wire(app)})
        return self.json({"errcode": 40401, "errmsg": "未找到该申请"}, 404)

    def many(self, request):
        section = self.world.section(request.headers.get(ID_HEADER), "exit_entry") or {}
        items = [self._wire(a) for a in section.get("applications") or []]
        return self.json({"errcode": 0, "errmsg": "ok", "data": {"items": items}})

    def _staff_rows(self) -> list[dict]:
        """Every application in the staff listing's shape, by number."""
        rows = [{"sqbh": e.ref, "qwd": REGIONS[e.region], "qzzl": e.kind, "blzt": STATUS_CODES[e.status],
                 "xzqh": e.district, "sqrq": e.submitted.isoformat(), "gxsj": e.updated.isoformat()}
                for e in self.world.exchange.get().endorsements.listed(now_local())]
        with self.lock:
            rows += [{k: v for k, v in self._wire(a).items() if k in STAFF_FIELDS}
                     for _person, a in self.world.every("exit_entry", "applications")]
        return sorted(rows, key=lambda r: r["sqbh"])

    def staff_list(self, request):
        verdict = self.quotas["staff"].take()
        if not verdict.allowed:
            self.stats.add(self.name, "rate_limited")
            response = self.json({"errcode": 42901, "errmsg": "请求过于频繁"}, 429)
            response.headers["Retry-After"] = retry_after_header(verdict.retry_after_s)
            return response
        after = request.args.get("after", "")
        try:
            limit = int(request.args.get("limit", "100"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_STAFF_PAGE:
            return self.json({"errcode": 40002, "errmsg": f"limit 须为 1 到 {MAX_STAFF_PAGE} 的整数"}, 400)
        rows = self._staff_rows()
        start = bisect.bisect_right([r["sqbh"] for r in rows], after)
        page = rows[start:start + limit]
        return self.json({"errcode": 0, "errmsg": "ok", "data": {
            "items": page, "has_more": start + limit < len(rows), "last": page[-1]["sqbh"] if page else after}})

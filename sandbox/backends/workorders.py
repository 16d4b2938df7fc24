"""12345 hotline work-order system (工单): JSON with a `result` envelope, Chinese
status names, timestamps as "YYYY-MM-DD HH:MM:SS" (Beijing time), token in
X-Auth-Token, and lists paged by page number (pageNo/pageSize, at most 3 a page).

Creating an order requires an Idempotency-Key; a contact phone is optional.
An order filed with a citizen's ID (citizenId in the body) answers 404 to
anyone asking with another ID; queries carry the ID in the X-Citizen-Id header
(never in the URL: 400 IDENTIFIER_IN_URL); asking for one order without an ID
is allowed (the hotline's own staff and anonymous filings).

The 12345 office's own operations (its staff, not citizens): list orders by department and
status (GET /gd/api/staff/orders?dept=&state=&pageNo=&pageSize=, at most 20 a page), transfer
a wrongly routed order to another department (转办: POST …/orders/<no>/transfer {"dept", "reason"}),
one order as the staff see it (GET /gd/api/staff/orders/<no>; the staff's views carry the filer's
citizenId, which citizens' own queries never answer),
and merge a duplicate into the order it repeats (POST …/orders/<no>/merge {"into"}; the duplicate
becomes 已合并 and the kept order notes it).
"""
from __future__ import annotations

import hmac
import itertools
import re

from werkzeug.routing import Rule

from bot.core.privacy import mask_phone
from sandbox import credentials
from sandbox.backends.base import SandboxBackend
from sandbox.data import local_time, now_local, today_local

MAX_PAGE_SIZE = 3
MAX_STAFF_PAGE_SIZE = 20
MERGED = "已合并"
CLOSED = ("已办结", "已回访", MERGED)
FMT = "%Y-%m-%d %H:%M:%S"
ID_HEADER = "X-Citizen-Id"


class WorkordersBackend(SandboxBackend):
    name = "workorders"
    ping_path = "/gd/api/ping"

    def __init__(self, *args, **kwargs):
        self._seq = itertools.count(801)  # never restarts: a restored sandbox hands out new numbers
        super().__init__(*args, **kwargs)

    def seed(self):
        self.orders: dict[str, dict] = {}
        for person, o in self.world.every("workorders", "orders"):
            self.orders[o["ref"]] = {
                **o, "citizen_id": person["id_number"], "phone": person["phone"],
                "created": local_time(o["created"]),
                "steps": [{**s, "at": local_time(s["at"])} for s in o["steps"]],
            }

    def rules(self):
        return [
            Rule("/gd/api/orders", endpoint="create", methods=["POST"]),
            Rule("/gd/api/orders", endpoint="list_orders", methods=["GET"]),
            Rule("/gd/api/orders/<order_no>", endpoint="one", methods=["GET"]),
            Rule("/gd/api/staff/orders", endpoint="staff_orders", methods=["GET"]),
            Rule("/gd/api/staff/orders/<order_no>", endpoint="staff_one", methods=["GET"]),
            Rule("/gd/api/orders/<order_no>/transfer", endpoint="transfer", methods=["POST"]),
            Rule("/gd/api/orders/<order_no>/merge", endpoint="merge", methods=["POST"]),
        ]

    def authenticate(self, request, endpoint):
        if hmac.compare_digest(request.headers.get("X-Auth-Token", ""), credentials.WORKORDERS_API_KEY):
            return None
        return self.unauthorized()

    def unauthorized(self):
        return self.json({"result": "error", "errorCode": "E401", "errorMsg": "令牌无效"}, 401)

    def _error(self, code: str, msg: str, status: int):
        return self.json({"result": "error", "errorCode": code, "errorMsg": msg}, status)

    def identifier_refused(self):
        return self._error("E400", "证件号码或电话不得出现在URL中", 400)

    @staticmethod
    def _wire(o: dict) -> dict:
        steps = o["steps"]
        return {
            "orderNo": o["ref"], "topic": o["topic"], "dept": o["department"], "summary": o["content"],
            "area": o["district"], "state": o["status"], "createTime": o["created"].strftime(FMT),
            "updateTime": (steps[-1]["at"] if steps else o["created"]).strftime(FMT),
            "contactPhone": mask_phone(o["phone"]) if o.get("phone") else None,
            "flow": [{"time": s["at"].strftime(FMT), "node": s["stage"], "dept": s["department"],
                      "opinion": s["note"]} for s in steps],
        }

    def create(self, request):
        if not request.headers.get("Idempotency-Key"):
            return self._error("E400", "缺少 Idempotency-Key", 400)
        return self.idempotent(request, lambda: self._create(self.body_json(request)))

    def _create(self, body: dict):
        # Runs under self.lock (see SandboxBackend.idempotent).
        missing = [k for k in ("topic", "department", "content", "district") if not body.get(k)]
        if missing:
            return self._error("E400", f"缺少字段: {', '.join(missing)}", 400)
        phone = str(body.get("contactPhone") or "") or None
        if phone is not None and not re.fullmatch(r"1[3-9]\d{9}", phone):
            return self._error("E400", "联系电话格式不正确", 400)
        now = now_local()
        no = f"GD{today_local():%Y%m%d}{next(self._seq):06d}"
        self.orders[no] = {
            "ref": no, "topic": body["topic"], "department": body["department"], "content": body["content"],
            "district": body["district"], "status": "已受理", "created": now,
            "citizen_id": (str(body.get("citizenId") or "").upper() or None), "phone": phone,
            "steps": [{"at": now, "stage": "已受理", "department": "12345热线办公室", "note": "网上受理"}],
        }
        self.stats.add(self.name, "created")
        return self.json({"result": "ok", "order": self._wire(self.orders[no])}, 201)

    def one(self, request, order_no):
        asker = (request.headers.get(ID_HEADER) or "").upper()
        with self.lock:
            o = self.orders.get(order_no)
            if not o or (asker and o["citizen_id"] != asker):
                return self._error("E404", "工单不存在", 404)
            return self.json({"result": "ok", "order": self._wire(o)})

    def list_orders(self, request):
        citizen = (request.headers.get(ID_HEADER) or "").upper()
        try:
            page_no = max(1, int(request.args.get("pageNo", 1)))
            size = min(max(1, int(request.args.get("pageSize", MAX_PAGE_SIZE))), MAX_PAGE_SIZE)
        except ValueError:
            return self._error("E400", "分页参数错误", 400)
        with self.lock:
            mine = sorted((o for o in self.orders.values() if citizen and o["citizen_id"] == citizen),
                          key=lambda o: o["created"], reverse=True)
            page = [self._wire(o) for o in mine[(page_no - 1) * size: page_no * size]]
        return self.json({"result": "ok", "pageNo": page_no, "pageSize": size, "total": len(mine), "orders": page})

    # -- the 12345 office's operations --------------------------------------------------------------
    def staff_orders(self, request):
        dept, state = request.args.get("dept") or None, request.args.get("state") or None
        try:
            page_no = max(1, int(request.args.get("pageNo", 1)))
            size = min(max(1, int(request.args.get("pageSize", MAX_STAFF_PAGE_SIZE))), MAX_STAFF_PAGE_SIZE)
        except ValueError:
            return self._error("E400", "分页参数错误", 400)
        with self.lock:
            found = sorted((o for o in self.orders.values()
                            if (dept is None or o["department"] == dept) and (state is None or o["status"] == state)),
                           key=lambda o: o["created"], reverse=True)
            page = [self._staff_wire(o) for o in found[(page_no - 1) * size: page_no * size]]
        return self.json({"result": "ok", "pageNo": page_no, "pageSize": size, "total": len(found), "orders": page})

    def staff_one(self, request, order_no):
        with self.lock:
            o = self.orders.get(order_no)
            if not o:
                return self._error("E404", "工单不存在", 404)
            return self.json({"result": "ok", "order": self._staff_wire(o)})

    @classmethod
    def _staff_wire(cls, o: dict) -> dict:
        """What the office's staff see: the order and who filed it (None for anonymous filings)."""
        return {**cls._wire(o), "citizenId": o.get("citizen_id")}

    def transfer(self, request, order_no):
        body = self.body_json(request)
        dept, reason = str(body.get("dept") or "").strip(), str(body.get("reason") or "").strip()
        if not dept:
            return self._error("E400", "缺少字段: dept", 400)
        with self.lock:
            o = self.orders.get(order_no)
            if not o:
                return self._error("E404", "工单不存在", 404)
            if o["status"] in CLOSED:
                return self._error("E409", "工单已办结或已合并，不能转办", 409)
            if o["department"] == dept:
                return self._error("E409", "已是该部门的工单", 409)
            before, o["department"] = o["department"], dept
            o["steps"].append({"at": now_local(), "stage": "转办", "department": "12345热线办公室",
                               "note": f"由{before}转至{dept}" + (f"：{reason}" if reason else "")})
            self.stats.add(self.name, "transferred")
            return self.json({"result": "ok", "order": self._wire(o)})

    def merge(self, request, order_no):
        into = str(self.body_json(request).get("into") or "").strip().upper()
        with self.lock:
            dup, kept = self.orders.get(order_no), self.orders.get(into)
            if not dup or not kept:
                return self._error("E404", "工单不存在", 404)
            if dup is kept:
                return self._error("E409", "不能与自身合并", 409)
            if dup["status"] in CLOSED or kept["status"] == MERGED:
                return self._error("E409", "工单已办结或已合并，不能合并", 409)
            now = now_local()
            dup["status"] = MERGED
            dup["steps"].append({"at": now, "stage": MERGED, "department": "12345热线办公室",
                                 "note": f"与{into}重复，已并入该工单"})
            kept["steps"].append({"at": now, "stage": "合并", "department": "12345热线办公室",
                                  "note": f"并入重复工单{order_no}"})
            self.stats.add(self.name, "merged")
            return self.json({"result": "ok", "order": self._wire(dup), "into": self._wire(kept)})

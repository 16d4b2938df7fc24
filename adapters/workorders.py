"""12345 hotline work-order system (工单): create (with an Idempotency-Key),
progress of one order, the citizen's orders (paged by page number); and the 12345 office's own
operations: list by department and status, transfer (转办), merge a duplicate. The
citizen's ID number travels in the body (create) or the X-Citizen-Id header
(queries), never in the URL."""
from __future__ import annotations

from urllib.parse import quote

from adapters.auth import HeaderKeyAuth
from adapters.base import BackendAdapter, personal_read
from adapters.errors import BadResponse
from adapters.parsing import json_body, local_datetime, text
from adapters.records import Affair, WorkOrder, WorkOrderStep
from bot.core.config import Section
from bot.core.privacy import mask_text

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
ID_HEADER = "X-Citizen-Id"


class WorkordersAdapter(BackendAdapter):
    name = "workorders"
    domain = "12345"
    health_path = "/gd/api/ping"
    SETTING_KEYS = ("api_key", "page_size", "max_pages")

    def _configure(self, cfg: Section):
        self.page_size = cfg.int("page_size", 3, lo=1, hi=100)
        self.max_pages = cfg.int("max_pages", 50, lo=1, hi=1000)
        return HeaderKeyAuth("X-Auth-Token", cfg.str("api_key"))

    def _body(self, response) -> dict:
        body = json_body(response)
        if body["result"] != "ok":
            raise BadResponse(self.name, f"unexpected result {body['result']!r}")
        return body

    @staticmethod
    def _order(o: dict) -> WorkOrder:
        return WorkOrder(
            order_no=text(o["orderNo"]), topic=text(o["topic"]), department=text(o["dept"]),
            summary=text(o["summary"]), district=text(o["area"]), status=text(o["state"]),
            created_at=local_datetime(o["createTime"], TIME_FORMAT),
            updated_at=local_datetime(o["updateTime"], TIME_FORMAT),
            contact_phone_masked=o.get("contactPhone") or None,
            citizen_id=(str(o["citizenId"]).upper() if o.get("citizenId") else None),
            steps=tuple(WorkOrderStep(at=local_datetime(s["time"], TIME_FORMAT), stage=text(s["node"]),
                                      department=text(s["dept"]), note=text(s["opinion"])) for s in o["flow"]),
        )

    def create(self, topic: str, department: str, content: str, district: str, contact_phone: str | None,
               id_number: str | None, idempotency_key: str) -> WorkOrder:
        """File a work order (GD number). Retried safely: the same
        idempotency_key never files a second order. id_number links it to the
        bound citizen (None for anonymous or hotline filings); contact_phone may
        be None when the citizen left none. Every ID and phone number in `content` is masked
        here whatever the caller did (bot.core.privacy.mask_text): the order is read by people
        in other departments; the phone to call back travels only in contact_phone."""
        if not isinstance(idempotency_key, str) or not idempotency_key.strip():
            raise ValueError("idempotency_key is required")
        body = {"topic": topic, "department": department, "content": mask_text(content), "district": district}
        if contact_phone and contact_phone.strip():
            body["contactPhone"] = contact_phone.strip()
        if id_number is not None:
            body["citizenId"] = self._id(id_number)
        return self._request("POST", "/gd/api/orders", op="create", json=body,
                             idempotency_key=idempotency_key.strip(),
                             parse=lambda r: self._order(self._body(r)["order"]))

    @personal_read
    def get(self, order_no: str, id_number: str | None) -> WorkOrder:
        """One order with its progress steps. With id_number, an order of another
        citizen raises NotFound like a missing one; None looks it up by number
        alone (hotline staff, anonymous filings)."""
        headers = {ID_HEADER: self._id(id_number)} if id_number is not None else None
        return self._request("GET", f"/gd/api/orders/{quote(order_no.strip().upper(), safe='')}", op="get",
                             headers=headers, parse=lambda r: self._order(self._body(r)["order"]))

    @personal_read
    def orders(self, id_number: str) -> list[WorkOrder]:
        """All of the citizen's orders, newest first (every page)."""
        def parse(response) -> tuple[list[WorkOrder], int]:
            body = self._body(response)
            return [self._order(o) for o in body["orders"]], int(body["total"])

        out: list[WorkOrder] = []
        headers = {ID_HEADER: self._id(id_number)}
        for page_no in range(1, self.max_pages + 1):
            page, total = self._request("GET", "/gd/api/orders", op="orders", parse=parse, headers=headers,
                                        params={"pageNo": page_no, "pageSize": self.page_size})
            out.extend(page)
            if not page or len(out) >= total:
                return out
        raise BadResponse(self.name, f"orders: more than {self.max_pages} pages")

    # -- the 12345 office's operations (the console) ----------------------------------------------
    def staff_orders(self, department: str | None = None, status: str | None = None) -> list[WorkOrder]:
        """Every order of a department (or all) in a status (or any), newest first (every page)."""
        def parse(response) -> tuple[list[WorkOrder], int]:
            body = self._body(response)
            return [self._order(o) for o in body["orders"]], int(body["total"])

        params = {k: v for k, v in (("dept", department), ("state", status)) if v}
        out: list[WorkOrder] = []
        for page_no in range(1, self.max_pages * 10 + 1):
            page, total = self._request("GET", "/gd/api/staff/orders", op="staff_orders", parse=parse,
                                        params={**params, "pageNo": page_no, "pageSize": 20})
            out.extend(page)
            if not page or len(out) >= total:
                return out
        raise BadResponse(self.name, "staff_orders: too many pages")

    def staff_order(self, order_no: str) -> WorkOrder:
        """One order as the office's staff see it, with the filer's citizen_id (for the audit)."""
        return self._request("GET", f"/gd/api/staff/orders/{quote(order_no.strip().upper(), safe='')}",
                             op="staff_order", parse=lambda r: self._order(self._body(r)["order"]))

    def transfer(self, order_no: str, department: str, reason: str = "") -> WorkOrder:
        """Re-route an order to another department (转办). Conflict when it is closed or already theirs."""
        return self._request("POST", f"/gd/api/orders/{quote(order_no.strip().upper(), safe='')}/transfer",
                             op="transfer", json={"dept": department, "reason": reason}, idempotent=True,
                             parse=lambda r: self._order(self._body(r)["order"]))

    def merge(self, order_no: str, into: str) -> WorkOrder:
        """Merge a duplicate order into the one it repeats; answers the duplicate (now 已合并)."""
        return self._request("POST", f"/gd/api/orders/{quote(order_no.strip().upper(), safe='')}/merge",
                             op="merge", json={"into": into.strip().upper()}, idempotent=True,
                             parse=lambda r: self._order(self._body(r)["order"]))

    @personal_read
    def affairs(self, id_number: str) -> list[Affair]:
        return [Affair(
            domain=self.domain, item=f"12345 工单：{o.summary}", status=o.status,
            stage=o.steps[-1].stage if o.steps else o.status, place=o.department, district=o.district,
            updated_at=o.updated_at,
            next_step="无需操作" if o.done else f"{o.department}办理中，办结后将短信回复",
            ref_no=o.order_no, done=o.done, backend=self.name,
        ) for o in self.orders(id_number)]

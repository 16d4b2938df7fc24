"""Public utilities billing platform (水电气): JSON, amounts in fen, results
paged by an opaque cursor (a few bills a page): bills() follows the cursor.
Bills are asked for with a read-only POST query (the ID number, the page size
and the cursor in the JSON body, never in the URL), retried as idempotent."""
from __future__ import annotations

import datetime as dt

from adapters.auth import HeaderKeyAuth
from adapters.base import BackendAdapter, personal_read
from adapters.errors import BadResponse
from adapters.parsing import date, fen, json_body, month, text
from adapters.records import CST, Affair, UtilityBill
from bot.core.config import Section

KIND = {"WATER": "水费", "POWER": "电费", "GAS": "燃气费"}


class UtilitiesAdapter(BackendAdapter):
    name = "utilities"
    domain = "水电气"
    health_path = "/utility/api/ping"
    SETTING_KEYS = ("api_key", "page_size", "max_pages")

    def _configure(self, cfg: Section):
        self.page_size = cfg.int("page_size", 20, lo=1, hi=500)
        self.max_pages = cfg.int("max_pages", 20, lo=1, hi=1000)
        return HeaderKeyAuth("X-Api-Key", cfg.str("api_key"))

    @staticmethod
    def _bill(b: dict) -> UtilityBill:
        return UtilityBill(
            bill_no=text(b["bill_id"]), kind=KIND[b["category"]], account_no=text(b["account"]),
            company=text(b["company"]), district=text(b["district"]), period=month(b["period"]),
            amount_due=fen(b["amount_fen"]), due_date=date(b["due"]),
            paid={"PAID": True, "UNPAID": False}[b["status"]],
        )

    @personal_read
    def bills(self, id_number: str) -> list[UtilityBill]:
        """Every bill of the citizen (paid and unpaid), all pages.
        BadResponse if the backend keeps paging past max_pages."""
        query = {"cert_no": self._id(id_number), "limit": self.page_size}
        bills: list[UtilityBill] = []
        seen_cursors: set[str] = set()
        for _ in range(self.max_pages):
            page = self._request("POST", "/utility/api/bills/query", op="bills", json=query, idempotent=True,
                                 parse=self._page)
            bills.extend(page[0])
            cursor = page[1]
            if cursor is None:
                return bills
            if cursor in seen_cursors:
                raise BadResponse(self.name, "bills: paging cursor repeats")
            seen_cursors.add(cursor)
            query = {**query, "cursor": cursor}
        raise BadResponse(self.name, f"bills: more than {self.max_pages} pages")

    def _page(self, response) -> tuple[list[UtilityBill], str | None]:
        body = json_body(response)
        cursor = body["next_cursor"]
        if cursor is not None:
            cursor = text(cursor)
        return [self._bill(b) for b in body["bills"]], cursor

    @personal_read
    def affairs(self, id_number: str) -> list[Affair]:
        return [Affair(
            domain=self.domain, item=f"{b.kind}（{b.period}）", status="已缴费" if b.paid else "待缴费",
            stage="已缴费" if b.paid else "待缴费", place=b.company, district=b.district,
            updated_at=dt.datetime.combine(b.due_date, dt.time(), CST),
            next_step="无需操作" if b.paid else f"请在 {b.due_date:%Y-%m-%d} 前缴纳 {b.amount_due} 元",
            ref_no=b.bill_no, done=b.paid, backend=self.name,
        ) for b in self.bills(id_number)]

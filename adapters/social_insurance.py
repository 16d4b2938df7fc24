"""Social-insurance bureau (社保): XML both ways (a read-only POST query whose
XML body carries the ID number, never the URL; retried as idempotent), HTTP
Basic auth, coded field names (aac002 = ID number).

Bulk exchange (for cross-department checks): the closed payroll months, and
every basic pension paid for one month, paged by an opaque cursor that expires
after a few minutes; the bureau sends at most 500 rows a page and takes 20
requests a second across its bulk endpoints (paced; a 429 is waited out)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from requests.auth import HTTPBasicAuth

from adapters.base import BackendAdapter, personal_read
from adapters.bulk import BULK_SETTINGS, BulkSettings, Listing, Pacer, Page
from adapters.errors import BadResponse, BusinessError, NotFound
from adapters.parsing import date, local_datetime, money, month, xml_body, xml_fields
from adapters.records import Affair, PayrollPeriod, PensionPayment, SocialInsuranceAccount
from bot.core.config import Section

INSURED_STATUS = {"1": "正常参保", "2": "暂停缴费", "3": "已退休"}
SCHEMES = {"110": "城镇职工基本养老保险", "170": "城乡居民基本养老保险"}
XML_CONTENT_TYPE = "application/xml; charset=utf-8"


class SocialInsuranceAdapter(BackendAdapter):
    name = "social_insurance"
    domain = "社保"
    health_path = "/si/ws/ping"
    SETTING_KEYS = ("username", "password", "payments_page_size", *BULK_SETTINGS)

    def _configure(self, cfg: Section):
        self.payments_page_size = cfg.int("payments_page_size", 500, lo=1, hi=500)
        self.bulk = BulkSettings.read(cfg, "18/second")  # under the bureau's 20/s
        self._pacer = Pacer(self.bulk.rate)
        return HTTPBasicAuth(cfg.str("username"), cfg.str("password"))

    def _post_xml(self, path: str, op: str, fields: dict[str, str], parse):
        """POST <request>fields</request>: a read-only query, retried as idempotent."""
        request = ET.Element("request")
        for tag, value in fields.items():
            ET.SubElement(request, tag).text = value
        body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(request, encoding="utf-8")
        return self._request("POST", path, op=op, data=body, headers={"Content-Type": XML_CONTENT_TYPE},
                             idempotent=True, parse=parse)

    def _query(self, path: str, op: str, id_number: str, parse):
        return self._post_xml(path, op, {"aac002": self._id(id_number)}, parse)

    def _root(self, response):
        root = xml_body(response)
        code = root.findtext("retcode")
        if code == "-1":
            raise NotFound(self.name, "no social-insurance record", code)
        if code != "0":
            raise BadResponse(self.name, f"unexpected retcode {code!r}")
        return root

    @personal_read
    def account(self, id_number: str) -> SocialInsuranceAccount:
        """Pension months paid, gaps, status; NotFound when not insured (yet)."""
        def parse(response):
            person = self._root(response).find("person")
            if person is None:
                raise KeyError("person")
            f = xml_fields(person)
            status = INSURED_STATUS[f["cbzt"]]
            gap = int(f["zdys"])
            return SocialInsuranceAccount(
                status=status, employer=f.get("aab004", ""), pension_months_paid=int(f["yljfys"]),
                gap_months=gap, continuous=gap == 0, last_paid_month=month(f["zhjfny"]),
                retired=status == "已退休",
                monthly_pension=money(f["yljje"]) if f.get("yljje") else None,
                retired_on=date(f["ltxrq"], "%Y%m%d") if f.get("ltxrq") else None,
            )
        return self._query("/si/ws/person/query", "account", id_number, parse)

    @personal_read
    def affairs(self, id_number: str) -> list[Affair]:
        def parse(response):
            items = self._root(response).find("list")
            if items is None:
                raise KeyError("list")
            out = []
            for item in items.findall("item"):
                f = xml_fields(item)
                out.append(Affair(
                    domain=self.domain, item=f["ywmc"], status=f["blzt"], stage=f["blhj"], place=f["bljg"],
                    district=f["xzqh"], updated_at=local_datetime(f["gxsj"], "%Y-%m-%d %H:%M:%S"),
                    next_step=f["xybcz"], ref_no=f["ywbh"], done=f["bjbz"] == "1", backend=self.name,
                ))
            return out
        return self._query("/si/ws/business/query", "affairs", id_number, parse)

    # --- bulk exchange ---------------------------------------------------------------------
    def _bulk_root(self, response, op: str):
        root = xml_body(response)
        code = root.findtext("retcode")
        if code == "0":
            return root
        if code == "-2":
            raise NotFound(self.name, f"{op}: no payroll for that month", code)
        if code in ("-3", "-410"):  # a malformed request; an expired cursor
            raise BusinessError(self.name, f"{op}: refused ({code}{' cursor expired' if code == '-410' else ''})",
                                code)
        raise BadResponse(self.name, f"{op}: unexpected retcode {code!r}")

    def payroll_period(self) -> PayrollPeriod:
        """The months whose pension payroll is closed (and so can be listed)."""
        def parse(response):
            root = self._bulk_root(response, "payroll_period")
            return PayrollPeriod(month(root.findtext("qsny")), month(root.findtext("zzny")))
        return self._post_xml("/si/ws/bulk/payroll/period", "payroll_period", {}, parse)

    def pension_payments(self, pay_month: str, *, resume: str | None = None) -> Listing[PensionPayment]:
        """Every basic pension paid for `pay_month` ("2026-10"), both schemes, as a
        Listing (pages fetched while iterating). NotFound (inside ListingIncomplete)
        for a month outside payroll_period(). Position: the bureau's cursor."""
        ffny = month(pay_month).replace("-", "")

        def fetch(cursor):
            fields = {"ffny": ffny, "pagesize": str(self.payments_page_size)}
            if cursor:
                fields["cursor"] = cursor
            return self._post_xml("/si/ws/bulk/pension/payments", "pension_payments", fields, self._payments_page)

        return Listing(self.name, f"pension_payments {pay_month}", fetch, resume or "", settings=self.bulk,
                       pacer=self._pacer, where=lambda cursor: "after a cursor" if cursor else "the first page")

    def _payments_page(self, response) -> Page[PensionPayment]:
        root = self._bulk_root(response, "pension_payments")
        items = root.find("list")
        if items is None:
            raise KeyError("list")
        records = []
        for item in items.findall("item"):
            f = xml_fields(item)
            records.append(PensionPayment(
                id_number=f["aac002"], name=f["aac003"], scheme=SCHEMES[f["aae140"]], month=month(f["ffny"]),
                amount=money(f["ffje"]), district=f["xzqh"], paid_on=date(f["ffrq"], "%Y%m%d")))
        cursor = (root.findtext("nextcursor") or "").strip()
        return Page(records, cursor or None, int(root.findtext("zs")))

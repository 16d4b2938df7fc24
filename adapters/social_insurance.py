"""Social-insurance bureau (社保): XML both ways (a read-only POST query whose
XML body carries the ID number, never the URL; retried as idempotent), HTTP
Basic auth, coded field names (aac002 = ID number)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from requests.auth import HTTPBasicAuth

from adapters.base import BackendAdapter
from adapters.errors import BadResponse, NotFound
from adapters.parsing import date, local_datetime, money, month, xml_body, xml_fields
from adapters.records import Affair, SocialInsuranceAccount
from bot.core.config import Section

INSURED_STATUS = {"1": "正常参保", "2": "暂停缴费", "3": "已退休"}
XML_CONTENT_TYPE = "application/xml; charset=utf-8"


class SocialInsuranceAdapter(BackendAdapter):
    name = "social_insurance"
    domain = "社保"
    health_path = "/si/ws/ping"
    SETTING_KEYS = ("username", "password")

    def _configure(self, cfg: Section):
        return HTTPBasicAuth(cfg.str("username"), cfg.str("password"))

    def _query(self, path: str, op: str, id_number: str, parse):
        """POST <request><aac002>ID</aac002></request>: a read-only query, retried as idempotent."""
        request = ET.Element("request")
        ET.SubElement(request, "aac002").text = self._id(id_number)
        body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(request, encoding="utf-8")
        return self._request("POST", path, op=op, data=body, headers={"Content-Type": XML_CONTENT_TYPE},
                             idempotent=True, parse=parse)

    def _root(self, response):
        root = xml_body(response)
        code = root.findtext("retcode")
        if code == "-1":
            raise NotFound(self.name, "no social-insurance record", code)
        if code != "0":
            raise BadResponse(self.name, f"unexpected retcode {code!r}")
        return root

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

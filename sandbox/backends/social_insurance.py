"""Social-insurance bureau (社保): XML both ways, HTTP Basic authentication.

Queries are POSTs whose XML body names the person:
    <request><aac002>ID number</aac002></request>
(never the URL: an ID there is refused, 400 with retcode -400).

Field names follow the bureau's coded style: aac002 is the citizen's ID
number; cbzt the insured status (1 正常参保, 2 暂停缴费, 3 已退休); yljfys the
pension-insurance months paid; zdys the months missed (0 = continuous).
`retcode` 0 is success, -1 "no such insured person" (HTTP 200 both).

Bulk exchange (data sharing with other departments), same XML and auth:
    POST /si/ws/bulk/payroll/period      -> <qsny>201001</qsny><zzny>202611</zzny>: the closed payroll months
    POST /si/ws/bulk/pension/payments    <request><ffny>202610</ffny><pagesize>500</pagesize>
                                         <cursor>…</cursor></request>
        every basic pension paid for one month (发放年月 ffny), one <item> per pension:
        aac002 ID, aac003 name, aae140 scheme (110 城镇职工基本养老保险, 170 城乡居民基本养老保险),
        ffje amount, ffny month, xzqh district, ffrq paid on (YYYYMMDD); <zs> the month's total.
        Paged by an opaque cursor (<nextcursor>, empty on the last page) that expires
        `cursor_ttl_s` after it was issued (retcode -410); pagesize above 500 is cut to 500
        without a word; a month outside the payroll answers retcode -2. At most
        `bulk_rate` requests (20/second) across the bulk endpoints: HTTP 429, retcode -429
        and Retry-After. retcode -3: a malformed request.
"""
from __future__ import annotations

import base64
import binascii
import hmac
import re
import time
import xml.etree.ElementTree as ET

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from sandbox import credentials
from sandbox.backends.base import SandboxBackend
from sandbox.data import local_time, today_local
from sandbox.population import RURAL, URBAN
from sandbox.progress import Sequence, Step, move
from sandbox.quotas import Quota, retry_after_header

STATUS_CODES = {"正常参保": "1", "暂停缴费": "2", "已退休": "3"}
SCHEME_CODES = {URBAN: "110", RURAL: "170"}
MAX_PAGE_SIZE = 500

# POST /__data/advance: a social-insurance card (社保卡补换/申领) is made and handed over; every
# other matter is reviewed and closed (已通过 counts as closed). 不予受理 ends one off the line.
CARD = Sequence(
    Step("已受理", "受理", "等待制卡"),
    Step("制卡中", "制卡", "制卡完成后将短信通知领取"),
    Step("待领取", "待领取", "请携带身份证到经办机构领取社保卡"),
    Step("已领取", "办结", "社保卡已领取，无需操作"),
    ends=("不予受理",))
REVIEWED = Sequence(
    Step("已受理", "受理", "等待审核"),
    Step("审核中", "待审核", "审核结果将短信通知"),
    Step("已办结", "办结", "已办结，无需操作"),
    joins={"已通过": "已办结"}, ends=("不予受理", "审核不通过"))


def xml_response(root: ET.Element, status: int = 200) -> Response:
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
    return Response(body, status, content_type="application/xml; charset=utf-8")


def element(tag: str, children: dict | None = None, text: str | None = None) -> ET.Element:
    el = ET.Element(tag)
    if text is not None:
        el.text = text
    for k, v in (children or {}).items():
        if v is not None:
            ET.SubElement(el, k).text = str(v)
    return el


def envelope(retcode: str, retmsg: str) -> ET.Element:
    return element("response", {"retcode": retcode, "retmsg": retmsg})


class SocialInsuranceBackend(SandboxBackend):
    name = "social_insurance"
    ping_path = "/si/ws/ping"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cursor_ttl_s = float(self.options.get("cursor_ttl_s", 300))

    def rules(self):
        return [
            Rule("/si/ws/person/query", endpoint="person", methods=["POST"]),
            Rule("/si/ws/business/query", endpoint="business", methods=["POST"]),
            Rule("/si/ws/bulk/payroll/period", endpoint="payroll_period", methods=["POST"]),
            Rule("/si/ws/bulk/pension/payments", endpoint="payments", methods=["POST"]),
        ]

    def make_quotas(self):
        return {"bulk": Quota(str(self.options.get("bulk_rate", "20/second")), "moving")}

    def identifier_refused(self):
        return xml_response(envelope("-400", "身份证号不得出现在URL中"), 400)

    @staticmethod
    def _aac002(request) -> str | None:
        """The ID number of a <request><aac002>…</aac002></request> body, or None."""
        try:
            root = ET.fromstring(request.get_data())
        except ET.ParseError:
            return None
        if root.tag != "request":
            return None
        return (root.findtext("aac002") or "").strip() or None

    def ping(self, request):
        return xml_response(envelope("0", "UP"))

    def authenticate(self, request, endpoint):
        expected = "Basic " + base64.b64encode(
            f"{credentials.SOCIAL_INSURANCE_USER}:{credentials.SOCIAL_INSURANCE_PASSWORD}".encode()).decode()
        if hmac.compare_digest(request.headers.get("Authorization", ""), expected):
            return None
        return self.unauthorized()

    def unauthorized(self):
        response = xml_response(envelope("-401", "认证失败"), 401)
        response.headers["WWW-Authenticate"] = 'Basic realm="si"'
        return response

    def garbage(self):
        return Response('<?xml version="1.0" encoding="UTF-8"?>\n<response><retcode>0</retcode><person><yljfys>15',
                        200, content_type="application/xml; charset=utf-8")

    def person(self, request):
        si = self.world.section(self._aac002(request), "social_insurance")
        if not si:
            return xml_response(envelope("-1", "无此人员参保信息"))
        root = envelope("0", "成功")
        root.append(element("person", {
            "aab004": si.get("employer") or "",
            "cbzt": STATUS_CODES[si["status"]],
            "yljfys": si["pension_months"],
            "zdys": si.get("gap_months", 0),
            "zhjfny": si["last_paid_month"].replace("-", ""),
            "yljje": si.get("monthly_pension"),
            "ltxrq": si["retired_on"].strftime("%Y%m%d") if si.get("retired_on") else None,
        }))
        return xml_response(root)

    def advance(self, ref):
        with self.lock:
            for _person, affair in self.world.every("social_insurance", "affairs"):
                if affair["ref"] == ref:
                    return move(self.name, ref, affair, CARD if "社保卡" in affair["item"] else REVIEWED)
        return None

    def business(self, request):
        si = self.world.section(self._aac002(request), "social_insurance") or {}
        root = envelope("0", "成功")
        rows = ET.SubElement(root, "list")
        for a in si.get("affairs") or []:
            rows.append(element("item", {
                "ywbh": a["ref"], "ywmc": a["item"], "blzt": a["status"], "blhj": a["stage"],
                "bljg": a["place"], "xzqh": a["district"], "sqrq": a["submitted"].isoformat(),
                "gxsj": local_time(a["updated"]).strftime("%Y-%m-%d %H:%M:%S"), "xybcz": a["next_step"],
                "bjbz": "1" if a["done"] else "0",
            }))
        return xml_response(root)

    # --- bulk exchange ---------------------------------------------------------------------
    def _bulk_refused(self):
        """The 429 of the bulk endpoints' shared rate limit, or None to go on."""
        verdict = self.quotas["bulk"].take()
        if verdict.allowed:
            return None
        self.stats.add(self.name, "rate_limited")
        response = xml_response(envelope("-429", "超过调用频率限制"), 429)
        response.headers["Retry-After"] = retry_after_header(verdict.retry_after_s)
        return response

    def payroll_period(self, request):
        refused = self._bulk_refused()
        if refused is not None:
            return refused
        first, last = self.world.exchange.get().payroll_months(today_local())
        root = envelope("0", "成功")
        for tag, month in (("qsny", first), ("zzny", last)):
            ET.SubElement(root, tag).text = month.replace("-", "")
        return xml_response(root)

    def _cursor(self, month: str, offset: int) -> str:
        return base64.urlsafe_b64encode(f"{month}|{offset}|{int(time.time() * 1000)}".encode()).decode()

    def _read_cursor(self, cursor: str, month: str) -> int | None:
        """The offset a cursor stands for; None when it is not one of ours; -1 when expired."""
        try:
            cursor_month, offset, issued = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
            offset, issued = int(offset), int(issued)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return None
        if cursor_month != month or offset < 0:
            return None
        if time.time() * 1000 - issued > self.cursor_ttl_s * 1000:
            return -1
        return offset

    def payments(self, request):
        refused = self._bulk_refused()
        if refused is not None:
            return refused
        try:
            root = ET.fromstring(request.get_data())
        except ET.ParseError:
            return xml_response(envelope("-3", "请求报文格式错误"))
        ffny = (root.findtext("ffny") or "").strip()
        size_text = (root.findtext("pagesize") or str(MAX_PAGE_SIZE)).strip()
        if root.tag != "request" or not re.fullmatch(r"\d{4}(0[1-9]|1[0-2])", ffny) or not size_text.isdigit() \
                or int(size_text) < 1:
            return xml_response(envelope("-3", "参数错误：ffny 为 YYYYMM，pagesize 为正整数"))
        month = f"{ffny[:4]}-{ffny[4:]}"
        exchange = self.world.exchange.get()
        first, last = exchange.payroll_months(today_local())
        if not first <= month <= last:
            return xml_response(envelope("-2", f"{ffny} 无发放数据（可查 {first.replace('-', '')}"
                                               f"至 {last.replace('-', '')}）"))
        offset = 0
        cursor = (root.findtext("cursor") or "").strip()
        if cursor:
            offset = self._read_cursor(cursor, month)
            if offset is None:
                return xml_response(envelope("-3", "游标无效"))
            if offset == -1:
                return xml_response(envelope("-410", "游标已失效，请重新查询"))
        size = min(int(size_text), MAX_PAGE_SIZE)
        rows = exchange.payments(month)
        page = rows[offset:offset + size]
        out = envelope("0", "成功")
        ET.SubElement(out, "ffny").text = ffny
        ET.SubElement(out, "zs").text = str(len(rows))
        items = ET.SubElement(out, "list")
        paid_on = f"{ffny}15"
        for p in page:
            items.append(element("item", {
                "aac002": p.id_number, "aac003": p.name, "aae140": SCHEME_CODES[p.scheme],
                "ffje": f"{p.monthly:.2f}", "ffny": ffny, "xzqh": p.district, "ffrq": paid_on,
            }))
        more = offset + size < len(rows)
        ET.SubElement(out, "nextcursor").text = self._cursor(month, offset + size) if more else ""
        return xml_response(out)

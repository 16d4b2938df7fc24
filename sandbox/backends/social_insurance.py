"""Social-insurance bureau (社保): XML both ways, HTTP Basic authentication.

Queries are POSTs whose XML body names the person:
    <request><aac002>ID number</aac002></request>
(never the URL: an ID there is refused, 400 with retcode -400).

Field names follow the bureau's coded style: aac002 is the citizen's ID
number; cbzt the insured status (1 正常参保, 2 暂停缴费, 3 已退休); yljfys the
pension-insurance months paid; zdys the months missed (0 = continuous).
`retcode` 0 is success, -1 "no such insured person" (HTTP 200 both).
"""
from __future__ import annotations

import base64
import hmac
import xml.etree.ElementTree as ET

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from sandbox import credentials
from sandbox.backends.base import SandboxBackend
from sandbox.data import local_time

STATUS_CODES = {"正常参保": "1", "暂停缴费": "2", "已退休": "3"}


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

    def rules(self):
        return [
            Rule("/si/ws/person/query", endpoint="person", methods=["POST"]),
            Rule("/si/ws/business/query", endpoint="business", methods=["POST"]),
        ]

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

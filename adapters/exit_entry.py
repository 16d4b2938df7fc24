"""Exit-entry administration (出入境, travel endorsements): REST GETs, JSON
with an errcode envelope, status codes 01–06, destination codes HKMO/TWN.
The citizen's ID number (sfzh) travels in the X-Sfzh header, never in the URL."""
from __future__ import annotations

from urllib.parse import quote

from adapters.auth import HeaderKeyAuth
from adapters.base import BackendAdapter, personal_read
from adapters.errors import BadResponse
from adapters.parsing import date, json_body, local_datetime, text
from adapters.records import Affair, EndorsementApplication
from bot.core.config import Section

STATUS = {"01": "已受理", "02": "审批中", "03": "制证中", "04": "已制证待领取", "05": "已领取", "06": "不予批准"}
REGION = {"HKMO": "港澳", "TWN": "台湾"}
ID_HEADER = "X-Sfzh"


class ExitEntryAdapter(BackendAdapter):
    name = "exit_entry"
    domain = "出入境"
    health_path = "/crj/api/v1/ping"
    SETTING_KEYS = ("api_key",)

    def _configure(self, cfg: Section):
        return HeaderKeyAuth("Authorization", f"ApiKey {cfg.str('api_key')}")

    def _data(self, response):
        body = json_body(response)
        if body["errcode"] != 0:
            raise BadResponse(self.name, f"unexpected errcode {body['errcode']!r}")
        return body["data"]

    def _application(self, d: dict) -> EndorsementApplication:
        return EndorsementApplication(
            application_no=text(d["sqbh"]), region=REGION[d["qwd"]], endorsement_type=text(d["qzzl"]),
            status=STATUS[d["blzt"]], stage=text(d["hjmc"]), collect_place=d.get("lzdd") or None,
            district=text(d["xzqh"]), submitted_on=date(d["sqrq"]), updated_at=local_datetime(d["gxsj"]),
            next_step=text(d["tsxx"]),
        )

    @personal_read
    def application(self, application_no: str, id_number: str | None) -> EndorsementApplication:
        """One endorsement application (CJ number). With id_number, another
        person's application raises NotFound exactly like a missing one.
        id_number=None is ONLY for the early foundation demo path (look-up by
        number alone); every citizen-facing handler must pass the bound ID."""
        headers = {ID_HEADER: self._id(id_number)} if id_number is not None else None
        return self._request("GET", f"/crj/api/v1/endorsements/{quote(application_no.strip().upper(), safe='')}",
                             op="application", headers=headers,
                             parse=lambda r: self._application(self._data(r)))

    @personal_read
    def applications(self, id_number: str) -> list[EndorsementApplication]:
        """All of the citizen's endorsement applications (maybe [])."""
        return self._request("GET", "/crj/api/v1/endorsements", op="applications",
                             headers={ID_HEADER: self._id(id_number)},
                             parse=lambda r: [self._application(d) for d in self._data(r)["items"]])

    @personal_read
    def affairs(self, id_number: str) -> list[Affair]:
        return [Affair(
            domain=self.domain, item=f"{a.region} {a.endorsement_type}", status=a.status, stage=a.stage,
            place=a.collect_place or "", district=a.district, updated_at=a.updated_at, next_step=a.next_step,
            ref_no=a.application_no, done=a.done, backend=self.name,
        ) for a in self.applications(id_number)]

"""Market-regulation bureau (市场监管, business registration): JSON with
snake_case English fields and English state codes; slow (hundreds of ms).
The applicant's ID number travels in the X-Applicant-Id header, never in the URL."""
from __future__ import annotations

from urllib.parse import quote

from adapters.auth import HeaderKeyAuth
from adapters.base import BackendAdapter
from adapters.parsing import date, json_body, local_datetime, text
from adapters.records import Affair, BusinessRegistration
from bot.core.config import Section

STATE = {"ACCEPTED": "已受理", "REVIEWING": "审查中", "APPROVED": "已核准", "REJECTED": "已驳回", "LICENSED": "已发照"}
ID_HEADER = "X-Applicant-Id"


class MarketRegulationAdapter(BackendAdapter):
    name = "market_regulation"
    domain = "市场监管"
    health_path = "/scjg/v1/ping"
    SETTING_KEYS = ("api_key",)

    def _configure(self, cfg: Section):
        return HeaderKeyAuth("X-Api-Key", cfg.str("api_key"))

    def _registration(self, d: dict) -> BusinessRegistration:
        return BusinessRegistration(
            application_no=text(d["app_no"]), company_name=text(d["enterprise_name"]),
            registration_type=text(d["reg_type"]), status=STATE[d["state"]],
            licence_ready={"READY": True, "NOT_READY": False}[d["license_status"]],
            collect_place=d.get("pickup_location") or None, district=text(d["district"]),
            submitted_on=date(d["submitted"]), updated_at=local_datetime(d["updated"]), next_step=text(d["hint"]),
        )

    def registration(self, application_no: str, id_number: str) -> BusinessRegistration:
        """One registration (QY number) applied for by this citizen; NotFound otherwise."""
        return self._request("GET", f"/scjg/v1/registrations/{quote(application_no.strip().upper(), safe='')}",
                             op="registration", headers={ID_HEADER: self._id(id_number)},
                             parse=lambda r: self._registration(json_body(r)["registration"]))

    def registrations(self, id_number: str) -> list[BusinessRegistration]:
        return self._request("GET", "/scjg/v1/registrations", op="registrations",
                             headers={ID_HEADER: self._id(id_number)},
                             parse=lambda r: [self._registration(d) for d in json_body(r)["registrations"]])

    def affairs(self, id_number: str) -> list[Affair]:
        return [Affair(
            domain=self.domain, item=f"{r.registration_type}（{r.company_name}）", status=r.status,
            stage="可领取营业执照" if r.licence_ready else r.status, place=r.collect_place or "",
            district=r.district, updated_at=r.updated_at, next_step=r.next_step, ref_no=r.application_no,
            done=r.done, backend=self.name,
        ) for r in self.registrations(id_number)]

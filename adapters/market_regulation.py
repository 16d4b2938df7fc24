"""Market-regulation bureau (市场监管, business registration): JSON with
snake_case English fields and English state codes; slow (hundreds of ms).
The applicant's ID number travels in the X-Applicant-Id header, never in the URL.

Bulk exchange: every officer of every registered company, paged by a page
token, at most 1000 rows a page (it sends no more), metered by a daily quota
of records: a 429 it sends once the quota is used up names the hours until the
next window, longer than any listing waits, so the listing stops and says so."""
from __future__ import annotations

from urllib.parse import quote

from adapters.auth import HeaderKeyAuth
from adapters.base import BackendAdapter, personal_read
from adapters.bulk import BULK_SETTINGS, BulkSettings, Listing, Pacer, Page
from adapters.parsing import date, json_body, local_datetime, money, text
from adapters.records import Affair, BusinessRegistration, CompanyOfficer
from bot.core.config import Section

STATE = {"ACCEPTED": "已受理", "REVIEWING": "审查中", "APPROVED": "已核准", "REJECTED": "已驳回", "LICENSED": "已发照"}
COMPANY_STATUS = {"EXISTING": "存续", "DEREGISTERED": "注销", "REVOKED": "吊销"}
ROLE = {"LEGAL_REPRESENTATIVE": "法定代表人", "DIRECTOR": "董事", "SUPERVISOR": "监事", "MANAGER": "经理"}
ID_HEADER = "X-Applicant-Id"


class MarketRegulationAdapter(BackendAdapter):
    name = "market_regulation"
    domain = "市场监管"
    health_path = "/scjg/v1/ping"
    SETTING_KEYS = ("api_key", "officer_page_size", *BULK_SETTINGS)

    def _configure(self, cfg: Section):
        self.officer_page_size = cfg.int("officer_page_size", 1000, lo=1, hi=1000)
        self.bulk = BulkSettings.read(cfg, None)  # a daily record quota: nothing to pace per second
        self._pacer = Pacer(self.bulk.rate)
        return HeaderKeyAuth("X-Api-Key", cfg.str("api_key"))

    def _registration(self, d: dict) -> BusinessRegistration:
        return BusinessRegistration(
            application_no=text(d["app_no"]), company_name=text(d["enterprise_name"]),
            registration_type=text(d["reg_type"]), status=STATE[d["state"]],
            licence_ready={"READY": True, "NOT_READY": False}[d["license_status"]],
            collect_place=d.get("pickup_location") or None, district=text(d["district"]),
            submitted_on=date(d["submitted"]), updated_at=local_datetime(d["updated"]), next_step=text(d["hint"]),
        )

    @personal_read
    def registration(self, application_no: str, id_number: str) -> BusinessRegistration:
        """One registration (QY number) applied for by this citizen; NotFound otherwise."""
        return self._request("GET", f"/scjg/v1/registrations/{quote(application_no.strip().upper(), safe='')}",
                             op="registration", headers={ID_HEADER: self._id(id_number)},
                             parse=lambda r: self._registration(json_body(r)["registration"]))

    @personal_read
    def registrations(self, id_number: str) -> list[BusinessRegistration]:
        return self._request("GET", "/scjg/v1/registrations", op="registrations",
                             headers={ID_HEADER: self._id(id_number)},
                             parse=lambda r: [self._registration(d) for d in json_body(r)["registrations"]])

    @personal_read
    def affairs(self, id_number: str) -> list[Affair]:
        return [Affair(
            domain=self.domain, item=f"{r.registration_type}（{r.company_name}）", status=r.status,
            stage="可领取营业执照" if r.licence_ready else r.status, place=r.collect_place or "",
            district=r.district, updated_at=r.updated_at, next_step=r.next_step, ref_no=r.application_no,
            done=r.done, backend=self.name,
        ) for r in self.registrations(id_number)]

    # --- bulk exchange ---------------------------------------------------------------------
    def officers(self, *, resume: str | None = None) -> Listing[CompanyOfficer]:
        """Every officer of every registered company (live or not), one record per
        company and person, as a Listing. Position: the bureau's page token."""
        def fetch(token):
            params = {"page_size": self.officer_page_size}
            if token:
                params["page_token"] = token
            return self._request("GET", "/scjg/v1/bulk/officers", op="officers", params=params,
                                 parse=self._officers_page)

        return Listing(self.name, "officers", fetch, resume or "", settings=self.bulk, pacer=self._pacer,
                       where=lambda token: "after a page token" if token else "the first page")

    @staticmethod
    def _officers_page(response) -> Page[CompanyOfficer]:
        body = json_body(response)
        records = [CompanyOfficer(
            uscc=text(o["uscc"]), company_name=text(o["enterprise_name"]),
            company_status=COMPANY_STATUS[o["enterprise_status"]], established_on=date(o["established"]),
            registered_capital_wan=money(o["registered_capital_wan"]), district=text(o["district"]),
            role=ROLE[o["role"]], name=text(o["person_name"]), id_number=text(o["person_id_number"]),
        ) for o in body["officers"]]
        token = text(body["next_page_token"])
        return Page(records, token or None, int(body["total_size"]))

"""Exit-entry administration (出入境, travel endorsements): REST GETs, JSON
with an errcode envelope, status codes 01–06, destination codes HKMO/TWN.
The citizen's ID number (sfzh) travels in the X-Sfzh header, never in the URL.
Staff side: every application without its applicant, in bulk (cursor-paged), for staff counts."""
from __future__ import annotations

from urllib.parse import quote

from adapters.auth import HeaderKeyAuth
from adapters.bulk import BULK_SETTINGS, BulkSettings, Listing, Pacer, Page
from adapters.base import BackendAdapter, personal_read
from adapters.errors import BadResponse
from adapters.parsing import date, json_body, local_datetime, text
from adapters.records import Affair, EndorsementApplication, EndorsementMatter
from bot.core.config import Section

STATUS = {"01": "已受理", "02": "审批中", "03": "制证中", "04": "已制证待领取", "05": "已领取", "06": "不予批准"}
REGION = {"HKMO": "港澳", "TWN": "台湾"}
ID_HEADER = "X-Sfzh"


class ExitEntryAdapter(BackendAdapter):
    name = "exit_entry"
    domain = "出入境"
    health_path = "/crj/api/v1/ping"
    SETTING_KEYS = ("api_key", "staff_page_size", *BULK_SETTINGS)

    def _configure(self, cfg: Section):
        self.staff_page_size = cfg.int("staff_page_size", 500, lo=1, hi=500)
        self.bulk = BulkSettings.read(cfg, "9/second")  # under the administration's 10/s
        self._pacer = Pacer(self.bulk.rate)
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

    # --- staff side ------------------------------------------------------------------------
    def staff_endorsements(self, *, resume: str | None = None) -> Listing[EndorsementMatter]:
        """Every application (no applicant), by number, as a Listing. Position: the number
        after which the next page starts ("" first)."""
        def fetch(after: str) -> Page[EndorsementMatter]:
            def parse(response):
                data = self._data(response)
                records = [EndorsementMatter(
                    application_no=text(d["sqbh"]), region=REGION[d["qwd"]], endorsement_type=text(d["qzzl"]),
                    status=STATUS[d["blzt"]], district=text(d["xzqh"]), submitted_on=date(d["sqrq"]),
                    updated_at=local_datetime(d["gxsj"])) for d in data["items"]]
                last = text(data["last"])
                if data["has_more"] and last <= after:
                    raise BadResponse(self.name, "staff_endorsements: the cursor did not move")
                return Page(records, last if data["has_more"] else None)
            return self._request("GET", "/crj/api/v1/staff/endorsements", op="staff_endorsements",
                                 params={"after": after, "limit": self.staff_page_size}, parse=parse)

        return Listing(self.name, "staff_endorsements", fetch, resume or "", settings=self.bulk,
                       pacer=self._pacer, where=lambda after: f"after {after or 'the start'}")

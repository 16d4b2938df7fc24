"""Medical-insurance bureau (医保): JSON, OAuth2 client-credentials bearer
tokens (short-lived; cached in Redis for all workers; renewed once on 401),
money as JSON numbers (read exactly, as Decimal), claim states as codes."""
from __future__ import annotations

from adapters.auth import ClientCredentialsAuth
from adapters.base import BackendAdapter, personal_read
from adapters.errors import BadResponse
from adapters.parsing import json_body, local_datetime, money, text
from adapters.records import Affair, MedicalInsuranceAccount, Reimbursement
from bot.core.config import Section

CLAIM_STATUS = {"SUBMITTED": "已提交", "REVIEWING": "审核中", "SETTLED": "已结算", "REJECTED": "审核不通过"}
CLAIM_DONE = ("SETTLED", "REJECTED")


class MedicalInsuranceAdapter(BackendAdapter):
    name = "medical_insurance"
    domain = "医保"
    health_path = "/api/yb/v1/ping"
    SETTING_KEYS = ("client_id", "client_secret", "token_path", "token_margin_s")

    def _configure(self, cfg: Section):
        self._client_id = cfg.str("client_id")
        self._client_secret = cfg.str("client_secret")
        self._token_path = cfg.str("token_path", "/oauth2/token", pattern=r"/\S*")
        return ClientCredentialsAuth(self.hub, self.name, self._fetch_token,
                                     margin_s=cfg.num("token_margin_s", 30, lo=0, hi=3600))

    def _fetch_token(self) -> tuple[str, int]:
        # Made while another call is being prepared: not guarded again, so a
        # failure counts once in the breaker (for that outer call).
        def parse(response):
            body = json_body(response)
            if body.get("token_type", "Bearer").lower() != "bearer":
                raise ValueError("not a bearer token")
            expires_in = int(body["expires_in"])
            if expires_in <= 0:
                raise ValueError("token already expired")
            return text(body["access_token"]), expires_in
        self.log.info("fetching a new access token")
        return self._request("POST", self._token_path, op="token", authenticate=False, guarded=False,
                             idempotent=True,
                             data={"grant_type": "client_credentials", "client_id": self._client_id,
                                   "client_secret": self._client_secret}, parse=parse)

    def _result(self, response):
        body = json_body(response, exact_numbers=True)
        if body.get("success") is not True:
            raise BadResponse(self.name, f"unexpected answer {body.get('errorCode')!r}")
        return body["result"]

    def _claim(self, c: dict) -> Reimbursement:
        return Reimbursement(
            claim_no=text(c["claimNo"]), hospital=text(c["hospital"]), visit_type=text(c["visitType"]),
            total=money(c["totalAmount"]), reimbursed=money(c["fundPaid"]), status=CLAIM_STATUS[c["state"]],
            district=text(c["district"]), submitted_on=local_datetime(c["submitTime"]).date(),
            updated_at=local_datetime(c["updateTime"]), note=text(c["remark"]),
        )

    @personal_read
    def account(self, id_number: str) -> MedicalInsuranceAccount:
        """Personal-account balance and recent reimbursements; NotFound when not insured."""
        def parse(response):
            r = self._result(response)
            return MedicalInsuranceAccount(
                insured_type=text(r["insuredType"]), status=text(r["insuredState"]),
                balance=money(r["accountBalance"]),
                reimbursements=tuple(self._claim(c) for c in r["recentClaims"]),
            )
        return self._request("POST", "/api/yb/v1/insured/account", op="account", idempotent=True,
                             json={"idNo": self._id(id_number)}, parse=parse)

    @personal_read
    def affairs(self, id_number: str) -> list[Affair]:
        """Reimbursement claims (YB numbers)."""
        def parse(response):
            out = []
            for c in self._result(response):
                claim = self._claim(c)
                out.append(Affair(
                    domain=self.domain, item=f"医保报销（{claim.visit_type}·{claim.hospital}）",
                    status=claim.status, stage=claim.status, place=claim.hospital, district=claim.district,
                    updated_at=claim.updated_at, next_step=claim.note, ref_no=claim.claim_no,
                    done=c["state"] in CLAIM_DONE, backend=self.name,
                ))
            return out
        return self._request("POST", "/api/yb/v1/insured/claims", op="affairs", idempotent=True,
                             json={"idNo": self._id(id_number)}, parse=parse)

"""Housing-fund centre (公积金): HMAC-signed JSON POSTs, pinyin field names,
an envelope whose code "0000" means success and "1004" no account."""
from __future__ import annotations

from adapters.auth import HmacSignatureAuth
from adapters.base import BackendAdapter, personal_read
from adapters.errors import BadResponse, NotFound
from adapters.parsing import date, json_body, local_datetime, money, month, text
from adapters.records import Affair, HousingFundAccount
from bot.core.config import Section

ACCOUNT_STATUS = {"01": "正常缴存", "02": "封存", "03": "销户"}
NOT_FOUND_CODES = ("1004",)


class HousingFundAdapter(BackendAdapter):
    name = "housing_fund"
    domain = "公积金"
    health_path = "/gjj/open/v2/ping"
    SETTING_KEYS = ("app_key", "app_secret")

    def _configure(self, cfg: Section):
        return HmacSignatureAuth(cfg.str("app_key"), cfg.str("app_secret"))

    def _data(self, response):
        body = json_body(response)
        if body["code"] in NOT_FOUND_CODES:
            raise NotFound(self.name, "no housing-fund account", body["code"])
        if body["code"] != "0000":
            raise BadResponse(self.name, f"unexpected code {body['code']!r}")
        return body["data"]

    @personal_read
    def account(self, id_number: str) -> HousingFundAccount:
        """The citizen's housing-fund account; NotFound when there is none."""
        def parse(response):
            d = self._data(response)
            return HousingFundAccount(
                account_no=text(d["grzh"]), employer=text(d["dwmc"]), balance=money(d["zhye"]),
                monthly_deposit=money(d["yjce"]), status=ACCOUNT_STATUS[d["zhzt"]],
                last_deposit_month=month(d["jzny"]), opened_on=date(d["khrq"], "%Y%m%d"),
            )
        return self._request("POST", "/gjj/open/v2/account/query", op="account", idempotent=True,
                             json={"zjhm": self._id(id_number)}, parse=parse)

    @personal_read
    def affairs(self, id_number: str) -> list[Affair]:
        """Withdrawals, loans… (GJ numbers); [] when the citizen has none."""
        def parse(response):
            return [Affair(
                domain=self.domain, item=text(r["ywmc"]), status=text(r["blzt"]), stage=text(r["blhj"]),
                place=text(r["bljg"]), district=text(r["xzqh"]),
                updated_at=local_datetime(r["gxsj"], "%Y%m%d%H%M%S"), next_step=text(r["xybcz"]),
                ref_no=text(r["ywlsh"]), done=r["sfbj"] == "1", backend=self.name,
            ) for r in self._data(response)["list"]]
        return self._request("POST", "/gjj/open/v2/business/query", op="affairs", idempotent=True,
                             json={"zjhm": self._id(id_number)}, parse=parse)

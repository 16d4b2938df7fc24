"""Civil-affairs bureau (民政) data-exchange platform: death registrations and
低保 households, read in bulk for cross-department checks (staff side only:
it holds no citizen matters for the personal ledger, so `domain` is None).

A login session in the MZSESSIONID cookie (SessionCookieAuth: cached in Redis,
renewed on expiry or a 401); a JSON envelope whose code "000000" is success;
death registrations come as CSV (paging in X-Total-* headers), households as
JSON. Limits the listings keep to: at most 200 deaths and 100 households a page
(the platform refuses more), a date range of at most 92 days per request (the
listing walks longer ranges window by window), and 120 requests a minute per
account (paced; a 429 is waited out per its Retry-After).
"""
from __future__ import annotations

import csv
import datetime as dt
import io

from adapters.auth import SessionCookieAuth
from adapters.base import BackendAdapter
from adapters.bulk import BULK_SETTINGS, BulkSettings, Listing, Pacer, Page
from adapters.errors import BadResponse
from adapters.parsing import date, json_body, money, month, text
from adapters.records import DeathRegistration, DibaoHousehold, DibaoMember
from bot.core.config import Section

COOKIE = "MZSESSIONID"
DEATH_COLUMNS = ("登记编号", "姓名", "性别", "公民身份号码", "死亡日期", "登记日期", "登记机关", "行政区划")
HOUSEHOLD_STATUS = ("在保", "停保")
RELATIONS = ("户主", "配偶", "子女", "父母", "其他")


class CivilAffairsAdapter(BackendAdapter):
    name = "civil_affairs"
    domain = None
    health_path = "/mz/api/ping"
    SETTING_KEYS = ("account", "password", "session_margin_s", "death_page_size", "death_window_days",
                    "household_page_size", *BULK_SETTINGS)

    def _configure(self, cfg: Section):
        self._account = cfg.str("account")
        self._password = cfg.str("password")
        self.death_page_size = cfg.int("death_page_size", 200, lo=1, hi=200)
        self.death_window_days = cfg.int("death_window_days", 92, lo=1, hi=92)
        self.household_page_size = cfg.int("household_page_size", 100, lo=1, hi=100)
        self.bulk = BulkSettings.read(cfg, "110/minute")  # under the platform's 120/min
        self._pacer = Pacer(self.bulk.rate)
        return SessionCookieAuth(self.hub, self.name, self._login, COOKIE,
                                 margin_s=cfg.num("session_margin_s", 30, lo=0, hi=3600))

    def _login(self) -> tuple[str, int]:
        # Made while another call is being prepared: not guarded again (one failure counts once).
        def parse(response):
            body = json_body(response)
            if body["code"] != "000000":
                raise ValueError("login refused")
            session = response.cookies.get(COOKIE)
            if not session:
                raise KeyError(COOKIE)
            expires_in = int(body["data"]["expiresIn"])
            if expires_in <= 0:
                raise ValueError("session already expired")
            return text(session), expires_in
        self.log.info("logging in to the exchange platform")
        return self._request("POST", "/mz/api/auth/login", op="login", authenticate=False, guarded=False,
                             idempotent=True, json={"account": self._account, "password": self._password},
                             parse=parse)

    # --- death registrations -----------------------------------------------------------
    def _windows(self, since: dt.date, until: dt.date) -> list[tuple[dt.date, dt.date]]:
        out, start = [], since
        while start <= until:
            end = min(until, start + dt.timedelta(days=self.death_window_days - 1))
            out.append((start, end))
            start = end + dt.timedelta(days=1)
        return out

    def death_registrations(self, since: dt.date, until: dt.date, *,
                            resume: tuple[int, int] | None = None) -> Listing[DeathRegistration]:
        """Every death *registered* from `since` through `until` (dates), oldest
        first, as a Listing (pages fetched while iterating). Ranges longer than
        the platform's 92 days are asked window by window. Position: (window
        index, page number); pass a ListingIncomplete's .resume to go on."""
        if until < since:
            raise ValueError("until is before since")
        windows = self._windows(since, until)

        def fetch(position):
            w, page_no = position
            first, last = windows[w]
            records, pages, total = self._request(
                "GET", "/mz/api/exchange/deaths", op="deaths",
                params={"startDate": first.isoformat(), "endDate": last.isoformat(),
                        "pageNo": page_no, "pageSize": self.death_page_size},
                parse=lambda r: self._death_page(r, page_no))
            if page_no < pages:
                return Page(records, (w, page_no + 1), total)
            return Page(records, (w + 1, 1) if w + 1 < len(windows) else None, total)

        def where(position):
            first, last = windows[position[0]]
            return f"registered {first}..{last}, page {position[1]}"

        return Listing(self.name, f"death_registrations {since}..{until}", fetch, resume or (0, 1),
                       settings=self.bulk, pacer=self._pacer, where=where)

    def _death_page(self, response, page_no: int) -> tuple[list[DeathRegistration], int, int]:
        ctype = response.headers.get("Content-Type", "")
        if "text/csv" not in ctype:
            raise ValueError(f"expected CSV, got {ctype or 'no content type'}")
        total = int(response.headers["X-Total-Count"])
        pages = int(response.headers["X-Total-Pages"])
        size = int(response.headers["X-Page-Size"])
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
        if not rows or tuple(rows[0]) != DEATH_COLUMNS:
            raise ValueError("unexpected CSV header")
        records = []
        for row in rows[1:]:
            if len(row) != len(DEATH_COLUMNS):
                raise ValueError("a CSV row with the wrong number of fields")
            ref, name, gender, id_number, died, registered, authority, district = row
            if gender not in ("男", "女"):
                raise ValueError("unknown gender")
            records.append(DeathRegistration(ref, id_number, name, gender, date(died), date(registered),
                                             authority, district))
        # A cut-off body would still parse: check the page holds what the headers promise.
        expected = max(0, min(size, total - (page_no - 1) * size))
        if len(records) != expected:
            raise ValueError(f"page {page_no} holds {len(records)} rows, expected {expected}")
        return records, pages, total

    # --- 低保 households ------------------------------------------------------------------
    def dibao_households(self, *, resume: int | None = None) -> Listing[DibaoHousehold]:
        """Every 低保 household (receiving 在保 and ended 停保) with its members,
        as a Listing. Position: the page number."""
        def fetch(page_no):
            return self._request("GET", "/mz/api/exchange/dibao/households", op="dibao_households",
                                 params={"pageNo": page_no, "pageSize": self.household_page_size},
                                 parse=lambda r: self._household_page(r, page_no))

        return Listing(self.name, "dibao_households", fetch, resume or 1, settings=self.bulk, pacer=self._pacer,
                       where=lambda page_no: f"page {page_no}")

    def _household_page(self, response, page_no: int) -> Page[DibaoHousehold]:
        body = json_body(response)
        if body["code"] != "000000":
            raise BadResponse(self.name, f"dibao_households: unexpected code {body['code']!r}")
        data = body["data"]
        records = []
        for h in data["records"]:
            status = text(h["status"])
            if status not in HOUSEHOLD_STATUS:
                raise ValueError("unknown household status")
            members = tuple(DibaoMember(text(m["name"]), text(m["idNumber"]), text(m["relation"]))
                            for m in h["members"])
            if not members or any(m.relation not in RELATIONS for m in members):
                raise ValueError("a household without members, or an unknown relation")
            records.append(DibaoHousehold(
                household_no=text(h["householdNo"]), district=text(h["district"]), status=status,
                since=month(h["startMonth"]), until=month(h["endMonth"]) if h["endMonth"] else None,
                monthly_amount=money(h["monthlyAmount"]), members=members))
        total, size = int(data["total"]), int(data["pageSize"])
        return Page(records, page_no + 1 if page_no * size < total else None, total)

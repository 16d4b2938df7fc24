"""Typed results of the adapters: frozen dataclasses, money as Decimal, dates
and aware datetimes (Beijing time) already parsed, statuses in the Chinese
words citizens read. Handlers only ever see these, never a backend's wire format.
Lists are tuples so that records stay immutable.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from bot.core.privacy import mask_id_number

CST = dt.timezone(dt.timedelta(hours=8), "CST")


# --- identity -------------------------------------------------------------------------------
@dataclass(frozen=True)
class IdentityMatch:
    matched: bool
    phone_masked: str | None  # 138****0001; None when not matched


@dataclass(frozen=True)
class CodeSent:
    phone_masked: str
    expires_in_s: int


# --- accounts -------------------------------------------------------------------------------
@dataclass(frozen=True)
class HousingFundAccount:
    account_no: str
    employer: str
    balance: Decimal
    monthly_deposit: Decimal
    status: str                    # 正常缴存 / 封存 / 销户
    last_deposit_month: str        # "2026-10"
    opened_on: dt.date


@dataclass(frozen=True)
class SocialInsuranceAccount:
    status: str                    # 正常参保 / 暂停缴费 / 已退休
    employer: str
    pension_months_paid: int
    gap_months: int
    continuous: bool               # paid without a gap
    last_paid_month: str           # "2026-10"
    retired: bool
    monthly_pension: Decimal | None  # retirees only
    retired_on: dt.date | None


@dataclass(frozen=True)
class Reimbursement:
    claim_no: str                  # YB...
    hospital: str
    visit_type: str                # 门诊 / 住院 / 门诊特殊病
    total: Decimal
    reimbursed: Decimal
    status: str                    # 已提交 / 审核中 / 已结算 / 审核不通过
    district: str
    submitted_on: dt.date
    updated_at: dt.datetime
    note: str


@dataclass(frozen=True)
class MedicalInsuranceAccount:
    insured_type: str              # 职工基本医疗保险 / 城乡居民基本医疗保险…
    status: str
    balance: Decimal               # personal account
    reimbursements: tuple[Reimbursement, ...] = ()


# --- applications ---------------------------------------------------------------------------
@dataclass(frozen=True)
class EndorsementApplication:
    application_no: str            # CJ...
    region: str                    # 港澳 / 台湾
    endorsement_type: str          # 个人旅游签注 / 商务签注 / 探亲签注…
    status: str                    # 已受理 / 审批中 / 制证中 / 已制证待领取 / 已领取 / 不予批准
    stage: str
    collect_place: str | None
    district: str
    submitted_on: dt.date
    updated_at: dt.datetime
    next_step: str

    @property
    def done(self) -> bool:
        return self.status in ("已领取", "不予批准")


@dataclass(frozen=True)
class EndorsementMatter:
    """An application as the administration's staff list it: what, where, when, no applicant."""
    application_no: str
    region: str
    endorsement_type: str
    status: str
    district: str
    submitted_on: dt.date
    updated_at: dt.datetime


@dataclass(frozen=True)
class BusinessRegistration:
    application_no: str            # QY...
    company_name: str
    registration_type: str        # 设立登记 / 变更登记…
    status: str                    # 已受理 / 审查中 / 已核准 / 已驳回 / 已发照
    licence_ready: bool            # the licence can be collected now
    collect_place: str | None
    district: str
    submitted_on: dt.date
    updated_at: dt.datetime
    next_step: str

    @property
    def done(self) -> bool:
        return self.status in ("已发照", "已驳回")


# --- utilities ------------------------------------------------------------------------------
@dataclass(frozen=True)
class UtilityBill:
    bill_no: str
    kind: str                      # 水费 / 电费 / 燃气费
    account_no: str
    company: str
    district: str
    period: str                    # "2026-10"
    amount_due: Decimal
    due_date: dt.date
    paid: bool


# --- appointments ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceHall:
    hall_id: str
    name: str
    district: str
    address: str
    lat: float
    lon: float
    hours: str
    phone: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class TimeSlot:
    date: dt.date
    start: str                     # "09:00": pass it to book()
    end: str                       # "09:30"
    capacity: int
    remaining: int

    @property
    def label(self) -> str:
        return f"{self.start}-{self.end}"


@dataclass(frozen=True)
class Booking:
    booking_no: str                # YY...
    item: str
    hall_id: str
    hall_name: str
    district: str
    address: str
    date: dt.date
    start: str
    end: str
    status: str                    # 已预约 / 已取消 / 已完成
    created_at: dt.datetime


# --- 12345 work orders ----------------------------------------------------------------------
@dataclass(frozen=True)
class WorkOrderStep:
    at: dt.datetime
    stage: str                     # 已受理 / 已派单 / 处理中 / 已办结 / 已回访
    department: str
    note: str


@dataclass(frozen=True)
class WorkOrder:
    order_no: str                  # GD...
    topic: str                     # noise / property / … (docs/contracts.md)
    department: str
    summary: str
    district: str
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    contact_phone_masked: str | None
    steps: tuple[WorkOrderStep, ...] = ()
    # Who filed it: only the staff's views carry it (to audit the read); never shown.
    citizen_id: str | None = field(default=None, repr=False)

    @property
    def done(self) -> bool:
        return self.status in ("已办结", "已回访", "已合并")


# --- bulk exchange between departments (adapters/bulk.py) ------------------------------------
# Staff-side records for cross-department checks, never shown to a citizen. They carry the
# person's full ID number (the key the departments share), kept out of repr() so that a
# record printed or logged by mistake does not show it; `masked_id` is the form to display.
def _masked(id_number: str) -> str:
    return mask_id_number(id_number)


@dataclass(frozen=True)
class PayrollPeriod:
    first_month: str               # "2010-01"
    last_month: str                # the latest closed payroll, "2026-11"

    def months(self, since: str | None = None) -> list[str]:
        """Every payroll month from `since` (or the first) through the last."""
        y, m = map(int, (since or self.first_month).split("-"))
        out = []
        while f"{y:04d}-{m:02d}" <= self.last_month:
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


@dataclass(frozen=True)
class PensionPayment:
    """One basic pension paid for one month (social insurance)."""
    id_number: str = field(repr=False)
    name: str
    scheme: str                    # 城镇职工基本养老保险 / 城乡居民基本养老保险
    month: str                     # "2026-10"
    amount: Decimal
    district: str
    paid_on: dt.date

    @property
    def masked_id(self) -> str:
        return _masked(self.id_number)


@dataclass(frozen=True)
class DeathRegistration:
    """A registered death (civil affairs)."""
    registration_no: str           # SW...
    id_number: str = field(repr=False)
    name: str
    gender: str
    died_on: dt.date
    registered_on: dt.date
    authority: str                 # 双流区民政局
    district: str

    @property
    def masked_id(self) -> str:
        return _masked(self.id_number)


@dataclass(frozen=True)
class DibaoMember:
    name: str
    id_number: str = field(repr=False)
    relation: str                  # 户主 / 配偶 / 子女 / 父母 / 其他

    @property
    def masked_id(self) -> str:
        return _masked(self.id_number)


@dataclass(frozen=True)
class DibaoHousehold:
    """A household granted the minimum living allowance (低保, civil affairs)."""
    household_no: str              # DB...
    district: str
    status: str                    # 在保 (receiving) / 停保 (ended)
    since: str                     # "2024-05"
    until: str | None              # last month paid, when ended
    monthly_amount: Decimal        # for the whole household
    members: tuple[DibaoMember, ...]

    @property
    def receiving(self) -> bool:
        return self.status == "在保"


@dataclass(frozen=True)
class CompanyOfficer:
    """One person's office in one registered company (market regulation)."""
    uscc: str                      # 统一社会信用代码
    company_name: str
    company_status: str            # 存续 / 注销 / 吊销
    established_on: dt.date
    registered_capital_wan: Decimal  # 万元
    district: str
    role: str                      # 法定代表人 / 董事 / 监事 / 经理
    name: str
    id_number: str = field(repr=False)

    @property
    def live(self) -> bool:
        return self.company_status == "存续"

    @property
    def masked_id(self) -> str:
        return _masked(self.id_number)


# --- the personal ledger --------------------------------------------------------------------
@dataclass(frozen=True)
class Affair:
    """One matter of the citizen in one backend, in one shape for the ledger."""
    domain: str                    # 公积金 社保 医保 出入境 市场监管 水电气 预约 12345
    item: str                      # what it is: 港澳 个人旅游签注, 公积金提取（租房）…
    status: str
    stage: str
    place: str                     # where it is handled / collected
    district: str                  # 武侯区… ("" when unknown)
    updated_at: dt.datetime
    next_step: str
    ref_no: str                    # CJ…/GJ…/YY…/GD… or a bill number
    done: bool
    backend: str                   # the adapter's name


@dataclass(frozen=True)
class LedgerResult:
    affairs: tuple[Affair, ...]
    # backend name -> why it is missing: timeout / unavailable / circuit_open / auth / bad_response / error
    missing: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.missing

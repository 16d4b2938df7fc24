"""The cross-department checks, as data: each Rule names the listings it reads (sources.py), the
condition over them (a small function of the records, joined by the person's ID number), the
department that reviews what it finds, and the period a finding belongs to. A run applies a rule
only when every one of its sources was read in full.

To add a check: a Source in sources.py if it needs a listing not read yet, then a Rule here
with its condition, its reviewer and a test in tests/crosscheck/ (docs/crosscheck.md).

The evidence of a finding is grouped by the department that holds it, with that department's
own record numbers (a death registration, a 低保 household, a company's credit code) so each can
find the person in its own system; the person is named by name and masked ID number only.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterable

from bot.city.departments import DEPARTMENTS
from bot.crosscheck.sources import Window
from bot.records.findings import NewFinding as Finding

SOCIAL_INSURANCE = DEPARTMENTS["rsj"]     # pensions
CIVIL_AFFAIRS = DEPARTMENTS["mzj"]        # deaths, 低保
MARKET_REGULATION = DEPARTMENTS["scjg"]


@dataclass(frozen=True)
class Rule:
    key: str                       # stable: it is part of every finding's identity
    title: str
    reviewer: str                  # the department that reviews the findings
    sources: tuple[str, ...]       # the listings read (sources.SOURCES)
    condition: str                 # the condition, in words (docs, console, CSV)
    find: Callable[[dict[str, list], Window], Iterable[Finding]]


def _by_person(records) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for r in records:
        out[r.id_number].append(r)
    return out


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


# --- double basic pension ------------------------------------------------------------------
def double_pension(data: dict[str, list], window: Window) -> Iterable[Finding]:
    """Paid by both basic pension schemes for the latest closed payroll month."""
    for id_number, rows in _by_person(data["pension_payments"]).items():
        latest = [p for p in rows if p.month == window.last_month]
        if len({p.scheme for p in latest}) < 2:
            continue
        schemes = {}
        for p in sorted(rows, key=lambda p: p.month):
            schemes.setdefault(p.scheme, []).append(p)
        both = sorted(set.intersection(*({p.month for p in ps} for ps in schemes.values())))
        first = latest[0]
        yield Finding(
            rule="double_pension", reviewer=SOCIAL_INSURANCE, id_number=id_number, name=first.name,
            district=first.district, period=window.last_month,
            summary=f"{window.last_month} 同时领取{'、'.join(sorted(p.scheme for p in latest))}"
                    f"（{window.months[0]} 至 {window.last_month} 间两项同时发放 {len(both)} 个月）",
            evidence={SOCIAL_INSURANCE: {
                "pensions": [{"scheme": p.scheme, "monthly": _money(p.amount), "district": p.district,
                              "paid_on": p.paid_on.isoformat()} for p in sorted(latest, key=lambda p: p.scheme)],
                "months_both_paid": len(both), "first_month_both_paid": both[0],
                "months_checked": [window.months[0], window.last_month]}})


# --- pension paid after death --------------------------------------------------------------
def pension_after_death(data: dict[str, list], window: Window) -> Iterable[Finding]:
    """A pension paid for a month after the month of death (that month itself is still due)."""
    deaths = {d.id_number: d for d in data["death_registrations"]}
    for id_number, rows in _by_person(data["pension_payments"]).items():
        death = deaths.get(id_number)
        if death is None:
            continue
        died_month = f"{death.died_on:%Y-%m}"
        after = sorted((p for p in rows if p.month > died_month), key=lambda p: (p.month, p.scheme))
        if not after:
            continue
        months = sorted({p.month for p in after})
        amount = sum((p.amount for p in after), Decimal("0"))
        yield Finding(
            rule="pension_after_death", reviewer=SOCIAL_INSURANCE, id_number=id_number, name=death.name,
            district=death.district, period=died_month,
            summary=f"{death.died_on} 死亡登记后仍发放养老金 {len(months)} 个月（{'、'.join(months)}），"
                    f"共 {_money(amount)} 元",
            evidence={
                CIVIL_AFFAIRS: {"registration_no": death.registration_no, "died_on": death.died_on.isoformat(),
                                "registered_on": death.registered_on.isoformat(), "authority": death.authority},
                SOCIAL_INSURANCE: {"months": months, "months_count": len(months), "amount": _money(amount),
                                   "payments": [{"month": p.month, "scheme": p.scheme, "amount": _money(p.amount),
                                                 "paid_on": p.paid_on.isoformat()} for p in after]}})


# --- 低保 with a registered company ----------------------------------------------------------
def dibao_company_officer(data: dict[str, list], window: Window) -> Iterable[Finding]:
    """A member of a household receiving 低保 who is an officer of a company that is 存续."""
    officers = _by_person(o for o in data["company_officers"] if o.live)
    for household in data["dibao_households"]:
        if not household.receiving:
            continue
        for member in household.members:
            offices = officers.get(member.id_number)
            if not offices:
                continue
            names = "、".join(f"{o.company_name}（{o.role}）" for o in offices)
            yield Finding(
                rule="dibao_company_officer", reviewer=CIVIL_AFFAIRS, id_number=member.id_number, name=member.name,
                district=household.district, period=window.this_month,
                summary=f"低保家庭成员（{household.household_no}，{member.relation}）任存续企业 {names}",
                evidence={
                    CIVIL_AFFAIRS: {"household_no": household.household_no, "relation": member.relation,
                                    "since": household.since, "monthly_amount": _money(household.monthly_amount),
                                    "members": len(household.members)},
                    MARKET_REGULATION: {"companies": [
                        {"name": o.company_name, "uscc": o.uscc, "role": o.role, "status": o.company_status,
                         "established_on": o.established_on.isoformat(),
                         "registered_capital_wan": _money(o.registered_capital_wan)} for o in offices]}})


RULES: tuple[Rule, ...] = (
    Rule("double_pension", "同时领取两项基本养老金", SOCIAL_INSURANCE, ("pension_payments",),
         "最近一个已结算发放月内，同一人既领取城镇职工基本养老保险养老金，又领取城乡居民基本养老保险养老金",
         double_pension),
    Rule("pension_after_death", "死亡后仍发放养老金", SOCIAL_INSURANCE, ("pension_payments", "death_registrations"),
         "民政死亡登记的死亡月份之后（不含当月）仍有养老金发放；列出月份与金额", pension_after_death),
    Rule("dibao_company_officer", "低保家庭成员经营企业", CIVIL_AFFAIRS, ("dibao_households", "company_officers"),
         "在保低保家庭的成员，是存续企业的法定代表人、董事、监事或经理（待核查，非结论）", dibao_company_officer),
)
RULE_TITLES = {r.key: r.title for r in RULES}

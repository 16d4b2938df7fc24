"""Each rule on records as the adapters give them: what it must find, for its reason, and the near
misses it must not (no sandbox needed: the rules are functions of the listings' records)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from adapters.records import CompanyOfficer, DeathRegistration, DibaoHousehold, DibaoMember, PensionPayment
from bot.crosscheck.rules import RULES, dibao_company_officer, double_pension, pension_after_death
from bot.crosscheck.sources import SOURCES, Window

URBAN, RURAL = "城镇职工基本养老保险", "城乡居民基本养老保险"
ZHANG, ZHOU, SUN, ZHAO = "510121195203150026", "510122194807120030", "510108198009090042", "510122197811250069"
WINDOW = Window(dt.date(2026, 12, 3), "2026-11", ("2026-08", "2026-09", "2026-10", "2026-11"), dt.date(2025, 8, 1))


def pay(id_number, name, scheme, month, amount):
    return PensionPayment(id_number, name, scheme, month, Decimal(amount), "双流区", dt.date.fromisoformat(month + "-15"))


def test_every_rule_says_what_it_reads_and_who_reviews_it():
    for rule in RULES:
        assert rule.sources and all(s in SOURCES for s in rule.sources)
        assert rule.reviewer in ("人力资源和社会保障局", "民政局") and rule.condition and rule.title
    assert len({r.key for r in RULES}) == len(RULES)


def test_double_pension_in_the_latest_month_not_a_move_between_schemes():
    payments = [pay(ZHANG, "张桂兰", s, m, a) for m in WINDOW.months for s, a in ((RURAL, "210.00"), (URBAN, "2650.00"))]
    # moved: 城乡居民 through 2026-09, then 城镇职工 from 2026-10 (never both in one month)
    payments += [pay("510104195001010011", "甲", RURAL, m, "200.00") for m in ("2026-08", "2026-09")]
    payments += [pay("510104195001010011", "甲", URBAN, m, "3000.00") for m in ("2026-10", "2026-11")]
    payments += [pay(ZHAO, "赵丽", URBAN, m, "3860.00") for m in WINDOW.months]
    found = list(double_pension({"pension_payments": payments}, WINDOW))
    assert [(f.id_number, f.period, f.reviewer) for f in found] == [(ZHANG, "2026-11", "人力资源和社会保障局")]
    ev = found[0].evidence["人力资源和社会保障局"]
    assert [(p["scheme"], p["monthly"]) for p in ev["pensions"]] == [(RURAL, "210.00"), (URBAN, "2650.00")]
    assert ev["months_both_paid"] == 4


def test_pension_after_death_counts_the_months_after_the_month_of_death():
    deaths = [DeathRegistration("SW20260815000117", ZHOU, "周德明", "男", dt.date(2026, 8, 15), dt.date(2026, 8, 15),
                                "双流区民政局", "双流区"),
              DeathRegistration("SW20260920000001", "510104194001010012", "乙", "男", dt.date(2026, 9, 20),
                                dt.date(2026, 9, 25), "锦江区民政局", "锦江区")]
    payments = [pay(ZHOU, "周德明", RURAL, m, "230.00") for m in ("2026-08", "2026-09", "2026-10")]
    payments += [pay("510104194001010012", "乙", URBAN, m, "3000.00") for m in ("2026-08", "2026-09")]  # through the month of death
    found = list(pension_after_death({"pension_payments": payments, "death_registrations": deaths}, WINDOW))
    assert len(found) == 1
    f = found[0]
    assert (f.id_number, f.period, f.reviewer) == (ZHOU, "2026-08", "人力资源和社会保障局")
    assert f.evidence["人力资源和社会保障局"]["months"] == ["2026-09", "2026-10"]
    assert f.evidence["人力资源和社会保障局"]["amount"] == "460.00"
    assert f.evidence["民政局"]["registration_no"] == "SW20260815000117"
    assert "2 个月" in f.summary and "460.00 元" in f.summary


def officer(id_number, name, status, uscc="91510108MA6ABCDE1X"):
    return CompanyOfficer(uscc, "成都梅好商贸有限公司", status, dt.date(2026, 6, 18), Decimal("500"), "成华区",
                          "法定代表人", name, id_number)


def test_dibao_member_running_a_live_company_not_a_closed_one_nor_after_dibao_ended():
    households = [
        DibaoHousehold("DB5101082024050031", "成华区", "在保", "2024-05", None, Decimal("720.00"),
                       (DibaoMember("孙小梅", SUN, "户主"),)),
        DibaoHousehold("DB5101082020010001", "成华区", "在保", "2020-01", None, Decimal("720.00"),
                       (DibaoMember("丙", "510108198001010013", "户主"),)),
        DibaoHousehold("DB5101082019010001", "成华区", "停保", "2019-01", "2025-01", Decimal("720.00"),
                       (DibaoMember("丁", "510108198001010021", "户主"),)),
    ]
    officers = [officer(SUN, "孙小梅", "存续"), officer("510108198001010013", "丙", "注销", "91510108MA6ABCDE2X"),
                officer("510108198001010021", "丁", "存续", "91510108MA6ABCDE3X")]
    found = list(dibao_company_officer({"dibao_households": households, "company_officers": officers}, WINDOW))
    assert [(f.id_number, f.reviewer, f.period) for f in found] == [(SUN, "民政局", "2026-12")]
    assert found[0].evidence["市场监督管理局"]["companies"][0]["name"] == "成都梅好商贸有限公司"
    assert found[0].evidence["民政局"]["household_no"] == "DB5101082024050031"


def test_a_finding_never_shows_its_id_number():
    found = list(double_pension({"pension_payments": [pay(ZHANG, "张桂兰", s, "2026-11", "1.00") for s in (URBAN, RURAL)]},
                                WINDOW))
    assert ZHANG not in repr(found[0]) and ZHANG not in str(found[0].evidence)


def test_no_citizen_facing_code_reaches_the_findings():
    """Findings are for staff: nothing that answers a citizen imports the checks or their records."""
    import pathlib
    root = pathlib.Path(__file__).resolve().parents[2]
    for folder in ("handlers", "bot/channels", "bot/conversation", "bot/web/wechat.py", "bot/web/miniprogram.py"):
        paths = [root / folder] if folder.endswith(".py") else (root / folder).rglob("*.py")
        for path in paths:
            source = path.read_text(encoding="utf-8")
            assert "crosscheck" not in source and "findings" not in source, path

"""The seeded world holds the citizens of the sandbox specification (docs/contracts.md) with exactly
their facts, and its own data is consistent."""
from __future__ import annotations

import re

from bot.core.privacy import is_valid_id_number, is_valid_phone
from sandbox.data import load_world
from sandbox.identifiers import is_valid_uscc

WORLD = load_world()
PREFIX = {"housing_fund": "GJ", "social_insurance": "SB", "medical_insurance": "YB", "exit_entry": "CJ",
          "market_regulation": "QY", "appointments": "YY", "workorders": "GD"}


def person(name):
    [p] = [p for p in WORLD.citizens.values() if p["name"] == name]
    return p


def test_spec_citizens_and_their_facts():
    wang = person("王建国")
    assert (wang["id_number"], wang["phone"]) == ("510104198506122310", "13880000001")
    assert (wang["housing_fund"]["balance"], wang["housing_fund"]["monthly_deposit"],
            wang["housing_fund"]["status"]) == ("52340.56", "2400.00", "正常缴存")
    assert (wang["social_insurance"]["pension_months"], wang["social_insurance"]["gap_months"]) == (156, 0)
    app = {a["ref"]: a for a in wang["exit_entry"]["applications"]}["CJ20261101000123"]
    assert (app["region"], app["type"], app["status"]) == ("港澳", "个人旅游签注", "审批中")

    li = person("李芳")
    assert (li["id_number"], li["phone"]) == ("510107199203084525", "13880000002")
    app = {a["ref"]: a for a in li["exit_entry"]["applications"]}["CJ20261020000456"]
    assert (app["region"], app["status"], app["collect_place"]) == ("台湾", "已制证待领取", "武侯区出入境接待大厅")
    assert li["housing_fund"]["balance"] == "18905.20" and li["medical_insurance"]["balance"] == "3120.45"

    zhao = person("赵丽")
    assert (zhao["id_number"], zhao["phone"]) == ("510122197811250069", "13880000003")
    assert zhao["social_insurance"]["status"] == "已退休" and zhao["social_insurance"]["monthly_pension"] == "3860.00"
    assert zhao["medical_insurance"]["balance"] == "6540.00"
    due = {b["kind"]: b["amount"] for b in zhao["utilities"]["bills"] if not b["paid"]}
    assert due == {"水费": "45.60", "电费": "210.35"}

    chen = person("陈晨")
    assert (chen["id_number"], chen["phone"]) == ("11010520000229003X", "13880000004")
    assert "housing_fund" not in chen and "social_insurance" not in chen

    liu = person("刘洋")
    assert (liu["id_number"], liu["phone"]) == ("440306199507151287", "13880000005")
    reg = {r["ref"]: r for r in liu["market_regulation"]["registrations"]}["QY20261105000789"]
    assert (reg["company"], reg["status"], reg["licence_ready"]) == ("成都刘洋餐饮管理有限公司", "已核准", True)
    assert liu["social_insurance"]["pension_months"] == 12


def test_spec_citizens_for_the_cross_department_checks():
    zhang = person("张桂兰")
    assert (zhang["id_number"], zhang["phone"]) == ("510121195203150026", "13880000006")
    pensions = {p["scheme"]: p for p in zhang["social_insurance"]["pensions"]}
    rural, urban = pensions["城乡居民基本养老保险"], pensions["城镇职工基本养老保险"]
    assert (rural["monthly"], rural["since"], rural["district"], "until" in rural) == ("210.00", "2012-04", "新都区",
                                                                                       False)
    assert (urban["monthly"], urban["since"], "until" in urban) == ("2650.00", "2012-03", False)

    zhou = person("周德明")
    assert (zhou["id_number"], zhou["phone"]) == ("510122194807120030", "13880000007")
    death = zhou["civil_affairs"]["death"]
    assert (str(death["died_on"]), str(death["registered_on"]), death["district"]) == ("2026-08-15", "2026-08-15",
                                                                                         "双流区")
    [pension] = zhou["social_insurance"]["pensions"]
    assert (pension["scheme"], pension["monthly"], pension["until"]) == ("城乡居民基本养老保险", "230.00", "2026-10")

    sun = person("孙小梅")
    assert (sun["id_number"], sun["phone"]) == ("510108198009090042", "13880000008")
    dibao = sun["civil_affairs"]["dibao"]
    assert (dibao["since"], dibao["district"], dibao["monthly_amount"], dibao["status"]) == ("2024-05", "成华区",
                                                                                            "720.00", "在保")
    [company] = sun["market_regulation"]["companies"]
    assert (company["name"], company["role"], str(company["established"]), company["capital_wan"],
            company["status"]) == ("成都梅好商贸有限公司", "法定代表人", "2026-06-18", "500", "存续")

    zhao = person("赵丽")
    assert [p["scheme"] for p in zhao["social_insurance"]["pensions"]] == ["城镇职工基本养老保险"]
    # No one else holds the facts a cross-check looks for.
    others = [p for p in WORLD.citizens.values() if p["name"] not in ("张桂兰", "周德明", "孙小梅")]
    assert all(len((p.get("social_insurance") or {}).get("pensions") or []) <= 1 for p in others)
    assert not any((p.get("civil_affairs") or {}) for p in others)


def test_every_citizen_is_well_formed():
    assert len(WORLD.citizens) >= 8
    for p in WORLD.citizens.values():
        assert is_valid_id_number(p["id_number"]), p["name"]
        assert is_valid_phone(p["phone"]), p["name"]
    assert len({p["phone"] for p in WORLD.citizens.values()}) == len(WORLD.citizens)  # one phone each
    for p in WORLD.citizens.values():
        for company in (p.get("market_regulation") or {}).get("companies") or []:
            assert is_valid_uscc(company["uscc"]), company["name"]


def test_record_numbers_name_their_backend_and_date():
    seen = set()
    for backend, prefix in PREFIX.items():
        list_key = {"housing_fund": "affairs", "social_insurance": "affairs", "medical_insurance": "claims",
                    "exit_entry": "applications", "market_regulation": "registrations",
                    "appointments": "bookings", "workorders": "orders"}[backend]
        for _, record in WORLD.every(backend, list_key):
            ref = record["ref"]
            assert re.fullmatch(prefix + r"\d{14}", ref), ref
            assert ref not in seen
            seen.add(ref)
            made = record.get("submitted") or record.get("created")
            assert ref[2:10] == str(made)[:10].replace("-", ""), ref


def test_halls_in_several_districts():
    assert len({h["district"] for h in WORLD.halls.values()}) >= 6
    for hall in WORLD.halls.values():
        assert 30.3 < hall["lat"] < 31.0 and 103.6 < hall["lon"] < 104.4 and hall["items"]

"""The synthetic population: reproducible from its seed, valid and unique ID
numbers, exactly round(size × rate) of each anomaly planted, and the record of
what was planted equal to what an independent reading of the raw records finds
(so a check scored against the record is scored against the data)."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from bot.core.privacy import ID_LIKE, is_valid_id_number
from sandbox.data import load_world
from sandbox.identifiers import is_valid_uscc
from sandbox.population import AS_OF, SEED, SIZE, add_months, generate, month_of

ROOT = Path(__file__).resolve().parents[2]
NAMED = frozenset(load_world().citizens)


@pytest.fixture(scope="module")
def pop():
    return generate(SIZE, SEED, reserved_ids=NAMED)


def test_at_least_ten_thousand_people_with_valid_unique_id_numbers(pop):
    ids = [p.id_number for p in pop.people]
    assert len(ids) == SIZE >= 10_000
    assert len(set(ids)) == len(ids)
    assert not set(ids) & NAMED
    assert all(is_valid_id_number(i, today=AS_OF) for i in ids)
    # the 17th digit says the gender, as on a real card
    assert all((int(p.id_number[16]) % 2 == 1) == (p.gender == "男") for p in pop.people)


def test_the_same_seed_gives_the_same_population_and_another_seed_another():
    a, b = generate(2000, 7, reserved_ids=NAMED), generate(2000, 7, reserved_ids=NAMED)
    assert a.record() == b.record() and a.people == b.people and a.officers == b.officers
    c = generate(2000, 8, reserved_ids=NAMED)
    assert c.people != a.people and c.record()["planted"] != a.record()["planted"]


def test_one_percent_of_each_anomaly_planted_and_no_one_twice(pop):
    n = round(SIZE * 0.01)
    counts = pop.counts()
    assert (counts["double_pension"], counts["pension_after_death"], counts["dibao_company_officer"]) == (n, n, n)
    kinds = [{row["id_number"] for row in rows} for rows in pop.planted.values()]
    assert all(len(k) == n for k in kinds)
    assert not (kinds[0] & kinds[1] or kinds[0] & kinds[2] or kinds[1] & kinds[2])
    assert all(value > 0 for value in pop.near_misses.values())


def test_double_pensions_are_exactly_the_planted_ones(pop):
    """Two schemes paid in the same month, read from the raw pension records."""
    by_person = defaultdict(list)
    for p in pop.pensions:
        by_person[p.id_number].append(p)
    found = set()
    for id_number, pensions in by_person.items():
        for i, a in enumerate(pensions):
            for b in pensions[i + 1:]:
                last = min(x.until or month_of(AS_OF) for x in (a, b))
                if a.scheme != b.scheme and max(a.since, b.since) <= last:
                    found.add(id_number)
    assert found == {row["id_number"] for row in pop.planted["double_pension"]}
    # and the near misses are there: a scheme ended before the other began
    moved = [ps for ps in by_person.values() if len(ps) == 2 and ps[0].id_number not in found]
    assert len(moved) == pop.near_misses["pension_moved_between_schemes"]


def test_pensions_after_death_are_exactly_the_planted_ones_with_months_and_amounts(pop):
    died = {d.id_number: d.died_on for d in pop.deaths}
    found = {}
    for p in pop.pensions:
        if p.id_number in died:
            death_month = month_of(died[p.id_number])
            months, m = [], add_months(death_month, 1)
            while p.until is not None and m <= p.until:
                months.append(m)
                m = add_months(m, 1)
            assert p.until is not None, "a dead person's pension must end"
            if months:
                found[p.id_number] = (months, p.monthly * len(months))
    planted = {row["id_number"]: (row["months"], Decimal(row["amount"])) for row in pop.planted["pension_after_death"]}
    assert found == planted
    assert all(months[-1] <= month_of(AS_OF) for months, _ in planted.values())


def test_dibao_members_who_run_live_companies_are_exactly_the_planted_ones(pop):
    receiving = {m.id_number for h in pop.households if h.status == "在保" for m in h.members}
    live_officers = {o.id_number for o in pop.officers if o.company_status == "存续"}
    assert receiving & live_officers == {row["id_number"] for row in pop.planted["dibao_company_officer"]}
    # near misses: officers of closed companies, and of live ones after the household's 低保 ended
    closed = {o.id_number for o in pop.officers if o.company_status != "存续"}
    ended = {m.id_number for h in pop.households if h.status == "停保" for m in h.members}
    assert len((receiving & closed) - live_officers) >= pop.near_misses["dibao_officer_of_closed_company"]
    assert len(ended & live_officers) >= pop.near_misses["officer_after_dibao_ended"]


def test_the_rest_is_consistent(pop):
    died = {d.id_number: d for d in pop.deaths}
    assert len(died) == len(pop.deaths)
    for d in pop.deaths:
        assert d.died_on <= d.registered_on <= AS_OF
    members = [m.id_number for h in pop.households for m in h.members]
    assert len(members) == len(set(members))  # one household each
    assert not set(members) & set(died) and not {o.id_number for o in pop.officers} & set(died)
    companies = {}
    for o in pop.officers:
        assert is_valid_uscc(o.uscc), o.uscc
        assert companies.setdefault(o.uscc, o.company) == o.company
    assert len(set(companies.values())) == len(companies)
    for h in pop.households:
        assert (h.status == "停保") == (h.until is not None)


def test_the_command_prints_masked_ids_and_writes_the_full_record(tmp_path):
    out = tmp_path / "planted.json"
    run = subprocess.run([sys.executable, "-m", "sandbox.population", "--size", "2000", "--seed", "7",
                          "--write", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "double_pension" in run.stdout and "510***" in run.stdout
    assert not ID_LIKE.search(run.stdout)
    record = json.loads(out.read_text(encoding="utf-8"))
    expected = generate(2000, 7, reserved_ids=NAMED).record()
    assert record == json.loads(json.dumps(expected, ensure_ascii=False, default=str))
    assert record["counts"]["double_pension"] == 20


def test_company_codes_carry_their_check_characters():
    assert is_valid_uscc("91350100M000100Y43")       # GB 32100's own example
    assert not is_valid_uscc("91350100M000100Y44")   # the code's check character wrong
    assert not is_valid_uscc("91350100M000101Y43")   # the organisation code's check wrong
    assert not is_valid_uscc("91350100M000100Y4")


def test_a_days_endorsements_do_not_depend_on_when_they_are_listed_and_their_state_follows_their_age():
    import datetime as dt
    from bot.core.clock import CITY_TZ
    from sandbox import endorsements, population
    people = population.generate(2000).people
    now = dt.datetime(2026, 12, 3, 10, 30, tzinfo=CITY_TZ)
    listed = endorsements.Endorsements(people).listed(now)
    later = endorsements.Endorsements(people).listed(now + dt.timedelta(days=30))
    day = dt.date(2026, 11, 20)
    assert [e.ref for e in listed if e.submitted == day] == [e.ref for e in later if e.submitted == day] != []
    assert len({e.ref for e in listed}) == len(listed)
    for e in listed:
        age = (now.date() - e.submitted).days
        assert 0 <= age < endorsements.WINDOW_DAYS and e.submitted <= e.updated.date() and e.updated <= now
        assert e.status == endorsements.status_after(age, e.status == "不予批准")

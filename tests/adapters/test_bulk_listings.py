"""Bulk listings through the adapters, over real HTTP against the sandbox: every
page read, each backend's limits kept (page caps, date windows, rates and
quotas), faults retried where safe, and a backend failing midway stops the
listing with an error that names the backend and how far it got, from where
it can go on."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from adapters.bulk import BulkSettings, Listing, Pacer, Page
from adapters.errors import (
    BackendAuthError,
    BackendUnavailable,
    BadResponse,
    BusinessError,
    ListingIncomplete,
    NotFound,
    RateLimited,
    failure_kind,
)
from bot.core.errors import ConfigError
from tests.adapters.conftest import StatsDelta
from tests.adapters.seeds import SUN_XIAOMEI, ZHANG_GUILAN, ZHAO, ZHOU_DEMING

DAY = dt.timedelta(days=1)


# --- social insurance: pension payments by month -------------------------------------------
def test_payroll_period(adapters, exchange, sandbox):
    period = adapters.social_insurance.payroll_period()
    assert (period.first_month, period.last_month) == exchange.payroll_months(sandbox.today())
    assert period.months("2026-08")[:3] == ["2026-08", "2026-09", "2026-10"]


def test_a_month_of_pension_payments_in_pages_of_500(adapters, exchange, sandbox):
    with StatsDelta(sandbox, "social_insurance") as d:
        listing = adapters.social_insurance.pension_payments("2026-10")
        payments = listing.all()
    expected = exchange.payments("2026-10")
    assert len(payments) == len(expected) == listing.total == listing.records
    assert [(p.id_number, p.scheme, p.amount) for p in payments] == [(e.id_number, e.scheme, e.monthly)
                                                                     for e in expected]
    assert listing.pages == -(-len(expected) // 500) == d["endpoint:payments"] == d["requests"]
    assert listing.done and listing.rate_limited == 0
    zhang = sorted((p.scheme, p.amount) for p in payments if p.id_number == ZHANG_GUILAN)
    assert zhang == [("城乡居民基本养老保险", Decimal("210.00")), ("城镇职工基本养老保险", Decimal("2650.00"))]
    assert [p.amount for p in payments if p.id_number == ZHAO] == [Decimal("3860.00")]
    zhou = [p for p in payments if p.id_number == ZHOU_DEMING]
    assert [(p.month, p.amount, p.paid_on) for p in zhou] == [("2026-10", Decimal("230.00"), dt.date(2026, 10, 15))]
    assert ZHOU_DEMING not in repr(zhou[0]) and zhou[0].masked_id == "510***********0030"


def test_a_smaller_page_size_means_more_pages(make_adapter, exchange):
    listing = make_adapter("social_insurance", payments_page_size=250).pension_payments("2026-09")
    assert len(listing.all()) == len(exchange.payments("2026-09"))
    assert listing.pages == -(-len(exchange.payments("2026-09")) // 250)


def test_the_page_size_cannot_exceed_the_bureaus_cap(make_adapter):
    with pytest.raises(ConfigError) as e:
        make_adapter("social_insurance", payments_page_size=1000)
    assert e.value.path == "backends.social_insurance.payments_page_size"


def test_a_month_without_payroll_and_an_expired_cursor(adapters):
    with pytest.raises(ListingIncomplete) as e:
        adapters.social_insurance.pension_payments("2001-01").all()
    assert isinstance(e.value.cause, NotFound) and e.value.pages == 0
    import base64
    expired = base64.urlsafe_b64encode(b"2026-10|500|1").decode()
    with pytest.raises(ListingIncomplete) as e:
        adapters.social_insurance.pension_payments("2026-10", resume=expired).all()
    assert isinstance(e.value.cause, BusinessError) and e.value.cause.code == "-410"


def test_pacing_keeps_under_the_bureaus_rate(make_adapter, sandbox):
    sandbox.set_limit("social_insurance", "4/second")
    si = make_adapter("social_insurance", bulk_rate="3/second")
    listing = si.pension_payments("2026-10")
    listing.all()
    assert listing.pages == 7 and listing.rate_limited == 0 and listing.waited_s > 0


def test_a_429_is_waited_out_and_the_same_page_asked_again(make_adapter, sandbox, exchange):
    sandbox.set_limit("social_insurance", "3/second")
    si = make_adapter("social_insurance", bulk_rate="", bulk_max_wait_s=5)  # no pacing: meet the limit
    with StatsDelta(sandbox, "social_insurance") as d:
        listing = si.pension_payments("2026-10")
        payments = listing.all()
    assert len(payments) == len(exchange.payments("2026-10"))
    assert listing.rate_limited >= 1 and listing.calls == listing.pages + listing.rate_limited
    assert d["rate_limited"] == listing.rate_limited
    assert si.breaker.state() == "closed"  # a 429 is an answer, not a failure


def test_a_429_longer_than_it_will_wait_stops_the_listing(make_adapter, sandbox):
    sandbox.set_limit("social_insurance", "2/minute")
    si = make_adapter("social_insurance", bulk_rate="", bulk_max_wait_s=1)
    with pytest.raises(ListingIncomplete) as e:
        si.pension_payments("2026-10").all()
    assert isinstance(e.value.cause, RateLimited) and e.value.cause.retry_after_s > 1
    assert (e.value.pages, e.value.records) == (2, 1000) and failure_kind(e.value) == "rate_limited"


def test_social_insurance_down_midway_says_how_far_it_got_and_resumes(adapters, sandbox, exchange):
    listing = adapters.social_insurance.pension_payments("2026-10")
    got = [next(listing) for _ in range(500)]           # the first page, exactly
    sandbox.fault("social_insurance", "down")
    with pytest.raises(ListingIncomplete) as e:
        for record in listing:
            got.append(record)
    error = e.value
    assert error.backend == "social_insurance" and isinstance(error.cause, BackendUnavailable)
    assert (error.pages, error.records) == (1, 500) == (1, len(got)) and error.resume
    assert str(error).startswith("social_insurance: pension_payments 2026-10 stopped after 1 page, 500 records")
    assert "unavailable" in str(error)
    sandbox.reset()
    rest = adapters.social_insurance.pension_payments("2026-10", resume=error.resume).all()
    assert [(p.id_number, p.scheme) for p in got + rest] == [(e.id_number, e.scheme)
                                                            for e in exchange.payments("2026-10")]


def test_a_503_on_a_page_is_retried_and_garbage_is_a_bad_response(adapters, sandbox, exchange):
    sandbox.fault("social_insurance", "error_503", times=1)
    with StatsDelta(sandbox, "social_insurance") as d:
        assert len(adapters.social_insurance.pension_payments("2026-10").all()) == len(exchange.payments("2026-10"))
    assert d["faulted"] == 1 and d["requests"] == 8
    sandbox.fault("social_insurance", "garbage", times=1)
    with pytest.raises(ListingIncomplete) as e:
        adapters.social_insurance.pension_payments("2026-10").all()
    assert isinstance(e.value.cause, BadResponse)


# --- civil affairs: death registrations and 低保 households ----------------------------------
def test_deaths_over_a_long_range_are_asked_92_days_at_a_time(adapters, sandbox, exchange):
    since, until = dt.date(2025, 1, 1), dt.date(2026, 10, 31)
    with StatsDelta(sandbox, "civil_affairs") as d:
        listing = adapters.civil_affairs.death_registrations(since, until)
        deaths = listing.all()
    expected = exchange.deaths_between(since, until)
    assert [(x.registration_no, x.id_number, x.died_on) for x in deaths] == [(e.ref, e.id_number, e.died_on)
                                                                           for e in expected]
    windows = -(-((until - since).days + 1) // 92)
    assert listing.pages >= windows == 8 and d["endpoint:deaths"] == listing.pages
    assert d["endpoint:login"] == 1  # one session for the whole listing
    [zhou] = [x for x in deaths if x.id_number == ZHOU_DEMING]
    assert (zhou.name, zhou.died_on, zhou.registered_on, zhou.district) == ("周德明", dt.date(2026, 8, 15),
                                                                           dt.date(2026, 8, 15), "双流区")


def test_deaths_page_by_page_within_a_window(make_adapter, exchange):
    civil = make_adapter("civil_affairs", death_page_size=20)
    since, until = dt.date(2026, 7, 1), dt.date(2026, 9, 30)
    listing = civil.death_registrations(since, until)
    assert len(listing.all()) == len(exchange.deaths_between(since, until)) > 40
    assert listing.pages == -(-len(exchange.deaths_between(since, until)) // 20)


@pytest.mark.parametrize("setting, value", [("death_page_size", 201), ("death_window_days", 93),
                                            ("household_page_size", 101), ("bulk_rate", "fast")])
def test_civil_affairs_limits_are_kept_in_the_settings(make_adapter, setting, value):
    with pytest.raises(ConfigError) as e:
        make_adapter("civil_affairs", **{setting: value})
    assert e.value.path == f"backends.civil_affairs.{setting}"


def test_households_with_their_members(adapters, exchange):
    listing = adapters.civil_affairs.dibao_households()
    households = listing.all()
    assert [h.household_no for h in households] == [h.household_no for h in exchange.households]
    assert listing.pages == -(-len(households) // 100)
    [sun] = [h for h in households if any(m.id_number == SUN_XIAOMEI for m in h.members)]
    assert (sun.district, sun.status, sun.since, sun.monthly_amount, sun.receiving) == ("成华区", "在保", "2024-05",
                                                                                        Decimal("720.00"), True)
    assert sum(len(h.members) for h in households) == sum(len(h.members) for h in exchange.households)
    assert {h.status for h in households} == {"在保", "停保"}


def test_an_expired_session_is_renewed_midway(make_adapter, sandbox, exchange):
    civil = make_adapter("civil_affairs", household_page_size=50)
    listing = civil.dibao_households()
    first = [next(listing) for _ in range(50)]
    assert sandbox.revoke_tokens("civil_affairs") >= 1
    with StatsDelta(sandbox, "civil_affairs") as d:
        rest = list(listing)
    assert len(first + rest) == len(exchange.households)
    assert d["tokens_issued"] == 1  # logged in again once, then went on


def test_the_platforms_per_minute_limit_is_waited_out(make_adapter, sandbox, exchange):
    sandbox.set_limit("civil_affairs", "4/second")
    civil = make_adapter("civil_affairs", household_page_size=50, bulk_rate="", bulk_max_wait_s=5)
    listing = civil.dibao_households()
    assert len(listing.all()) == len(exchange.households)
    assert listing.rate_limited >= 1 and listing.waited_s > 0


def test_civil_affairs_down_midway_says_how_far_it_got_and_resumes(make_adapter, sandbox, exchange):
    civil = make_adapter("civil_affairs", household_page_size=50)
    listing = civil.dibao_households()
    got = [next(listing) for _ in range(51)]            # into the second page
    sandbox.fault("civil_affairs", "down")
    with pytest.raises(ListingIncomplete) as e:
        for record in listing:
            got.append(record)
    error = e.value
    assert (error.backend, error.listing, error.pages, error.records, error.resume) == (
        "civil_affairs", "dibao_households", 2, 100, 3)
    assert "civil_affairs: dibao_households stopped after 2 pages, 100 records, at the next page (page 3)" in str(error)
    sandbox.reset()
    assert len(got) == error.records == 100    # the second page was handed out whole
    rest = civil.dibao_households(resume=error.resume).all()
    assert [h.household_no for h in got + rest] == [h.household_no for h in exchange.households]


def test_civil_affairs_garbage_and_wrong_password(make_adapter, adapters, sandbox):
    sandbox.fault("civil_affairs", "garbage", times=1)
    with pytest.raises(ListingIncomplete) as e:
        adapters.civil_affairs.death_registrations(dt.date(2026, 8, 1), dt.date(2026, 8, 31)).all()
    assert isinstance(e.value.cause, BadResponse) and e.value.where == "registered 2026-08-01..2026-08-31, page 1"
    with pytest.raises(ListingIncomplete) as e:
        make_adapter("civil_affairs", password="nope").dibao_households().all()
    assert isinstance(e.value.cause, BackendAuthError)


def test_a_page_that_never_comes_is_a_timeout_not_retried(make_adapter, sandbox):
    civil = make_adapter("civil_affairs", household_page_size=100)
    listing = civil.dibao_households()
    next(listing)
    sandbox.fault("civil_affairs", "timeout", delay_s=3)
    with StatsDelta(sandbox, "civil_affairs") as d, pytest.raises(ListingIncomplete) as e:
        list(listing)
    assert failure_kind(e.value) == "timeout" and (e.value.pages, e.value.resume) == (1, 2)
    assert d["requests"] == 1  # a read timeout is never retried: the backend may be working on it


# --- market regulation: company officers ---------------------------------------------------
def test_every_company_officer(adapters, sandbox, exchange):
    with StatsDelta(sandbox, "market_regulation") as d:
        listing = adapters.market_regulation.officers()
        officers = listing.all()
    assert [(o.uscc, o.role, o.id_number) for o in officers] == [(e.uscc, e.role, e.id_number)
                                                               for e in exchange.officers]
    assert listing.pages == d["endpoint:officers"] == -(-len(officers) // 1000)
    [sun] = [o for o in officers if o.id_number == SUN_XIAOMEI]
    assert (sun.company_name, sun.role, sun.live, sun.established_on, sun.registered_capital_wan) == (
        "成都梅好商贸有限公司", "法定代表人", True, dt.date(2026, 6, 18), Decimal("500.00"))


def test_the_daily_quota_used_up_stops_the_listing_plainly(make_adapter, sandbox):
    sandbox.set_limit("market_regulation", "1200/day")
    market = make_adapter("market_regulation", officer_page_size=1000)
    with pytest.raises(ListingIncomplete) as e:
        market.officers().all()
    assert isinstance(e.value.cause, RateLimited) and e.value.cause.retry_after_s > 3600
    assert (e.value.pages, e.value.records, e.value.cause.code) == (1, 1000, "QUOTA_EXCEEDED")
    assert "market_regulation: officers stopped after 1 page, 1000 records" in str(e.value)


def test_market_regulation_down_midway(make_adapter, sandbox, exchange):
    market = make_adapter("market_regulation", officer_page_size=500)
    listing = market.officers()
    got = [next(listing) for _ in range(500)]
    sandbox.fault("market_regulation", "down")
    with pytest.raises(ListingIncomplete) as e:
        list(listing)
    assert (e.value.backend, e.value.pages, e.value.records) == ("market_regulation", 1, 500)
    sandbox.reset()
    rest = market.officers(resume=e.value.resume).all()
    assert len(got + rest) == len(exchange.officers)


# --- the listing machinery itself (a unit test of Listing: a stand-in fetch) ----------------
SETTINGS = BulkSettings(rate=None, max_wait_s=0, rate_limit_retries=0, max_pages=3)


def test_a_listing_that_never_ends_or_repeats_itself_is_a_bad_response():
    endless = Listing("x", "endless", lambda n: Page([n], n + 1), 0, settings=SETTINGS, pacer=Pacer(None))
    with pytest.raises(ListingIncomplete) as e:
        list(endless)
    assert isinstance(e.value.cause, BadResponse) and e.value.records == 3
    loop = Listing("x", "loop", lambda n: Page([n], 0), 0, settings=SETTINGS, pacer=Pacer(None))
    with pytest.raises(ListingIncomplete) as e:
        list(loop)
    assert "repeats" in str(e.value)


def test_a_pacer_waits_for_room_in_its_window():
    slept = []
    pacer = Pacer("2/second", sleep=lambda s: slept.append(s) or __import__("time").sleep(s))
    assert [pacer.wait() for _ in range(2)] == [0.0, 0.0]
    assert pacer.wait() > 0 and slept

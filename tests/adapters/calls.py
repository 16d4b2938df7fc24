"""Calls that exercise every adapter method taking an ID or phone number (for
the wire and logging tests)."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from adapters.errors import NotFound
from bot.core.clock import CLOCK
from tests.fixtures.clock import working_day_after
from tests.adapters.seeds import CHEN, LI, LIU, UNKNOWN, WANG, ZHAO


def next_working_day() -> dt.date:
    """The first day from tomorrow the halls open: inside the 14 days the appointment system
    offers even from the eve of a nine-day Spring Festival."""
    return working_day_after(CLOCK.today(), 1)


def every_call_with_an_identifier(a) -> None:
    """Each public method that takes an ID number or a phone number, at least once."""
    a.identity.verify("王建国", WANG)
    a.identity.send_code(WANG)
    a.identity.check_code(WANG, "123456")
    a.housing_fund.account(WANG)
    a.housing_fund.affairs(WANG)
    a.social_insurance.account(ZHAO)
    a.social_insurance.affairs(WANG)
    a.medical_insurance.account(LI)
    a.medical_insurance.affairs(LI)
    a.exit_entry.application("CJ20261101000123", WANG)
    a.exit_entry.applications(LI)
    with pytest.raises(NotFound):
        a.exit_entry.application("CJ20261101000123", LI)
    a.market_regulation.registration("QY20261105000789", LIU)
    a.market_regulation.registrations(LIU)
    assert len(a.utilities.bills(ZHAO)) == 4  # two pages: the cursor travels too
    day = next_working_day()
    slot = a.appointments.free_slots("护照", "H006", day)[0]
    booking = a.appointments.book(CHEN, "护照", "H006", day, slot, uuid.uuid4().hex)
    a.appointments.bookings(CHEN)
    a.appointments.cancel(booking.booking_no, CHEN)
    order = a.workorders.create("noise", "生态环境局", "夜间施工噪音", "武侯区", "13880000002", LI, uuid.uuid4().hex)
    a.workorders.get(order.order_no, LI)
    assert len(a.workorders.orders(LI)) >= 2
    a.workorders.orders(UNKNOWN)
    # Bulk listings send no identifier, but bring them back: the first page of each
    # (a listing fetches as it is iterated), the page after it, and the login.
    a.social_insurance.payroll_period()
    for listing in (a.social_insurance.pension_payments("2026-10"),
                    a.civil_affairs.death_registrations(dt.date(2026, 8, 1), dt.date(2026, 8, 31)),
                    a.civil_affairs.dibao_households(), a.market_regulation.officers()):
        for _, record in zip(range(1001), listing):
            for holder in getattr(record, "members", (record,)):   # a 低保 household holds members
                assert holder.id_number not in repr(record)

"""Appointments: halls, slots with capacity, idempotent booking, no double booking."""
from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest

from adapters.errors import BusinessError, Conflict, NotFound
from tests.adapters import calls
from tests.adapters.conftest import StatsDelta
from bot.core.clock import CLOCK
from tests.adapters.seeds import ALL_IDS, LI, WANG
from tests.fixtures.clock import at, day_off_after, working_day_after


def next_working_day(days_ahead: int = 1) -> dt.date:
    """A day the halls open, counted from the sandbox's own today."""
    return working_day_after(CLOCK.today(), days_ahead)


@pytest.mark.parametrize("when", [
    pytest.param(at("2026-02-09T10:00"), id="a-week-before-the-spring-festival"),
    pytest.param(at("2026-02-14T10:00"), id="a-saturday-worked-before-nine-days-off"),
])
def test_the_wire_tests_book_a_day_the_halls_offer_around_a_long_holiday(adapters, sandbox, travel, when):
    travel(when)
    day = calls.next_working_day()
    assert adapters.appointments.free_slots("护照", "H006", day), day


def key() -> str:
    return uuid.uuid4().hex


def test_halls_by_district(adapters):
    halls = adapters.appointments.halls("武侯区")
    assert {h.name for h in halls} == {"武侯区政务服务中心", "武侯区出入境接待大厅"}
    assert all(30 < h.lat < 31 and 103 < h.lon < 105 for h in halls)
    assert len(adapters.appointments.halls()) >= 8


def test_free_slots_have_places(adapters):
    slots = adapters.appointments.free_slots("居住证", "H001", next_working_day())
    assert slots and all(s.remaining > 0 for s in slots)
    assert slots[0].label == f"{slots[0].start}-{slots[0].end}"


def test_no_slots_on_a_day_off(adapters):
    assert adapters.appointments.free_slots("居住证", "H001", day_off_after(CLOCK.today())) == []


def test_unknown_hall_and_item_not_served(adapters):
    with pytest.raises(NotFound):
        adapters.appointments.free_slots("居住证", "H999", next_working_day())
    with pytest.raises(BusinessError) as e:
        adapters.appointments.free_slots("结婚登记", "H003", next_working_day())
    assert e.value.code == "ITEM_NOT_SERVED"


def test_book_and_cancel(adapters):
    day = next_working_day(2)
    slot = adapters.appointments.free_slots("护照", "H006", day)[0]
    booking = adapters.appointments.book(WANG, "护照", "H006", day, slot, key())
    assert booking.booking_no.startswith("YY") and booking.status == "已预约"
    assert (booking.date, booking.start, booking.hall_name) == (day, slot.start, "高新区政务服务中心")
    assert booking.booking_no in [b.booking_no for b in adapters.appointments.bookings(WANG)]
    with pytest.raises(NotFound):
        adapters.appointments.cancel(booking.booking_no, LI)  # not hers
    assert adapters.appointments.cancel(booking.booking_no, WANG).status == "已取消"
    assert adapters.appointments.cancel(booking.booking_no, WANG).status == "已取消"  # harmless twice


def test_the_same_idempotency_key_books_once(adapters, sandbox):
    day = next_working_day(3)
    slot = adapters.appointments.free_slots("营业执照", "H002", day)[0]
    k = key()
    with StatsDelta(sandbox, "appointments") as d:
        first = adapters.appointments.book(LI, "营业执照", "H002", day, slot.start, k)
        again = adapters.appointments.book(LI, "营业执照", "H002", day, slot.start, k)  # e.g. a lost answer
    assert first == again
    assert d["created"] == 1 and d["idempotent_replays"] == 1


def test_a_503_is_retried_and_still_books_once(adapters, sandbox):
    day = next_working_day(4)
    slot = adapters.appointments.free_slots("居住证", "H004", day)[0]
    sandbox.fault("appointments", "error_503", times=1)
    with StatsDelta(sandbox, "appointments") as d:
        booking = adapters.appointments.book(WANG, "居住证", "H004", day, slot, key())
    assert booking.status == "已预约"
    assert d["requests"] == 2 and d["created"] == 1


def test_concurrent_requests_for_the_last_place_give_exactly_one_booking(adapters):
    day = next_working_day(5)
    slot = adapters.appointments.free_slots("身份证换领", "H008", day)[0]
    fillers, racers = ALL_IDS[:slot.remaining - 1], ALL_IDS[slot.remaining - 1:]
    for id_number in fillers:
        adapters.appointments.book(id_number, "身份证换领", "H008", day, slot, key())
    [last] = [s for s in adapters.appointments.free_slots("身份证换领", "H008", day) if s.start == slot.start]
    assert last.remaining == 1

    outcomes, start = [], threading.Barrier(len(racers))

    def race(id_number):
        start.wait()
        try:
            outcomes.append(adapters.appointments.book(id_number, "身份证换领", "H008", day, slot, key()))
        except Conflict as e:
            outcomes.append(e)

    threads = [threading.Thread(target=race, args=(i,)) for i in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    booked = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(booked) == 1 and len(refused) == len(racers) - 1
    assert {e.code for e in refused} == {"SLOT_FULL"}
    assert all(s.start != slot.start for s in adapters.appointments.free_slots("身份证换领", "H008", day))


def test_the_halls_take_the_days_the_assistant_offers(adapters, fake_runtime):
    """The sandbox's window is the assistant's rule (BookAppointment.bookable_day: working days from
    tomorrow, BOOKABLE_DAYS ahead): a day the assistant accepts has slots, and no other day has."""
    from handlers.appointments import BOOKABLE_DAYS, BookAppointment
    today = CLOCK.today()
    for ahead in range(BOOKABLE_DAYS + 3):
        day = today + dt.timedelta(days=ahead)
        offered = bool(adapters.appointments.free_slots("居住证", "H001", day))
        assert offered == BookAppointment.bookable_day(fake_runtime.services, day), day

"""Service-hall appointment system (预约办事): halls, free slots, booking and
cancelling with an Idempotency-Key, the citizen's bookings. The citizen's ID
number travels in bodies (book, cancel) or the X-Id-Number header (bookings),
never in the URL."""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from adapters.auth import HeaderKeyAuth
from adapters.base import BackendAdapter, personal_read
from adapters.parsing import date as parse_date, json_body, local_datetime, text
from adapters.records import Affair, Booking, ServiceHall, TimeSlot
from bot.core.config import Section
from bot.core.privacy import pseudonym

STATUS = {"BOOKED": "已预约", "CANCELLED": "已取消", "COMPLETED": "已完成"}
ID_HEADER = "X-Id-Number"


def _as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _slot_start(slot: TimeSlot | str) -> str:
    """'09:00', '09:00-09:30' or a TimeSlot -> '09:00'."""
    start = slot.start if isinstance(slot, TimeSlot) else str(slot).split("-")[0].strip()
    dt.datetime.strptime(start, "%H:%M")  # ValueError for anything else
    return start


def _key(idempotency_key: str) -> str:
    if not isinstance(idempotency_key, str) or not idempotency_key.strip() or len(idempotency_key) > 128:
        raise ValueError("idempotency_key: a non-empty string of at most 128 characters is required")
    return idempotency_key.strip()


class AppointmentsAdapter(BackendAdapter):
    name = "appointments"
    domain = "预约"
    health_path = "/appt/v1/ping"
    SETTING_KEYS = ("api_key",)

    def _configure(self, cfg: Section):
        return HeaderKeyAuth("X-Api-Key", cfg.str("api_key"))

    def _booking(self, b: dict) -> Booking:
        return Booking(
            booking_no=text(b["bookingNo"]), item=text(b["item"]), hall_id=text(b["hallId"]),
            hall_name=text(b["hallName"]), district=text(b["district"]), address=text(b["address"]),
            date=parse_date(b["date"]), start=text(b["start"]), end=text(b["end"]), status=STATUS[b["status"]],
            created_at=local_datetime(b["createdAt"]),
        )

    def halls(self, district: str | None = None) -> list[ServiceHall]:
        """Service halls, optionally of one district (full name, e.g. 武侯区)."""
        def parse(response):
            return [ServiceHall(
                hall_id=text(h["hallId"]), name=text(h["hallName"]), district=text(h["district"]),
                address=text(h["address"]), lat=float(h["location"]["lat"]), lon=float(h["location"]["lng"]),
                hours=text(h["openHours"]), phone=text(h["tel"]), items=tuple(h["items"]),
            ) for h in json_body(response)["halls"]]
        return self._request("GET", "/appt/v1/halls", op="halls",
                             params={"district": district} if district else None, parse=parse)

    def free_slots(self, item: str, hall_id: str, date: dt.date | str) -> list[TimeSlot]:
        """Slots of that day with at least one place left ([] on closed days).
        NotFound for an unknown hall; BusinessError(code="ITEM_NOT_SERVED") when
        the hall does not handle the item."""
        day = _as_date(date)
        def parse(response):
            body = json_body(response)
            return [TimeSlot(date=day, start=text(s["start"]), end=text(s["end"]),
                             capacity=int(s["capacity"]), remaining=int(s["remaining"]))
                    for s in body["slots"] if int(s["remaining"]) > 0]
        return self._request("GET", f"/appt/v1/halls/{quote(hall_id, safe='')}/slots", op="free_slots",
                             params={"item": item, "date": day.isoformat()}, parse=parse)

    def book(self, id_number: str, item: str, hall_id: str, date: dt.date | str, slot: TimeSlot | str,
             idempotency_key: str) -> Booking:
        """Book one place. Retried safely: the same idempotency_key never makes a
        second booking and answers the first one again; derive it from the
        conversation (e.g. the form's id), not per attempt.
        Conflict(code="SLOT_FULL") when the slot is full, Conflict(code=
        "DUPLICATE_BOOKING") when the citizen already holds it; BusinessError
        for a slot that does not exist or an item the hall does not handle."""
        body = {"idNumber": self._id(id_number), "item": item, "hallId": hall_id,
                "date": _as_date(date).isoformat(), "start": _slot_start(slot)}
        return self._request("POST", "/appt/v1/bookings", op="book", json=body,
                             idempotency_key=_key(idempotency_key),
                             parse=lambda r: self._booking(json_body(r)["booking"]))

    def cancel(self, booking_no: str, id_number: str) -> Booking:
        """Cancel the citizen's booking (cancelling twice is harmless: the same
        result). NotFound for someone else's; Conflict for one already used."""
        booking_no, id_number = booking_no.strip().upper(), self._id(id_number)
        # One citizen cancelling one booking is one intent however often it is
        # retried; the key says so (the ID only as a keyed pseudonym: headers get logged, and a
        # plain digest of an ID number is reversed by trying birth dates).
        digest = pseudonym("id_number", id_number)[:20]
        return self._request("POST", f"/appt/v1/bookings/{quote(booking_no, safe='')}/cancel",
                             op="cancel", json={"idNumber": id_number},
                             idempotency_key=f"cancel-{booking_no}-{digest}",
                             parse=lambda r: self._booking(json_body(r)["booking"]))

    @personal_read
    def bookings(self, id_number: str) -> list[Booking]:
        return self._request("GET", "/appt/v1/bookings", op="bookings", headers={ID_HEADER: self._id(id_number)},
                             parse=lambda r: [self._booking(b) for b in json_body(r)["bookings"]])

    @personal_read
    def affairs(self, id_number: str) -> list[Affair]:
        return [Affair(
            domain=self.domain, item=f"预约：{b.item}", status=b.status,
            stage=f"{b.date:%Y-%m-%d} {b.start}-{b.end}", place=b.hall_name, district=b.district,
            updated_at=b.created_at,
            next_step=(f"请于 {b.date:%m月%d日} {b.start} 前到{b.hall_name}（{b.address}）办理"
                       if b.status == "已预约" else "无需操作"),
            ref_no=b.booking_no, done=b.status != "已预约", backend=self.name,
        ) for b in self.bookings(id_number)]


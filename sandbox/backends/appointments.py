"""Service-hall appointment system (预约): camelCase JSON, API key in X-Api-Key,
the citizen's ID number in bodies (book, cancel) or the X-Id-Number header
(list bookings), never in the URL (400 IDENTIFIER_IN_URL).

Slots are 30 minutes in the halls' opening hours on working days, for the next
`days_ahead` days from tomorrow, each with a capacity shared by all items. Some places are
already taken by other (unseen) citizens, deterministically, so that some
slots are full. Booking requires an Idempotency-Key; a full slot answers 409
SLOT_FULL and a slot is never booked beyond its capacity, also under
concurrent requests (the check and the write happen under one lock).
Status: BOOKED 已预约, CANCELLED 已取消, COMPLETED 已完成.
"""
from __future__ import annotations

import datetime as dt
import hmac
import itertools
import zlib

from werkzeug.routing import Rule

from sandbox import credentials
from sandbox.backends.base import SandboxBackend
from sandbox.data import CALENDAR, local_time, now_local, today_local
from sandbox.progress import Sequence, Step, move

STATUS_CODES = {"已预约": "BOOKED", "已取消": "CANCELLED", "已完成": "COMPLETED"}
SLOT_MINUTES = 30
# POST /__data/advance: the citizen came to the hall (已完成); 已取消 is final.
SEQUENCE = Sequence(Step("已预约"), Step("已完成"), ends=("已取消",))
ID_HEADER = "X-Id-Number"


def _times(start: str, end: str):
    t = dt.datetime.strptime(start, "%H:%M")
    stop = dt.datetime.strptime(end, "%H:%M")
    while t + dt.timedelta(minutes=SLOT_MINUTES) <= stop:
        yield t.strftime("%H:%M"), (t + dt.timedelta(minutes=SLOT_MINUTES)).strftime("%H:%M")
        t += dt.timedelta(minutes=SLOT_MINUTES)


class AppointmentsBackend(SandboxBackend):
    name = "appointments"
    ping_path = "/appt/v1/ping"

    def __init__(self, *args, **kwargs):
        self._seq = itertools.count(501)  # never restarts: a restored sandbox hands out new numbers
        super().__init__(*args, **kwargs)
        plan = self.world.slot_plan
        self.slot_times = list(_times(*plan["morning"])) + list(_times(*plan["afternoon"]))

    def seed(self):
        self.bookings: dict[str, dict] = {}
        for person, b in self.world.every("appointments", "bookings"):
            self.bookings[b["ref"]] = {**b, "id_number": person["id_number"], "status": STATUS_CODES[b["status"]],
                                      "created": local_time(b["created"])}

    def rules(self):
        return [
            Rule("/appt/v1/halls", endpoint="halls", methods=["GET"]),
            Rule("/appt/v1/halls/<hall_id>/slots", endpoint="slots", methods=["GET"]),
            Rule("/appt/v1/bookings", endpoint="create", methods=["POST"]),
            Rule("/appt/v1/bookings", endpoint="list_bookings", methods=["GET"]),
            Rule("/appt/v1/bookings/<booking_no>/cancel", endpoint="cancel", methods=["POST"]),
        ]

    def authenticate(self, request, endpoint):
        if hmac.compare_digest(request.headers.get("X-Api-Key", ""), credentials.APPOINTMENTS_API_KEY):
            return None
        return self.unauthorized()

    def unauthorized(self):
        return self.json({"error": "UNAUTHORIZED", "message": "invalid api key"}, 401)

    def _error(self, code: str, message: str, status: int):
        return self.json({"error": code, "message": message}, status)

    # --- slots -------------------------------------------------------------------------
    def _open_days(self) -> set[dt.date]:
        today = today_local()
        # From tomorrow (no same-day booking), as the assistant tells citizens (BOOKABLE_DAYS).
        days = (today + dt.timedelta(days=i) for i in range(1, self.world.slot_plan["days_ahead"] + 1))
        return {d for d in days if CALENDAR.is_workday(d)}

    def _taken(self, hall: dict, date: dt.date, start: str) -> int:
        """Places taken: the unseen citizens' (fixed per slot) plus our bookings."""
        others = zlib.crc32(f"{hall['id']}|{date}|{start}".encode()) % (hall["capacity"] + 1)
        ours = sum(1 for b in self.bookings.values()
                   if b["hall_id"] == hall["id"] and b["date"] == date and b["start"] == start and b["status"] == "BOOKED")
        return others + ours

    def halls(self, request):
        district = request.args.get("district")
        return self.json({"halls": [{
            "hallId": h["id"], "hallName": h["name"], "district": h["district"], "address": h["address"],
            "location": {"lat": h["lat"], "lng": h["lon"]}, "openHours": self.world.slot_plan["hours"],
            "tel": h["phone"], "items": h["items"],
        } for h in self.world.halls.values() if not district or h["district"] == district]})

    def slots(self, request, hall_id):
        hall = self.world.halls.get(hall_id)
        if not hall:
            return self._error("HALL_NOT_FOUND", "no such hall", 404)
        try:
            date = dt.date.fromisoformat(request.args.get("date", ""))
        except ValueError:
            return self._error("BAD_DATE", "date must be YYYY-MM-DD", 400)
        if request.args.get("item") not in hall["items"]:
            return self._error("ITEM_NOT_SERVED", "this hall does not handle the item", 422)
        out = []
        if date in self._open_days():
            with self.lock:
                for start, end in self.slot_times:
                    taken = self._taken(hall, date, start)
                    out.append({"start": start, "end": end, "capacity": hall["capacity"],
                                "remaining": max(0, hall["capacity"] - taken)})
        return self.json({"hallId": hall_id, "date": date.isoformat(), "slots": out})

    # --- bookings ----------------------------------------------------------------------
    def _wire(self, b: dict) -> dict:
        hall = self.world.halls[b["hall_id"]]
        end = dict(self.slot_times).get(b["start"]) or (
            dt.datetime.strptime(b["start"], "%H:%M") + dt.timedelta(minutes=SLOT_MINUTES)).strftime("%H:%M")
        return {
            "bookingNo": b["ref"], "item": b["item"], "hallId": hall["id"], "hallName": hall["name"],
            "district": hall["district"], "address": hall["address"], "date": b["date"].isoformat(),
            "start": b["start"], "end": end, "status": b["status"], "createdAt": b["created"].isoformat(),
        }

    def create(self, request):
        if not request.headers.get("Idempotency-Key"):
            return self._error("IDEMPOTENCY_KEY_REQUIRED", "send an Idempotency-Key header", 400)
        return self.idempotent(request, lambda: self._create(self.body_json(request)))

    def _create(self, body: dict):
        # Runs under self.lock (see SandboxBackend.idempotent).
        hall = self.world.halls.get(str(body.get("hallId")))
        if not hall:
            return self._error("HALL_NOT_FOUND", "no such hall", 404)
        id_number = str(body.get("idNumber") or "").upper()
        if not id_number:
            return self._error("BAD_REQUEST", "idNumber is required", 400)
        if body.get("item") not in hall["items"]:
            return self._error("ITEM_NOT_SERVED", "this hall does not handle the item", 422)
        try:
            date = dt.date.fromisoformat(str(body.get("date")))
        except ValueError:
            return self._error("BAD_DATE", "date must be YYYY-MM-DD", 400)
        start = str(body.get("start"))
        if date not in self._open_days() or start not in dict(self.slot_times):
            return self._error("NO_SUCH_SLOT", "no such slot", 422)
        for b in self.bookings.values():
            if (b["id_number"], b["hall_id"], b["date"], b["start"], b["status"]) == (
                    id_number, hall["id"], date, start, "BOOKED"):
                return self._error("DUPLICATE_BOOKING", "already booked this slot", 409)
        if self._taken(hall, date, start) >= hall["capacity"]:
            return self._error("SLOT_FULL", "this slot is fully booked", 409)
        no = f"YY{today_local():%Y%m%d}{next(self._seq):06d}"
        self.bookings[no] = {"ref": no, "id_number": id_number, "item": body["item"], "hall_id": hall["id"],
                             "date": date, "start": start, "status": "BOOKED", "created": now_local()}
        self.stats.add(self.name, "created")
        return self.json({"booking": self._wire(self.bookings[no])}, 201)

    def advance(self, ref):
        with self.lock:
            b = self.bookings.get(ref)
            if b is None:
                return None
            return move(self.name, ref, b, SEQUENCE, to_wire=STATUS_CODES,
                        from_wire={v: k for k, v in STATUS_CODES.items()})

    def cancel(self, request, booking_no):
        if request.headers.get("Idempotency-Key"):
            return self.idempotent(request, lambda: self._cancel(request, booking_no))
        return self._cancel(request, booking_no)

    def _cancel(self, request, booking_no):
        id_number = str(self.body_json(request).get("idNumber") or "").upper()
        with self.lock:
            b = self.bookings.get(booking_no)
            if not b or b["id_number"] != id_number:
                return self._error("BOOKING_NOT_FOUND", "no such booking", 404)
            if b["status"] == "COMPLETED":
                return self._error("NOT_CANCELLABLE", "this booking was already used", 409)
            if b["status"] != "CANCELLED":
                b["status"] = "CANCELLED"
                self.stats.add(self.name, "cancelled")
            return self.json({"booking": self._wire(b)})

    def list_bookings(self, request):
        id_number = (request.headers.get(ID_HEADER) or "").upper()
        with self.lock:
            mine = [self._wire(b) for b in self.bookings.values() if id_number and b["id_number"] == id_number]
        return self.json({"bookings": mine})

"""The mini-program API's inputs and answers as marshmallow schemas: they check each request
(bot.web.openapi) and are the OpenAPI document's schemas, one definition for both."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from adapters import ADAPTER_CLASSES
from bot.channels.miniprogram import MAX_CODE_CHARS, MAX_TEXT_CHARS
from bot.city.districts import DISTRICTS
from bot.city.ratings import LEVELS

# The ledger's domains are the backends' own (adapters.records.Affair.domain).
LEDGER_DOMAINS = tuple(dict.fromkeys(c.domain for c in ADAPTER_CLASSES.values() if c.domain))
ORDER_NO = r"^GD[0-9]{14}$"
BOOKING_NO = r"^YY[0-9]{14}$"
Text = fields.String


def _text(limit: int, **kw) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=limit), **kw)


# -- login and chat ------------------------------------------------------------------------------
class LoginIn(Schema):
    code = _text(MAX_CODE_CHARS, required=True, metadata={"description": "the code of wx.login()"})


class LoginOut(Schema):
    token = Text(required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "seconds without use before it expires"})


class ChatIn(Schema):
    text = _text(MAX_TEXT_CHARS, metadata={"description": "what the citizen typed"})
    choice_id = _text(64, metadata={"description": "the `id` of an option of the last `choices` message"})


class Message(Schema):
    type = fields.String(required=True, validate=validate.OneOf(("text", "choices", "card", "list")))
    text = Text()
    prompt = Text()
    options = fields.List(fields.Dict(), metadata={"description": "choices: {id, label, reply}"})
    title = Text()
    fields_ = fields.List(fields.Dict(), data_key="fields", metadata={"description": "card: {name, value}"})
    items = fields.List(Text())
    footer = Text()


class Messages(Schema):
    messages = fields.List(fields.Nested(Message), required=True)


# -- the catalogue -------------------------------------------------------------------------------
class Theme(Schema):
    name = Text(required=True)
    items = fields.Integer(required=True)


class ThemesOut(Schema):
    themes = fields.List(fields.Nested(Theme), required=True)


class ItemsQuery(Schema):
    theme = _text(20, metadata={"description": "a life-cycle theme (GET /api/mp/catalogue/themes)"})
    q = _text(50, metadata={"description": "words to search in names and synonyms"})


class ItemSummary(Schema):
    name = Text(required=True)
    theme = Text(required=True)
    department = Text(required=True)


class ItemsOut(Schema):
    items = fields.List(fields.Nested(ItemSummary), required=True)


class ItemOut(ItemSummary):
    synonyms = fields.List(Text(), required=True)
    conditions = Text(required=True)
    materials = fields.List(Text(), required=True)
    where = Text(required=True)
    hours = Text(required=True)
    fee = Text(required=True)
    time_limit = Text(required=True)
    online = Text(required=True)
    notes = Text(required=True)


class Step(Schema):
    item = Text(required=True)
    when = Text(required=True)


class EventOut(Schema):
    name = Text(required=True)
    intro = Text(required=True)
    tip = Text(required=True)
    steps = fields.List(fields.Nested(Step), required=True)


class EventsOut(Schema):
    events = fields.List(fields.Nested(EventOut), required=True)


# -- the ledger ----------------------------------------------------------------------------------
class LedgerQuery(Schema):
    domain = fields.String(validate=validate.OneOf(LEDGER_DOMAINS))
    status = fields.String(validate=validate.OneOf(("open", "done")))
    since = fields.Date(metadata={"description": "updated on or after (YYYY-MM-DD)"})
    until = fields.Date(metadata={"description": "updated on or before (YYYY-MM-DD)"})
    district = fields.String(validate=validate.OneOf(DISTRICTS))
    period = _text(20, metadata={"description": "the chat's words for a time: 上个月, 今年, 最近三个月"})


class Affair(Schema):
    domain = Text(required=True)
    item = Text(required=True)
    status = Text(required=True)
    stage = Text(required=True)
    place = Text(required=True)
    district = Text(required=True)
    updated_at = Text(required=True)
    next_step = Text(required=True)
    ref_no = Text(required=True)
    done = fields.Boolean(required=True)


class Missing(Schema):
    backend = Text(required=True)
    name = Text(required=True)
    why = Text(required=True)


class LedgerOut(Schema):
    affairs = fields.List(fields.Nested(Affair), required=True)
    total = fields.Integer(required=True, metadata={"description": "matters before the filters"})
    complete = fields.Boolean(required=True, metadata={"description": "false: a backend did not answer in time"})
    missing = fields.List(fields.Nested(Missing), required=True)


# -- identity binding ----------------------------------------------------------------------------
class BindingOut(Schema):
    bound = fields.Boolean(required=True)
    surname = Text(metadata={"description": "masked"})
    id_number = Text(metadata={"description": "masked"})
    phone = Text(metadata={"description": "masked"})
    code_sent_to = Text(allow_none=True, metadata={"description": "masked phone a code went to"})
    messages = fields.List(fields.Nested(Message))


class BindStartIn(Schema):
    name = _text(20, required=True, metadata={"description": "the name on the ID card"})
    id_number = _text(40, required=True, metadata={"description": "the citizen's own 18-character ID number"})


class BindCodeIn(Schema):
    # ASCII digits only, and the length too: `$` would let a trailing newline through.
    code = fields.String(required=True, validate=[validate.Regexp(r"^[0-9]{6}$"), validate.Length(equal=6)],
                         metadata={"description": "the 6-digit SMS code"})


# -- appointments --------------------------------------------------------------------------------
class HallsQuery(Schema):
    item = _text(30)
    district = fields.String(validate=validate.OneOf(DISTRICTS))


class Hall(Schema):
    hall_id = Text(required=True)
    name = Text(required=True)
    district = Text(required=True)
    address = Text(required=True)
    hours = Text(required=True)
    phone = Text(required=True)
    items = fields.List(Text(), required=True)


class HallsOut(Schema):
    halls = fields.List(fields.Nested(Hall), required=True)


class SlotsQuery(Schema):
    item = _text(30, required=True)
    hall_id = _text(20, required=True)
    date = fields.Date(required=True)


class Slot(Schema):
    start = Text(required=True)
    end = Text(required=True)
    remaining = fields.Integer(required=True)


class SlotsOut(Schema):
    slots = fields.List(fields.Nested(Slot), required=True)


class BookIn(Schema):
    item = _text(30, required=True)
    hall_id = _text(20, required=True)
    date = fields.Date(required=True)
    start = fields.String(required=True, validate=[validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$"),
                                                   validate.Length(equal=5)])


class Booking(Schema):
    booking_no = Text(required=True)
    item = Text(required=True)
    hall_id = Text(required=True)
    hall_name = Text(required=True)
    district = Text(required=True)
    address = Text(required=True)
    date = Text(required=True)
    start = Text(required=True)
    end = Text(required=True)
    status = Text(required=True)


class BookingsOut(Schema):
    bookings = fields.List(fields.Nested(Booking), required=True)


# -- complaints ----------------------------------------------------------------------------------
class ComplaintIn(Schema):
    content = _text(1000, required=True, metadata={"description": "what happened"})
    location = _text(200, required=True, metadata={"description": "district and place"})
    when = _text(100, required=True, metadata={"description": "when it happens or happened"})
    contact = _text(20, metadata={"description": "a mobile number to call back (optional)"})


class ComplaintOut(Schema):
    order_no = Text(required=True)
    department = Text(required=True)
    topic = Text(required=True)
    status = Text(required=True)
    flagged_for_review = fields.Boolean(required=True,
                                        metadata={"description": "msgSecCheck asked the 12345 office to review it"})


class WorkOrderStep(Schema):
    """A step of a work order as anyone may see it (the partner API's status:read)."""
    at = Text(required=True)
    stage = Text(required=True)
    department = Text(required=True)


class WorkOrderStatusOut(Schema):
    """Where a work order is, without what the citizen wrote (the partner API's status:read)."""
    order_no = Text(required=True)
    topic = Text(required=True)
    department = Text(required=True)
    district = Text(required=True)
    status = Text(required=True)
    done = fields.Boolean(required=True)
    created_at = Text(required=True)
    updated_at = Text(required=True)
    steps = fields.List(fields.Nested(WorkOrderStep), required=True)


class OrderStep(WorkOrderStep):
    note = Text(required=True)


class ProgressOut(WorkOrderStatusOut):
    """The filer's own view: their words and each step's note as well."""
    summary = Text(required=True)
    steps = fields.List(fields.Nested(OrderStep), required=True)


# -- ratings -------------------------------------------------------------------------------------
class RatingIn(Schema):
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))


class RatingOut(Schema):
    rated = fields.Boolean(required=True)
    messages = fields.List(fields.Nested(Message), required=True)

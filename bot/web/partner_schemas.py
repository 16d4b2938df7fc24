"""The partner API's inputs and answers (and the mini-program's consent views, which show the same
consent) as marshmallow schemas: they check each request and write the OpenAPI documents."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from bot.records import PERSONAL_SCOPES, SCOPES
from bot.records.consents import CODE_LENGTH, MAX_PURPOSE

Text = fields.String
CONSENT_ID = r"^cs_[a-z]{20}$"
STATUSES = ("requested", "granted", "refused", "revoked", "expired", "lapsed")


class PartnerOut(Schema):
    name = Text(required=True)
    scopes = fields.List(Text(validate=validate.OneOf(tuple(SCOPES))), required=True)
    rate_limit = Text(required=True, metadata={"description": "this partner's requests allowed, e.g. 120/minute"})


class ConsentRequestIn(Schema):
    scope = Text(required=True, validate=validate.OneOf(PERSONAL_SCOPES),
                 metadata={"description": "a personal scope the partner holds"})
    purpose = Text(required=True, validate=validate.Length(min=2, max=MAX_PURPOSE),
                   metadata={"description": "why, in words shown to the citizen"})
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=3650),
                          metadata={"description": "how long the consent lasts once granted (at most the "
                                                   "platform's partner_api.consent.max_days)"})


class ConsentOut(Schema):
    consent_id = Text(required=True, metadata={"description": "names the citizen in later calls"})
    partner = Text(required=True)
    scope = Text(required=True)
    scope_label = Text(required=True, metadata={"description": "what it reads, in the citizen's words"})
    purpose = Text(required=True)
    days = fields.Integer(required=True)
    status = Text(required=True, validate=validate.OneOf(STATUSES))
    requested_at = fields.Float(required=True, metadata={"description": "Unix time"})
    decided_at = fields.Float(allow_none=True)
    expires_at = fields.Float(allow_none=True)
    revoked_at = fields.Float(allow_none=True)


class ConsentRequestOut(ConsentOut):
    code = Text(required=True, metadata={"description": f"{CODE_LENGTH} characters to show the citizen, who "
                                                        "enters it in the Official Account (我的授权 → 授权码) or the "
                                                        "mini-program; valid once, until code_expires_at"})
    code_expires_at = fields.Float(required=True)


# -- the citizen's side (mini-program) ---------------------------------------------------------
class ConsentsOut(Schema):
    consents = fields.List(fields.Nested(ConsentOut), required=True,
                           metadata={"description": "the consents in force, newest first"})


class ConsentDecisionIn(Schema):
    code = Text(required=True, validate=validate.Length(min=1, max=32),
                metadata={"description": "the code the partner's app showed"})
    grant = fields.Boolean(required=True, metadata={"description": "true grants, false refuses"})


class WorkOrderQuery(Schema):
    phone_tail = fields.String(required=True, validate=validate.Regexp(r"^\d{4}$"), metadata={
        "description": "the last four digits of the phone the citizen filed the order with (the citizen "
                       "tells the partner; a wrong one answers 404 like a missing order)"})

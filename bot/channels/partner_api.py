"""What the partner API (bot/web/partner.py serves it) does for a partner that passed its key.

    public scopes       catalogue:read (the mini-program's own catalogue views), status:read (a
                        12345 work order's progress by its GD number: where it is, never what the
                        citizen wrote nor who they are)
    personal scopes     ledger:read: only through a consent the citizen granted to this partner
                        (bot/records/consents.py), checked at every call; the citizen is found by
                        the consent's keyed hash in the identity store, their records read as the
                        partner (Reader "partner:<name>", purpose partner_consent: audited)
    consent requests    a partner asks (scope, purpose, days) and gets the consent's id and a code
                        to show the citizen, who answers in the Official Account or the mini-program
"""
from __future__ import annotations

import hmac
from typing import Any

from adapters.errors import NotFound
from bot.channels.miniprogram_api import MiniProgramApi, mask_json
from bot.core import access
from bot.records import ConsentRefused, Consents, PartnerView
from bot.stores.identity import IdentityStore

PARTNER_ROLE = "partner"
CONSENT_PURPOSE = "partner_consent"


def reader_of(partner: PartnerView) -> access.Reader:
    return access.Reader(f"partner:{partner.name}", PARTNER_ROLE, CONSENT_PURPOSE)


class PartnerApi:
    def __init__(self, *, consents: Consents, identity: IdentityStore, mp_api: MiniProgramApi):
        self.consents = consents
        self.identity = identity
        self.mp_api = mp_api

    def request_consent(self, partner: PartnerView, scope: str, purpose: str, days: int) -> dict:
        consent, code = self.consents.request(partner, scope, purpose, days)
        return {**consent.public(), "code": code, "code_expires_at": consent.code_expires_at}

    def consent(self, partner: PartnerView, consent_id: str) -> dict | None:
        found = self.consents.of_partner(partner.id, consent_id)
        return found.public() if found is not None else None

    def citizen_key(self, partner: PartnerView, consent_id: str) -> str | None:
        """The citizen of one of the partner's consents, as pseudonym("id_number", …), for the audit."""
        found = self.consents.of_partner(partner.id, consent_id)
        return found.citizen_key if found is not None else None

    def ledger(self, partner: PartnerView, consent_id: str, **filters: Any) -> dict:
        """The consenting citizen's ledger; ConsentRefused when the consent does not allow it now."""
        consent = self.consents.check(partner.id, consent_id, "ledger:read")
        citizen = self.identity.citizen_of_hash(consent.identity_key or "")
        if citizen is None:
            raise ConsentRefused("CONSENT_UNUSABLE", "the citizen is no longer known to the service (unbound)")
        return self.mp_api.ledger_of(citizen, reader_of(partner), **filters)

    def work_order(self, order_no: str, phone_tail: str) -> dict:
        """A work order's progress by its number and the last four digits of the phone it was filed
        with (numbers are guessable: the tail is what the citizen tells the partner, as a parcel
        service asks): status, department and steps, no personal words. NotFound when they differ."""
        order = self.mp_api.services.adapters.workorders.get(order_no, None)
        tail = (order.contact_phone_masked or "")[-4:]
        if len(tail) != 4 or not hmac.compare_digest(tail, phone_tail):
            raise NotFound("workorders", "no such work order for that phone")
        return mask_json({
            "order_no": order.order_no, "topic": order.topic, "department": order.department,
            "district": order.district, "status": order.status, "done": order.done,
            "created_at": order.created_at.isoformat(), "updated_at": order.updated_at.isoformat(),
            "steps": [{"at": s.at.isoformat(), "stage": s.stage, "department": s.department} for s in order.steps]})

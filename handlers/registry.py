"""The explicit list of handlers, one per intent of the project's intent list (docs/contracts.md).

Adding an intent (docs/handlers.md has the full recipe): write its handler
class, add it to build_handlers() below and to SPEC_INTENTS (or, for an intent
that only a channel sends, CHANNEL_ONLY_INTENTS), add training examples under
nlu_data/; tests/test_consistency.py checks that all of them agree.
"""
from __future__ import annotations

from bot.conversation.contract import Handler
from handlers.appointments import BookAppointment
from handlers.complaints import FileComplaint
from handlers.consents import ManageConsents
from handlers.endorsement import QueryEndorsementStatus
from handlers.guide import AskServiceGuide
from handlers.halls import NearbyHalls
from handlers.handoff import RequestHuman
from handlers.identity import BindIdentity
from handlers.ledger import QueryMyAffairs
from handlers.personal import (QueryBusinessRegistration, QueryHousingFund, QueryMedicalInsurance,
                               QuerySocialSecurity, QueryUtilityBill)
from handlers.ratings import RateService
from handlers.smalltalk import BotChallenge, Goodbye, Greet, OutOfScope, StrayAnswer, Thank

# The intents of the project's specification (docs/contracts.md; a copy, so a checkout alone can run
# the consistency test; the test compares it with the spec when the spec is there).
SPEC_INTENTS = (
    "greet", "goodbye", "thank", "affirm", "deny", "inform", "bot_challenge", "request_human", "out_of_scope",
    "bind_identity", "query_my_affairs", "query_housing_fund", "query_social_security", "query_medical_insurance",
    "query_endorsement_status", "query_business_registration", "query_utility_bill", "book_appointment",
    "ask_service_guide", "file_complaint", "rate_service",
)

# Intents only a channel sends (no NLU training data): a WeChat location message.
CHANNEL_ONLY_INTENTS = ("nearby_halls",)
# Intents reached only by their fixed command words (Handler.commands; no NLU training data):
# 我的授权 and 授权码 (the partners' consents, docs/partners.md).
COMMAND_ONLY_INTENTS = ("manage_consents",)


def build_handlers() -> dict[str, Handler]:
    handlers: list[Handler] = [
        Greet(), Goodbye(), Thank(), BotChallenge(), OutOfScope(),
        StrayAnswer("affirm"), StrayAnswer("deny"), StrayAnswer("inform"),
        BindIdentity(),
        QueryMyAffairs(), QueryHousingFund(), QuerySocialSecurity(), QueryMedicalInsurance(),
        QueryEndorsementStatus(), QueryBusinessRegistration(), QueryUtilityBill(),
        BookAppointment(), AskServiceGuide(), FileComplaint(),
        RequestHuman(), RateService(), NearbyHalls(), ManageConsents(),
    ]
    return {h.intent: h for h in handlers}


# The intent that answers with the main menu, and the menu's order (numbered choices on greeting,
# confusion and NLU outage).
MENU_INTENT = "greet"
MENU_ORDER = [
    "query_my_affairs", "query_housing_fund", "query_social_security", "query_medical_insurance",
    "query_endorsement_status", "query_business_registration", "query_utility_bill",
    "book_appointment", "ask_service_guide", "file_complaint", "bind_identity", "request_human",
]

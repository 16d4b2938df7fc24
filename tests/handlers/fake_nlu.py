"""A keyword stand-in for the Rasa server, for dispatcher and handler tests
that must not depend on a trained model. Conversations through the real model
live in tests/conversations/."""
from __future__ import annotations

import re

from bot.city.districts import find_district
from bot.core.privacy import APPLICATION_NO, ID_LIKE, PHONE, compact
from bot.nlu.client import FALLBACK_INTENT, Entity, Parse
from bot.nlu.normalise import normalise

RULES: list[tuple[str, str]] = [   # (regex, intent), first match wins
    (r"^(你好|您好|在吗)", "greet"), (r"(再见|拜拜)", "goodbye"), (r"(谢谢|辛苦)", "thank"),
    (r"^(是的|对|好的|确认|确定)$", "affirm"), (r"^(不是|不用|不要)$", "deny"),
    (r"(机器人|真人)", "bot_challenge"), (r"(转人工|人工客服|工作人员)", "request_human"),
    (r"(满意|差评|好评)", "rate_service"), (r"(实名|绑定身份|认证)", "bind_identity"),
    (r"(我的办件|所有的业务|办的事|办完|办件)", "query_my_affairs"),
    (r"(材料|在哪办|要多久|收费|指南|要办哪些|怎么办理)", "ask_service_guide"),
    (r"公积金", "query_housing_fund"), (r"(社保|养老金)", "query_social_security"),
    (r"医保", "query_medical_insurance"), (r"签注", "query_endorsement_status"),
    (r"(营业执照|公司注册)", "query_business_registration"), (r"(水费|电费|燃气费|水电)", "query_utility_bill"),
    (r"预约", "book_appointment"), (r"(投诉|举报|反映)", "file_complaint"), (r"(笑话|股票)", "out_of_scope"),
]


class KeywordNlu:
    def __init__(self, low_confidence: dict[str, tuple[tuple[str, float], ...]] | None = None):
        # text -> ranking, to script a low-confidence parse
        self.low_confidence = low_confidence or {}
        self.calls = 0
        self.texts: list[str] = []   # what it was asked to read

    def parse(self, text: str) -> Parse:
        self.calls += 1
        self.texts.append(text)
        norm = normalise(text)
        entities = []
        for name, pattern in (("id_number", ID_LIKE), ("application_no", APPLICATION_NO), ("phone", PHONE)):
            m = pattern.search(norm)
            if m:
                entities.append(Entity(name, compact(m.group(0))))
        district = find_district(norm)
        if district:
            entities.append(Entity("district", district))
        if norm in self.low_confidence:
            ranking = self.low_confidence[norm]
            return Parse(norm, FALLBACK_INTENT, 0.3, ((FALLBACK_INTENT, 0.3),) + ranking, tuple(entities))
        for pattern, intent in RULES:
            if re.search(pattern, norm):
                return Parse(norm, intent, 0.95, ((intent, 0.95),), tuple(entities))
        if entities or re.fullmatch(r"\d{6}", norm) or re.fullmatch(r"[\u4e00-\u9fff]{2,4}", norm):
            return Parse(norm, "inform", 0.9, (("inform", 0.9),), tuple(entities))
        return Parse(norm, FALLBACK_INTENT, 0.3, ((FALLBACK_INTENT, 0.3),), tuple(entities))

    def ready(self) -> bool:
        return True

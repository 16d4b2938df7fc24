"""Issue 12 point 3 through the real stack (Rasa, Redis, sandbox), property-based: an ID number and
a phone number written in any grouping go into a turn; none survives in anything that leaves it —
the replies, the 12345 work order (the after-hours call-back order quotes the citizen's words),
the session's transcript, the NLU parse cache, the log lines."""
from __future__ import annotations

import logging
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.test_identifier_shapes import digits_of, written_ids, written_phones
from tests.fixtures.chat import Chat
from tests.fixtures.clock import at

OFFICE_CLOSED = at("2026-11-28T20:00")   # a Saturday evening


def everything_in_redis(hub) -> str:
    values = []
    for key in hub.text.scan_iter(match=hub.prefix + "*", count=500):
        kind = hub.text.type(key)
        if kind == "string":
            values.append(hub.text.get(key) or "")
        elif kind == "list":
            values += hub.text.lrange(key, 0, -1)
        elif kind == "hash":
            values += [f"{k}={v}" for k, v in hub.text.hgetall(key).items()]
        elif kind == "zset":
            values += hub.text.zrange(key, 0, -1)
        elif kind == "set":
            values += list(hub.text.smembers(key))
        values.append(key)
    return "\n".join(values)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_identifier_survives_a_turn(stack_runtime, redis_hub, travel, caplog, data):
    id_value, id_written = data.draw(written_ids())
    phone_value, phone_written = data.draw(written_phones())
    travel(OFFICE_CLOSED)
    chat = Chat(stack_runtime)
    caplog.set_level(logging.DEBUG)
    first = chat.say(f"我身份证{id_written}，电话{phone_written}，办事查不到，转人工")
    second = chat.say(phone_written)
    order_no = re.search(r"GD\d{14}", second)
    left = [first, second, everything_in_redis(redis_hub), caplog.text]
    if order_no:
        left.append(stack_runtime.adapters.workorders.get(order_no.group(0), None).summary)
    for text in left:
        assert id_value not in digits_of(text) and id_value[6:14] not in digits_of(text)
        assert phone_value not in digits_of(text)

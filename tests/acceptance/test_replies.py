"""Point 11 — replies are channel-neutral (text, choices, cards, lists) and long
lists come a page at a time ("更多"); the channel renders and splits them."""
from bot.core.messages import Card, Choices, ListReply, Text, to_json, to_plain_text
from tests.fixtures.chat import WANG


def test_reply_types_render_as_json_and_as_text(talk):
    c = talk()
    c.bind(WANG)
    kinds = set()
    for text in ("你好", "公积金余额", "我的办件", "生孩子要办哪些事", "办护照收费吗"):
        for r in c.send(text):
            kinds.add(type(r))
            assert to_json(r)["type"] in ("text", "choices", "card", "list")
            assert to_plain_text(r)
    assert {Text, Choices, Card, ListReply} <= kinds


def test_long_lists_are_paged(talk, stack_runtime):
    stack_runtime.dispatcher.page_size = 3
    c = talk()
    c.bind(WANG)
    c.send("我的办件")
    first = next(r for r in c.replies if isinstance(r, ListReply))
    assert len(first.items) == 3 and "更多" in first.footer
    c.send("更多")
    assert next(r for r in c.replies if isinstance(r, ListReply)).title.endswith("（续）")

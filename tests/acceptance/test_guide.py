"""Point 6 — the service guide: materials, where, how long, fees; themes; life events."""
from bot.core.messages import Card, Choices


def test_materials(talk):
    reply = talk().say("办结婚登记需要什么材料")
    assert "户口簿" in reply and "合影" in reply


def test_where_how_long_and_fees(talk):
    c = talk()
    assert "出入境接待大厅" in c.say("护照在哪办")
    assert "7个工作日" in c.say("护照要多久")
    assert "120元" in c.say("办护照收费吗")


def test_life_event_bundle(talk):
    c = talk()
    reply = c.say("生孩子要办哪些事")
    for item in ("生育登记", "出生登记", "新生儿落户", "城乡居民医保参保", "生育津贴"):
        assert item in reply
    c.send("3")
    assert isinstance(c.replies[0], Card) and "出生医学证明" in c.text()


def test_themes_to_browse(talk):
    c = talk()
    c.send("/ask_service_guide")
    assert isinstance(c.replies[0], Choices)
    for theme in ("教育", "医疗", "就业", "住房", "婚育收养", "证件办理", "公用事业", "企业开办"):
        assert theme in c.text()

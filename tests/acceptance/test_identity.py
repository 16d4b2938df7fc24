"""Point 2 — identity: name + ID verified, a code to the phone on file (masked),
limited attempts with a lock-out, unbinding, and a binding that survives a restart."""
from bot.runtime import build_runtime
from tests.fixtures.chat import LI, WANG, Chat


def test_binding_sends_the_code_to_the_phone_on_file(talk):
    c = talk()
    c.say("绑定身份证")
    c.say("李芳")
    sent = c.say(LI[1])
    assert "138****0002" in sent and "13880000002" not in sent
    assert "李*（510***********4525）" in c.say("123456")


def test_name_and_id_that_do_not_match(talk):
    c = talk()
    c.say("实名认证")
    c.say("王建华")
    assert "不一致" in c.say(WANG[1]) and "还可尝试 4 次" in c.text()


def test_a_wrong_code_five_times_locks(talk, stack_runtime):
    c = talk()
    c.say("实名认证")
    c.say("王建国")
    c.say(WANG[1])
    replies = [c.say(code) for code in ("111111", "222222", "333333", "444444", "555555")]
    assert "还可以再试 4 次" in replies[0]
    assert "已暂停" in replies[-1] and "30 分钟" in replies[-1]
    assert "已暂停" in c.say("实名认证")                      # locked, even before asking again
    assert stack_runtime.identity.get(c.user_key) is None
    other = talk()                                            # another account, the same ID: locked too
    other.say("实名认证")
    other.say("王建国")
    assert "已暂停" in other.say(WANG[1])


def test_unbinding(talk, stack_runtime):
    c = talk()
    c.bind(WANG)
    assert "确定要解除" in c.say("解除绑定")
    assert "已解除绑定" in c.say("确定")
    assert stack_runtime.identity.get(c.user_key) is None
    assert "核实您的身份" in c.say("公积金余额")


def test_the_binding_survives_a_restart(talk, stack_settings, redis_hub):
    c = talk()
    c.bind(WANG)
    restarted = build_runtime(stack_settings)      # a new process: same Redis, same keys
    again = Chat(restarted, user_id=c.user_id)
    assert "52,340.56" in again.say("公积金余额")
    stored = redis_hub.text.get(redis_hub.key("identity", c.user_key))
    assert WANG[1] not in stored and "王建国" not in stored

"""Point 4 — queries answer with the figures and the next step."""
from tests.fixtures.chat import CHEN, LI, LIU, WANG, ZHAO


def test_housing_fund(talk):
    c = talk()
    c.bind(WANG)
    reply = c.say("公积金余额")
    assert "52,340.56 元" in reply and "2,400.00 元" in reply and "正常缴存" in reply and "提取" in reply


def test_student_without_a_housing_fund_account(talk):
    c = talk()
    c.bind(CHEN)
    assert "没有查到您名下的住房公积金账户" in c.say("查公积金")


def test_social_insurance(talk):
    c = talk()
    c.bind(WANG)
    reply = c.say("社保交了多少个月")
    assert "156 个月" in reply and "无断缴" in reply


def test_pension_of_a_retiree(talk):
    c = talk()
    c.bind(ZHAO)
    reply = c.say("养老金")
    assert "3,860.00 元" in reply and "资格认证" in reply


def test_medical_insurance(talk):
    c = talk()
    c.bind(LI)
    reply = c.say("医保个人账户余额")
    assert "3,120.45 元" in reply and "审核中" in reply


def test_endorsement_ready_to_collect(talk):
    c = talk()
    c.bind(LI)
    reply = c.say("签注进度")
    assert "已制证待领取" in reply and "武侯区出入境接待大厅" in reply and "台湾通行证" in reply


def test_endorsement_in_review(talk):
    c = talk()
    c.bind(WANG)
    reply = c.say("CJ20261101000123到哪了")
    assert "审批中" in reply and "港澳 个人旅游签注" in reply


def test_business_registration(talk):
    c = talk()
    c.bind(LIU)
    reply = c.say("营业执照办好了吗")
    assert "成都刘洋餐饮管理有限公司" in reply and "已核准" in reply and "已可领取" in reply


def test_utility_bills(talk):
    c = talk()
    c.bind(ZHAO)
    reply = c.say("水费电费欠多少")
    assert "45.60 元" in reply and "210.35 元" in reply and "天府通办" in reply


def test_a_backend_down_in_the_middle_of_a_conversation(talk, sandbox):
    c = talk()
    c.bind(WANG)
    assert "52,340.56 元" in c.say("公积金余额")
    sandbox.fault("housing_fund", "down")
    down = c.say("查公积金")
    assert "公积金中心系统暂时无法访问" in down and "人工" in down
    assert "156 个月" in c.say("社保交了多少个月")   # the other backends still answer
    sandbox.reset()
    assert "52,340.56 元" in c.say("公积金余额")     # and it is back

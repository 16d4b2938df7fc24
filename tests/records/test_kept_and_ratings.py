"""Kept fallbacks and rating records, against SQLite and PostgreSQL."""
import yaml

from bot.records.kept import KeptMessages
from bot.records.rating_records import RatingRecords

TOP = [{"name": "greet", "confidence": 0.2}, {"name": "nlu_fallback", "confidence": 0.7},
       {"name": "guide", "confidence": 0.05}, {"name": "smalltalk", "confidence": 0.04}]


def test_kept_messages_are_masked_grouped_by_frequency_and_keep_three_intents(records_db):
    kept = KeptMessages(records_db)
    kept.keep(text="我的号码13800138000能办停车证吗", channel="wechat_oa", kind="fallback", intents=TOP)
    for text in ("宠物 登记", "宠物登记！", "宠物登记"):
        kept.keep(text=text, channel="miniprogram", kind="out_of_scope", intents=TOP)
    groups = kept.by_frequency()
    assert [g["count"] for g in groups] == [3, 1]
    assert groups[0]["channels"] == ["miniprogram"] and groups[0]["kinds"] == ["out_of_scope"]
    assert [i["name"] for i in groups[1]["top_intents"]] == ["nlu_fallback", "greet", "guide"]
    assert "13800138000" not in groups[1]["text"] and "138****8000" in groups[1]["text"]


def test_labelled_groups_export_as_rasa_nlu_yaml(records_db):
    kept = KeptMessages(records_db)
    kept.keep(text="宠物登记", channel="wechat_oa", kind="fallback", intents=TOP)
    kept.keep(text="宠物登记", channel="wechat_oa", kind="fallback", intents=TOP)
    kept.keep(text="天气怎么样", channel="wechat_oa", kind="out_of_scope", intents=TOP)
    key = kept.by_frequency()[0]["key"]
    assert kept.label(key, "guide", by="li") == 2
    assert [g["text"] for g in kept.by_frequency(labelled=False)] == ["天气怎么样"]
    doc = yaml.safe_load(kept.export_nlu_yaml())
    assert doc == {"version": "3.1", "nlu": [{"intent": "guide", "examples": "- 宠物登记\n"}]}


def test_rating_records_keep_each_evaluation_masked_and_filter_by_department(records_db):
    book = RatingRecords(records_db)
    book.add(intent="complaint", department="生态环境局", level="非常不满意", comment="打13800138000没人接",
             channel="wechat_oa", callback_id="CB1")
    book.add(intent="guide", department="教育局", level="满意")
    mine = book.search(department="生态环境局")
    assert len(mine) == 1 and mine[0]["level"] == "非常不满意" and mine[0]["callback_id"] == "CB1"
    assert "13800138000" not in mine[0]["comment"]
    assert {r["department"] for r in book.search()} == {"生态环境局", "教育局"}

"""scripts/hotline_eval.py's scoring (the figures `make hotline-eval` prints)."""
from __future__ import annotations

from scripts.hotline_eval import score


def test_each_figure_counts_over_its_own_calls():
    gold = {"a": {"intent": "file_complaint", "topic": "noise", "department": "生态环境局", "district": "武侯区"},
            "b": {"intent": "file_complaint", "topic": "traffic", "department": "交通运输局", "district": None},
            "c": {"intent": "query_housing_fund", "topic": None, "department": None, "district": "锦江区"},
            "d": {"intent": "ask_service_guide", "topic": None, "department": None, "district": None}}
    predicted = {"a": {"intent": "file_complaint", "topic": "noise", "department": "生态环境局", "district": "武侯区"},
                 "b": {"intent": "file_complaint", "topic": "other", "department": "12345 热线办公室",
                       "district": "青羊区"},
                 "c": {"intent": "file_complaint", "topic": "other", "department": "12345 热线办公室",
                       "district": None}}
    figures, misses = score(predicted, gold)
    assert figures == {"calls": 4, "purpose_accuracy": 0.5, "complaints": 2, "topic_accuracy": 0.5,
                       "department_accuracy": 0.5, "calls_with_district": 2, "district_accuracy": 0.5,
                       "other_share": 0.5}
    assert {m["call_id"] for m in misses} == {"b", "c", "d"}

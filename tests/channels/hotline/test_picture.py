"""The city's picture from ingested calls: places, hot spots, repeat callers, CSV, charts."""
from __future__ import annotations

import csv
import datetime as dt

from bot.channels.hotline.charts import write_charts
from bot.channels.hotline.gazetteer import gazetteer
from bot.channels.hotline.picture import CityPicture, Heard, place_key

D = dt.date(2026, 11, 2)


def heard(call_id, day, place="玉林", topic="noise", district="武侯区", caller=None, order=True):
    return Heard(call_id, day, district, "file_complaint", topic, place, caller,
                 {"order_no": f"GD{call_id}", "status": "已受理"} if order else None, "生态环境局")


def test_places_meet_whatever_words_the_callers_use():
    g = gazetteer()
    said = ["我们玉林小区楼下", "玉林北路的小区里头", "就在玉林北路那边"]
    keys = {place_key(p.name if (p := g.first_place(s)) else None, s) for s in said}
    assert keys == {"玉林"}
    # Not in the gazetteer: a compound and the road it is on still meet on their stem.
    assert place_key(None, "我们锦绣花园三栋") == place_key(None, "锦绣东路上") == "锦绣"
    assert place_key(None, "我们小区楼下") is None


def test_three_calls_in_seven_days_make_a_hot_spot_two_or_a_longer_spread_do_not():
    p = CityPicture()
    for i, day in enumerate([D, D + dt.timedelta(days=3), D + dt.timedelta(days=6), D + dt.timedelta(days=20)]):
        p.add(heard(f"A{i}", day))
    for i, day in enumerate([D, D + dt.timedelta(days=7), D + dt.timedelta(days=14)]):   # one a week: no
        p.add(heard(f"B{i}", day, place="春熙"))
    p.add(heard("C0", D, topic="sanitation"))             # same place, other topic
    [spot] = p.hot_spots()
    assert (spot["place"], spot["topic"], spot["calls"], spot["call_ids"]) == ("玉林", "noise", 3, ["A0", "A1", "A2"])
    assert (spot["from"], spot["to"]) == ("2026-11-02", "2026-11-08")


def test_repeat_callers_counts_by_district_topic_day_and_the_csv(tmp_path):
    p = CityPicture()
    p.add(heard("X1", D, caller="k1"))
    p.add(heard("X2", D + dt.timedelta(days=1), caller="k1", district=None, order=False))
    p.add(heard("X3", D, caller="k2", topic=None, order=False))
    assert p.repeat_callers() == [{"caller": "k1", "calls": 2, "call_ids": ["X1", "X2"]}]
    d = p.as_dict()
    assert d["by_district"] == {"武侯区": 2, "未定": 1}
    assert d["by_day"] == {"2026-11-02": 2, "2026-11-03": 1}
    assert d["by_topic"] == {"noise": 2}
    p.write_csv(tmp_path / "wo.csv")
    rows = list(csv.DictReader((tmp_path / "wo.csv").open(encoding="utf-8-sig")))
    assert [(r["order_no"], r["topic_name"], r["district"]) for r in rows] == [("GDX1", "噪音扰民", "武侯区")]


def test_charts_are_pngs_drawn_with_a_cjk_font(tmp_path):
    p = CityPicture()
    for i in range(5):
        p.add(heard(f"Y{i}", D + dt.timedelta(days=i % 2), topic=["noise", "traffic"][i % 2]))
    written = write_charts(p.as_dict(), tmp_path)
    assert [w.name for w in written] == ["topics_by_district.png", "calls_per_day.png"]
    for w in written:
        assert w.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and w.stat().st_size > 5000

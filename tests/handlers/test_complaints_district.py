"""Which district a complaint goes to when its place names none (handlers/complaints.py district_of)."""
import pytest

from handlers.complaints import district_of


@pytest.mark.parametrize("text, district", [("驷马桥那边有人在楼顶加盖房子", "金牛区"), ("东郊记忆旁边的红绿灯坏了", "成华区"),
                                            ("锦江区东大街", "锦江区"), ("大面那边的小区", "龙泉驿区")])
def test_a_place_the_city_knows_gives_its_district(text, district):
    assert district_of(text) == district


@pytest.mark.parametrize("content", ["大面积停水 三天了都没人管", "路面塌陷 都变成大坑了", "晚上红光闪个不停", "今年大丰收"])
def test_a_short_place_name_inside_a_description_is_another_word(content):
    # found in review: these sent work orders to 龙泉驿区, 郫都区, 新都区
    assert district_of(content, longer_than=2) is None

import pytest

from bot.nlu.normalise import normalise


@pytest.mark.parametrize("raw, expected", [
    ("ＣＪ２０２６１１０１０００１２３ 这个签注办到哪了", "CJ20261101000123这个签注办到哪了"),
    ("cj20261101000123进度", "CJ20261101000123进度"),
    ("GJJ 余额", "gjj余额"),
    ("身份证 51010419850612231x", "身份证51010419850612231X"),
    ("  公积金　　查询 ", "公积金查询"),
    ("CJ 2026 1101 000123", "CJ20261101000123"),
    ("", ""),
])
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_keeps_chinese_punctuation_and_emoji():
    assert normalise("社保？😀") == "社保？😀"

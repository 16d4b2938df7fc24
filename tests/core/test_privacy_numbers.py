"""A number corrected digit by digit in words (bot.core.privacy.corrected_number), and a phone
taken back (TAKEN_BACK), as the forms read them."""
import pytest

from bot.core.privacy import TAKEN_BACK, corrected_number


@pytest.mark.parametrize("number, said, fixed", [
    ("13980761423", "啊打错了 最后两位是32", "13980761432"),
    ("13708164420", "噢 末尾是02", "13708164402"),
    ("15908231647", "最后那个7应该是6", "15908231646"),
    ("110105200002290038", "身份证最后一位是X", "11010520000229003X"),
    ("13980761423", "电话没错", "13980761423"),
    # a place counted in the number: from the end, from the start, the first digits, a mobile's middle four
    ("15196027385", "倒数第三位是4不是3", "15196027485"),
    ("13980162245", "第五位应该是8", "13988162245"),
    ("13980162245", "前三位是138", "13880162245"),
    ("13980162245", "哦不对 中间四位是8061", "13980612245"),
    ("13980162245", "倒数第十五位是3", "13980162245"),      # no such place: unchanged
    ("18982104576", "第2个是8号楼", "18982104576"),          # a building, not a digit
])
def test_a_number_corrected_in_words(number, said, fixed):
    assert corrected_number(number, said) == fixed


@pytest.mark.parametrize("said, back", [("哎算了 电话不留了", True), ("电话还是不留", True), ("不用留电话了", True), ("不想留电话", True),
                                        ("留个电话嘛", False), ("我电话是这个", False)])
def test_a_phone_taken_back(said, back):
    assert bool(TAKEN_BACK.search(said)) is back

import datetime as dt

import pytest

from bot.core.privacy import (id_check_char, is_valid_id_number, mask_id_number, mask_phone, mask_text, redact_text)

# Vectors of GB 11643-1999's check character, and the seeded citizens.
VALID = ["11010519491231002X", "440524188001010014", "34052419800101001X", "370101190102039973",
         "510104198506122310", "510107199203084525", "510122197811250069", "11010520000229003X",
         "440306199507151287"]


@pytest.mark.parametrize("value", VALID)
def test_valid_ids_pass(value):
    assert is_valid_id_number(value)
    assert id_check_char(value[:17]) == value[17]


@pytest.mark.parametrize("value", [
    "110105194912310021",      # check character should be X
    "510104198506122311",      # one digit off
    "51010419850612231",       # 17 characters
    "510104198502302310",      # 30 February
    "010104198506122310",      # address code starts with 0
    "5101041985061223101",     # 19 characters
])
def test_invalid_ids_fail(value):
    assert not is_valid_id_number(value)


def test_future_birth_date_is_invalid():
    first17 = "51010420990101001"
    assert not is_valid_id_number(first17 + id_check_char(first17), today=dt.date(2026, 11, 27))


def test_lowercase_x_accepted():
    assert is_valid_id_number("11010519491231002x")


def test_masks():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_phone("13880000001") == "138****0001"


def test_mask_and_redact_free_text():
    text = "身份证510104198506122310，电话13880000001，订单号1234567890123456789"
    assert mask_text(text) == "身份证510***********2310，电话138****0001，订单号1234567890123456789"
    assert redact_text(text) == "身份证<ID_NUMBER>，电话<PHONE>，订单号1234567890123456789"
    # A mistyped ID is still personal data.
    assert "<ID_NUMBER>" in redact_text("510104198506122311")


@pytest.mark.parametrize("written", [
    "+8613880000001", "8613880000001", "+86 138 8000 0001", "138-8000-0001", "138 8000 0001",
    "008613880000001", "0086 138 8000 0001", "138.8000.0001", "１３８８００００００１",
])
def test_phone_numbers_in_every_common_shape_are_masked_and_redacted(written):
    text = f"我的电话是{written}，请回电"
    assert "****0001" in mask_text(text) and "8000" not in mask_text(text)
    assert redact_text(text) == "我的电话是<PHONE>，请回电"


@pytest.mark.parametrize("written", [
    "sfz510104198506122310", "ID510104198506122310", "510104-19850612-2310", "510104 19850612 2310",
    "510104 1985 0612 2310", "５１０１０４１９８５０６１２２３１０",
])
def test_id_numbers_in_every_common_shape_are_masked_and_redacted(written):
    text = f"身份证 {written} 谢谢"
    assert "510***********2310" in mask_text(text)
    assert "19850612" not in mask_text(text) and "19850612" not in redact_text(text)
    assert "<ID_NUMBER>" in redact_text(text)


def test_an_id_ending_in_x_typed_straight_before_a_phone_number_hides_both():
    text = "身份证11010519491231002X13812345678"
    assert redact_text(text) == "身份证<ID_NUMBER><PHONE>"
    assert mask_text(text) == "身份证110***********002X138****5678"


@pytest.mark.parametrize("text", ["金额1500000.0000元", "经度131.12345678", "邮编100080\n2026\n1127\n0001",
                                  "申请号CJ20261127000123", "2026.11.27 13.30 到场", "Ｘ光室在三楼"])
def test_amounts_codes_and_other_text_are_left_as_written(text):
    assert mask_text(text) == text and redact_text(text) == text


def test_long_order_numbers_are_not_taken_for_identifiers():
    assert redact_text("订单号1234567890123456789") == "订单号1234567890123456789"

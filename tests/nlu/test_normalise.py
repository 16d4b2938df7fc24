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


@pytest.mark.parametrize("said", [
    "预约取号 锦江", "  公积金　　查询 ", "ＣＪ２０２６１１０１０００１２３ 这个签注", "身份证 5101 0419 8506 1223 1x 谢谢",
    "我叫 欧阳 娜娜", "GJJ   余额\n查询", "e\u0301 cafe\u0301 预约",
])
def test_every_normalised_character_points_back_to_the_one_it_came_from(said):
    from bot.nlu.normalise import normalise_with_offsets, to_half_width
    import unicodedata
    norm, where = normalise_with_offsets(said)
    assert norm == normalise(said) and len(where) == len(norm)
    assert where == sorted(where)
    for ch, w in zip(norm, where):
        source = unicodedata.normalize("NFC", to_half_width(said[w:w + 2])).lower()
        assert ch.lower() in source


def test_an_entity_span_refers_to_the_citizens_text():
    from bot.nlu.client import Entity, Parse
    from bot.nlu.normalise import normalise_with_offsets
    said = "预约取号 锦江"
    norm, where = normalise_with_offsets(said)
    start = norm.index("锦江")
    parse = Parse(norm, "book_appointment", 0.9, entities=(Entity("district", "锦江", start, start + 2),),
                  raw={"entities": [{"entity": "district", "value": "锦江", "start": start, "end": start + 2}]})
    moved = parse.in_citizen_text(said, where)
    [e] = moved.entities
    assert said[e.start:e.end] == "锦江" and moved.said == said
    raw = moved.raw["entities"][0]   # Rasa's own answer still refers to the normalised text
    assert norm[raw["start"]:raw["end"]] == "锦江"


@pytest.mark.parametrize("said, expected", [
    ("我想查一下公積金餘額", "我想查一下公积金余额"),                    # traditional characters
    ("臺灣通行證簽注辦好了沒", "台湾通行证签注办好了没"),
    ("嗯嗯嗯 那个 就是 我想查一下 公积金 公积金余额", "我想查一下公积金余额"),   # hesitations, a restart
    ("额……就是……医保卡里还有多少钱", "医保卡里还有多少钱"),
    ("啊 转 转人工 转人工", "转人工"),
    ("我我我想问一下签注", "我想问一下签注"),                            # a stutter
    ("谢谢谢谢", "谢谢"),                                                # a doubled word keeps two
])
def test_spoken_and_traditional_messages_become_what_the_model_knows(said, expected):
    assert normalise(said) == expected


@pytest.mark.parametrize("said", [
    "嗯", "嗯嗯", "那个", "就是这个", "好的好的",        # a message is never dropped whole; no pause, no filler
    "公积金贷款额度",                                   # 额 without a pause is a word
    "电话幺三八零零零零幺二三四",                        # numerals in a row are a number, not a stutter
    "幺三八 幺三八零 零零零幺",
    "公积金 金额",                                      # one shared character is no restart
])
def test_what_is_no_filler_stays(said):
    kept = normalise(said)
    assert kept.replace(" ", "") == said.replace(" ", "").lower()


def test_dropped_fillers_keep_every_offset_pointing_back():
    from bot.nlu.normalise import normalise_with_offsets
    said = "嗯 那个 我叫 王建国 身份证 5101 0419 8506 1223 10 谢谢"
    norm, where = normalise_with_offsets(said)
    start = norm.index("王建国")
    assert said[where[start]:where[start + 2] + 1] == "王建国"
    assert "".join(said[w] for w in where) == norm

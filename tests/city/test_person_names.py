"""Person names as citizens write them (issue 12 point 4): compound surnames, 我叫/名字叫/我是
prefixes, a name beside an ID or a phone number, explanations of a character, no name at all."""
import pytest

from bot.city.person_names import find_person_name, looks_like_bare_name


@pytest.mark.parametrize("said, name", [
    ("我叫欧阳娜娜", "欧阳娜娜"),
    ("名字叫罗小燕", "罗小燕"),
    ("我是司徒静", "司徒静"),
    ("我叫 南宫月", "南宫月"),
    ("姓名：独孤求败，男", "独孤求败"),
    ("本人轩辕明", "轩辕明"),
    ("马丽 510104198506122310", "马丽"),
    ("510104198506122310 马丽", "马丽"),
    ("5101 0419 8506 1223 10，马丽", "马丽"),
    ("何勇 电话13880000001", "何勇"),
    ("我叫马丽，身份证510104198506122310，帮我查下公积金", "马丽"),
    ("不对，名字是韩梅梅", "韩梅梅"),
    ("打错了 是韩梅梅", "韩梅梅"),
    ("我是钱先生，全名钱多多", "钱多多"),
    ("杜甫，杜甫的杜", "杜甫"),
    ("叫我郑爽就行", "郑爽"),
    ("我姓唐 唐糖", "唐糖"),
    ("陆 小 凤", "陆小凤"),
    ("姓名杨过帮我绑定", "杨过"),
    # a name right after 我, with no 叫 or 是 (as people type it)
    ("我孙小梅", "孙小梅"),
    ("我苗翠 要实名 身份证51012219781125 0069", "苗翠"),
    ("打错了 440306199507151287 我柳青", "柳青"),
    ("我欧阳锋", "欧阳锋"),
    ("我黄蓉", "黄蓉"),
    ("我黄蓉要绑定", "黄蓉"),
    ("我刘洋要绑定 身份证440306199507151287", "刘洋"),
    ("我李昊天", "李昊天"),
    ("我王小雨哈", "王小雨"),
    ("要实名认证 我苗翠", "苗翠"),                             # beside a request to bind
    ("张桂兰 510121195203150026 我孙子帮我弄的", "张桂兰"),   # 我孙子 is a grandson, not a name
    ("我王乾 510104198506122310", "王乾"),                    # 乾 kept: simplified names use it
    ("实名认证 我叫孫小梅 身份證510108198009090042", "孙小梅"),   # traditional: the backend's simplified name
    ("姓名：欧阳 建林", "欧阳建林"),                               # a surname and its given name apart
    ("我是李芳撒 绑一哈身份", "李芳"),                             # a dialect particle is no part of it
])
def test_the_name_is_found(said, name):
    assert find_person_name(said) == name


@pytest.mark.parametrize("said", [
    "我要实名认证", "谢谢", "麻烦快点", "为啥要填身份证", "方便的话帮我查下", "你们几点上班", "510104198506122310",
    "高新区", "明天上午", "验证码123456", "马上就好", "应该是这个",
    # 我 before everyday words that begin with a surname's character
    "我明白", "我马上来", "我和他一起", "我都不晓得", "我周末有空", "我高兴得很", "我方便", "我路过那里", "我金牛区的",
    "我花了好多钱", "我周一去", "实名认证要填啥 我来填",
    "我成都人", "我苏州的", "我程序员", "我夏天来", "我左边", "我孙子", "我白跑了",
])
def test_no_name_where_there_is_none(said):
    assert find_person_name(said) is None


def test_a_bare_name_without_a_han_surname_is_taken_when_it_is_the_whole_answer():
    assert looks_like_bare_name("扎西多吉") == "扎西多吉"
    assert looks_like_bare_name("阿依古丽·买买提") == "阿依古丽·买买提"
    assert looks_like_bare_name("帮我查一下") is None and looks_like_bare_name("13880000001") is None


@pytest.mark.parametrize("held, said, fixed", [
    ("赵莉", "莉字错了 是美丽的丽", "赵丽"),
    ("赵莉", "不是莉 是美丽的丽", "赵丽"),
    ("章伟", "章字写错了 是弓长张", "张伟"),
    ("张伟", "不是伟 是王字旁的玮", "张玮"),
    ("赵丽", "地址错了", None),
    ("李芳", "验证码123456", None),
])
def test_one_character_of_a_name_corrected_by_describing_it(held, said, fixed):
    from bot.city.person_names import corrected_name
    assert corrected_name(held, said) == fixed


def test_a_name_after_the_surname_is_said():
    assert find_person_name("本人姓欧阳 叫欧阳晓彤") == "欧阳晓彤"
    assert find_person_name("姓王，叫王建国") == "王建国"


@pytest.mark.parametrize("said, name", [
    ("绑身份证 我是王建国本人", "王建国"), ("王建国本人", "王建国"), ("是欧阳娜娜本人在操作", "欧阳娜娜"),
    ("鄙人上官婉清 麻烦了", "上官婉清"), ("鄙人上官婉清麻烦了", "上官婉清"), ("敝人姓李 叫李梅", "李梅"),
    ("在下欧阳修 绑定一下", "欧阳修"), ("小女子李清照", "李清照"),
    ("我姓王名建国", "王建国"), ("免贵姓上官 名婉清", "上官婉清"), ("免贵姓张 单名一个伟", "张伟"),
    ("免贵姓王 名字叫建国", "王建国"),
])
def test_a_name_with_a_humble_prefix_a_suffix_or_said_in_parts(said, name):
    assert find_person_name(said) == name


@pytest.mark.parametrize("said", ["我在下班后来", "在下周一来", "免贵姓张", "小的时候来过"])
def test_no_name_in_words_that_look_like_those_prefixes(said):
    assert find_person_name(said) is None


@pytest.mark.parametrize("said, name", [
    ("我姓王 单名一个磊字", "王磊"), ("姓王名建国本人", "王建国"), ("我姓黄 名字叫做小明", "黄小明"),
    ("我姓王名有才", "王有才"), ("姓李名得胜", "李得胜"), ("在下姓王名建国", "王建国"), ("我姓王 叫建国", "王建国"),
])
def test_a_name_said_in_parts_is_the_whole_given_name(said, name):
    assert find_person_name(said) == name


@pytest.mark.parametrize("said", [
    "姓王，名字写错了", "我姓王 名字打错了", "我姓王 名字不记得了", "姓陈名字我不知道", "姓王 叫什么来着",
    "我姓王 叫我小王就行", "姓张名不详", "姓刘 名字是两个字", "我姓张 名下有套房", "我姓张名字叫不出来",
])
def test_talk_about_a_name_said_in_parts_is_no_given_name(said):
    assert find_person_name(said) is None


@pytest.mark.parametrize("said", [
    "他姓王名字叫建国 是我老公", "我姓王，我老公姓李名强", "姓王名字叫建国的那个人是我爸",
])
def test_someone_elses_name_said_in_parts_is_not_the_citizens(said):
    assert find_person_name(said) is None


@pytest.mark.parametrize("said", ["在下班后办可以不", "在下方填吗", "在下周去办", "在下班之前", "在下面那个框填吗",
                                  "在下载的app里面"])
def test_words_beginning_with_zaixia_give_no_name(said):
    assert find_person_name(said) is None


def test_a_humble_zaixia_still_gives_the_name():
    assert find_person_name("在下刘德华") == "刘德华"
    assert find_person_name("在下王建国") == "王建国"


@pytest.mark.parametrize("said, name", [
    ("你好姓王名建国", "王建国"), ("嗯姓王名建国", "王建国"), ("好的姓张名伟", "张伟"), ("哦姓李名娜", "李娜"),
    ("那个姓王名建国", "王建国"), ("持卡人姓王名建国", "王建国"), ("您好姓王名建国", "王建国"), ("本人姓王名建国", "王建国"),
])
def test_a_name_said_in_parts_after_a_greeting_or_filler_is_the_citizens(said, name):
    assert find_person_name(said) == name


@pytest.mark.parametrize("said", [
    "他姓王名建国", "她姓李名娜", "我老公姓李名强", "我老婆姓李名娜", "我爸姓王名建国", "我妈姓张名丽",
    "我儿子姓王名小明", "我女儿姓张名丽", "工作人员姓王名建国",
])
def test_a_name_said_in_parts_after_another_person_is_not_the_citizens(said):
    assert find_person_name(said) is None


@pytest.mark.parametrize("said, name", [
    ("我姓何名不凡", "何不凡"), ("在下何不凡", "何不凡"), ("我姓王名志详", "王志详"), ("我叫何不凡", "何不凡"),
    ("姓李名不群", "李不群"), ("在下王志详", "王志详"), ("免贵姓何 名不凡", "何不凡"),
])
def test_a_given_name_with_characters_of_talk_is_still_a_name(said, name):
    assert find_person_name(said) == name


@pytest.mark.parametrize("said", ["我姓王名字忘了", "我姓王名字想不起来了", "我姓王名叫不上来", "姓王名字搞错了"])
def test_more_talk_about_a_name_said_in_parts_is_no_given_name(said):
    assert find_person_name(said) is None

"""A person's name in what a citizen writes: "我叫欧阳娜娜", "名字叫罗小燕", "张伟 5101…", "姓名：夏侯明轩，男".

    find_person_name(text)        the name the message gives, or None
    looks_like_bare_name(text)    the whole message is a name (also one without a Han surname:
                                  格桑拉姆, 买买提·艾力), for when the name was just asked for

Deterministic on purpose: a name sits beside an ID or a phone number, after a prefix (我叫,
名字叫/是, 姓名, 本人, 我是, 全名, 叫我, 是), or alone in a segment of the message; it starts
with a known surname (compound ones first: 欧阳 is a surname, not 欧 + 阳), and a segment that
explains a character ("刘备的刘", "伟大的伟") or names something else (…区, …路) is no name.
"""
from __future__ import annotations

import re

from bot.core.privacy import find_identifiers
from bot.core.traditional import to_simplified

COMPOUND_SURNAMES = (
    "欧阳 司马 上官 诸葛 慕容 皇甫 令狐 夏侯 东方 闻人 尉迟 公孙 宇文 澹台 钟离 呼延 端木 长孙 南宫 西门 独孤 "
    "轩辕 司徒 申屠 太史 万俟 赫连 拓跋 百里 东郭 公冶 濮阳 单于 淳于 仲孙 司空 亓官 左丘 梁丘 谷梁 段干 "
    "巫马 公西 漆雕 壤驷 乐正 宰父 微生 羊舌 梁丘 第五 鲜于 闾丘 司寇 子车 颛孙 公良 呼延 慕容 东门 北宫"
).split()
# Single-character surnames in common use (the national household register's top few hundred).
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
    "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆"
    "乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿狄"
    "计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况宿鲜印逯隆茹诸战慕危玉银亢嵇"
    "哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
) - set("查要想")   # 查 (zhā) and friends are far more often verbs than surnames
# Characters and words that end a name written without a separator ("杨敏帮我绑定", "刘德华就行").
_STOP = re.compile(r"(本人|本尊|帮|我|要|想|的|在|来|就|也|呢|啊|吧|嘛|哈|哦|噻|撒|了|先生|女士|同志|小姐|老师|身份|证件|电话|"
                   r"手机|号码|联系|谢谢|麻烦|请|办|查|绑|认证|实名|验证|登录|男|女|，|。|、)")
# Where a name is announced (also the humble 鄙人, 在下, 小女子; "王建国本人": 本人 after it ends it).
# Longest first: "名字叫" before "名字", "我的名字是" before "我是".
_PREFIXES = sorted("""我叫 我的名字是 我的名字叫 名字叫 名字是 名字 姓名是 姓名叫 姓名 全名是 全名 真名是 真名 本人叫 本人是
                      本人 我是 叫我 应该是 改成 改为 是 鄙人 敝人 鄙人叫 鄙人是
                      """.split(), key=len, reverse=True)
# ("本人姓欧阳 叫欧阳晓彤": the surname said, then the name after 叫)
# (在下, 小女子 only opening a sentence: never "在下班后", "在下周一")
_PREFIX = re.compile(r"(?:姓[\u4e00-\u9fff]{1,2}[\s，,]*叫|(?<![\u4e00-\u9fff])(?P<humble>在下|小女子)(?:叫|是)?|"
                     + "|".join(_PREFIXES) + r")[\s:：,，]*")
# Words that begin with 在下 and are no humble 在下 ("在下班后", "在下方填", "在下周一", "在下载的app").
_ZAIXIA_WORD = re.compile(r"在下(?:班|面|方|周|午|个|边|载|雨|次|一|单|属|列|述|游|岗|水|楼|车|台|课|线|月|"
                          r"星期|礼拜|层|回|手|页|拉|头|半|旬|部|去|来|的|了|好|吧|吗|呢)")
# The surname and the given name said apart: "我姓王名建国", "免贵姓上官 名婉清", "姓张 单名一个伟",
# "我姓黄 名字叫做小明"; the given name is the whole run of Han characters after the marker (cut at a
# stop word: "姓王名建国本人", "单名一个磊字"), never a longer run ("我姓张 名下有套房").
_SURNAME_THEN_GIVEN = re.compile(r"姓([\u4e00-\u9fff]{1,2})[\s，,]*(?:名字?(?:叫做|叫|是)?|单名(?:一个)?|双名|叫做?)[\s:：]*"
                                 r"([\u4e00-\u9fff]+)")
# The citizen's own surname: 姓 anywhere ("我姓王", "你好姓王名建国", "嗯姓王名建国", "持卡人姓王名建国"),
# except after another person ("他姓王名字叫建国", "我老公姓李名强", "我妈姓张名丽", "工作人员姓王名建国").
_OTHER_PERSON_BEFORE = re.compile(r"(?:他|她|它|他们|她们|老公|老婆|爱人|丈夫|妻子|媳妇|对象|男朋友|女朋友|爸|妈|父亲|"
                                  r"母亲|儿子|女儿|孩子|娃|闺女|哥|姐|弟|妹|爷|奶|外公|外婆|姥姥|姥爷|公公|婆婆|岳父|"
                                  r"岳母|叔|姨|舅|伯|朋友|同事|邻居|同学|领导|老板|亲戚|一个|有个|那位|这位|那人|这人|"
                                  r"对方|人家|别人|员|师傅|老师|医生|经理|长)$")
# A given name said apart that is talk about the name, not the name ("名字写错了", "名字我不知道",
# "叫什么来着", "名不详", "名字是两个字"), the same for a humble 在下 ("在下何不凡" is 何不凡).
# Talk is told by whole phrases, never by single characters: 何不凡, 王志详, 李不群 are names.
_NOT_GIVEN = re.compile(r"[你我他她它啥吗呢吧嘛么谁哪怎咋]|写错|打错|错了|弄错|搞错|改[了过一下成]|不记得|记不|忘|想不|"
                        r"不知|不晓得|不清楚|什么|不出|不上|不起|[一两三几]个|这个|那个|"
                        r"^(?:不详|未知|不明|没有|无|保密|不告诉|不说|不便|是|叫|说)$")
_NOT_A_NAME_END = re.compile(r"(区|县|市|路|街|号|镇|乡|村|院|局|中心|大厅|证|码|卡|费|金|保|店|楼|厂|站)$")
_HAN = "\u4e00-\u9fff"
_SEGMENT = re.compile(rf"[{_HAN}·•]+")
# Everyday words that begin with a surname's character (谢谢, 方便, 应该…): never a name.
_COMMON_START = re.compile(r"^(谢谢|麻烦|方便|安全|应该|时间|马上|关于|还有|只是|可以|要是|就是|因为|所以|但是|不过|然后|"
                           r"如果|一下|都是|正在|顺便|对了|师傅|老师|工作|单位|公司|小区|物业|社区|街道|政府|国家|金额|"
                           r"余额|费用|平时|万一|高新|双流|温江|成华|金牛|武侯|锦江|青羊|龙泉|新都|郫都|天府|简阳|东西|"
                           r"上班|下班|上午|下午|明天|后天|今天|昨天|前天|周一|周末|高兴|刚才|刚刚|查询|查一|查下|"
                           r"全名|全部|全都|程序|程度|成功|成都|安排|向你|向您|于是|时候|常见|常用|连续|连着|任何|任务|"
                           r"欧阳|司马|上官|诸葛)$|^(谢谢|麻烦|方便|安全|应该|马上|关于|顺便|对了|东西|平时|万一|刚才|"
                           r"查询|查一|查下|全名|成功|时候|任何|明天|后天|今天|昨天|前天|上午|下午|时间|高新|双流|温江|"
                           r"成华|金牛|武侯|锦江|青羊|龙泉|新都|郫都|天府|简阳|上班|下班|还有|可以|就是|但是|如果|都是|"
                           r"工作|单位|公司|小区|物业|社区|街道|政府|周[一二三四五六日末])")
# Words after 我 that begin with a surname's character and are no name ("我明白", "我和他", "我都不晓得").
_AFTER_ME = re.compile(r"[来去从也还就只先再又正刚要会能给把被让跟对在是有和向都]|明白|明明|高兴|向|都|马上|马路|方才|方面|高速|周围|周边|常常|经常|时常|路过|车子|车上|门口|花了|"
                       r"花钱|金额|海鲜|云端|平时|连续|全部|全家|包括|关心|管理|文件|水费|电费|燃气|安全")
# A message asking to bind ("要实名认证 我赵丽", "我刘洋 要绑定"): a name after 我 is what it gives.
_ASKS_TO_BIND = re.compile(r"实名|认证|绑定|绑一[下哈]|绑身份")
# Endings of words that are no name (我成都人, 我程序员, 我夏天来, 我左边) and everyday kin words.
_NOT_A_NAME_AFTER_ME = re.compile(r"[人员边里的了家来去过]$|^(?:[春夏秋冬]天|孙子|儿子|女儿|女子|老公|老婆|娃娃|孩子|妹子|常年|白跑)")
# Characters OpenCC's t2s would change that simplified names use as they are (王乾, 刘昇, 於小梅, 林峯).
_KEEP_AS_WRITTEN = frozenset("乾昇於峯喆堃淼祐瑠後")


def _simplified_name_text(text: str) -> str:
    """孫小梅 -> 孙小梅 (the identity backend's characters), leaving the characters names keep."""
    return "".join(c if c in _KEEP_AS_WRITTEN else to_simplified(c) for c in text)


# Characters of everyday talk, never in a name without a Han surname.
_CHATTER = re.compile(r"[你我他她它啥吗呢吧嘛哈哦嗯噢呀啊么说得知道好是不没有这那哪谁怎咋]")
# A character explained ("刘备的刘", "伟大的伟", "三个石头那个磊", "木子李", "大小的小").
_EXPLAINS = re.compile(rf"[{_HAN}]+的[{_HAN}]$|那个[{_HAN}]$|^(木子|弓长|耳东|口天|立早|草头|三点水)[{_HAN}]$")


# After a prefix ("姓名：欧阳 建林", "我叫 王 建国" is joined already): a surname, a space, a given name.
_SURNAME_APART = re.compile(rf"(?<=[:：\s])([{_HAN}]{{1,2}})\s+([{_HAN}]{{1,2}})(?![{_HAN}])")


def _surname_of(name: str) -> str | None:
    for s in COMPOUND_SURNAMES:
        if name.startswith(s):
            return s
    return name[0] if name[:1] in SURNAMES else None


def _trim(segment: str) -> str:
    """The name at the start of a segment: cut at the first stop word after the surname."""
    surname = _surname_of(segment) or ""
    m = _STOP.search(segment, len(surname) or 1)
    return segment[:m.start()] if m else segment


def _plausible(name: str, need_surname: bool = True) -> bool:
    if "·" in name or "•" in name:   # 买买提·艾力: a transliterated name
        parts = re.split(r"[·•]", name)
        return all(1 <= len(p) <= 6 for p in parts) and 3 <= len(name) <= 15
    surname = _surname_of(name)
    if _NOT_A_NAME_END.search(name) or _EXPLAINS.search(name) or _COMMON_START.search(name):
        return False
    if surname is None:
        return not need_surname and 2 <= len(name) <= 6
    given = len(name) - len(surname)
    return 1 <= given <= (3 if len(surname) == 1 else 3)


def _joined_single_characters(text: str) -> str:
    """"张 晓 峰" -> "张晓峰": single characters spelled out one by one."""
    return re.sub(rf"(?<![{_HAN}])([{_HAN}])(?:\s+([{_HAN}]))(?:\s+([{_HAN}]))?(?![{_HAN}])",
                  lambda m: "".join(g for g in m.groups() if g), text)


def _without_identifiers(text: str) -> str:
    out, last = [], 0
    for f in find_identifiers(text):
        out += [text[last:f.start], " ， "]
        last = f.end
    return "".join(out) + text[last:]


def _own_surname(text: str, at: int) -> bool:
    """姓 at `at` gives the citizen's own surname: anywhere but after another person (他, 我老公, 我妈…)."""
    return not _OTHER_PERSON_BEFORE.search(text[:at].rstrip())


def _given_said_apart(run: str) -> str | None:
    """The given name in the run of Han characters after 名 / 名字叫 / 单名一个…: the run cut at a stop word
    or 字 ("建国本人" -> 建国, "磊字" -> 磊), 1–3 characters, none of them talk about the name."""
    given = _trim(run)
    if len(given) >= 2 and given.endswith("字"):
        given = given[:-1]
    if not 1 <= len(given) <= 3 or _NOT_GIVEN.search(given):
        return None
    rest = run[len(given):]
    if rest and (rest.startswith("的") or not (rest.startswith("字") or _STOP.match(rest))):
        return None   # a longer run ("名下有套房"), someone described ("名字叫建国的那个人是我爸")
    return given


def find_person_name(text: str | None) -> str | None:
    """The person's name this message gives (the last one when it gives several, as in
    "我是皇甫先生，全名皇甫俊杰"), or None."""
    if not text:
        return None
    # 孫小梅 is 孙小梅 to the identity backend; a surname and its given name apart ("欧阳 建林") are one name
    has_identifier = bool(find_identifiers(text))
    text = _joined_single_characters(_without_identifiers(_simplified_name_text(text.strip())))
    text = _SURNAME_APART.sub(lambda m: m.group(1) + m.group(2)
                              if _surname_of(m.group(1)) == m.group(1) else m.group(0), text)
    found: list[tuple[int, str]] = []
    for m in _SURNAME_THEN_GIVEN.finditer(text):
        surname, run = m.group(1), m.group(2)
        given = _given_said_apart(run)
        if given and _surname_of(surname) == surname and not given.startswith(surname) \
                and _own_surname(text, m.start()) and _plausible(surname + given):
            found.append((m.start(), surname + given))
    for m in _PREFIX.finditer(text):
        after = _SEGMENT.match(text, m.end())
        if after:
            name = _trim(after.group(0))
            if m.group("humble") and (_ZAIXIA_WORD.match(text, m.start())
                                      or _NOT_GIVEN.search(name[len(_surname_of(name) or ""):])):
                continue   # "在下班后办可以不", "在下方填吗": no humble 在下
            if _plausible(name, need_surname="·" not in name):
                found.append((m.start(), name))
    for seg in _SEGMENT.finditer(text):
        segment = seg.group(0)
        if _EXPLAINS.search(segment) or _COMMON_START.search(segment):
            continue
        # "我赵丽", "我孙小梅 要实名": a name said right after 我, the whole segment or cut by a stop word
        # (never "我明白", "我马上来": everyday words that begin with a surname's character).
        if segment.startswith("我") and _surname_of(segment[1:]) and not _AFTER_ME.match(segment, 1):
            # only the whole segment, and only in a message that is that name alone or gives an
            # identifier beside it ("我赵丽 要实名 身份证…"): never "我孙子帮我弄的", "我成都人"
            name = _trim(segment[1:])   # (cut at a particle or a verb: "我王小雨哈", "我刘洋要绑定")
            longest = 4 if len(_surname_of(name) or "") == 2 else 3
            rest = segment[len(name) + 1:]   # only a particle may follow when the name is the whole message
            alone = re.sub(r"[\s。.!！,，~～]", "", text) == segment and re.fullmatch(r"[哈嘛哦噻撒啊呀]*", rest)
            if 2 <= len(name) <= longest and _plausible(name) and not _NOT_A_NAME_AFTER_ME.search(name) and (
                    alone or has_identifier or _ASKS_TO_BIND.search(text)):
                found.append((seg.start() + 1, name))
            continue
        # A segment that is itself a name ("张伟", "上官云帆"), or starts with one ("杨敏帮我绑定").
        if _surname_of(segment):
            name = _trim(segment)
            if _plausible(name) and (len(name) == len(segment) or _STOP.match(segment, len(name))):
                found.append((seg.start(), name))
    if not found:
        return None
    return sorted(found)[-1][1]


def looks_like_bare_name(text: str | None) -> str | None:
    """The whole message as a name, when it is nothing else: 2–6 Han characters (or a name with
    a middle dot), no identifiers, no stop words."""
    if not text:
        return None
    bare = re.sub(r"[\s。.!！]+", "", _joined_single_characters(text.strip()))
    if not re.fullmatch(rf"[{_HAN}·•]{{2,15}}", bare) or _STOP.search(bare) or _NOT_A_NAME_END.search(bare):
        return None
    if _surname_of(bare) is None and "·" not in bare and (len(bare) < 4 or _CHATTER.search(bare)):
        return None   # without a surname only a longer name (格桑拉姆), never "你说啥" or "不晓得"
    return bare if _plausible(bare, need_surname=False) else None


# One character of a held name corrected by describing the right one ("莉字错了 是美丽的丽",
# "不是莉 是美丽的丽", "张字写错了 是弓长张"): the wrong one named, the right one explained.
_SPELLED = {"木子": "李", "弓长": "张", "耳东": "陈", "口天": "吴", "立早": "章", "古月": "胡", "双木": "林", "草头黄": "黄"}
_RIGHT_ONE = re.compile(rf"(木子|弓长|耳东|口天|立早|古月|双木|草头黄)[{_HAN}]?|([{_HAN}]{{1,4}})的([{_HAN}])(?![{_HAN}])")
_WRONG_ONE = re.compile(rf"([{_HAN}])字?(?:错了|打错了|写错了|不对|搞错了)|不是([{_HAN}])(?:字)?(?![{_HAN}]{{2}})")


def corrected_name(held: str | None, said: str | None) -> str | None:
    """The held name with the one character the message says is wrong replaced by the one it
    explains, or None when the message does not correct a character of it."""
    if not held or not said:
        return None
    said = to_simplified(said)
    wrong = next((w for m in _WRONG_ONE.finditer(said) for w in m.groups() if w and w in held), None)
    right = None
    for m in _RIGHT_ONE.finditer(said):
        if m.group(1):
            right = _SPELLED[m.group(1)]
        elif m.group(3) in m.group(2) or len(m.group(2)) >= 2:
            right = m.group(3)          # 美丽的丽, 王字旁的玮: the character after 的
    if wrong is None or right is None or right == wrong:
        return None
    return held.replace(wrong, right, 1)

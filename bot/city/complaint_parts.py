"""Where and when, in a complaint told in one message.

Citizens tell a complaint whole: `玉林北路那个工地每天晚上11点过后还在施工`. The complaint form asks
what, where and when; a message that already says where and when must not be asked them again
(issue 12 point 1). These read the place and the time out of a message, clause by clause (a
clause ends at a pause: ，。！？；： or a space), by the words that name a place (a district, 路,
小区, 楼下 …) and a time (每天晚上, 昨天, 11点, 一个多月 …).

When one clause holds both, the place is what comes before the time and the time the rest
(`玉林北路那个工地` / `每天晚上11点过后还在施工`); when the time comes first the clause is the time
and the place what follows it. A place stops before what happens there (`华阳正北上街那个垃圾站` /
`一直莫得人清`, `金牛区` / `停水了`).
A message naming no place (or no time) gives none: the form asks. Neither is read from a
question (`你们几点下班？`, `今天能处理吗`: a clause followed by ？ or asking with 吗, 多久, 几点 …),
nor is a place one without a name (`我们小区`, `马路上`, `市场监管局`, `大学生`) or the object of a
verb (`走路`, `让路`, `把路占完了`), nor a time `快一点` / `小声一点`; a month or a day of the month is a
time (`九月份`, `3月5号`, `上个月二十号`), a house number is not (`12号`, `18号院`). In a correction
(`说错了 不是昨天 是前天下午`, `地址换成高新区`) the last said wins and a turned-down one is never taken;
one chosen in so many words wins over the words that explain it (`时间说错了 是昨晚 前天我出差了`).
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

from bot.city.districts import DISTRICTS, find_district
from bot.city.corrections import FILLER, LEADING_FILLER, WRONG, chosen_first, corrects, pieces
from bot.city.weekdays import WEEKDAY
from bot.core.privacy import find_identifiers

# A clause: what a pause (，。！？；： or a space) ends.
CLAUSE = re.compile(r"[^，,。.!！?？；;：:\s]+")

_DISTRICT_WORDS = "|".join(sorted({w for d in DISTRICTS for w in (d, d[:-1])}, key=len, reverse=True))
# A place: a district, or a named road / estate / venue (a word ending in one of these).
PLACE = re.compile(
    rf"(?:{_DISTRICT_WORDS})|"
    r"[\u4e00-\u9fff\dA-Za-z]{1,8}?(?:路口|路(?!灯|费|况|过|面|边摊)|街(?!道办|面)|巷|大道|胡同|小区|花园|家园|公寓|新村|"
    r"航站楼|机场|火车[东南西北]?站|高铁站|体育馆|图书馆|博物馆|酒店|宾馆|广场(?!舞)|公园|菜市场|市场(?!监管|价)|商场|超市|小学(?!生)|中学(?!生)|大学(?!生)|幼儿园|医院|社区|大厦|写字楼|地铁站|公交站|车站|"
    r"[0-9一二三四五六七八九十]+(?:栋|号楼|单元|幢)|号院)|"
    # the metro: a line (地铁2号线), a station and its exit (洪河站, 洪河站C口, 天府广场站B2口)
    r"(?:地铁)?[0-9一二三四五六七八九十]+号线|"
    r"[\u4e00-\u9fff]{2,6}?站(?![着在起住了岗队稳])(?:[A-Za-z][0-9]?(?:出入|出|进)?口|[0-9一二三四五六七八九十]+号(?:出入|出|进)?口)?")
# Where things are from the citizen's home (楼下, 隔壁, 门口 …) is part of what happened, not where:
# the form still asks for the district and the place ("楼下烧烤店油烟太大" gives no place).
# A time: a moment, a period, or how long it has gone on.
_NUM = r"[0-9一二三四五六七八九十两几半]"
# Words after a period that make it the unit of an amount: 一个月收五百, 一年要交两千, 一天赚八十.
_PAID = r"(?:就|才|都|要|得|只|多|少)?(?:收|交|缴|付|花|赚|挣|扣|涨|租|[0-9一二三四五六七八九十两几百千万]+\s*(?:块|元|百|千|万))"
_CN_NUMBER = r"[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]"
# The last character of a compound's or a building's name: a number after it is a house number
# (中海城南一号, 锦绣苑二号, 西华苑三号), not a day of the month.
_NAME_END = "苑园府城湾庭居坊桥寺塔门坝站院湖港栋座区路街巷道东南西北中"
# The words of an event a time is told by (自从…以后): no pause.
_EVENT = r"[^\s，,。.!！?？；;：:]"
# … and what may follow an event's last 起 (a pause, the clause's end, the words of what follows)
_END_OF_EVENT = r"[\s，,。.!！?？；;：:]|$|就|都|便|一直|开始|在|没|又|还|也|到现在|至今"
TIME = re.compile(
    # how often, said as people say it (三天两头 before the period 三天)
    r"三天两头|隔三[差岔]五|时不时|动不动|隔(?:几|两|三)天|一天到晚|整天|整夜|常年|长期|一年四季|"
    rf"每(?:个)?(?:周|星期|礼拜)(?:{WEEKDAY}|末)*(?!{_PAID})|每个?月(?!{_PAID})|每年(?!{_PAID})|每逢[^\s，,。就]{{1,4}}|"
    r"每天|天天|每晚|每个?周末|周末|每次|经常|"
    r"今天|昨天|大前天|前天|今早|今晚|昨晚|昨夜|前几天|这几天|这两天|这段时间|最近|近期|"
    rf"(?:上上?|这|本)个?(?:周|星期|礼拜)(?![边围])(?:{WEEKDAY}|末)?|礼拜{WEEKDAY}|"
    # moments of a day said by what happens then
    r"放学(?:后|以后|的时候)?|下班(?:后|以后)|上班时间|午休|饭点|半夜三更|"
    r"上上?个?月|这个月|本月|去年|今年|年初|月初|月底|节假日|年前|年后|过年|春节|元旦|国庆|五一|"
    r"一大早|大清早|大早上|清早八晨|大半夜|早上|早晨|清早|上午|中午|下午|白天|傍晚|晚上|夜里|夜间|半夜|深夜|凌晨|通宵|"
    # a time told by an event: since it happened (自从大运会过后, 自打搬过来以后, 疫情以来)
    # (起 ends the event only as its last word: 自从上个月起; 自从一起投诉以后 reads on past 一起)
    rf"(?:自从|自打|打从){_EVENT}{{1,12}}?(?:以来|以后|之后|过后|开始|起(?={_END_OF_EVENT}))|"
    rf"(?:大运会|世运会|疫情|开业|开张|交房|入住|通车|完工|建成)(?:以来|以后|之后|过后)|"
    rf"(?<![快慢小大多少好轻重有差])(?:[0-9]+|[一二三四五六七八九十两半]+)\s*(?:点|:\d\d)|周(?:{WEEKDAY}|末)|星期{WEEKDAY}|"
    # a period, unless it is the unit of a price or a wage (一个月收五百, 一年交两千 are no time)
    rf"好?{_NUM}+(?:多)?(?:天|周|个?多?(?:星期|礼拜)|个多?月|年)(?:了|多|来)?(?!{_PAID})|"
    # a month, a day of the month (九月份, 3月5号, 十一月三号, 二十号; not a house number: 12号, 18号院)
    rf"(?:\d{{1,2}}|{_CN_NUMBER})月(?:份|(?:\d{{1,2}}|{_CN_NUMBER})[日号])?|"
    rf"(?<![\d一二三四五六七八九十{_NAME_END}])(?:{_CN_NUMBER})[日号](?![楼院栋门铺])")


# Words that only lead into a place or a time ("是武侯区…", "就在小区门口", "是每天凌晨…").
_LEAD = re.compile(r"^(?:地点|地址|位置|时间)?(?:就是|就在|是在|是|在)")


# A correction that names the place it corrects, and words that name nothing.
_NAMES_PLACE = re.compile(r"地址|地点|位置|地方")
# … the place itself said to be wrong ("地址说错了", "地点改成…"; not "地址是对的，时间说错了")
_PLACE_CORRECTED = re.compile(r"(?:地址|地点|位置|地方)\s*(?:说错了?|写错了?|填错了?|搞错了?|弄错了?|不对|错了|改成|改为|改到|"
                              r"换成|换到|应该是)")
_CONTACT_WORDS = re.compile(r"电话|手机|号码|联系")


# A clause that asks rather than tells (its place or time words are no answer).
_ASKING = re.compile(r"吗|嘛$|呢$|多久|多长时间|什么时候|哪天|几点|几号|怎么|能不能|可不可以|会不会|有没有人管")
# Words before a place's suffix that name nothing: 我们小区, 那个路口, 马路上, 在小区里.
_UNNAMED = re.compile(r"^(?:自从|自打|打从|就在|是在|在|是|把|给|被|我们家|我们|我家|我住的|我住|咱们|这个|那个|这边|那边|这|那|本|该|隔壁|"
                      r"附近|对面|旁边|楼下|的)+")


# A word right before 路 / 街 / 小区 … that makes it the object of a verb, not a name: 走路, 让路,
# 把路占完了, 冒到街面上, 带路, 进小区.
_VERB_BEFORE = frozenset("走跑爬骑让带领引问迷挡堵占拦赶找绕抄修封挖扫铺拐把被给到进出回往向")


# Places named without a place word (东郊记忆, 驷马桥那边, 九眼桥, 簇锦街道): where they are in a text,
# as (start, end) spans, found by a finder the caller gives (handlers give the city's gazetteer,
# bot/channels/hotline/gazetteer.py: one list of the city's places). None: only PLACE's words.
Known = Callable[[str], Iterable[tuple[int, int]]] | None
# What may follow a two-character name for it to be the place (玉林那边, 双楠的, 省博门口), not the
# start of another word (大面积, 红光闪, 新川科技园: 大面, 红光, 新川 are places too).
_AFTER_SHORT_NAME = re.compile(r"那|这|附近|一带|片区|周边|旁边|对面|门口|背后|后面|前面|里面|外面|里头|外头|街道|街办|场镇|"
                               r"社区|辖区|路|街|站|的|有|[哈嘛哦呢啊呀]")


def known_places(clause: str, known: Known) -> list[tuple[int, int]]:
    """Where the finder's places are in the clause (a two-character one only where it stands as a
    name: at the end of the clause or before words that follow a place)."""
    if known is None:
        return []
    return sorted((start, end) for start, end in known(clause)
                  if end - start > 2 or end == len(clause) or _AFTER_SHORT_NAME.match(clause, end))


def without_places(text: str, known: Known = None) -> str:
    """The text without the words that name a place (PLACE's, and the finder's). A place word that
    is the object of a verb (跑路, 走路, 堵路) names none: it stays ("健身房办了卡就跑路了" tells what
    happened, it is no place)."""
    for start, end in reversed(known_places(text, known)):
        text = text[:start] + text[end:]
    return PLACE.sub(lambda m: m.group(0) if _object_of_a_verb(m.group(0)) else "", text)


def _object_of_a_verb(word: str) -> bool:
    """Is the place word PLACE read (`word`) a verb and its object (跑路, 把路, 进小区), no name?"""
    suffix = _SUFFIX.search(word)
    return suffix is not None and suffix.start() > 0 and word[suffix.start() - 1] in _VERB_BEFORE


def _clauses(text: str):
    text = text or ""
    for m in CLAUSE.finditer(text):
        if _ASKING.search(m.group(0)) or text[m.end():m.end() + 1] in ("?", "？"):
            continue   # a question: "你们几点下班？" names no time
        yield m.start(), m.group(0)


def _named_place(clause: str, known: Known = None) -> tuple[int, int] | None:
    """(start, end) of the first place in the clause that has a name of its own (not 我们小区, 马路):
    PLACE's, or one the finder knows (东郊记忆旁边的红绿灯坏了)."""
    found = [span for span in (_named_by_word(clause), *known_places(clause, known)[:1]) if span]
    return min(found) if found else None


# The place word ending what PLACE reads (路, 小区, 站C口 …); none: a district.
_SUFFIX = re.compile(r"(?:路口|路|街|巷|大道|胡同|小区|花园|家园|公寓|新村|广场|公园|菜市场|市场|商场|超市|小学|中学|"
                     r"大学|幼儿园|医院|社区|大厦|写字楼|地铁站|公交站|车站|[0-9一二三四五六七八九十]+(?:栋|号楼|单元|幢)|号院|"
                     r"号线|站(?:[A-Za-z0-9一二三四五六七八九十]*号?(?:出入|出|进)?口)?)$")


def _named_by_word(clause: str) -> tuple[int, int] | None:
    for m in PLACE.finditer(clause):
        word = m.group(0)
        suffix = _SUFFIX.search(word)
        if suffix is None or suffix.start() == 0:
            return m.span()   # a district
        if suffix.group(0).startswith("站") and len(_UNNAMED.sub("", word[:suffix.start()])) < 2:
            continue   # (网站, 车站 of nobody: a station has a name of two characters or more)
        name = _UNNAMED.sub("", word[:suffix.start()])
        if name and name not in ("马", "走", "一", "过", "大", "小", "上", "下") and name[-1] not in _VERB_BEFORE:
            return m.span()
    return None


def place_and_time(text: str, known: Known = None) -> tuple[str | None, str | None]:
    """(where, when) a complaint message says, each the words of the citizen that say it. In a
    correction ("说错了 不是昨天 是前天下午", "地址换成高新区") the last said wins and a turned-down
    one is never taken (bot.city.corrections)."""
    if corrects(text):
        return _said_last(text, known)
    return _said_first((clause for _, clause in _clauses(text)), known)


def _said_last(text: str, known: Known = None) -> tuple[str | None, str | None]:
    kept = [piece for piece, refused in pieces(text) if not refused]
    place = when = None
    # the last said wins, and one chosen in so many words ("是昨晚") over the words explaining it
    # after ("前天我出差了")
    for piece in chosen_first(text):
        p, t = _said_first([piece], known)
        place, when = place or p, when or t
    if place is None and _PLACE_CORRECTED.search(text):
        # "地址说错了 应该是荷花池 不是驷马桥": the correction says it is the place, so its new value
        # is one even without a place's suffix (荷花池, 九眼桥那边).
        # the piece right after the word naming it ("地点改成营门口那个站 电话留152…"): not a phone's
        named_at = next((i for i, p in enumerate(kept) if _NAMES_PLACE.search(p)), -1)
        said = [p for p in kept[named_at + 1:] if not FILLER.fullmatch(p) and not TIME.search(p)
                and not find_identifiers(p) and not _CONTACT_WORDS.search(p)]
        place = said[0] if said else None
    elif place is None and when is None and _BARE_CORRECTION.match(text[:_LEAD_WINDOW]):
        # "刚刚说岔了 是IFS背后那个": a correction that names no slot and says no time, no phone:
        # what a complaint's citizen corrects that way is where (the what is told at length)
        said = [p for p in kept if not FILLER.fullmatch(p) and not _JUST_NOW.fullmatch(p) and not find_identifiers(p)
                and not _CONTACT_WORDS.search(p) and not _NOT_A_PLACE.search(p) and len(p) <= 12]
        place = said[-1] if len(said) == 1 else None
    return place, when


# A message that starts by saying what was said is wrong ("刚刚说岔了 是…", "打错了 应该是…"), within
# its first words (_LEAD_WINDOW characters: a guard on a long message, whatever it repeats).
_LEAD_WINDOW = 40
_BARE_CORRECTION = re.compile(rf"^{LEADING_FILLER}(?:刚才|刚刚|我刚才|我刚刚)?\s*(?:{WRONG})")
_JUST_NOW = re.compile(r"我?(?:刚才|刚刚|之前|前面)")
# (nor what happened: "说错了 是楼上那家在装修" corrects the what, not the where)
_NOT_A_PLACE = re.compile(r"名字|姓名|身份证|验证码|电话|手机|[吗？?]|了$|.在(?:装修|施工|修|搞|弄|吵|烧|卖|做)|[吵臭]")


# A time with a clock or a day in it says more than a part of the day: in "化工厂晚上偷偷排废气 …
# 每天晚上九点多" the time is the second.
_PRECISE = re.compile(rf"[0-9一二三四五六七八九十两]\s*(?:点|:\d\d)|[号日]|(?:周|礼拜|星期){WEEKDAY}")


# A time widened by what follows ("其实不只周末 天天都是", "不止晚上 白天也吵"): the later one is the time.
_WIDENED = re.compile(r"^(?:其实)?不(?:只|止|光|仅)(?:是)?")


# How often, said alone (天天, 每天晚上, 经常): a start said beside it is the time.
# (每 and the unit it counts by, one reading only: 每\S{0,4} inside the repeat overlapped the words after it
# and backtracked without end on a long "每每每…")
_FREQUENCY = re.compile(rf"(?:三天两头|隔三[差岔]五|时不时|动不动|隔(?:几|两|三)天|一天到晚|整天|整夜|常年|长期|一年四季|"
                        rf"每个?(?:天|晚|次|月|年|逢|(?:周|星期|礼拜){WEEKDAY}?)?|"
                        r"天天|经常|周末|早上|晚上|白天|夜里|半夜|深夜|凌晨|中午|下午|上午|[\s到至和]|都|了)+")
# Words of a start: 从上个月, 上个月开始, 上周起, 去年以来.
_SINCE = re.compile(r"从|开始|起|以来|之后|以后")


def _said_first(clauses, known: Known = None) -> tuple[str | None, str | None]:
    clauses = list(clauses)
    widened = [c for c in clauses if _WIDENED.match(c) and TIME.search(c)]
    if widened and any(TIME.search(c) for c in clauses if c not in widened):
        clauses = [c for c in clauses if c not in widened]
    place, when = _said_first_of(clauses, known)
    if when is not None and _FREQUENCY.fullmatch(time_phrase(when)):
        # "油烟天天往我屋头灌 从上个月就开始了": how often, then since when; the time is the start
        since = next((c for c in clauses if c != when and not _ASKING.search(c) and TIME.search(c)
                      and _SINCE.search(c) and not _FREQUENCY.fullmatch(time_phrase(c))), None)
        if since is not None:
            when = since
    if when is not None and not _PRECISE.search(time_phrase(when)):
        precise = next((c for c in clauses if not _ASKING.search(c) and TIME.search(c)
                        and _PRECISE.search(time_phrase(c))), None)
        if precise is not None:
            when = precise
    if when is not None and not _PRECISE.search(time_phrase(when)):
        when = _with_its_period(clauses, when)
    return place, when


# How long it has gone on, said alone (最近半个月, 这段时间, 一个多月了, 这几天).
# (了 / 多 / 来 after a period are read by the class alone, never by two parts at once: a repeated
# group whose parts overlap backtracks without end on "一天了一天了…")
_PERIOD = re.compile(rf"(?:最近|近期|这段时间|这几天|这两天|前几天|好?{_NUM}+多?(?:天|周|个?多?(?:星期|礼拜)|个多?月|年)"
                     r"|[\s都了来多])+")


def _with_its_period(clauses: list[str], when: str) -> str:
    """How often and how long, said in clauses of their own ("工地天天半夜施工 … 最近半个月都这样"):
    the time is both, how long first ("最近半个月 天天半夜"); one of them alone is the time."""
    phrase = time_phrase(when)
    if _FREQUENCY.fullmatch(phrase):
        wanted = _PERIOD
    elif _PERIOD.fullmatch(phrase):
        wanted = _FREQUENCY
    else:
        return when
    other = next((time_phrase(c) for c in clauses if c != when and not _ASKING.search(c) and TIME.search(c)
                  and wanted.fullmatch(time_phrase(c))), None)
    if other is None or other in phrase or phrase in other:
        return when
    period, often = (other, phrase) if wanted is _PERIOD else (phrase, other)
    return f"{period.rstrip('都了来 ')} {often.rstrip('都了 ')}"


def _said_first_of(clauses, known: Known = None) -> tuple[str | None, str | None]:
    place = when = None
    for i, clause in enumerate(clauses):
        if _ASKING.search(clause):
            continue
        p, t = _named_place(clause, known), TIME.search(clause)
        if p and t and p[1] <= t.start():
            place = place or _up_to_what_happens(clause[:t.start()], known)
            when = when or clause[t.start():]
        else:
            if p and place is None:
                told_at = t.start() + len(time_phrase(clause)) if t else 0
                # the time first ("上周三开始在双流东升街有人乱倒垃圾"): the place is what follows it
                # (the clause when the place is inside the time: "自从搬到玉林小区以后")
                said = clause[told_at:] if t and told_at < p[1] else clause
                place = _up_to_what_happens(said, known)
                if not t and place == clause:
                    # "青羊区光华街道 清江东路那边的锦绣苑": the parts after it are the same place
                    place = " ".join([clause, *_place_parts(clauses[i + 1:], known)])
            if t and when is None:
                when = clause
    return place, when


# Where what happens at a place starts, after the place's name ("…那个垃圾站一直莫得人清", "…公共厕所
# 就一直锁起的", "…烧烤摊太吵", "金牛区停水了"): the place stops before it.
_WHAT_HAPPENS = re.compile(r"一直|就|还在|还是|还|又|总是|老是|经常|常常|天天|每天|每晚|成天|整天|已经|都|也|被|把|有人|"
                           r"没得|莫得|没有|没人|不|太|很|好(?=[吵臭脏乱闹黑])|正在|在(?=装修|施工|修|搞|弄|吵|烧|卖|做|排|倒|放|打)|"
                           r"停水|停电|停气|断水|断电|漏水|渗水|积水|堵|吵|闹|臭|噪|占道|乱|坏了|坏完|坏起|晃眼|刺眼")


def _up_to_what_happens(said: str, known: Known = None) -> str:
    """The words of a clause that say where: up to what happens there, after the last place named
    (a place must stop before what happens at it)."""
    ends = [m.end() for m in PLACE.finditer(said) if not _object_of_a_verb(m.group(0))]
    ends += [end for _, end in known_places(said, known)]
    if not ends:
        return said
    at = max(ends)
    while (happens := _WHAT_HAPPENS.search(said, at)) is not None:
        name = _name_led_by_an_adverb(said, happens)
        if name is None:
            break
        at = name   # "太平园那边停水了": 太 starts a name (太平园), what happens is after it
    cut = happens.start() if happens and happens.start() > 0 else len(said)
    # after a locative word (门口, 那个 …) only a thing's name is more of the place ("门口那个酒吧"); other
    # words are what happens there, whatever their verb ("就业服务中心门口排了好长的队")
    for m in _WHERE_AT.finditer(said, at, cut):
        nxt = _WHERE_AT.search(said, m.end(), cut)
        part = said[m.end():nxt.start() if nxt else cut]
        if part and (_NOT_A_NAME_START.match(part) or not (_THING_END.search(part) or _LANDMARK_END.search(part)
                                                           or _SUFFIX.search(part) or _A_THING_THERE.match(part))):
            cut = m.end()
            break
    return said[:cut]


# A word that leads what happens (太吵, 就是, 还在, 不管) but also starts names (太平园, 就业服务中心, 还建房,
# 不夜城, 太和村, 太平洋百货): it starts a name where the words from it to a locative word (门口, 那边, 的 …)
# or to the clause's end say nothing that happens and end like a place's or a thing's name — or are
# followed by a locative word.
# (把 is never one: "建设路把路口堵了"; nor 都 / 也 / 很 / 还 before 是 / 有 / 多 / 个, a verb phrase:
# "建设路都是小摊", "玉林路也是麻将馆", "府青路很多小摊", "玉林北路还有个工地")
_ALSO_STARTS_A_NAME = frozenset("就还都也不太很又被")
_A_VERB_PHRASE = re.compile(r"[都也很还][是有多个]")
_UP_TO_LOCATIVE = re.compile(r"(?:那边|这边|那里|这里|那儿|那块|附近|旁边|边上|一带|周边|对面|背后|后面|前面|里面|外面|里头|外头|"
                             r"门口|门外|那个|这个|那家|这家|的)")
# (a thing there: "旁边的红绿灯", "门口那个卖烤红薯的")
_A_THING_THERE = re.compile(r"的|那个|这个|那家|这家|那些|那辆")
# … the words among them that say where at a place (not 那个, 的: "旁边的红绿灯", "新川的车" go on naming)
# (门外头, 门口头 are one word: "东门外头" is no 门外 and a 头)
_WHERE_AT = re.compile(r"(?:那边|这边|那里|这里|那儿|那块|附近|旁边|边上|一带|周边|对面|背后|后面|前面|里面|外面|里头|外头|"
                       r"门口头|门口|门外头|门外边|门外面|门外)+")


def _name_led_by_an_adverb(said: str, happens: re.Match) -> int | None:
    """Where the name ends that the word `happens` found only starts (None: it leads what happens)."""
    if happens.group(0) not in _ALSO_STARTS_A_NAME or _A_VERB_PHRASE.match(said, happens.start()):
        return None
    stop = _UP_TO_LOCATIVE.search(said, happens.end())
    end = stop.start() if stop else len(said)
    words = said[happens.start():end]
    if len(words) < 2 or _WHAT_HAPPENS.search(words, 1) or _HAPPENS.search(words, 1):
        return None
    if _LANDMARK_END.search(words) or _THING_END.search(words) or _SUFFIX.search(words) \
            or (stop is not None and len(words) >= 3):
        return end
    return None


# The end of a building's or a door's number, part of an address (中海城南一号, 3栋, 2单元, 5楼).
_HOUSE_NUMBER = re.compile(r"[0-9一二三四五六七八九十]+(?:号|栋|幢|座|单元|楼|号楼|号院)$")


def _bare(clause: str) -> str:
    """A clause without the words around its place (就在 …, … 那边 / 旁边)."""
    return _PLACE_TAIL.sub("", _PLACE_LEAD.sub("", clause))


def _bare_clauses(said: str) -> list[str]:
    """The message's clauses, each bare, the empty ones left out."""
    return [b for b in (_bare(c) for c in CLAUSE.findall(said)) if b]


def _place_parts(clauses: list[str], known: Known = None) -> list[str]:
    """The clauses right after a place that only name more of it (a street, a compound, a landmark,
    a building's number; a short name between them: 金牛区 花照壁 一品天下旁边那个小区), up to the
    last such named one."""
    parts, named = [], 0
    for clause in clauses:
        bare = _bare(clause)
        if not bare or _ASKING.search(clause) or TIME.search(clause) or find_identifiers(clause) \
                or _HAPPENS.search(without_places(bare, known)):
            break
        if _named_place(bare, known) or _LANDMARK_END.search(bare) or _HOUSE_NUMBER.search(bare):
            parts.append(clause)
            named = len(parts)
        elif len(bare) <= 5 and re.fullmatch(r"[\u4e00-\u9fffA-Za-z0-9]+", bare):
            parts.append(clause)
        else:
            break
    return parts[:named]


def place_in(text: str, known: Known = None) -> str | None:
    place = place_and_time(text, known)[0]
    return _LEAD.sub("", place) or place if place else None


# What may follow a time and still belong to it (11点过后, 十点多, 八点左右, 半夜开始), and what may
# join two of its words (晚上到十一点, 早上八点至十点).
# (Words that also start a name are the time's only where they belong to it: 半 / 整 / 一刻 after a clock's
# 点, 初 / 底 / 中旬 after a month, 来 / 起 at the end of the clause or before the words of what follows
# — never the start of the place after it: 昨天来福士广场, 昨天晚上半边街, 前天整个玉林小区, 中午初心路.)
_AFTER_TIME = re.compile(r"(?:(?<=点)(?:半|一刻|三刻|整)|(?<=月)(?:初|底|中旬|上旬|下旬)|过后|以后|之后|以前|之前|左右|前后|"
                         r"多|钟|开始|[起来](?![\u4e00-\u9fff])|[起来](?=就|都|也|便|还|又|一直|开始|以后|之后|已经|没|在|了)|了)+")
_JOIN = re.compile(r"[\s到至和跟或、-]{0,2}|(?:一直)?到")


def time_phrase(clause: str) -> str:
    """The words of a clause that say when, not the whole clause: `每天晚上11点过后还在施工` →
    `每天晚上11点过后`. Time words next to each other (or joined by 到, 至, 和 …) are one phrase;
    the first such phrase is the time."""
    m = TIME.search(clause)
    if m is None:
        return clause
    start, end = m.start(), m.end()
    for nxt in TIME.finditer(clause, end):
        if not _JOIN.fullmatch(clause[end:nxt.start()]):
            break
        end = nxt.end()
    if not _PRECISE.search(clause[start:end]):
        # "天天唱歌唱到夜里11点过": how often, then the hour a few words on; the phrase runs to the hour
        later = next((t for t in TIME.finditer(clause, end) if _PRECISE.search(t.group(0))
                      and t.start() - end <= 8), None)
        if later is not None:
            end = later.end()
    after = _AFTER_TIME.match(clause, end)
    return clause[start:after.end() if after else end]


def time_in(text: str) -> str | None:
    when = place_and_time(text)[1]
    return time_phrase(when) if when else None


# -- an answer that is plainly the other slot's ---------------------------------------------------
# Where the form asks when, "金牛区茶店子 西华苑" says where; where it asks where, "刚刚" says when.
# These read such an answer as a whole (Slot.plainly): nothing but a place (a district, a road, a
# compound, a landmark, and short names beside it), or nothing but a time.

# Endings of a place's name besides PLACE's: compounds and landmarks people name (西华苑, 九眼桥, 万达城).
_LANDMARK_END = re.compile(r"(?:苑|园|府|城|湾|庭|居|坊|桥|寺|塔|楼|门|坝|场|站|口|院|湖|港|中心|街道|镇|乡|村|屯|堰|"
                           r"广场|大楼|商城|天街|万达|IFS|ifs|太古里)$")
# Words leading or ending a place said as an answer ("就在西华苑那边", "地址是…附近哈").
_PLACE_LEAD = re.compile(r"^(?:地点|地址|位置|地方)?(?:就是|就在|是在|是|在)")
_PLACE_TAIL = re.compile(r"(?:那边|这边|那里|这里|那儿|这儿|那块|附近|旁边|一带|对面|背后|后面|前面|里面|外面|里头|外头|"
                         r"[哈嘛哦呢啊呀的])+$")
# Words that tell what happens, not where: a message holding one is no bare place.
_HAPPENS = re.compile(r"吵|闹|臭|熏|脏|乱|堵|漏|坏|占|停|施工|装修|排放|扔|烧|卖|打|骂|响|叫|噪|没人|不|了|还|又|把|被|让|"
                      r"给|每|经常|一直|总是|说|投诉|反映|电话|手机|号码")
# Words of a time TIME does not read (what was asked is when: "刚刚", "一直都这样"), and words
# around a time that say nothing more.
_TIME_MORE = re.compile(r"刚刚|刚才|就在刚才|才刚|一直|好久|很久|好长时间|很长时间|好些年|好多年|好几年|"
                        r"[0-9一二三四五六七八九十两几半]+\s*(?:分钟|个?小时|个?钟头)(?:前|以前|之前)?")
_TIME_FILL = re.compile(r"大概|大约|差不多|应该|可能|估计|好像|就|是|在|都|这样|那样|这个样子|的时候|时候|开始|以来|"
                        r"左右|前后|以前|之前|了|的|吧|嘛|哈|哦|呢|啊|呀|[\s，,。.！!~～…]")


# A time told by an event ("菜市场开业以来", "自从小区交房以来", "搬到这个小区以后"): a time, never more of the place.
_TOLD_BY_EVENT = re.compile(r"以来|以后|之后|开始|那年|那会|自从|开张|开业|交房|搬(?:过来|来|到|进)")


# Words that only say where at a place (门口, 旁边, 外头, 那边, 那家 …).
_LOCATIVE = re.compile(r"(?:那边|这边|那里|这里|那儿|这儿|那块|那头|这头|附近|旁边|边上|一带|周边|周围|对面|背后|后面|前面|"
                       r"里面|外面|里头|外头|门口|门外|楼下|楼上|隔壁|那个|这个|那家|这家|那栋|这栋|的)+")
# The end of a thing's name said after a place (那家火锅店, 门口那个烧烤摊, 东门): it is where too.
_THING_END = re.compile(r"(?:店|摊|馆|厂|铺|房|所|屋|吧|厅|楼|栋|院|场|站|门|口|池|堂|部|局|司|校|区|中心|工地|小区)$")
# What a name never starts with: a verb of what happens there (有人, 有个大坑, 在施工, 往下水道倒…).
_NOT_A_NAME_START = re.compile(r"^(?:有|在|把|被|往|给|没|莫|正|又|还|都|也|就|太|很|好)")


def _only_a_place_after_it(clause: str, known: Known = None) -> bool:
    """Does the clause say nothing after the last place it names but locative words (门口, 旁边, 那边),
    a short name (金牛区茶店子, IFS) or the name of a thing there (那家火锅店, 望江校区东门)? Then it is
    only a place; "成华区建设路有人摆摊", "宽窄巷子门口拉客", "光华大道有个大坑" say what happens there —
    whatever its verb."""
    ends = [m.end() for m in PLACE.finditer(clause) if not _object_of_a_verb(m.group(0))]
    ends += [end for _, end in known_places(clause, known)]
    rest = clause[max(ends):] if ends else ""
    for part in _LOCATIVE.split(rest):
        if part and (_NOT_A_NAME_START.match(part) or not (
                _THING_END.search(part) or _LANDMARK_END.search(part) or (len(part) <= 5 and part == rest))):
            return False
    return True


def names_only_a_place(text: str, known: Known = None) -> bool:
    """Does the text name a place and nothing else: its clauses a place with only locative words, a
    short name or a thing's name after it, or a thing's name alone ("在成华区府青路 那个烧烤摊", "在玉林北路
    那家烧烤店门口")? Unlike plain_place, the words of a thing's name are never read as what happens
    (烧烤摊's 烧)."""
    said = (text or "").strip()
    if not said or TIME.search(said) or _ASKING.search(said) or find_identifiers(said):
        return False
    named = False
    for clause in _bare_clauses(said):
        if _named_place(clause, known):
            if not _only_a_place_after_it(clause, known):
                return False
            named = True
        elif not all(not part or (not _NOT_A_NAME_START.match(part) and (_THING_END.search(part) or _LANDMARK_END.search(part)))
                     for part in _LOCATIVE.split(clause)):
            return False
    return named


def plain_place(held: str | None, text: str, known: Known = None) -> str | None:
    """The place to hold when the whole message is plainly a place (`text` said where the time was
    asked; `held` the place held): the message itself, or the held place with it added (the held
    one replaced when the message already holds it, or names another district); None otherwise."""
    said = (text or "").strip()
    if not said or len(said) > 40 or TIME.search(said) or _TIME_MORE.search(said) or _ASKING.search(said) \
            or re.search(r"[?？]", said) or find_identifiers(said) or corrects(said) or _TOLD_BY_EVENT.search(said):
        return None
    named = False
    for clause in _bare_clauses(said):
        if _HAPPENS.search(without_places(clause, known)):
            return None
        if _named_place(clause, known) and not _only_a_place_after_it(clause, known):
            return None   # "成华区建设路有人摆摊": a place, and what happens there
        if _named_place(clause, known) or _LANDMARK_END.search(clause):
            named = True
        elif len(clause) > 5 or not re.fullmatch(r"[\u4e00-\u9fffA-Za-z0-9]+", clause):
            return None   # a short name beside it (茶店子, IFS) is part of the place; more is not
    if not named:
        return None
    if not held or held in said:
        return said
    if said in held:
        return held
    if find_district(said) and find_district(said) != find_district(held):
        return said   # another district: the place itself, not a detail of the one held
    places = list(PLACE.finditer(held))
    if places and _HAPPENS.search(PLACE.sub("", held[places[-1].end():])):
        # the place held is the clause that named it ("金牛区停水了都没得人通知"): its place words only
        held = held[:places[-1].end()]
        if held in said:
            return said
    return f"{held} {said}"


def plain_time(held: str | None, text: str) -> str | None:
    """The time to hold when the whole message is plainly a time TIME does not read ("刚刚", "一直
    都这样", "半个小时前") said where the place was asked; None otherwise (a time TIME reads is taken
    by the slot's own reader)."""
    said = (text or "").strip()
    if not said or TIME.search(said) or not _TIME_MORE.search(said) or PLACE.search(said) or find_identifiers(said):
        return None
    return said if not _TIME_FILL.sub("", _TIME_MORE.sub("", said)) else None


# Words around a time said alone that tell nothing more of what happened ("上周五晚上发现的",
# "昨天开始的", "前天就有了").
_NOTICED = re.compile(r"发现|注意到|看到|看见|出现|开始|有|起|来")


def only_a_time(text: str | None) -> bool:
    """Is the message nothing but a time ("上周五晚上发现的", "前天开始的", "就刚刚")? Where the
    complaint asks what happened, it says when, not what."""
    said = (text or "").strip()
    if not said or PLACE.search(said) or find_identifiers(said) or _ASKING.search(said) or re.search(r"[?？]", said):
        return False
    if not (TIME.search(said) or _TIME_MORE.search(said)):
        return False
    return not _TIME_FILL.sub("", _NOTICED.sub("", _TIME_MORE.sub("", TIME.sub("", said))))


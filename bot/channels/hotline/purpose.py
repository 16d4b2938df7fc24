"""Why a hotline call was made: its main intent and the other purposes, from the caller's turns.

The main intent is what the caller wants done or known, whatever their tone (docs/hotline.md,
"How a call is understood"); understanding.py puts it together with the topic and the district.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.city.complaint_topics import scores as topic_scores
from bot.nlu.client import FALLBACK_INTENT, Parse

COMPLAINT = "file_complaint"
# "Where is my matter" is what a follow-up question about a specific query
# ("那大概哪天能去拿？") is often parsed as; next to a specific query it adds nothing.
GENERIC_QUERY = "query_my_affairs"


@dataclass
class TurnParse:
    index: int          # position among the call's caller turns
    text: str           # the caller's words, as said (not masked: stays in memory)
    parse: Parse


# -- intents ------------------------------------------------------------------------------------
# A caller asking for something to be handled (the mark of a complaint, whatever the grammar):
# reporting it (投诉, 反映一下) or asking for an act (管一下, 处理一下, 给个说法); "没人管" describes.
# A complaint made before (之前投诉的, 上次反映的) is a follow-up: a question about its progress.
_BEFORE = r"(?<!之前)(?<!上次)(?<!上回)(?<!以前)(?<!已经)(?<!前几天)(?<!上个月)(?<!之前就)(?<!前段时间)(?<!前阵子)"
# … and not one the caller says they are not making (我不是来反映问题的, 不是要投诉).
_NOT = (r"(?<!不是)(?<!不是来)(?<!不是要)(?<!不是想)(?<!不想)(?<!没得)"
        r"(?<!不是重新)(?<!不是要重新)(?<!不是来重新)(?<!不是再)(?<!不是要再)(?<!不是又)")   # 我不是要重新投诉哈
# (投诉过, 反映过: made before, no new request.)
_REPORTS = _BEFORE + _NOT + r"投诉(?!过)|" + _BEFORE + _NOT + r"举报(?!过)|曝光|" + _BEFORE + _NOT + r"反映(?!过)(一下|个|下|个事|些)?"
# ("莫得人来处理", "没人来看一下": inaction told, no act asked)
_NOBODY = r"(?<!没人)(?<!莫得人)(?<!没得人)(?<!没有人)(?<!都没人)"
_REQUESTS = (r"管一管|管一下|管管|处理一下|处理下|" + _NOBODY + r"来处理|尽快处理|解决一下|帮忙解决|帮我们解决|"
             + _NOBODY + r"来看一下|" + _NOBODY + r"来看看|派(?:个)?人来(?!修好|看过|了)|" + _NOBODY + r"来修(?![好了过])|修一下|"
             r"查处|整治|整改|制止|取缔|督促|协调一下|给个说法|讨个说法|维权|要求.{0,6}(处理|整改|赔|退|解决)|"
             r"希望.{0,8}(处理|解决|管|整改)|再(去|来)?(管|处理|查|看)一下|找(个)?人来?(说|管|处理|看|查)一下")
ASKS_TO_HANDLE = re.compile(_REPORTS + "|" + _REQUESTS + r"|没人管|不管")
# What counts outside a complaint turn (an answer, a closing word: 那你们帮我们反映一下嘛) …
ASKS_TO_HANDLE_IN_ANY_TURN = re.compile(_REPORTS + "|" + _REQUESTS)
# … and in a follow-up, where 投诉/反映 name the earlier complaint: only a new request for an act.
REQUESTS_AN_ACT = re.compile(_REQUESTS)
# A turn about a complaint or call made before: its work order, or the earlier call named.
# (A call to someone else — 我给物业打过电话, 打过电话给老板 — is no follow-up of the hotline's.)
FOLLOW_UP = re.compile(r"GD\d{6,}|G\s*D\s*[0-9零〇一二三四五六七八九幺]|工单|回访|打过(你们|12345|热线)的?电话|"
                       r"(给|跟)(你们|12345|热线)打过|打(过)?你们(的)?电话.{0,4}(投诉|反映|举报)|你们说.{0,10}(回复|回电|处理)|"
                       r"我(之前|上次|上回)(投诉|反映|举报)过?的|我(投诉|反映|举报)过的|我(投诉|反映|举报)的那个(事|问题)|"
                       r"打过电话(来|过来)?(说|反映)|"
                       r"(之前|上次|上回|上个月|上个?(周|礼拜|星期)|前天|前几天|昨天|以前|已经)[^，。,.]{0,6}(投诉|反映|举报|打过)")
# … and one asking to know something (a question, however annoyed).
ASKS_TO_KNOW = re.compile(
    r"想问|问一下|问下|问问|咨询|请问|了解一下|查一下|查下|查查|帮我查|怎么办理|怎么弄|怎么搞|怎么申请|"
    r"需要.{0,4}(什么|啥|哪些)|要带|要不要|能不能|可不可以|多少|好多|几号|哪天|余额|进度|到账|什么时候|"
    r"好久|多久|哪里办|在哪|[吗嘛呢没][？?]?$|[？?]$|"
    # Sichuanese: 咋个 (how), 啥子 (what), 嗦 (so it's …?), 不晓得 (don't know if)
    r"咋个|啥子|啥情况|什么情况|嗦|不晓得|是不是|有没有")


# What a query is about, in the words callers use (the intents of docs/contracts.md): a complaint-
# sounding question naming one of these is that query. Longer words first: 医保 before 保.
# An application number's prefix, written or spoken (QY二零二六…, Q Y 2026…), names its backend (the spec's
# application_no): before any word of the turn.
_SPOKEN_DIGIT = r"[0-9零〇一二三四五六七八九幺]"
def _prefix(letters: str) -> re.Pattern:
    return re.compile(rf"(?<![A-Za-z]){letters[0]}[\s，,、.]*{letters[1]}(?:[\s，,、.]*{_SPOKEN_DIGIT}){{4}}", re.IGNORECASE)


QUERY_SUBJECTS: tuple[tuple[str, re.Pattern], ...] = (
    ("query_business_registration", _prefix("QY")), ("query_housing_fund", _prefix("GJ")),
    ("query_social_security", _prefix("SB")), ("query_medical_insurance", _prefix("YB")),
    ("query_endorsement_status", _prefix("CJ")),
    # A work order or matter already filed: its progress (before any subject it is about).
    ("query_my_affairs", re.compile(r"GD\d{6,}|工单|之前投诉|上次投诉|之前反映|上次反映")),
    ("query_housing_fund", re.compile(r"公积金|公基金|住房基金|缴存|提取")),
    ("query_medical_insurance", re.compile(r"医保|医疗保险|报销|医保卡|门特|门慢|异地就医")),
    ("query_social_security", re.compile(r"社保|养老保险|养老金|退休金|退休工资|退休费|失业金|失业保险|工伤保险|"
                                         r"社保卡|断缴|补缴")),
    ("query_utility_bill", re.compile(r"水费|电费|燃气费|气费|天然气费|账单|欠费|缴费单|电表|水表|气表")),
    ("query_endorsement_status", re.compile(r"签注|通行证|港澳|台湾|出入境")),
    ("query_business_registration", re.compile(r"营业执照|执照|个体户|个体工商户|工商|公司注册|注册公司|商事登记|名称核准|"
                                               r"名称申报|企业名称|变更登记|企业注册|注销登记")),
    ("book_appointment", re.compile(r"预约|取号|约个号|排号|帮我约|给我约")),
    ("query_my_affairs", re.compile(r"办件|办到哪|到哪一步|受理了|审批|审核|进度")),
)
GUIDE = "ask_service_guide"
ASKS_HOW = re.compile(r"怎么办理|怎么办|怎么弄|怎么申请|要带|带什么|带啥|需要.{0,4}(什么|啥|哪些)|材料|流程|手续|在哪办|"
                      r"哪里办|收费|要多久")
# … of which the questions that are a guide item even when they name a service: what to bring,
# where to go, how to apply, the fee, how long (not "材料交上去两个月了": that is a matter's state).
ASKS_WHAT_TO_DO = re.compile(r"怎么办理|咋个办理|怎么申请|咋个申请|咋个办|(?:怎么|咋个|如何)(?:补办|挂失|换领|补)|要带|带什么|带啥|需要.{0,4}(什么|啥|哪些)|"
                             # how to do a thing, in its verb: 失业金咋个领, 公积金咋个提, 户口咋个迁, 咋个过户
                             r"(?:怎么|咋个|如何)(?:领|提|迁|过户|申领|报销|上户口|落户)(?![了过])|"
                             r"(什么|啥子?|哪些)(材料|资料|手续|东西|证件)|(准备|要).{0,3}(哪些|啥子?|什么)|(办理|什么|啥子?)流程|"
                             r"在哪里?办|哪里办|收费|要多久|要好久")
# The caller's own record or matter (the query ↔ guide boundary): its state, or how to check it.
# "How do I check my X" is a personal query (a call-back once identity is checked); "what do I
# bring / where do I go" is a guide item, even when it names a service.
OWN_RECORD = re.compile(
    r"(我|自己|屋头|我家|我们家|我妈|我爸|我娃).{0,14}(余额|记录|明细|进度|到账|打过来|还有好多|还剩|交了好多|"
    r"缴了好多|欠了?好多|欠多少|审核|审下来|办好了?没|状态|用了好多|(扣|交|缴|收|算|钱)(少|多)了|还没|没看到|没到)|"
    r"(咋个|怎么|哪里|在哪|如何)里?(能|可以)?查|走到哪|到哪一步|卡在哪|办到哪")
# A complaint turn naming no problem of the routing table and asking nothing handled is a grumble
# (你们效率也太低了, 莫名其妙的): it counts this much of its confidence beside a question.
GRUMBLE_WEIGHT = 0.25
# A caller saying what they mainly want ("主要是另外一个，我要查一下社保…"): that turn's purpose weighs more.
# Whether one must book ("要不要预约嘛", "去之前要不要约哦"), not a request to.
WHETHER_TO_BOOK = re.compile(r"(?:要不要|需不需要|用不用|是不是要)(?:先)?(?:预约|约|取号|排号)|需要(?:先)?(?:预约|约)(?:[吗嘛不]|$|[？?])")
ASKS_TO_BOOK = re.compile(r"(?:帮我|给我|替我)(?:预约|约)|我要(?:预约|约)|想约")
# The complaint put off until something is checked ("那你先帮我查一下嘛，看到底用了好多度，我再说"):
# the check is the purpose. (Not "你先查一下，之前是不是有人投诉过了": no 我再说.)
DEFERS = re.compile(r"(?:先帮我查|先查一下|先看一下).{0,20}(?:我再说|再说|再决定|再投诉)")
# A complaint stated as a new one ("我要投诉你们的一个接线员").
NEW_COMPLAINT = re.compile(r"(?:我|我们)(?:要|想|来)(?:投诉|举报)(?!的|过)")
# Another matter told after a follow-up ("我今天主要是另外一个事情", "还有个事"): not how the first goes on.
NEW_MATTER = re.compile(r"另外一?[个件]事|还有一?[个件]事|另一个事")
# A matter said to be on the side ("顺便帮我反映一下嘛"): secondary, whatever it asks.
SIDE_MARK = re.compile(r"顺便|顺带|捎带")
MAIN_MARK = re.compile(r"主要是|主要想|主要就是|最主要|关键是|重点是")
MAIN_WEIGHT = 1.0
# A caller saying they only want to know ("我就是问一哈到哪一步了", "我就是想晓得"): no act asked in that turn.
# (the caller's own "我就是问一哈", never "物业就晓得收钱")
# … unless they ask them to act in the same breath ("我就是想问你们能不能再来管一下").
ASKS_THEM_TO_ACT = re.compile(r"(?:你们|帮我|帮忙|赶紧|快点|再)(?:来|去)?(?:管|处理|查|看|反映)")
JUST_ASKING = re.compile(r"我(?:就是|只是|只|就)(?:想(?:问|晓得|知道|了解)|问)")
# A turn the NLU did not place that asks about a named service (我想问下我的医保卡办好没有, read as
# nothing at 0.5) counts for that query, with this weight (its confidence says nothing).
UNPLACED_QUESTION_WEIGHT = 0.6
RATING = "rate_service"
# A call to praise how a matter was handled (给你们点个赞, 给个好评, 非常满意), not to report one.
# (Thanks alone is politeness, not praise: 谢谢你们帮忙; and 不是很满意 is no praise.)
PRAISES = re.compile(r"好评|点赞|点个赞|表扬|锦旗|(?<!不)(?<!不是)(?:非常|很|特别)满意|"
                     r"(?:给|打|做|来)个?(?:评价|评分)(?!评理)|打(?:个)?分|打电话来评(?!评理)|评价一下")   # (a rating asked to be recorded)


# A question that is a grievance, not a wish to know (这种合不合理嘛, 算不算违建, 这种要找哪个嘛, 我该咋个
#办嘛 — about a wrong done to the caller, told with its problem): the caller wants it handled.
GRIEVANCE = re.compile(r"合不合理|合理不|算不算|违不违法|是不是违|肯定是违|明显是违|有没有人管|管不管|找哪个|哪个管|归哪个|"
                       r"哪个部门管|(?:这种|这个|这样|那我们?|我们)[^，。？?]{0,6}?(?:该|要)?(?:咋个|怎么)办|说不过去")
# A call only to thank (我是专门打电话来说声谢谢): no request, no rating level given.
THANKS_CALL = re.compile(r"专门[^，。]{0,8}(?:谢谢|感谢|道谢|说声谢)|打(?:电话|个电话)?(?:过)?来[^，。]{0,4}(?:感谢|道谢|说声谢)|"
                         r"(?:就是|只是|就)想?(?:说声|道声|说一声)谢谢")
THANK = "thank"
# The caller saying they dialled the wrong number (打错了): no purpose at all.
# (Not 名字打错了, 是不是打错了: a word before 打错 makes it something else.)
WRONG_NUMBER = re.compile(r"(?<![\u4e00-\u9fff])(?:哦+|啊|唉)?打错了|(?<=哦)打错了|(?<=啊)打错了|打错电话|拨错(?:了|电话)")
# The agent recording what the caller chose (那就是查询电费, 我们登记查询报销进度): that query.
# (Not an offer on the way: "您可以提供户号，我帮您查一下账单".)
# A personal query's call-back recorded ("需要核实身份后查询，我们登记下来给您回电") is one too.
AGENT_RECORDS = re.compile(r"(?:那就是|那就|就是)(?:帮您)?(?:查询|查一下|咨询)|(?:我们|帮您|给您)登记[^，。]{0,6}(?:查询|咨询)|"
                           r"(?:登记后|登记下来)[^。]{0,16}回电")
# The caller dropping what they began with (算了，网站那个我不说了 / 房东那个事就算了): it asks nothing handled.
# (Not the phone: 电话就算了 leaves the complaint as it was; not 确认了.)
DROPS = re.compile(r"(?<!电话)(?<!电话就)(?<!号码)(?<!号码就)(?<!手机)(?<!手机就)算了|不说了|不投诉了|不反映了|不管它了|认栽|投诉也没得?用|就不投诉了|"
                   r"(?<!确)(?<!承)认了")
# The agent saying the matter is none of the hotline's (电视频道的问题我们这边查不到): no purpose.
AGENT_DECLINES = re.compile(r"(?:我们这边|我们这里)(?:查不到|管不了|处理不了)|不属于(?:我们|12345|热线|政务)|"
                            r"[您你](?:可能|应该)打错(?:电话)?了|不是(?:餐馆|饭店|商家|医院|快递|银行|外卖)")


def question_subject(text: str, purpose_intents: frozenset[str]) -> str | None:
    """The query a question is about, by the subject it names (QUERY_SUBJECTS), or a guide
    question (how to do something) when it names none — or when it asks what to bring or where
    to go, not about the caller's own record."""
    if GUIDE in purpose_intents and ASKS_WHAT_TO_DO.search(text) and not OWN_RECORD.search(text) \
            and not FOLLOW_UP.search(text):
        return GUIDE
    for intent, pattern in QUERY_SUBJECTS:
        if intent in purpose_intents and pattern.search(text):
            return intent
    if GUIDE in purpose_intents and ASKS_HOW.search(text):
        return GUIDE
    return None


_SEVERAL_AT_ONCE = re.compile(r"都(?:办)?到哪|一起(?:查|问|看)|都办得?怎么样|几个事|好几[个样件]")


def _services_in(text: str, purpose_intents: frozenset[str]) -> set[str]:
    """The services (their personal queries) a turn names."""
    return {intent for intent, pattern in QUERY_SUBJECTS if intent.startswith("query_") and intent != GENERIC_QUERY
            and intent in purpose_intents and pattern.search(text)}


def _services_named(text: str, purpose_intents: frozenset[str]) -> int:
    return len(_services_in(text, purpose_intents))


def _named_service(text: str, purpose_intents: frozenset[str]) -> str | None:
    """The one service a turn names (not "公积金提取、娃娃的医保，还有一个居住证 … 都办到哪一步了")."""
    named = _services_in(text, purpose_intents)
    return named.pop() if len(named) == 1 else None


def own_record_subject(text: str, purpose_intents: frozenset[str]) -> str | None:
    """The personal query of a turn about the caller's own record of a named service, if it is one."""
    if not OWN_RECORD.search(text):
        return None
    for intent, pattern in QUERY_SUBJECTS:
        if intent.startswith("query_") and intent != GENERIC_QUERY and intent in purpose_intents \
                and pattern.search(text):
            return intent
    return None


def turn_purpose(t: TurnParse, purpose_intents: frozenset[str]) -> tuple[str, float]:
    """(what this turn counts for, with what weight), the NLU's reading corrected the way an operator
    would record it:
    - a complaint turn about an earlier complaint (its GD number, 上周投诉了) asks for its progress,
      unless it asks for a new act (再来管一下);
    - a complaint turn asking to know something, without asking for anything to be handled, is the
      question it asks (question_subject);
    - a complaint turn that names no problem of the routing table and asks nothing handled is a
      grumble: it counts GRUMBLE_WEIGHT of its confidence;
    - a guide question about the caller's own record is that personal query, a personal query asking
      what to bring or where to go is a guide question."""
    intent, weight, text = t.parse.intent, t.parse.confidence, t.text
    if intent not in purpose_intents and ASKS_TO_KNOW.search(text) and not ASKS_TO_HANDLE_IN_ANY_TURN.search(text):
        question = question_subject(text, purpose_intents)
        if question:
            return question, UNPLACED_QUESTION_WEIGHT
    if RATING in purpose_intents and PRAISES.search(text) and not ASKS_TO_HANDLE.search(text):
        return RATING, weight
    if intent not in purpose_intents and not ASKS_TO_HANDLE_IN_ANY_TURN.search(text):
        # a number read out (有，QY二零二六…): that matter's service
        numbered = next((i for i, pattern in QUERY_SUBJECTS[:5] if i in purpose_intents and pattern.search(text)), None)
        if numbered:
            return numbered, UNPLACED_QUESTION_WEIGHT
    if GUIDE in purpose_intents and WHETHER_TO_BOOK.search(text) and not ASKS_TO_HANDLE_IN_ANY_TURN.search(text) \
            and not ASKS_TO_BOOK.search(text):
        return GUIDE, weight   # "去之前要不要约哦？": whether to book is a guide question, not a booking
    if intent == COMPLAINT:
        if FOLLOW_UP.search(text) and GENERIC_QUERY in purpose_intents:
            # (a new complaint stated — 我要投诉你们的一个接线员 — even when it tells of an earlier call)
            new = REQUESTS_AN_ACT.search(text) or NEW_COMPLAINT.search(text)
            return (COMPLAINT, weight) if new else (GENERIC_QUERY, weight)
        if ASKS_TO_HANDLE.search(text) or (GRIEVANCE.search(text) and topic_scores(text)):
            return COMPLAINT, weight
        if ASKS_TO_KNOW.search(text):
            question = question_subject(text, purpose_intents)
            if question:
                return question, weight
        return COMPLAINT, weight if topic_scores(text) else weight * GRUMBLE_WEIGHT
    if intent == GUIDE:
        return own_record_subject(text, purpose_intents) or GUIDE, weight
    if intent in purpose_intents and intent.startswith("query_") and GENERIC_QUERY in purpose_intents \
            and _SEVERAL_AT_ONCE.search(text) and _services_named(text, purpose_intents) >= 2:
        return GENERIC_QUERY, weight   # "公积金提取、港澳签注…都到哪一步了，能不能一起查"
    if intent == GENERIC_QUERY and not FOLLOW_UP.search(text):
        # "我那个提取到底办了没有，办到哪一步了": the progress of a named service's matter is that service's
        named = _named_service(text, purpose_intents)
        if named:
            return named, weight
    if intent.startswith("query_") and intent != GENERIC_QUERY and GUIDE in purpose_intents \
            and ASKS_WHAT_TO_DO.search(text) and not OWN_RECORD.search(text):
        return GUIDE, weight
    return intent, weight


def first_main(evidence: dict[str, float], side: set[str]) -> str | None:
    """The purpose with the most evidence among those not said to be on the side."""
    main = [i for i in evidence if i not in side]
    return max(main, key=evidence.__getitem__) if main else None


def decide_intents(understood: list[TurnParse], purpose_intents: frozenset[str], confirmed: str | None = None,
                   agent_forwards: bool = False, recorded: str | None = None,
                   agent_declines: bool = False, recorded_after: int = 0) -> tuple[str, list[str]]:
    """The call's main intent and the other purposes. `purpose_intents`: the intents that say why
    a citizen calls (the handlers declare them: Handler.purpose).

    The main intent is what the caller wants done or known, whatever their tone. Each turn counts
    for what it asks (turn_purpose). A complaint is main — the hotline must act on it — when the
    caller asks for it to be handled, in any turn that is not a question about a service (or asks
    again for an act after a follow-up of an earlier complaint); otherwise the purpose with the
    most evidence is, and the complaint is secondary.

    The agent's side (agent_reading.py) settles it first: a purpose the caller confirmed when the
    agent asked it back is main (a query unless the caller asks for something to be handled), and
    one the agent recorded after the caller chose is main whatever was said before; a
    call the agent passed to a department is a complaint when any caller turn was read as one."""
    evidence: dict[str, float] = {}
    first_said: dict[str, int] = {}

    def add(intent: str, weight: float, index: int) -> None:
        evidence[intent] = evidence.get(intent, 0.0) + weight
        first_said.setdefault(intent, index)

    asks_to_handle = follow_up = praised = False
    side: set[str] = set()   # purposes said to be on the side (顺便)
    told_after_follow_up = False   # a complaint told in full after an earlier order was asked after
    asked_at = -1    # the last caller turn that asked for something to be handled
    for t in understood:
        intent, weight = turn_purpose(t, purpose_intents)
        asked_before = asks_to_handle
        if (DROPS.search(t.text) or DEFERS.search(t.text)) and not ASKS_TO_HANDLE.search(t.text):
            # what was asked to be handled before is dropped; a grievance told in this turn counts little
            asks_to_handle = False
            evidence.pop(COMPLAINT, None)
            first_said.pop(COMPLAINT, None)
            if intent == COMPLAINT:
                weight *= GRUMBLE_WEIGHT
        praised = praised or intent == RATING
        if SIDE_MARK.search(t.text) and intent in purpose_intents:
            add(intent, weight * GRUMBLE_WEIGHT, t.index)   # listed, never the main purpose
            side.add(intent)
            continue
        if follow_up and intent == COMPLAINT and not ASKS_TO_HANDLE.search(t.text) \
                and not ASKS_THEM_TO_ACT.search(t.text) and not MAIN_MARK.search(t.text) and not NEW_MATTER.search(t.text):
            weight *= GRUMBLE_WEIGHT   # "昨天晚上还是吵得很" after asking about the order: how it goes on
        if MAIN_MARK.search(t.text) and intent in purpose_intents and weight >= 0.5:
            weight += MAIN_WEIGHT   # (not a grumble's "主要是怕赶不上")
        if follow_up and JUST_ASKING.search(t.text) and not ASKS_THEM_TO_ACT.search(t.text) \
                and GENERIC_QUERY in purpose_intents:
            # "我就是想晓得，那个事情到底有没有人管": after a follow-up, the caller only wants to know
            add(GENERIC_QUERY, weight, t.index)
            continue
        if follow_up and intent == COMPLAINT and (weight >= 0.5 or NEW_MATTER.search(t.text)):
            told_after_follow_up = True
        if t.parse.intent in (COMPLAINT, GENERIC_QUERY) and FOLLOW_UP.search(t.text):
            follow_up = True     # (上周反映过…又打到两点 may be read either way)
            asks_to_handle = asks_to_handle or intent == COMPLAINT     # a new act asked (再来管一下)
        elif t.parse.intent == COMPLAINT and intent == COMPLAINT and ASKS_TO_HANDLE.search(t.text):
            asks_to_handle = True
        elif follow_up and t.parse.intent != COMPLAINT and REQUESTS_AN_ACT.search(t.text):
            # after a follow-up, 你们再来管一下嘛 asks for a new act, however the model reads it
            asks_to_handle = True
            if COMPLAINT not in evidence:
                add(COMPLAINT, weight, t.index)
        elif t.parse.intent not in purpose_intents and ASKS_TO_HANDLE_IN_ANY_TURN.search(t.text) \
                and not JUST_ASKING.search(t.text):
            # 那你们帮我们反映一下嘛 / 你们再去管一下 (read as an answer): the caller asks for an act.
            asks_to_handle = True
            if follow_up and COMPLAINT not in evidence:
                add(COMPLAINT, weight, t.index)
        if asks_to_handle and (not asked_before or intent == COMPLAINT):
            asked_at = t.index
        add(intent, weight, t.index)
    if recorded in side and recorded != first_main(evidence, side):
        recorded = None     # the agent recording the matter asked 顺便 ("这个我也一并登记") is no main purpose
    if recorded is not None and asked_at >= recorded_after:
        recorded = None     # a complaint asked to be handled after the agent recorded a query: both; decided below
    purposes = [i for i in evidence if i in purpose_intents]
    if GENERIC_QUERY in purposes and any(i.startswith("query_") and i != GENERIC_QUERY for i in purposes):
        purposes.remove(GENERIC_QUERY)
    agreed = confirmed is not None or recorded is not None or asks_to_handle

    def besides(main: str) -> list[str]:   # the other purposes stay listed, in the order said
        return sorted((i for i in purposes if i != main), key=first_said.__getitem__)
    if not agreed and (any(WRONG_NUMBER.search(t.text) for t in understood) or (
            agent_declines and not any(i.startswith("query_") or i == GUIDE for i in purposes))):
        return "out_of_scope", []   # a wrong number, or a matter the agent says is none of the hotline's
    if not agreed and praised:
        return RATING, besides(RATING)   # a call to praise a matter handled (好评, 非常满意)
    if not agreed and not asks_to_handle and any(THANKS_CALL.search(t.text) for t in understood):
        return THANK, besides(THANK)     # a call only to thank for a matter handled
    if not purposes:
        if not evidence:
            return FALLBACK_INTENT, []
        return max(evidence, key=lambda i: (evidence[i], -first_said[i])), []
    complaint_read = any(t.parse.intent == COMPLAINT for t in understood)
    specific = [i for i in purposes if i.startswith("query_") and i != GENERIC_QUERY]
    if recorded == GENERIC_QUERY and confirmed not in (None, GENERIC_QUERY, COMPLAINT):
        recorded = confirmed   # "核实进度，回电告诉您" of the 个体户注销 the caller confirmed asking about
    if recorded == GENERIC_QUERY and specific:
        recorded = min(specific, key=first_said.__getitem__)   # "回电告诉您进度" of the 医保 reimbursement asked
    if confirmed == GENERIC_QUERY and specific:
        confirmed = min(specific, key=first_said.__getitem__)
    elif confirmed == GENERIC_QUERY:
        # "您是想查一下办理进度对吗？" — "是的嘛" of a 个体户执照 told as a grumble: that service's progress
        named = next((n for t in understood if not FOLLOW_UP.search(t.text)
                      for n in [_named_service(t.text, purpose_intents)] if n), None)
        confirmed = named or confirmed
    if recorded is not None:
        main = recorded     # the agent's record of what the caller chose, whatever words came before
    elif confirmed is not None and (confirmed == COMPLAINT or not asks_to_handle):
        main = confirmed
    elif COMPLAINT in purposes and asks_to_handle:
        main = COMPLAINT
    elif follow_up and not asks_to_handle and not told_after_follow_up and GENERIC_QUERY in purposes:
        main = GENERIC_QUERY   # an earlier order asked after, nothing new asked to be handled ("我反映过了…到底修不修")
    elif agent_forwards and complaint_read and COMPLAINT in purpose_intents and COMPLAINT not in side:
        main = COMPLAINT
    else:
        main = max(purposes, key=lambda i: (evidence[i], -first_said[i]))
    if main not in purposes:
        purposes.append(main)
        first_said.setdefault(main, len(understood))
    secondary = sorted((i for i in purposes if i != main), key=first_said.__getitem__)
    return main, secondary


# A complaint about how a service's staff behaved (态度差, 爱理不理): the office handles the person,
# it is no question about the caller's record with that service.
STAFF_CONDUCT = re.compile(r"工作人员|办事员|窗口的人|窗口那个人|态度.{0,3}(差|恶劣|不好)|爱理不理|吼人|吼我|骂人|骂我|"
                           r"耍手机|玩手机|推诿|踢皮球")


def about_staff_conduct(understood: list[TurnParse]) -> bool:
    return any(t.parse.intent == COMPLAINT and STAFF_CONDUCT.search(t.text) for t in understood)


def service_subject(understood: list[TurnParse], purpose_intents: frozenset[str]) -> str | None:
    """The query subject the caller's complaint turns name most (QUERY_SUBJECTS), if any."""
    counts: dict[str, int] = {}
    for t in understood:
        if t.parse.intent == COMPLAINT:
            for intent, pattern in QUERY_SUBJECTS:
                if intent in purpose_intents and pattern.search(t.text):
                    counts[intent] = counts.get(intent, 0) + 1
    return max(counts, key=counts.get) if counts else None

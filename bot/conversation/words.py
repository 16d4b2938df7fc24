"""The control words: what a citizen types to steer the conversation rather than to ask for
something. One list of each, so that a word means the same to every part that reads it.

    cancel      ends the open form                     (the dispatcher, a form open)
    more        the next page, when there is one       (a channel's pages of a long reply first,
                                                        then the dispatcher's pages of a long list)
    end         ends a conversation with a person      (the dispatcher, during a handoff)
    yes / no    answer a confirmation                  (handlers.common.read_yes_no)
    keep        the reply of a "keep it" choice        (keep the binding, keep the booking)

A cancel word is read as the whole message (lower-cased, final 。!！ dropped), or a cancel phrase
in a short message (says_cancel); an end word as
the whole message with spaces and 。！! removed; a more word as the whole message, lower-cased.
"""
from __future__ import annotations

import re

# "继续" is the word WeChat citizens learned for a reply cut at 2048 bytes; "更多" the one every
# footer now says. Without a page waiting, each is an ordinary message (to NLU "继续" is a yes).
MORE_WORDS = frozenset({"更多", "继续", "下一页", "还有吗", "more"})


def asks_for_more(text: str | None) -> bool:
    return (text or "").strip().lower() in MORE_WORDS

# The words that ask to complain, with the typos and speech slips people send (投述, 投塑, 头诉): the
# dispatcher's stated request and the complaint form's "says no more than I complain" read the same.
COMPLAINT_VERBS = r"投诉|投述|投塑|头诉|举报|反映"

CANCEL_WORDS = frozenset({"取消", "算了", "不办了", "退出", "不用了", "结束", "cancel", "q", "quit", "不弄了", "不查了",
                          "不要了", "再见", "拜拜"})

# A short message that says "stop this" in a sentence ("算了 不投诉了 邻居不好弄", "莫办了 取消嘛",
# "不约了 下回再说", "不用了，今天先这样", "下次再说"): also a cancel. Not "取消预约" (a request of its own) and not in a long
# message (a complaint may well say "物业取消了停车位").
# ("莫取消哈", "别取消", "不要取消": a cancel turned down)
_NOT_CANCEL = r"(?<!莫)(?<!别)(?<!不要)(?<!不用)(?<!不)"
_CANCEL_PHRASE = re.compile(_NOT_CANCEL + r"取消(?!预约|的)|算了|算咯|退出|不(?:用|要|想)?(?:办|约|弄|投诉|登记|认证|绑定?|查|预约|留言|填|转)了|"
                            r"莫(?:办|弄|约|搞)了|不搞了|^(?:不用|不要)了|^不了(?=[，,。.\s]|$)|(?:下次|以后|改天|回头)再说")
CANCEL_PHRASE_MAX_CHARS = 16
_ONLY_CANCEL = re.compile(r"(?:[嗯哦唉哎]*(?:算了|不(?:用|要|想)?(?:办|约|弄|搞|投诉|登记|认证|绑定?|查|预约|填)了|"
                          r"莫(?:办|弄|约|搞)了|" + _NOT_CANCEL + r"取消)[嗯哦唉哎]*)+")


# Words that end the form itself, not only a value of it ("不投诉了", "不办了"; not a bare 算了, which
# may drop only the phone: "电话不留了哈 算了").
_ENDS_THE_FORM = re.compile(r"不(?:用|要|想)?(?:办|约|弄|搞|投诉|登记|认证|绑定?|查|预约|填)了|莫(?:办|弄|约|搞)了|"
                            + _NOT_CANCEL + r"取消(?!预约|的)")


def ends_the_form(text: str | None) -> bool:
    return bool(_ENDS_THE_FORM.search(text or ""))


# "不是不弄", "没说不办": a no taken back is no cancel.
_NO_TAKEN_BACK = re.compile(r"不是不(?!能|可以|会)|没说不")


def no_taken_back(text: str | None) -> bool:
    return bool(_NO_TAKEN_BACK.search(text or ""))


# A question ("安全不", "要钱不", "办好了没", "绑定了有啥子用哦", "安不安全", "是不是本人才能办"): its 不 / 没
# asks (a tail, an A-not-A), it says no to nothing. The NLU may read such a message as a no.
# (A doubled refusal is no A-not-A: "不用不用", "不了不了" say no twice; 先不 / 暂时不 / 现在不 put off.)
_A_NOT_A = re.compile(r"(?<![不没])([\u4e00-\u9fff])(?<![不没])[不没]\1")
_ASKING_TAIL = re.compile(r"[\u4e00-\u9fff](?<![不没是说还就也都我你他她绝并决真偏])[不没](?:得|有)?"
                          r"[\s。.？?~～哦噢嘛呢啊哈嘞]*$")
_QUESTION_WORDS = re.compile(r"[吗？?]|啥|什么|为什么|为啥|怎么|怎样|咋|多少|哪|几时|多久")


# A no put off ("先不", "现在不", "暂时不", "目前不"): its 不 ends the message but asks nothing ("窗口的人在不" does).
_NOT_NOW = re.compile(r"(?:先|现在|暂时|目前|暂且)不[\s。.~～哦嘛啊哈]*$")


# A no said twice or more ("没有没有", "不用 不用"): its 有没有 asks nothing ("还有没" does).
_SAID_TWICE = re.compile(r"(?:(?:没有|不是|不要|不用|不了|不行|没得)[，,、\s]*){2,}[。.!！~～哦啊嘛]*")


def asks_a_question(text: str | None) -> bool:
    """Is the message a question (a question word, a 不 / 没 tail, an A-not-A), not a no?"""
    said = (text or "").strip()
    if _SAID_TWICE.fullmatch(said):
        return False
    return bool(_QUESTION_WORDS.search(said) or _A_NOT_A.search(said)
                or (_ASKING_TAIL.search(said) and not _NOT_NOW.search(said)))


# A cancel turned down ("别取消 我再看一眼", "先别取消", "不要取消哈", "莫取消"): no cancel and no no, wherever it
# is said (a form's step, its confirmation card).
_CANCEL_TURNED_DOWN = re.compile(r"(?:别|莫|不要|不用|不必|不能|先别|先不要|千万别|暂时别|暂时不要)(?:急着|忙着)?取消")


def turns_a_cancel_down(text: str | None) -> bool:
    return bool(_CANCEL_TURNED_DOWN.search(text or ""))


# A question about cancelling ("如果约了到时候去不成，能取消不？", "可以取消吗", "取消能退钱吗", "请问能取消吗？"):
# asks whether, when or at what cost it could be done; answered, it cancels nothing ("回复“取消”即可" costs one
# more turn, a form lost costs it all). Asked with 帮我 / 一下 / 掉 / 现在 ("能帮我取消吗", "可以取消一下吗",
# "现在能取消吗") it is a polite request to cancel now.
_ABOUT_CANCELLING = re.compile(r"取消|退掉|退号")
_CANCEL_NOW = re.compile(r"帮(?:我|忙)|给我|麻烦|一下|取消掉|现在|马上|直接|我要|我想|赶紧|了吗")
_LATER_OR_WHAT_IF = re.compile(r"如果|要是|万一|假如|到时候?|的话|以后|之后|[约订]好?了|提交了|提交后|确认[了后以]|临时|去不成|去不了|"
                               r"来不了|有事|取消(?:了?会|了还|了能|了怎么|后|要|得|有没有|扣|会)|取不取消|会怎样|怎么办|"
                               r"扣钱|扣分|影响|收费|要钱|黑名单|违约|有没有(?:什么|啥)|随时|几次|次数|限制|退[钱款费]|规定")


def asks_about_cancelling(text: str | None) -> bool:
    said = (text or "").strip()
    if not _ABOUT_CANCELLING.search(said) or not asks_a_question(said):
        return False
    return bool(_LATER_OR_WHAT_IF.search(said)) or not _CANCEL_NOW.search(said)


_CLAUSES = re.compile(r"[\s，,。.；;！!？?~～…]+")


def _without_cancel_talk(text: str) -> str:
    """The message without its cancels turned down ("不要取消了") and its questions about cancelling (the
    clauses that ask), so that what is left can still cancel ("能取消吗 取消吧" does)."""
    rest = re.sub(_CANCEL_TURNED_DOWN.pattern + r"[了哈嘛啊哦]*", " ", text)
    if asks_about_cancelling(text):
        rest = " ".join(c for c in _CLAUSES.split(rest) if c and not (
            _ABOUT_CANCELLING.search(c) and (asks_a_question(c) or _LATER_OR_WHAT_IF.search(c))))
    return rest.strip()


def says_cancel(text: str | None) -> bool:
    """Is the whole message a cancel word, or a short sentence that cancels? Not a cancel turned down
    ("别取消") nor a question about cancelling ("能取消不？"), whatever else cancels in it ("算了 能取消不" does)."""
    text = (text or "").strip().lower().rstrip("。!！")
    if text in CANCEL_WORDS:
        return True
    if _NO_TAKEN_BACK.search(text):
        return False
    if turns_a_cancel_down(text) or asks_about_cancelling(text):
        turned_down = turns_a_cancel_down(text)
        text = _without_cancel_talk(text)
        if not text or (turned_down and not re.sub(r"算了|[\s嗯哦唉哎啊]", "", text)):
            return False   # "不要取消了", "算了 不要取消了": nothing else cancels
        if turned_down and not _CANCEL_PHRASE.search(text):
            return False
    if len(re.sub(r"\s", "", text)) <= CANCEL_PHRASE_MAX_CHARS and bool(_CANCEL_PHRASE.search(text)):
        return True
    # A longer message that opens with nothing but a cancel ("算了不弄了 短信发到我以前那个号上去了"),
    # unless it goes on to choose ("算了 还是约下午嘛")
    first = re.split(r"[\s，,。.；;！!？?~～…]+", text, maxsplit=1)[0]
    # (a bare 算了 leading a story is a sigh, not a cancel: "算了 这个事情我给你们说清楚 …")
    return (bool(_ONLY_CANCEL.fullmatch(first)) and re.sub(r"[嗯哦唉哎]", "", first) != "算了"
            and "还是" not in text)


# What a citizen types to leave the human conversation.
END_WORDS = frozenset({"结束人工", "退出人工", "结束对话", "不用人工了", "结束", "退出"})

# The reply of a "keep it" choice. Not a cancel word: "不用了" would be read as "cancel" and
# answered "已取消".
KEEP = "保留"
YES_WORDS = ("确认", "确定", "是的", "是", "对", "好的", "好", "可以", "行", "嗯", "没问题", "同意", "提交", "ok", "OK")
NO_WORDS = ("不是", "不对", "不用", "不要", "算了", "否", "不", "先不", "不确认", "取消", "错了", KEEP)


# A confirmation said in a sentence, as people answer a card ("确认 辛苦你们了", "对头 发过去嘛",
# "算了算了 就这样交上去嘛", "没得要改的了 提交嘛"; "还是不提交了 我怕…"). A no is looked for first:
# "不提交" holds "提交".
_SAYS_NO = re.compile(r"不(?:要)?(?:提交|交|发|约|确认|报|投诉|办|弄|登记|预约)了?|别(?:提交|交|发|约)|先不|(?<![受得])不了|"
                      + _NOT_CANCEL + r"取消|"
                      r"(?:不要|不用)了|^(?:不|否|不对|不是|错了)$")
_SAYS_YES = re.compile(r"确认|确定|提交|交上去|交嘛|发过去|发嘛|发出去|报上去|约起|约嘛|就这样|就这个|就这么|对头|要得|"
                       r"没问题|没得问题|没得要改|没有要改|不用改|可以|好的|好嘛|行嘛|对的|是的|没错|^(?:对|是|好|行|嗯+|ok)$",
                       re.IGNORECASE)
_CONFIRM_PAUSE = re.compile(r"[\s，,。.；;！!？?、~～…]+")
# A message that is nothing but a yes to a card ("确认", "确认提交", "对的", "可以", "没问题 提交嘛"): where
# the form still asks a value it is no value (never a place "确认"); the form asks again.
_ONLY_YES = re.compile(r"(?:确认|确定|提交|交上去|发过去|发出去|可以|没问题|没得问题|没错|同意|对头|要得|就这样|是的|对的|好的|"
                       r"ok|嗯|哦|噢|好|对|是|行|的|吧|嘛|哈|了|呀|啊|咯|[\s，,。.！!~～👌👍])+", re.IGNORECASE)
_A_YES = re.compile(r"确认|确定|提交|交上去|发过|发出|可以|没问题|没得问题|没错|同意|对头|要得|就这样|是的|对的|ok", re.IGNORECASE)


def only_confirms(text: str | None) -> bool:
    """Is the message nothing but a yes to a confirmation (not a bare 嗯, 好: an acknowledgement)?"""
    said = (text or "").strip()
    return bool(_ONLY_YES.fullmatch(said)) and bool(_A_YES.search(said))


def says_yes_or_no(text: str | None) -> bool | None:
    """True for a yes to a confirmation, False for a no, None when the message says neither."""
    said = (text or "").strip()
    # The first clause that says yes or no decides: "对的 真的受不了了 赶紧来处理" is a yes whose
    # description holds a 不了; "还是不提交了 我怕…" a no.
    for part in (p for p in _CONFIRM_PAUSE.split(said) if p):
        if _SAYS_NO.search(part):
            return False
        if _SAYS_YES.search(part):
            return True
    return None


# A question to the bot about the bot ("你是真人在回还是机器人哦", "你们是不是机器人", "是自动回复吗"):
# never a slot's value, whatever the form asked; the dispatcher answers it (bot_challenge) and asks
# the form's question again. A complaint about a robot vacuum does not ask the bot anything.
_BOT_WORDS = r"(?:机器人|真人|人工智能|自动回复|智能客服|(?<![A-Za-z])(?:ai|AI)(?![A-Za-z]))"
_ASKS_THE_BOT = re.compile(
    rf"(?:你|您|你们|这边|对面)[^，,。.；;]{{0,8}}?(?:是|在)[^，,。.；;]{{0,10}}?{_BOT_WORDS}|"
    rf"(?:是不是|还是)[^，,。.；;]{{0,6}}?{_BOT_WORDS}|"
    rf"{_BOT_WORDS}[^，,。.；;]{{0,6}}?(?:吗|嘛|撒|哦|吧|啊|不|[?？])\s*$")


def asks_the_bot(text: str | None) -> bool:
    """Is the message a question to the bot about what it is (a person or a machine)?"""
    return bool(_ASKS_THE_BOT.search(text or ""))


# A question about the step itself, where the form asks for a phone ("留电话干啥子？", "为什么要留电话",
# "必须留吗", "不留电话可以不", "电话会不会泄露"): answered by the form (Handler.explains: what the
# phone is for, that it may be left out, how), the form kept as it is. Not a request ("转人工"),
# not a no ("不留"), not a question about something else ("为什么不能转人工").
_WHAT_FOR = r"为什么|为啥|为何|干啥|干嘛|干么|干什么|做什么|做啥|搞啥|搞什么|整啥|拿来|有什么用|有啥用|啥用|什么用|用来|用处|作用|目的"
_MUST = (r"必须|一定要|非要|非得|硬要|必填|强制|是不是要|要不要|不留(?:电话|号码|手机号?)?(?:行|可以|得行|要得|会|的话|也)|"
         r"可以不留|能不能不留|"
         r"可不可以不留|不给(?:行|可以|得行)|可以不给")
_SAFE = r"泄露|泄漏|外泄|保密|安不安全|安全吗|给谁看|谁看得到|卖给|骚扰"
_ASKS_ABOUT_STEP = re.compile(rf"{_WHAT_FOR}|{_MUST}|{_SAFE}|什么时候打|多久打|几时打")
_DECLINES = re.compile(r"不想留|不方便留|还是不留|不留了|就不留|算了")
_QUESTION_END = re.compile(r"[吗嘛么？?]|[不没撒]\s*$|行不行|可不可以|能不能|是不是|要不要|安不安全|会不会")
# The question names the step (the phone, leaving it, the call-back) — and does not say what was not
# done (不办, 不回我, 不给我打电话: a grievance, kept as the citizen's comment).
_NAMES_THE_STEP = re.compile(r"电话|手机|号码|联系方式|留|回访|回电|填|泄露|泄漏|外泄|保密|骚扰")
_NOT_DONE = re.compile(r"不(?:给我|帮我|跟我)?(?:办|回|管|理|接|处理|解决|打|联系)(?!电话会)")
# The words such a question is made of: once they are gone, nothing may be left (a question about
# something else has words of its own).
_STEP_WORDS = re.compile(rf"{_WHAT_FOR}|{_MUST}|{_SAFE}|什么时候|多久|几时|"
                         r"电话号码|电话|手机号码?|号码|联系方式|号|你们|您|我的|我|要|的|了|这个|那个|个|都|还|就|也|是|非|"
                         r"一定|必须|可以|可不可以|能不能|行不行|得行|要得|行|会不会|怎么样|咋个样|怎样|咋样|会|不|给|留|填|写|打给我|打过来|打来|"
                         r"回电|回访|联系我|工作人员|他们|人家|打电话|打|来|用|提交|登记|交|[啊呀哦嘛吗呢撒哈子嘞咧么]|[\s\W_]")


def asks_about_the_step(text: str | None) -> bool:
    """Is the message a question about the phone step itself (why, what for, must I, is it safe)?"""
    said = (text or "").strip()
    if not said or len(re.sub(r"\s", "", said)) > 24 or re.search(r"\d{5,}", said):
        return False
    if not _ASKS_ABOUT_STEP.search(said) or not (re.search(_WHAT_FOR, said) or _QUESTION_END.search(said)):
        return False
    if _DECLINES.search(said):
        return False   # "为啥子要留电话哦 我不想留": a no, said with why (the step reads it)
    if not _NAMES_THE_STEP.search(said) or _NOT_DONE.search(said):
        return False   # "你们为什么不办", "为啥子要交这个", "为什么不给我打电话": what was wrong, not the step
    return not _STEP_WORDS.sub("", said)


# A no said beside "what for?": 不留 / 不用了 / 不要了 / 不弄 / 不想 (a refusal, not a question to answer).
_REFUSES = re.compile(r"不留|不用了|不要了|不想|不弄|不搞|不办|不绑|不填|不给")

# A question about what the form itself is for or whether it is safe ("绑定了有啥子用哦 安全不", "实名认证干啥的",
# "身份证号会不会泄露"): the form's own explanation (Slot.explain) answers it where a value is asked.
_ABOUT_THE_FORM = re.compile(rf"{_WHAT_FOR}|{_SAFE}|安全|好处|有啥子?用|有什么用")


def asks_what_it_is_for(text: str | None) -> bool:
    """Is the message a short question about what the form is for, or whether it is safe?"""
    said = (text or "").strip()
    if not said or len(re.sub(r"\s", "", said)) > 24 or re.search(r"\d{5,}", said) or _DECLINES.search(said):
        return False
    if says_cancel(said) or ends_the_form(said) or _REFUSES.search(said):
        return False   # "绑定有啥用 不绑了", "不留 你们又不处理 有啥用": a no, with a grumble
    return bool(_ABOUT_THE_FORM.search(said)) and (asks_a_question(said) or bool(re.search(_WHAT_FOR, said)))

"""Which topic a complaint is about, by keyword rules (the topics of docs/contracts.md).

Each topic lists words citizens actually use (the spec's examples, hotline
transcripts, 12345 categories). A complaint scores the summed length of the
words it contains per topic (a longer word is a more specific signal: 夜间施工
beats 施工); the best score wins, ties go to the earlier topic in TOPICS, and
no match at all is `other`, which the 12345 office triages by hand. Keep the
words short and unambiguous; add a test in tests/city/test_city.py
for every word added because of a misrouted complaint.
"""
from __future__ import annotations

import re

TOPICS = ("noise", "property", "wages", "illegal_building", "sanitation", "traffic", "consumer",
          "utilities_outage", "education", "healthcare", "other")

# Plain-Chinese name of each topic, used in replies.
TOPIC_NAMES = {
    "noise": "噪音扰民", "property": "物业管理", "wages": "拖欠工资", "illegal_building": "违章建筑",
    "sanitation": "环境卫生", "traffic": "交通出行", "consumer": "消费维权", "utilities_outage": "水电气供应",
    "education": "教育", "healthcare": "医疗卫生", "other": "其他",
}

KEYWORDS: dict[str, tuple[str, ...]] = {
    "noise": ("噪音", "噪声", "太吵", "很吵", "吵得", "吵闹", "吵死", "扰民", "夜间施工", "半夜施工", "连夜施工",
              "施工声", "打桩", "广场舞", "装修吵", "装修声", "电钻", "切割机", "喇叭", "音响", "高音", "打麻将",
              "KTV", "酒吧", "睡不着", "睡不好觉", "轰隆", "坝坝舞", "放音乐", "音箱", "大声", "吵醒", "划拳", "吼起", "鸣笛", "生态环境", "环保局",
              "电锤", "冲击钻", "打电钻", "敲敲打打", "砸墙"),
    "property": ("物业", "物管", "电梯", "物业费", "业委会", "维修基金", "小区门禁", "停车费", "保安", "楼道灯",
                 "路灯坏", "开发商", "公摊", "车位", "楼上漏水", "外墙", "二次供水", "住建", "物业管理"),
    "wages": ("拖欠工资", "欠薪", "不发工资", "没发工资", "讨薪", "工资", "工钱", "劳务费", "克扣", "加班费",
              "辞退", "劳动合同", "包工头", "血汗钱", "结工钱", "欠我们", "社保都不交", "不给交社保", "劳动仲裁",
              "经济补偿", "试用期", "欠了我", "临时工", "劳动保障", "劳动监察", "人社", "按件算", "结算工资"),
    "illegal_building": ("违章搭建", "违建", "私搭乱建", "乱搭", "搭建", "加建", "加盖", "彩钢房", "违章建筑",
                         "占用绿地", "圈地", "阳光房", "露台", "楼顶", "顶楼", "围墙", "围起来", "圈起来", "砌墙",
                         "砌了", "铁皮房", "棚子", "绿化带", "公共绿地", "擅自改", "占用公共", "农田", "耕地", "占地", "修房子", "乱修", "私自修建", "违法建设", "规划"),
    "sanitation": ("垃圾", "污水", "油烟", "臭味", "恶臭", "脏乱", "环卫", "清运", "下水道", "化粪池", "小广告",
                   "粪便", "积水", "渣土车", "渣土", "撒漏", "抛洒", "泥巴", "扬尘", "灰尘", "粉尘", "异味",
                   "老鼠", "苍蝇", "蚊子", "乱倒", "偷倒", "排污", "臭得", "环境卫生", "卫生死角", "脏得很",
                   "泔水", "公共厕所", "公厕", "厕所"),
    "traffic": ("公交", "改线", "占道", "乱停车", "违停", "红绿灯", "信号灯", "堵车", "地铁", "出租车", "网约车",
                "拒载", "共享单车", "斑马线", "路面坑洼", "班次", "站台", "人行道", "隔离栏", "掉头", "电子眼",
                "交警", "限行", "堵死", "交通运输", "交管", "公交公司", "车站", "停满了车", "停满车", "乱停",
                "消防车", "救护车", "车道", "停在路边"),
    "consumer": ("欺诈", "退费", "退款", "预付卡", "跑路", "假货", "商家", "虚假宣传", "过期", "缺斤少两",
                 "售后", "充值卡", "会员卡", "霸王条款", "办卡", "办了卡", "充了", "储值", "不退", "退钱", "退货",
                 "美容院", "美容店", "理发店", "健身房", "培训费", "押金", "消费者", "质量问题", "店家", "宰客", "市场监管", "二手车", "车行", "车商", "泡水", "隐瞒", "骗了", "不认账", "合同上写", "虚假"),
    "utilities_outage": ("停水", "停电", "没气", "燃气", "断电", "断水", "水压", "没水", "没电", "天然气", "水管爆",
                         "跳闸", "供电", "供水", "供气", "自来水", "电压不稳", "变压器", "水质", "黄水", "浑水", "供电公司", "自来水公司", "燃气公司", "水务"),
    "education": ("入学", "学位", "校外培训", "学校", "老师", "补课", "择校", "幼儿园", "学区", "学籍", "划片",
                  "招生", "班主任", "校长", "课后服务", "就近入学", "教育局", "教育部门", "培训班", "培训机构", "补习班",
                  "兴趣班", "英语班"),
    "healthcare": ("医院", "看病", "就医", "挂号", "医生", "护士", "诊所", "药费", "医疗", "卫生院", "急诊",
                   "住院", "手术", "药店", "药房", "药师", "科室", "病人", "医德", "卫健", "卫生健康"),
}

# Phrases whose words are apart: "停了四次电", "十一点多还在施工", "晚上还在打". (pattern, weight).
PATTERNS: dict[str, tuple[tuple[re.Pattern, int], ...]] = {
    "noise": ((re.compile(r"(晚上|半夜|深夜|凌晨|夜里|夜间|通宵|十[一二]点|[一二三四五]点钟?).{0,12}(施工|打桩|作业|装修|敲|放歌|唱歌)"), 4),
              (re.compile(r"(施工|打桩|装修|作业).{0,12}(晚上|半夜|深夜|凌晨|夜里|通宵|十[一二]点|到[一二三四五]点)"), 4),
              (re.compile(r"吵.{0,6}(睡|休息|孩子|老人)"), 3),
              # renovation heard early or on a rest day ("礼拜天早上七点钟就开始打电钻")
              (re.compile(r"(装修|电钻|电锤|敲).{0,16}(早上|周末|礼拜天|星期天|[六七]点)|(早上|周末|礼拜天|星期天|[六七]点).{0,16}(装修|电钻|电锤|敲)"), 4)),
    "utilities_outage": ((re.compile(r"停了.{0,4}[次回道]?(电|水|气)"), 4), (re.compile(r"(电|水|气).{0,3}停了"), 3),
                         (re.compile(r"[一二三四五六七八九十几两\d]+次.{0,2}(停电|停水|断电|断水)"), 3)),
    "consumer": ((re.compile(r"(卡|钱|费|押金|定金).{0,8}(不退|不给退|退不了|不肯退|拒绝退)"), 4),),
    # a children's after-school class that will not refund is 校外培训: education by the routing table
    # (an adult's course is a consumer's case: "报了个会计课 … 不退钱")
    "education": ((re.compile(r"(娃娃|孩子|小孩|少儿|儿童|学生|女儿|儿子).{0,30}(培训|补习|兴趣班|辅导班|英语班)"
                              r".{0,40}(退|跑路|停课|搬)"), 6),),
    "illegal_building": ((re.compile(r"(占|围|圈|封|砌).{0,6}(绿化|绿地|公共|通道|楼道|过道|平台)"), 4),
                         (re.compile(r"(楼顶|顶楼|露台|天台|屋顶).{0,8}(搭|建|修|盖|房)"), 4),
                         # a structure put up ("搭了一个铁皮棚子"): the building is the complaint, not the pavement
                         (re.compile(r"(?<!装)(搭|建|修|盖)了?.{0,6}(棚|房|屋)|(?<!装)(砌|搭|建)了?.{0,4}墙"), 5)),
    "sanitation": ((re.compile(r"(车|货车|卡车).{0,8}(撒|掉|漏|抛).{0,4}(泥|土|渣|沙)"), 4),),
    "wages": ((re.compile(r"(拖|欠|扣|不给|不发|不结).{0,6}(工资|工钱|薪|钱).{0,8}(月|年|天|个人|工人)?"), 2),
              (re.compile(r"(工资|工钱|钱).{0,6}(拖起|拖着|一直拖|不给|不发|没结)"), 3)),
}


def scores(text: str) -> dict[str, int]:
    """Each topic's score in text: the summed length of its words found, plus its phrases' weights."""
    text = text or ""
    upper = text.upper()
    out: dict[str, int] = {}
    for topic in TOPICS[:-1]:
        score = sum(len(w) for w in KEYWORDS[topic] if w.upper() in upper)
        score += sum(weight for pattern, weight in PATTERNS.get(topic, ()) if pattern.search(text))
        if score:
            out[topic] = score
    return out


def best_topic(topic_scores: dict[str, float]) -> str:
    """The topic with the highest score, ties to the earlier in TOPICS; `other` when none."""
    best, best_score = "other", 0.0
    for topic in TOPICS[:-1]:
        if topic_scores.get(topic, 0) > best_score:
            best, best_score = topic, topic_scores[topic]
    return best


def classify(text: str) -> str:
    """The topic of a complaint text ('other' when no rule matches)."""
    return best_topic(scores(text))

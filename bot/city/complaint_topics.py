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

TOPICS = ("noise", "property", "wages", "illegal_building", "sanitation", "traffic", "consumer",
          "utilities_outage", "education", "healthcare", "other")

# Plain-Chinese name of each topic, used in replies.
TOPIC_NAMES = {
    "noise": "噪音扰民", "property": "物业管理", "wages": "拖欠工资", "illegal_building": "违章建筑",
    "sanitation": "环境卫生", "traffic": "交通出行", "consumer": "消费维权", "utilities_outage": "水电气供应",
    "education": "教育", "healthcare": "医疗卫生", "other": "其他",
}

KEYWORDS: dict[str, tuple[str, ...]] = {
    "noise": ("噪音", "噪声", "太吵", "很吵", "吵得", "吵闹", "扰民", "夜间施工", "半夜施工", "施工声",
              "广场舞", "装修吵", "装修声", "电钻", "喇叭", "音响", "高音", "打麻将", "KTV", "酒吧"),
    "property": ("物业", "电梯", "物业费", "业委会", "维修基金", "小区门禁", "停车费", "保安", "楼道灯", "路灯坏"),
    "wages": ("拖欠工资", "欠薪", "不发工资", "没发工资", "讨薪", "工资", "工钱", "劳务费", "克扣", "加班费",
              "辞退", "劳动合同", "包工头"),
    "illegal_building": ("违章搭建", "违建", "私搭乱建", "乱搭", "搭建", "加建", "彩钢房", "违章建筑", "占用绿地",
                         "圈地"),
    "sanitation": ("垃圾", "污水", "油烟", "臭味", "恶臭", "脏乱", "环卫", "清运", "下水道", "化粪池", "小广告",
                   "粪便", "积水"),
    "traffic": ("公交", "改线", "占道", "乱停车", "违停", "红绿灯", "信号灯", "堵车", "地铁", "出租车", "网约车",
                "拒载", "共享单车", "斑马线", "路面坑洼"),
    "consumer": ("欺诈", "退费", "退款", "预付卡", "跑路", "假货", "商家", "虚假宣传", "过期", "缺斤少两",
                 "售后", "充值卡", "会员卡", "霸王条款"),
    "utilities_outage": ("停水", "停电", "没气", "燃气", "断电", "断水", "水压", "没水", "没电", "天然气", "水管爆"),
    "education": ("入学", "学位", "校外培训", "学校", "老师", "补课", "择校", "幼儿园", "学区", "学籍"),
    "healthcare": ("医院", "看病", "就医", "挂号", "医生", "护士", "诊所", "药费", "医疗"),
}


def classify(text: str) -> str:
    """The topic of a complaint text ('other' when no rule matches)."""
    text = text or ""
    upper = text.upper()
    best, best_score = "other", 0
    for topic in TOPICS[:-1]:
        score = sum(len(w) for w in KEYWORDS[topic] if w.upper() in upper)
        if score > best_score:
            best, best_score = topic, score
    return best

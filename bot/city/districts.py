"""The city's 14 districts (区, with 高新区 and 天府新区), and how a text names one."""
from __future__ import annotations

DISTRICTS = ("锦江区", "青羊区", "金牛区", "武侯区", "成华区", "龙泉驿区", "青白江区", "新都区", "温江区",
             "双流区", "郫都区", "新津区", "高新区", "天府新区")

# The district of a work order whose place named none: the 12345 office assigns it.
CITY_WIDE = "成都市"


# Other names people type: a former name (郫县), a short form (龙泉), a common slip (武候: 候 for 侯).
OTHER_NAMES = {"郫县": "郫都区", "龙泉": "龙泉驿区", "武候": "武侯区", "高薪区": "高新区"}   # former names and slips


def find_district(text: str | None) -> str | None:
    """The first district named in text, as its full name (武侯 -> 武侯区, 郫县 -> 郫都区)."""
    text = text or ""
    best: tuple[int, str] | None = None
    names = [(d, (d, d[:-1])) for d in DISTRICTS] + [(d, (name,)) for name, d in OTHER_NAMES.items()]
    for d, forms in names:
        for form in forms:
            i = text.find(form)
            if i >= 0 and (best is None or i < best[0]):
                best = (i, d)
    return best[1] if best else None

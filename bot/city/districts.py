"""The city's 14 districts (区, with 高新区 and 天府新区), and how a text names one."""
from __future__ import annotations

DISTRICTS = ("锦江区", "青羊区", "金牛区", "武侯区", "成华区", "龙泉驿区", "青白江区", "新都区", "温江区",
             "双流区", "郫都区", "新津区", "高新区", "天府新区")

# The district of a work order whose place named none: the 12345 office assigns it.
CITY_WIDE = "成都市"


def find_district(text: str | None) -> str | None:
    """The first district named in text, as its full name (武侯 -> 武侯区)."""
    text = text or ""
    best: tuple[int, str] | None = None
    for d in DISTRICTS:
        for form in (d, d[:-1]):
            i = text.find(form)
            if i >= 0 and (best is None or i < best[0]):
                best = (i, d)
    return best[1] if best else None

"""A day of the week as people say it after 周, 星期 or 礼拜: 一 … 六, 日, 天 — unless the numeral is
the start of another word: 这个礼拜一直在施工 (一直), 这周一起去 (一起), 礼拜三天都在吵 (三天: three
days), 这个礼拜天天吵 (天天). One reading for every reader of days and times (the complaint's time,
the booking's day). The day stays a day where the word after it goes with a day: 周一下午, 周一点半,
从周一起开始, 周一会议, 周三天气, 周一再来."""
from __future__ import annotations

# After 一: the words it starts (一直, 一样, 一起, 一下, 一点 …), not those that go with a day.
_AFTER_ONE = (r"直|样|起(?!就|开始|算)|下(?![午班周个])|点(?![半钟多过左整0-9一二三四五六七八九十])|般|共|定|些|会儿|阵子?|"
              r"切|向|旦|律|齐|致")
# After any numeral: a count (三天, 三个, 一次, 五趟).
_COUNT = r"天(?![亮黑气府])|个|次|遍|趟"   # (周四天府新区: 天府 is a place, not three days)

# A day of the week said after 周 / 星期 / 礼拜 (use in a pattern; its first character is the day).
WEEKDAY = rf"(?:一(?!{_AFTER_ONE}|{_COUNT})|[二三四五六](?!{_COUNT})|天(?!天)|日)"

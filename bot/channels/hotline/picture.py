"""The picture for the city: what the hotline heard, by district, topic and day; hot spots; repeat
callers; the work orders as CSV; charts.

Built one ingested call at a time (`add`), so a large file costs memory only for what the picture
keeps: counters, and for each (district, place, topic) the dates and ids of its complaints.

- A **place** is the district plus the street, landmark or compound the caller names, normalised
  (`place_key`): a gazetteer name is its canonical name (汽车城, 玉林小区); a compound or road not in
  the gazetteer is reduced to its stem, so that 玉林小区 and 玉林北路的小区 meet.
- A **hot spot** is the same place and topic three times or more within 7 days, with the calls.
- A **repeat caller** is a `caller` number heard on two calls or more; only its keyed hash
  (HMAC-SHA256 with security.hash_pepper, from the environment) is kept or written.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.city.complaint_topics import TOPIC_NAMES
from bot.core.spreadsheet import safe_cell

HOT_SPOT_CALLS = 3
HOT_SPOT_DAYS = 7

# A compound, building or road named in a caller's words: 玉林小区, 锦绣花园, 清江东路, 玉林北路.
_COMPOUND = re.compile(r"([\u4e00-\u9fff]{2,6}?)(小区|花园|家园|公寓|苑|院子|大院|宿舍|新村|广场|大厦|商场|市场)")
_ROAD = re.compile(r"([\u4e00-\u9fff]{2,5}?)(?:[东西南北中]{0,2})(?:一|二|三|四|五)?(?:路|街|巷|大道)(?:[一二三四五六七八九十\d]+段)?")
# Words that start a stem but are not a name: 我们小区, 那个小区, 旁边的小区.
_NOT_A_NAME = re.compile(r"^(我们|我家|他们|那个|这个|旁边|对面|附近|隔壁|楼下|一个|这边|那边|就是|在|住在|的)")


def place_key(name: str | None, words: str) -> str | None:
    """The normalised place of a call: the gazetteer's name when one was named, else the stem of
    the first compound or road in the caller's words (`words`), else None."""
    if name:
        return _stem(name)
    for pattern in (_COMPOUND, _ROAD):
        for m in pattern.finditer(words or ""):
            stem = _NOT_A_NAME.sub("", m.group(1))
            if len(stem) >= 2:
                return stem
    return None


def _stem(name: str) -> str:
    """玉林小区 -> 玉林, 玉林北路 -> 玉林, 簇锦街道 -> 簇锦, 春熙路 -> 春熙; anything else as it is."""
    stem = re.sub(r"(小区|花园|家园|公寓|苑|街道|镇)$", "", name)
    stem = re.sub(r"[东西南北中]{0,2}(路|街|巷|大道)$", "", stem)
    return stem if len(stem) >= 2 else name


@dataclass(frozen=True)
class Heard:
    """What the picture needs of one ingested call (no raw personal data)."""
    call_id: str
    day: dt.date
    district: str | None
    intent: str
    topic: str | None
    place: str | None           # place_key
    caller_key: str | None      # keyed hash of the caller's number
    work_order: dict | None
    department: str | None

    def as_dict(self) -> dict:
        return {**self.__dict__, "day": self.day.isoformat()}

    @classmethod
    def from_dict(cls, d: dict) -> "Heard":
        return cls(**{**d, "day": dt.date.fromisoformat(d["day"])})


class CityPicture:
    def __init__(self):
        self.by_district: Counter[str] = Counter()
        self.by_topic: Counter[str] = Counter()
        self.by_day: Counter[str] = Counter()
        self.topic_by_district: dict[str, Counter[str]] = defaultdict(Counter)
        self._spots: dict[tuple[str, str, str], list[tuple[dt.date, str]]] = defaultdict(list)
        self._callers: dict[str, list[str]] = defaultdict(list)
        self._orders: list[dict] = []

    def add(self, h: Heard) -> None:
        district = h.district or "未定"
        self.by_district[district] += 1
        self.by_day[h.day.isoformat()] += 1
        if h.topic:
            self.by_topic[h.topic] += 1
            self.topic_by_district[district][h.topic] += 1
            if h.place:
                self._spots[(district, h.place, h.topic)].append((h.day, h.call_id))
        if h.caller_key:
            self._callers[h.caller_key].append(h.call_id)
        if h.work_order:
            self._orders.append({"order_no": h.work_order["order_no"], "status": h.work_order["status"],
                                 "call_id": h.call_id, "date": h.day.isoformat(), "district": h.district or "",
                                 "topic": h.topic or "", "topic_name": TOPIC_NAMES.get(h.topic or "other", ""),
                                 "department": h.department or "", "place": h.place or ""})

    def hot_spots(self) -> list[dict]:
        """Each place+topic with ≥3 calls inside some 7-day window: the busiest window, its calls."""
        out = []
        for (district, place, topic), heard in self._spots.items():
            if len(heard) < HOT_SPOT_CALLS:
                continue
            heard = sorted(heard)
            best: list[tuple[dt.date, str]] = []
            lo = 0
            for hi in range(len(heard)):
                while heard[hi][0] - heard[lo][0] >= dt.timedelta(days=HOT_SPOT_DAYS):
                    lo += 1
                if hi - lo + 1 > len(best):
                    best = heard[lo:hi + 1]
            if len(best) >= HOT_SPOT_CALLS:
                out.append({"district": district, "place": place, "topic": topic, "calls": len(best),
                            "from": best[0][0].isoformat(), "to": best[-1][0].isoformat(),
                            "call_ids": [c for _, c in best]})
        return sorted(out, key=lambda s: (-s["calls"], s["district"], s["place"]))

    def repeat_callers(self) -> list[dict]:
        return sorted(({"caller": key, "calls": len(ids), "call_ids": ids}
                       for key, ids in self._callers.items() if len(ids) >= 2), key=lambda c: -c["calls"])

    def as_dict(self) -> dict:
        return {"by_district": dict(self.by_district.most_common()), "by_topic": dict(self.by_topic.most_common()),
                "by_day": dict(sorted(self.by_day.items())),
                "topic_by_district": {d: dict(c.most_common()) for d, c in sorted(self.topic_by_district.items())},
                "hot_spots": self.hot_spots(), "repeat_callers": self.repeat_callers()}

    def write_csv(self, path: Path) -> None:
        path.write_bytes(self.csv_bytes())

    def csv_bytes(self) -> bytes:
        """The work orders as CSV, in utf-8-sig: Excel, which the city's offices open CSVs with,
        then reads the Chinese right."""
        fields = ["order_no", "status", "call_id", "date", "district", "topic", "topic_name", "department", "place"]
        buf = io.StringIO(newline="")
        w = csv.DictWriter(buf, fieldnames=fields)
        w.writeheader()
        w.writerows({k: safe_cell(v) for k, v in row.items()} for row in self._orders)
        return buf.getvalue().encode("utf-8-sig")

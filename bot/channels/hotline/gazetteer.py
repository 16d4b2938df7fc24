"""Places callers name, and their district: the gazetteer (gazetteer.yaml, data with its source).

A caller rarely says "武侯区"; they say 春熙路, 簇锦街道, 龙泉驿那边, 汽车城, 华西医院. `Gazetteer.places`
finds every such name in a text and `first_place` the one said first, each with the district a 12345
operator would write. What is matched:

- the districts' own names and aliases (龙泉驿, 郫县, 经开区 …);
- 街道/镇 names in full (簇锦街道), current and former; the short form (簇锦) only when followed
  by a word that makes it a place (那边, 附近, 一带 …): many short forms are ordinary words
  (团结, 合作, 太平, 公平);
- landmarks and their aliases (streets, areas, parks, stations, hospitals, schools, compounds);
- places outside the 14 districts (都江堰, 天府国际机场): matched so that they are not mistaken for
  a near-homonym, with no district.

At one position the longest name wins (汽车城 inside 龙泉驿汽车城 does not hide 龙泉驿, which comes
first); between positions the earliest.
"""
from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.city.districts import DISTRICTS

GAZETTEER_FILE = Path(__file__).with_name("gazetteer.yaml")

# After a street's short name, the words that make it a place rather than a common word.
PLACE_AFTER = ("那边", "这边", "那里", "那儿", "这里", "附近", "一带", "片区", "周边", "那块", "那片", "街办",
               "场镇", "社区", "辖区")


@dataclass(frozen=True)
class Place:
    name: str               # canonical: the landmark's name, the 街道's full name, the district
    kind: str               # district | street | former_street | a landmark's kind | outside
    district: str | None    # None for a place outside the 14 districts
    start: int = 0          # where it was said in the text searched
    said: str = ""          # the words the caller used


class Gazetteer:
    def __init__(self, data: dict):
        self.forms: dict[str, Place] = {}        # surface form -> place, matched anywhere
        self.short: dict[str, Place] = {}        # street short forms, matched before PLACE_AFTER only
        for district in DISTRICTS:
            self._add(district, Place(district, "district", district))
            self._add(district[:-1], Place(district, "district", district))
        for district, entry in (data.get("districts") or {}).items():
            for alias in entry.get("aliases") or []:
                self._add(alias, Place(district, "district", district))
            for kind in ("streets", "former_streets"):
                for street in entry.get(kind) or []:
                    name = street["name"] if isinstance(street, dict) else street
                    place = Place(name, "street" if kind == "streets" else "former_street", district)
                    self._add(name, place)
                    stem = re.sub(r"(街道|镇)$", "", name)
                    if len(stem) >= 2 and stem != name:
                        self._add(stem + "街办", place)
                        self.short.setdefault(stem, place)
        for lm in data.get("landmarks") or []:
            place = Place(lm["name"], lm.get("kind", "landmark"), lm["district"])
            for form in [lm["name"], *(lm.get("aliases") or [])]:
                self._add(form, place)
        for out in data.get("outside") or []:
            place = Place(out["name"], "outside", None)
            for form in [out["name"], *(out.get("aliases") or [])]:
                self._add(form, place)
        # A short form that is also a name of its own (a district alias, a landmark) is that name.
        self.short = {s: p for s, p in self.short.items() if s not in self.forms}
        by_length = sorted(self.forms, key=len, reverse=True)
        self._any = re.compile("|".join(map(re.escape, by_length)))
        shorts = sorted(self.short, key=len, reverse=True)
        self._short = re.compile(f"(?:{'|'.join(map(re.escape, shorts))})(?=(?:{'|'.join(PLACE_AFTER)}))")

    def _add(self, form: str, place: Place) -> None:
        form = str(form).strip()
        if len(form) >= 2:
            self.forms.setdefault(form, place)

    def places(self, text: str | None) -> list[Place]:
        """Every place named in text, in the order said (overlaps resolved: longest at a position)."""
        text = text or ""
        found: list[Place] = []
        for m in self._any.finditer(text):
            p = self.forms[m.group(0)]
            found.append(Place(p.name, p.kind, p.district, m.start(), m.group(0)))
        taken = {i for p in found for i in range(p.start, p.start + len(p.said))}
        for m in self._short.finditer(text):
            if m.start() not in taken:
                p = self.short[m.group(0)]
                found.append(Place(p.name, p.kind, p.district, m.start(), m.group(0)))
        return sorted(found, key=lambda p: p.start)

    def first_place(self, text: str | None) -> Place | None:
        found = self.places(text)
        return found[0] if found else None


_LOADING = threading.Lock()
# libyaml's loader where PyYAML has it: the file is large, and the pure-Python one takes ~1 s of CPU.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def gazetteer() -> Gazetteer:
    """The one gazetteer of the process, loaded on first use — once, however many of the
    ingestion's threads ask for it at the same time (functools.lru_cache alone lets each of them
    load it)."""
    with _LOADING:
        return _load()


@functools.lru_cache(maxsize=1)
def _load() -> Gazetteer:
    return Gazetteer(yaml.load(GAZETTEER_FILE.read_text(encoding="utf-8"), Loader=_LOADER))

"""The service-guide catalogue: items and life-event bundles, from the YAML files
under bot/city/catalogue/ (format: bot/city/catalogue/README.md).

Loaded once at start-up and checked: every item has every field, names and
synonyms are unique, every bundle step names an item. A broken file stops the
start with CatalogueError naming the file and the item.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"

# The life-cycle themes every catalogue must cover, in menu order.
# Files may add further themes (e.g. 养老与救助) after these.
THEMES = ("教育", "医疗", "就业", "住房", "婚育收养", "证件办理", "公用事业", "企业开办")

REQUIRED_FIELDS = ("department", "materials", "where", "hours", "fee", "time_limit", "online")


class CatalogueError(Exception):
    pass


@dataclass(frozen=True)
class ServiceItem:
    name: str
    theme: str
    synonyms: tuple[str, ...]
    department: str
    materials: tuple[str, ...]
    where: str
    hours: str
    fee: str
    time_limit: str
    online: str
    conditions: str = ""
    notes: str = ""


@dataclass(frozen=True)
class BundleStep:
    item: str
    when: str


@dataclass(frozen=True)
class LifeEvent:
    name: str
    triggers: tuple[str, ...]
    intro: str
    steps: tuple[BundleStep, ...]
    tip: str = ""


class Catalogue:
    def __init__(self, items: list[ServiceItem], events: list[LifeEvent]):
        self.items = {i.name: i for i in items}
        self.events = {e.name: e for e in events}
        self.themes = tuple(dict.fromkeys([*THEMES, *(i.theme for i in items)]))
        # Every word that names an item (its name and synonyms) -> the item's name.
        self._words: dict[str, str] = {}
        for item in items:
            for word in (item.name, *item.synonyms):
                self._words[word] = item.name
        self._triggers = {t: e.name for e in events for t in e.triggers}

    def get(self, name: str | None) -> ServiceItem | None:
        if not name:
            return None
        canonical = self._words.get(name.strip())
        return self.items.get(canonical) if canonical else None

    def in_theme(self, theme: str) -> list[ServiceItem]:
        return [i for i in self.items.values() if i.theme == theme]

    def find(self, text: str | None) -> ServiceItem | LifeEvent | None:
        """The item or life event the text names; the longest word wins, and a
        life event wins a tie (开公司 is the whole bundle, not only the licence)."""
        text = text or ""
        best: tuple[int, int, str, str] | None = None   # (length, is_event, kind, name)
        for word, name in self._words.items():
            if word in text and (best is None or (len(word), 0) > best[:2]):
                best = (len(word), 0, "item", name)
        for word, name in self._triggers.items():
            if word in text and (best is None or (len(word), 1) > best[:2]):
                best = (len(word), 1, "event", name)
        if best is None:
            return None
        return self.items[best[3]] if best[2] == "item" else self.events[best[3]]

    def theme_named(self, text: str | None) -> str | None:
        text = text or ""
        return next((t for t in self.themes if t in text), None)


def _str(doc: dict, key: str, where: str, default: str | None = None) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: `{key}` must be a non-empty text")
    return value.strip()


def _item(doc: dict, theme: str, default_hours: str | None, where: str) -> ServiceItem:
    name = _str(doc, "name", where)
    where = f"{where} ({name})"
    materials = doc.get("materials")
    if not isinstance(materials, list) or not materials or not all(isinstance(m, str) and m for m in materials):
        raise CatalogueError(f"{where}: `materials` must be a non-empty list of texts")
    synonyms = doc.get("synonyms") or []
    if not isinstance(synonyms, list) or not all(isinstance(s, str) and s for s in synonyms):
        raise CatalogueError(f"{where}: `synonyms` must be a list of texts")
    return ServiceItem(
        name=name, theme=theme, synonyms=tuple(synonyms), department=_str(doc, "department", where),
        materials=tuple(materials), where=_str(doc, "where", where), hours=_str(doc, "hours", where, default_hours),
        fee=_str(doc, "fee", where), time_limit=_str(doc, "time_limit", where), online=_str(doc, "online", where),
        conditions=str(doc.get("conditions") or "").strip(), notes=str(doc.get("notes") or "").strip(),
    )


def load_catalogue(directory: Path = CATALOGUE_DIR) -> Catalogue:
    items: list[ServiceItem] = []
    events: list[LifeEvent] = []
    seen_words: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if path.name == "life_events.yaml":
            for i, ev in enumerate(doc.get("life_events") or []):
                where = f"{path.name}: life_events[{i}]"
                steps = tuple(BundleStep(_str(step, "item", where), str(step.get("when") or ""))
                              for step in ev.get("steps") or [])
                triggers = tuple(ev.get("triggers") or ())
                if not steps or not triggers:
                    raise CatalogueError(f"{where}: a life event needs `triggers` and `steps`")
                events.append(LifeEvent(_str(ev, "name", where), triggers, _str(ev, "intro", where), steps,
                                        str(ev.get("tip") or "").strip()))
            continue
        theme = _str(doc, "theme", path.name)
        for i, raw in enumerate(doc.get("items") or []):
            item = _item(raw, theme, doc.get("hours"), f"{path.name}: items[{i}]")
            for word in (item.name, *item.synonyms):
                if word in seen_words:
                    raise CatalogueError(f"{path.name}: “{word}” names both {seen_words[word]} and {item.name}")
                seen_words[word] = item.name
            items.append(item)
    names = {i.name for i in items}
    for ev in events:
        for step in ev.steps:
            if step.item not in names:
                raise CatalogueError(f"life_events.yaml: {ev.name} names an unknown item {step.item}")
    missing = [t for t in THEMES if t not in {i.theme for i in items}]
    if missing:
        raise CatalogueError(f"no items for theme(s) {', '.join(missing)}")
    return Catalogue(items, events)

"""What the bot did not understand: every fallback and out-of-scope message, masked, with its time,
channel and the model's three likeliest intents; grouped by frequency, labelled by a person with
the right intent, and exported as Rasa NLU YAML to be reviewed into nlu_data/."""
from __future__ import annotations

import json
import re

import yaml
from sqlalchemy import func, select

from bot.core.clock import CLOCK
from bot.core.privacy import mask_text
from bot.records.db import Database
from bot.records.models import KeptMessage

KINDS = ("fallback", "out_of_scope")


def text_key(text: str) -> str:
    """Messages that differ only in spaces, punctuation or case are counted as one."""
    return re.sub(r"[\s\W_]+", "", text.lower())[:255] or text[:255]


class KeptMessages:
    def __init__(self, db: Database):
        self.db = db

    def keep(self, *, text: str, channel: str, kind: str, intents: list[dict]) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        masked = mask_text(text.strip())[:1000]
        top = [{"name": str(i.get("name")), "confidence": round(float(i.get("confidence") or 0), 3)}
               for i in sorted(intents, key=lambda i: -(i.get("confidence") or 0))[:3]]
        with self.db.session() as s:
            s.add(KeptMessage(at=CLOCK.time(), channel=channel, kind=kind, text=masked, text_key=text_key(masked),
                              top_intents=json.dumps(top, ensure_ascii=False)))

    def by_frequency(self, *, labelled: bool | None = None, limit: int = 200) -> list[dict]:
        """[{key, text, count, kinds, channels, last_at, top_intents, label}], most frequent first."""
        with self.db.session() as s:
            q = (select(KeptMessage.text_key, func.count(KeptMessage.id), func.max(KeptMessage.id))
                 .group_by(KeptMessage.text_key)
                 .order_by(func.count(KeptMessage.id).desc(), func.max(KeptMessage.id).desc()))
            groups = s.execute(q).all()
            out = []
            for key, count, last_id in groups:
                last = s.get(KeptMessage, last_id)
                label = s.scalar(select(KeptMessage.label).where(KeptMessage.text_key == key,
                                                                  KeptMessage.label.is_not(None)).limit(1))
                if labelled is not None and (label is not None) != labelled:
                    continue
                rows = s.execute(select(KeptMessage.kind, KeptMessage.channel)
                                 .where(KeptMessage.text_key == key).distinct()).all()
                out.append({"key": key, "text": last.text, "count": count, "last_at": last.at,
                            "kinds": sorted({k for k, _ in rows}), "channels": sorted({c for _, c in rows}),
                            "top_intents": json.loads(last.top_intents), "label": label})
                if len(out) >= limit:
                    break
            return out

    def label(self, key: str, intent: str, by: str) -> int:
        """Label every message of a group; answers how many were labelled."""
        intent = intent.strip()
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", intent):
            raise ValueError("an intent name: lower-case letters, digits and _")
        with self.db.session() as s:
            rows = list(s.scalars(select(KeptMessage).where(KeptMessage.text_key == key)))
            for r in rows:
                r.label, r.labelled_by = intent, by
            return len(rows)

    def export_nlu_yaml(self) -> str:
        """The labelled messages as Rasa 3 NLU training data, one example per group."""
        by_intent: dict[str, list[str]] = {}
        for g in self.by_frequency(labelled=True, limit=100000):
            by_intent.setdefault(g["label"], []).append(g["text"])
        doc = {"version": "3.1", "nlu": [
            {"intent": intent, "examples": "".join(f"- {t}\n" for t in sorted(texts))}
            for intent, texts in sorted(by_intent.items())]}
        header = "# Labelled in the console from messages the bot did not understand; review before nlu_data/.\n"
        return header + yaml.dump(doc, allow_unicode=True, sort_keys=False, Dumper=_LiteralDumper)

    def count(self) -> int:
        with self.db.session() as s:
            return s.scalar(select(func.count(KeptMessage.id)))


class _LiteralDumper(yaml.SafeDumper):
    """Examples as a `|` block, the way nlu_data/ writes them."""


_LiteralDumper.add_representer(
    str, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style="|" if "\n" in v else None))

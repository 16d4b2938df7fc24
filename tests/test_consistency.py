"""Fails when the intent names of nlu_data/, handlers/ and the spec disagree.

- every intent of the spec (the lead's specification, summarised in docs/contracts.md and copied in
  handlers.registry.SPEC_INTENTS so that a checkout alone can run this) has NLU training data and a handler;
- nlu_data/ trains no intent that the spec does not name;
- a handler without training data must be declared channel-only (CHANNEL_ONLY_INTENTS,
  e.g. nearby_halls from a WeChat location message) or command-only (COMMAND_ONLY_INTENTS, reached
  by its fixed words alone), and those have no training data;
- the complaint topics and their departments match the spec's routing table.
"""
import re
from pathlib import Path

import pytest
import yaml

from bot.city.complaint_topics import TOPICS
from bot.core.settings import load_settings
from handlers.registry import CHANNEL_ONLY_INTENTS, COMMAND_ONLY_INTENTS, MENU_INTENT, MENU_ORDER, SPEC_INTENTS, build_handlers

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT.parent / "shared" / "spec" / "intents.md"


def nlu_intents() -> set[str]:
    found = set()
    for path in sorted((ROOT / "nlu_data" / "nlu").glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found |= {block["intent"] for block in doc.get("nlu") or [] if "intent" in block}
    return found


def spec_section(title: str) -> str:
    text = SPEC.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def test_training_data_covers_exactly_the_spec_intents():
    trained = nlu_intents()
    assert sorted(set(SPEC_INTENTS) - trained) == [], "spec intents without training data"
    assert sorted(trained - set(SPEC_INTENTS)) == [], "training data for intents the spec does not name"


def test_every_intent_has_a_handler_and_channel_only_intents_are_declared():
    handlers = set(build_handlers())
    assert sorted(set(SPEC_INTENTS) - handlers) == [], "spec intents without a handler"
    undeclared = handlers - set(SPEC_INTENTS) - set(CHANNEL_ONLY_INTENTS) - set(COMMAND_ONLY_INTENTS)
    assert sorted(undeclared) == [], "handlers for intents neither in the spec nor declared channel- or command-only"
    assert set(CHANNEL_ONLY_INTENTS) <= handlers
    assert set(CHANNEL_ONLY_INTENTS).isdisjoint(nlu_intents()), "a channel-only intent has training data"
    assert set(COMMAND_ONLY_INTENTS) <= handlers
    assert set(COMMAND_ONLY_INTENTS).isdisjoint(nlu_intents()), "a command-only intent has training data"
    built = build_handlers()
    assert all(built[i].commands for i in COMMAND_ONLY_INTENTS), "a command-only intent without command words"


def test_menu_and_application_prefixes_name_real_handlers():
    handlers = build_handlers()
    assert [i for i in MENU_ORDER if i not in handlers] == []
    assert MENU_INTENT in handlers
    prefixes = [p for h in handlers.values() for p in h.owns_prefixes]
    assert len(prefixes) == len(set(prefixes)), "two handlers claim one application-number prefix"


@pytest.mark.skipif(not SPEC.exists(), reason="the shared spec is not next to this checkout")
def test_the_registry_copy_matches_the_spec():
    spec = re.findall(r"^\| `([a-z_]+)` \|", spec_section("Intents"), flags=re.M)
    assert spec == list(SPEC_INTENTS)


@pytest.mark.skipif(not SPEC.exists(), reason="the shared spec is not next to this checkout")
def test_complaint_routing_matches_the_spec():
    rows = re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| ([^|]+?) \|", spec_section("Complaint topics"), flags=re.M)
    spec = {topic: dept.split("(")[0].strip() for topic, dept in rows}
    assert list(spec) == list(TOPICS)
    assert load_settings(env={}).extra["complaint_routing"] == spec

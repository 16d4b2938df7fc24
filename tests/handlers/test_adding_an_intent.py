"""Adding an intent touches its handler, nlu_data/ and the registry, and nothing else (docs/handlers.md).

In a copy of the repository, a new intent is added exactly as docs/handlers.md says: a handler
module, its training examples, two lines in handlers/registry.py. Then, with nothing else edited,
the consistency test passes, and a runtime built from the copy (real Redis; an NLU stand-in in
place of a model trained on the new examples) serves it: through NLU, through its command word,
in the main menu, among a clarifying question's choices, as a menu click a channel may start,
and as a purpose of a hotline call.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("bot", "handlers", "adapters", "nlu_data", "app.py", "config.yaml", "pytest.ini",
          "tests/__init__.py", "tests/test_consistency.py")

HANDLER = '''"""query_library_card: is my library card still valid (a made-up service, for the test)."""
from __future__ import annotations

from bot.conversation.contract import Handler, Result, Turn


class QueryLibraryCard(Handler):
    intent = "query_library_card"
    label = "借书证查询"
    department = "成都图书馆"
    commands = {"借书证": {}}

    def handle(self, turn: Turn) -> Result:
        return Result.say("您的借书证有效期至2027年12月31日。", served={"department": self.department})
'''

TRAINING = "version: \"3.1\"\nnlu:\n- intent: query_library_card\n  examples: |\n" + "".join(
    f"    - {t}\n" for t in ("我的借书证还能用吗", "借书证过期了吗", "查一下借书证", "图书馆的卡还有效吗",
                           "借书证有效期到什么时候", "我的图书馆借书证", "借书卡能用吗", "查询借书证状态"))

# Run inside the copy: the runtime as the app builds it, with a stand-in for the Rasa server.
SCRIPT = r'''
import json, os, sys
from bot.core.messages import Incoming, to_plain_text
from bot.core.settings import load_settings
from bot.nlu.client import Parse
from bot.runtime import build_runtime

class StandIn:
    """Reads every text as the new intent; "卡的事" only weakly (a clarifying question)."""
    def parse(self, text):
        if text == "卡的事":
            return Parse(text, "nlu_fallback", 0.3, (("nlu_fallback", 0.3), ("query_library_card", 0.25),
                                                     ("query_housing_fund", 0.2)))
        return Parse(text, "query_library_card", 0.97, (("query_library_card", 0.97),))

rt = build_runtime(load_settings(env={}, overrides={"redis.url": os.environ["REDIS_URL"],
                                                    "redis.key_prefix": os.environ["PREFIX"]}))
rt.dispatcher.nlu = StandIn()
said = lambda user, text: "\n".join(to_plain_text(r) for r in rt.dispatcher.handle(
    Incoming(channel="test", user_id=user, text=text)))
print(json.dumps({
    "nlu": said("u1", "我的借书证还能用吗"),
    "command": said("u2", "借书证"),
    "menu": said("u3", "菜单"),
    "clarify": said("u4", "卡的事"),
    "channel_may_start": "query_library_card" in rt.dispatcher.intents,
    "hotline_purpose": "query_library_card" in rt.hotline().purposes,
}, ensure_ascii=False))
'''


def _tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def _copy_of_the_repository(dest: Path) -> Path:
    for name in COPIED:
        src, dst = ROOT / name, dest / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, dst)
    return dest


def _add_the_intent(repo: Path) -> None:
    """What docs/handlers.md asks for, and nothing more."""
    (repo / "handlers" / "library_card.py").write_text(HANDLER, encoding="utf-8")
    (repo / "nlu_data" / "nlu" / "library_card.yml").write_text(TRAINING, encoding="utf-8")
    registry = repo / "handlers" / "registry.py"
    text = registry.read_text(encoding="utf-8")
    edits = [
        ("from handlers.ledger import QueryMyAffairs\n",
         "from handlers.ledger import QueryMyAffairs\nfrom handlers.library_card import QueryLibraryCard\n"),
        ('"ask_service_guide", "file_complaint", "rate_service",\n)',
         '"ask_service_guide", "file_complaint", "rate_service", "query_library_card",\n)'),
        ("RequestHuman(), RateService(), NearbyHalls(),", "RequestHuman(), RateService(), NearbyHalls(), QueryLibraryCard(),"),
        ('"book_appointment", "ask_service_guide", "file_complaint", "bind_identity", "request_human",\n]',
         '"book_appointment", "ask_service_guide", "file_complaint", "bind_identity", "request_human",\n'
         '    "query_library_card",\n]'),
    ]
    for old, new in edits:
        assert text.count(old) == 1, f"handlers/registry.py changed shape: {old!r}"
        text = text.replace(old, new)
    registry.write_text(text, encoding="utf-8")


def _run(repo: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=repo, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})})


def test_a_new_intent_needs_its_handler_its_examples_and_the_registry_only(tmp_path, redis_hub):
    repo = _copy_of_the_repository(tmp_path / "repo")
    before = _tree(repo)
    _add_the_intent(repo)
    after = _tree(repo)
    touched = sorted(path for path in after.keys() | before.keys() if before.get(path) != after.get(path))
    assert touched == ["handlers/library_card.py", "handlers/registry.py", "nlu_data/nlu/library_card.yml"]

    # The consistency test of the copy: spec list, training data and handlers agree.
    checked = _run(repo, "-m", "pytest", "-q", "--noconftest", "-p", "no:cacheprovider", "tests/test_consistency.py")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    served = _run(repo, "-c", SCRIPT, env={"REDIS_URL": redis_hub.url, "PREFIX": redis_hub.prefix})
    assert served.returncode == 0, served.stderr
    seen = json.loads(served.stdout.strip().splitlines()[-1])
    assert seen["nlu"] == seen["command"] == "您的借书证有效期至2027年12月31日。"
    assert "借书证查询" in seen["menu"]
    assert "借书证查询" in seen["clarify"] and "公积金查询" in seen["clarify"]
    assert seen["channel_may_start"] and seen["hotline_purpose"]


def test_without_the_registry_entry_the_consistency_test_fails(tmp_path):
    """The other half of the proof: the consistency test notices a half-added intent."""
    repo = _copy_of_the_repository(tmp_path / "repo")
    (repo / "nlu_data" / "nlu" / "library_card.yml").write_text(TRAINING, encoding="utf-8")
    checked = _run(repo, "-m", "pytest", "-q", "--noconftest", "-p", "no:cacheprovider", "tests/test_consistency.py")
    assert checked.returncode == 1 and "query_library_card" in checked.stdout

"""A Runtime on real Redis and the real sandbox, with the keyword NLU stand-in
(tests here must not depend on a trained model; tests/conversations/ use it)."""
from __future__ import annotations

import pytest

from bot.runtime import build_runtime
from bot.core.settings import load_settings
from tests.conversations.chat import Chat
from tests.handlers.fake_nlu import KeywordNlu


@pytest.fixture
def fake_runtime(redis_hub, sandbox, sandbox_clean):
    overrides = {"redis.key_prefix": redis_hub.prefix, "redis.url": redis_hub.url}
    for name, url in sandbox.urls.items():
        if name != "control":
            overrides[f"backends.{name}.base_url"] = url
    rt = build_runtime(load_settings(env={}, overrides=overrides))
    rt.dispatcher.nlu = KeywordNlu()
    return rt


@pytest.fixture
def chat(fake_runtime):
    return Chat(fake_runtime)

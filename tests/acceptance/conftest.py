"""Scripted conversations through the real stack: the Rasa server with the
current model, real Redis (test prefix), the sandbox backends over HTTP.
`talk()` opens a new citizen's chat with `stack_runtime.dispatcher`."""
from __future__ import annotations

import pytest

from tests.fixtures.chat import Chat


@pytest.fixture
def talk(stack_runtime):
    def new_chat(**kw) -> Chat:
        return Chat(stack_runtime, **kw)
    return new_chat

"""The main menu: the services a citizen can pick by number, shown on greeting, on confusion and
while NLU is down. Each choice replies "/<intent>", which the dispatcher starts without NLU."""
from __future__ import annotations

from bot.conversation.contract import Handler
from bot.core.messages import Choice, Choices


class MainMenu:
    """The numbered list of services shown on greeting, confusion and NLU outage."""

    def __init__(self, handlers: dict[str, Handler], order: list[str], shown_by: str):
        self.items = [(handlers[i].label, i) for i in order if i in handlers and handlers[i].label]
        self.shown_by = shown_by      # the intent that answers with this menu

    def choice(self, label: str) -> Choice:
        """A choice that brings the menu up ("都不是，看看全部服务")."""
        return Choice(label, f"/{self.shown_by}")

    def choices(self, prompt: str) -> Choices:
        return Choices(prompt, tuple(Choice(label, f"/{intent}") for label, intent in self.items))

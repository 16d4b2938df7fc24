"""Call-back tasks: someone from the department (or the 12345 office) gets back to the citizen.

Opened by a 不满意/非常不满意 rating and by a handoff request outside office
hours. A task says what it is about (what was served, by which department, when,
the rating), and how to reach the citizen: a 12345 work order that holds the
phone number they left (the task keeps only the masked number), and/or this
conversation (`write_to_citizen`, through the Outbox; the agents' API never shows
the channel id). Tasks hold no raw phone or ID number.
"""
from __future__ import annotations

import json
import secrets

from bot.core.clock import CLOCK
from bot.core.messages import Text
from bot.core.privacy import mask_text
from bot.core.redis_hub import RedisHub
from bot.stores.outbox import Outbox

MAX_NOTES = 10

# What write_to_citizen() did.
SENT, NO_TASK, UNREACHABLE = "sent", "no_task", "unreachable"


class CallbackTasks:
    def __init__(self, hub: RedisHub, outbox: Outbox):
        self.hub = hub
        self.outbox = outbox

    def _task(self, task_id: str) -> str:
        return self.hub.key("callback", task_id)

    def open(self, *, reason: str, user_key: str, department: str, intent: str, note: str = "",
             order_no: str | None = None, what: str = "", served_at: float | None = None,
             level: str | None = None, phone_masked: str | None = None) -> str:
        # Numbered by the city's date on the application's clock, as the served_at it refers to.
        task_id = "CB" + CLOCK.now().strftime("%Y%m%d") + secrets.token_hex(4).upper()
        doc = {"id": task_id, "reason": reason, "user_key": user_key, "department": department,
               "intent": intent, "what": what or intent, "served_at": served_at, "level": level,
               "note": mask_text(note), "notes": [], "order_no": order_no, "phone_masked": phone_masked,
               "opened_at": CLOCK.time(), "status": "open"}
        pipe = self.hub.text.pipeline()
        pipe.set(self._task(task_id), json.dumps(doc, ensure_ascii=False))
        pipe.zadd(self.hub.key("callbacks", "open"), {task_id: doc["opened_at"]})
        pipe.execute()
        return task_id

    def get(self, task_id: str) -> dict | None:
        raw = self.hub.text.get(self._task(task_id))
        return json.loads(raw) if raw else None

    def open_tasks(self, limit: int = 100) -> list[dict]:
        ids = self.hub.text.zrange(self.hub.key("callbacks", "open"), 0, limit - 1)
        return [t for t in (self.get(i) for i in ids) if t]

    def _save(self, doc: dict) -> None:
        self.hub.text.set(self._task(doc["id"]), json.dumps(doc, ensure_ascii=False))

    def add_contact(self, task_id: str, *, order_no: str, phone_masked: str) -> bool:
        """The citizen left a phone number: it is in work order `order_no`; the task shows it masked."""
        doc = self.get(task_id)
        if doc is None:
            return False
        doc.update(order_no=order_no, phone_masked=mask_text(phone_masked))
        self._save(doc)
        return True

    def add_note(self, task_id: str, text: str) -> bool:
        """What the citizen said about it (masked), for whoever calls back."""
        doc = self.get(task_id)
        if doc is None:
            return False
        notes = doc.setdefault("notes", [])
        if len(notes) < MAX_NOTES:
            notes.append(mask_text(text)[:300])
            self._save(doc)
        return True

    def write_to_citizen(self, task_id: str, text: str) -> str:
        """The department's message to the citizen, in their chat, noted on the task: SENT; NO_TASK
        when the task is unknown or closed; UNREACHABLE after the citizen unsubscribed."""
        task = self.get(task_id)
        if task is None or task["status"] != "open":
            return NO_TASK
        if not task.get("user_key"):
            return UNREACHABLE
        self.outbox.send(task["user_key"], [Text(f"【{task['department']}回访】{mask_text(text)}")])
        self.add_note(task_id, f"已在对话中留言：{text}")
        return SENT

    def close(self, task_id: str, outcome: str = "") -> bool:
        doc = self.get(task_id)
        if doc is None or doc["status"] != "open":
            return False
        doc.update(status="closed", closed_at=CLOCK.time(), outcome=mask_text(outcome))
        pipe = self.hub.text.pipeline()
        pipe.set(self._task(task_id), json.dumps(doc, ensure_ascii=False))
        pipe.zrem(self.hub.key("callbacks", "open"), task_id)
        pipe.zadd(self.hub.key("callbacks", "closed"), {task_id: doc["closed_at"]})
        pipe.execute()
        return True

    def closed_tasks(self, limit: int = 100) -> list[dict]:
        """The most recently closed tasks, with their outcome."""
        ids = self.hub.text.zrevrange(self.hub.key("callbacks", "closed"), 0, limit - 1)
        return [t for t in (self.get(i) for i in ids) if t]

    def forget_user(self, user_key: str) -> None:
        """Unsubscribe: open tasks stay (the office still owes the call) but lose the channel id."""
        for task in self.open_tasks(limit=10_000):
            if task.get("user_key") == user_key:
                task["user_key"] = ""
                self._save(task)

"""Call-back tasks: someone from the 12345 office rings the citizen back.

Opened by a 不满意/非常不满意 rating and by a handoff request outside office
hours. Agents list and close them through bot/agent_api.py. Tasks hold no raw
phone or ID number: the work order (if any) and the department are enough for
the 12345 office, whose own system has the contact details.
"""
from __future__ import annotations

import json
import secrets
import time

from bot.privacy import mask_text
from bot.redis_conn import RedisHub


class CallbackTasks:
    def __init__(self, hub: RedisHub):
        self.hub = hub

    def _task(self, task_id: str) -> str:
        return self.hub.key("callback", task_id)

    def open(self, *, reason: str, user_key: str, department: str, intent: str, note: str = "",
             order_no: str | None = None) -> str:
        task_id = "CB" + time.strftime("%Y%m%d") + secrets.token_hex(4).upper()
        doc = {"id": task_id, "reason": reason, "user_key": user_key, "department": department,
               "intent": intent, "note": mask_text(note), "order_no": order_no, "opened_at": time.time(),
               "status": "open"}
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

    def close(self, task_id: str, outcome: str = "") -> bool:
        doc = self.get(task_id)
        if doc is None or doc["status"] != "open":
            return False
        doc.update(status="closed", closed_at=time.time(), outcome=mask_text(outcome))
        pipe = self.hub.text.pipeline()
        pipe.set(self._task(task_id), json.dumps(doc, ensure_ascii=False))
        pipe.zrem(self.hub.key("callbacks", "open"), task_id)
        pipe.execute()
        return True

    def forget_user(self, user_key: str) -> None:
        """Unsubscribe: open tasks stay (the office still owes the call) but lose the channel id."""
        for task in self.open_tasks(limit=10_000):
            if task.get("user_key") == user_key:
                task["user_key"] = ""
                self.hub.text.set(self._task(task["id"]), json.dumps(task, ensure_ascii=False))

"""The HTTP surface for human agents (12345 staff), protected by the admin API key.

    POST /api/agent/next                           take the oldest waiting conversation  {"agent": "A07"}
    GET  /api/agent/queue                          how many are waiting
    GET  /api/agent/conversations/<ticket>         the conversation so far (masked)
    POST /api/agent/conversations/<ticket>/messages  send the citizen a message  {"agent", "text"}
    POST /api/agent/conversations/<ticket>/close   end it; the citizen gets the 好差评 prompt  {"agent"}
    GET  /api/agent/callbacks                      open call-back tasks: what was served, by whom, when,
                                                   the rating, and how to reach the citizen (the work
                                                   order holding the phone, shown masked; or the chat)
    POST /api/agent/callbacks/<id>/messages        write to the citizen in their chat  {"agent", "text"}
    POST /api/agent/callbacks/<id>/close           {"outcome": "..."}
    GET  /api/agent/ratings                        好差评 counts per intent, department and level

Every request carries `X-Api-Key: <security.admin_api_key>`. Agents see tickets,
never the citizen's channel id; every text is masked.
"""
from __future__ import annotations

import hmac
import time

from flask import Blueprint, abort, jsonify, request

from bot.stores.callbacks import NO_TASK, UNREACHABLE
from bot.web import runtime


def _public(ticket: dict) -> dict:
    out = {k: v for k, v in ticket.items() if k != "user_key"}
    out["channel"] = ticket["user_key"].split(":", 1)[0]
    return out


def _public_task(task: dict) -> dict:
    out = {k: v for k, v in task.items() if k != "user_key"}
    out["reachable_in_chat"] = bool(task.get("user_key"))   # gone after the citizen unsubscribed
    return out


bp = Blueprint("agent_api", __name__, url_prefix="/api/agent")


@bp.before_request
def require_api_key():
    expected = runtime().settings.security.admin_api_key
    given = request.headers.get("X-Api-Key", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        abort(401)


def body() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def agent_name(data: dict) -> str:
    agent = str(data.get("agent") or "").strip()
    if not agent or len(agent) > 32:
        abort(400, description="agent (1-32 characters) is required")
    return agent


def message_text(data: dict) -> str:
    text = str(data.get("text") or "").strip()
    if not text or len(text) > 1000:
        abort(400, description="text (1-1000 characters) is required")
    return text


@bp.post("/next")
def take_next():
    desk = runtime().services.handoff
    ticket = desk.take_next(agent_name(body()))
    if ticket is None:
        return jsonify(ticket=None, waiting=0)
    return jsonify(ticket=_public(ticket), transcript=desk.transcript(ticket["ticket"]),
                   waited_s=round(time.time() - ticket["opened_at"], 1))


@bp.get("/queue")
def queue():
    return jsonify(waiting=runtime().services.handoff.waiting())


@bp.get("/conversations/<ticket>")
def conversation(ticket: str):
    desk = runtime().services.handoff
    doc = desk.ticket(ticket)
    if doc is None:
        abort(404)
    return jsonify(ticket=_public(doc), transcript=desk.transcript(ticket))


@bp.post("/conversations/<ticket>/messages")
def send(ticket: str):
    data = body()
    text = message_text(data)
    if not runtime().services.handoff.agent_says(ticket, agent_name(data), text):
        abort(409, description="the conversation is not open (not taken, closed or timed out)")
    return jsonify(sent=True)


@bp.post("/conversations/<ticket>/close")
def close(ticket: str):
    agent_name(body())
    if not runtime().dispatcher.hand_back(ticket):
        abort(404)
    return jsonify(closed=True)


@bp.get("/callbacks")
def callbacks():
    return jsonify(callbacks=[_public_task(t) for t in runtime().services.callbacks.open_tasks()])


@bp.post("/callbacks/<task_id>/messages")
def write_to_citizen(task_id: str):
    data = body()
    text = message_text(data)
    agent_name(data)
    done = runtime().services.callbacks.write_to_citizen(task_id, text)
    if done == NO_TASK:
        abort(404)
    if done == UNREACHABLE:
        abort(409, description="the citizen can no longer be reached in the chat")
    return jsonify(sent=True)


@bp.post("/callbacks/<task_id>/close")
def close_callback(task_id: str):
    if not runtime().services.callbacks.close(task_id, str(body().get("outcome") or "")):
        abort(404)
    return jsonify(closed=True)


@bp.get("/ratings")
def ratings():
    return jsonify(ratings=runtime().services.ratings.counts())

"""The JSON surface for human agents (12345 staff), for a call-centre desk that is not the
browser console: each request is a person's, with their own console account.

    POST /api/agent/next                           take the oldest waiting conversation
    GET  /api/agent/queue                          how many are waiting
    GET  /api/agent/conversations/<ticket>         the conversation so far (masked)
    POST /api/agent/conversations/<ticket>/messages  send the citizen a message  {"text"}
    POST /api/agent/conversations/<ticket>/close   end it; the citizen gets the 好差评 prompt
    GET  /api/agent/callbacks                      open call-back tasks: what was served, by whom, when,
                                                   the rating, and how to reach the citizen (the work
                                                   order holding the phone, shown masked; or the chat)
    POST /api/agent/callbacks/<id>/messages        write to the citizen in their chat  {"text"}
    POST /api/agent/callbacks/<id>/close           {"outcome": "..."}
    GET  /api/agent/ratings                        好差评 counts per intent, department and level (office, admin)

Every request carries HTTP Basic credentials of a console account (`make user … ROLE=agent`):
the same password, lock-out and one-time-password rules as the console's login; roles agent,
office and admin. The agent is that account — no request can speak as someone else, and no key is
shared between people. Agents see tickets, never the citizen's channel id; every text is masked.
"""
from __future__ import annotations

import time

from flask import Blueprint, abort, g, jsonify, request

from bot.records import LoginRefused
from bot.stores.callbacks import NO_TASK, UNREACHABLE
from bot.web import runtime

DESK_ROLES = ("agent", "office", "admin")
REALM = {"WWW-Authenticate": 'Basic realm="12345 agents", charset="UTF-8"'}


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
def require_a_persons_account():
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username:
        return jsonify(error="a console account is required (HTTP Basic: name and password)"), 401, REALM
    try:
        who = runtime().records.accounts.login(auth.username, auth.password or "")
    except LoginRefused as refused:
        return jsonify(error=str(refused)), 401, REALM
    if who.must_change_password:
        return jsonify(error="change the one-time password at /console/password first"), 403
    if who.role not in DESK_ROLES:
        return jsonify(error=f"the {who.role} role does not serve at the desk"), 403
    g.agent = who


def body() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def agent_name() -> str:
    """Who is acting: the account that signed the request (an `agent` field in a body is ignored)."""
    return g.agent.name


def message_text(data: dict) -> str:
    text = str(data.get("text") or "").strip()
    if not text or len(text) > 1000:
        abort(400, description="text (1-1000 characters) is required")
    return text


@bp.post("/next")
def take_next():
    desk = runtime().services.handoff
    ticket = desk.take_next(agent_name())
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
    if not runtime().services.handoff.agent_says(ticket, agent_name(), text):
        abort(409, description="the conversation is not open (not taken, closed or timed out)")
    return jsonify(sent=True)


@bp.post("/conversations/<ticket>/close")
def close(ticket: str):
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
    if g.agent.role not in ("office", "admin"):
        abort(403)      # ratings are the departments' and the office's (as in the console)
    return jsonify(ratings=runtime().services.ratings.counts())

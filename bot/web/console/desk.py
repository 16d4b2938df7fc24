"""The handoff desk and the call-back tasks, in the browser.

Agents see tickets and masked text, never a citizen's channel id (as in the agents' JSON API).
A department sees and works its own call-backs only."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from adapters.fanout import collect_affairs
from bot.city.departments import same_department
from bot.core import access
from bot.core.clock import CLOCK
from bot.stores.callbacks import NO_TASK, UNREACHABLE
from bot.web import runtime
from bot.web.console import bp
from bot.web.console.auth import current_operator, requires

DESK_ROLES = ("agent", "office", "admin")


def _public(doc: dict) -> dict:
    out = {k: v for k, v in doc.items() if k != "user_key"}
    out["channel"] = doc["user_key"].split(":", 1)[0]
    out["waited_min"] = round((CLOCK.time() - doc.get("opened_at", CLOCK.time())) / 60, 1)
    return out


@bp.get("/desk")
@requires(*DESK_ROLES)
def desk():
    handoff = runtime().services.handoff
    me = current_operator()
    return render_template("console/desk.html", queue=[_public(d) for d in handoff.queue()],
                           mine=[_public(d) for d in handoff.taken_by(me.name)], waiting=handoff.waiting())


@bp.post("/desk/take")
@requires(*DESK_ROLES)
def take():
    doc = runtime().services.handoff.take_next(current_operator().name)
    if doc is None:
        return redirect(url_for("console.desk", empty=1))
    return redirect(url_for("console.conversation", ticket=doc["ticket"]))


def _ticket_for_me(ticket: str) -> dict:
    doc = runtime().services.handoff.ticket(ticket)
    if doc is None:
        abort(404)
    me = current_operator()
    if me.role == "agent" and doc.get("agent") != me.name:
        abort(403)     # another agent's conversation
    return doc


@bp.get("/desk/<ticket>")
@requires(*DESK_ROLES)
def conversation(ticket: str):
    doc = _ticket_for_me(ticket)
    return render_template("console/conversation.html", ticket=_public(doc),
                           transcript=runtime().services.handoff.transcript(ticket))


@bp.get("/desk/<ticket>/affairs")
@requires(*DESK_ROLES)
def citizen_affairs(ticket: str):
    """The citizen's matters across the backends, for the agent serving them (a bound citizen
    only). Each backend read is audited as this agent's view."""
    doc = _ticket_for_me(ticket)
    rt = runtime()
    citizen = rt.identity.get(doc["user_key"])
    if citizen is None:
        return render_template("console/affairs.html", ticket=ticket, affairs=None, missing={})
    me = current_operator()
    with access.reading_as(access.Reader(me.actor, me.role, "agent_view")):
        result = collect_affairs(rt.adapters, citizen.id_number, rt.services.service_settings.ledger.deadline_s)
    return render_template("console/affairs.html", ticket=ticket, affairs=result.affairs, missing=result.missing)


@bp.post("/desk/<ticket>/reply")
@requires(*DESK_ROLES)
def reply(ticket: str):
    _ticket_for_me(ticket)
    text = (request.form.get("text") or "").strip()[:1000]
    if text and not runtime().services.handoff.agent_says(ticket, current_operator().name, text):
        abort(409)
    return redirect(url_for("console.conversation", ticket=ticket))


@bp.post("/desk/<ticket>/hand-back")
@requires(*DESK_ROLES)
def hand_back(ticket: str):
    _ticket_for_me(ticket)
    runtime().dispatcher.hand_back(ticket)
    return redirect(url_for("console.desk", ended=ticket))


# -- call-back tasks ------------------------------------------------------------------------------
def _visible(task: dict) -> bool:
    me = current_operator()
    return me.role != "department" or same_department(task.get("department"), me.department)


def _task_for_me(task_id: str) -> dict:
    task = runtime().services.callbacks.get(task_id)
    if task is None:
        abort(404)
    if not _visible(task):
        abort(403)
    return task


def _public_task(task: dict) -> dict:
    out = {k: v for k, v in task.items() if k != "user_key"}
    out["reachable_in_chat"] = bool(task.get("user_key"))
    return out


@bp.get("/callbacks")
@requires()
def callbacks():
    tasks = runtime().services.callbacks
    return render_template("console/callbacks.html",
                           open_tasks=[_public_task(t) for t in tasks.open_tasks(500) if _visible(t)],
                           closed=[_public_task(t) for t in tasks.closed_tasks(100) if _visible(t)])


@bp.post("/callbacks/<task_id>/message")
@requires()
def callback_message(task_id: str):
    _task_for_me(task_id)
    text = (request.form.get("text") or "").strip()[:1000]
    if text:
        done = runtime().services.callbacks.write_to_citizen(task_id, text)
        if done == NO_TASK:
            abort(404)
        if done == UNREACHABLE:
            abort(409)
    return redirect(url_for("console.callbacks"))


@bp.post("/callbacks/<task_id>/close")
@requires()
def callback_close(task_id: str):
    _task_for_me(task_id)
    runtime().services.callbacks.close(task_id, (request.form.get("outcome") or "").strip()[:500])
    return redirect(url_for("console.callbacks"))

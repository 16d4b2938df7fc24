"""Login, sessions and roles of the console.

A session is a random id in Flask's signed cookie and a Redis entry that ends after
console.idle_timeout_s without a request and console.session_ttl_s after the login in any case.
Until the one-time password is changed, the only page open is the change itself."""
from __future__ import annotations

import functools
import json
import secrets
from dataclasses import dataclass

from flask import abort, g, redirect, render_template, request, session, url_for

from bot.core.clock import CLOCK
from bot.records import LoginRefused, Operator
from bot.web import runtime
from bot.web.console import bp


@dataclass(frozen=True)
class ConsoleSettings:
    session_ttl_s: int
    idle_timeout_s: int
    overdue_days: dict


def console_settings() -> ConsoleSettings:
    raw = runtime().settings.extra.get("console") or {}
    return ConsoleSettings(int(raw.get("session_ttl_s", 28800)), int(raw.get("idle_timeout_s", 1800)),
                           dict(raw.get("overdue_days") or {}))


def _key(sid: str) -> str:
    return runtime().hub.key("console", "session", sid)


def _generation_key(name: str) -> str:
    return runtime().hub.key("console", "generation", name)


def _generation(name: str) -> int:
    """The account's session generation: a password change raises it, ending every older session."""
    return int(runtime().hub.text.get(_generation_key(name)) or 0)


def end_all_sessions(name: str) -> None:
    runtime().hub.text.incr(_generation_key(name))


def start_session(who: Operator) -> None:
    sid = secrets.token_urlsafe(24)
    cfg = console_settings()
    doc = {"name": who.name, "started": CLOCK.time(), "generation": _generation(who.name)}
    runtime().hub.text.set(_key(sid), json.dumps(doc), ex=cfg.idle_timeout_s)
    session.clear()
    session["sid"] = sid


def end_session() -> None:
    sid = session.pop("sid", None)
    if sid:
        runtime().hub.text.delete(_key(sid))
    session.clear()


def current_operator() -> Operator | None:
    """The operator of this request's live session (refreshing its idle timer), or None."""
    if "operator" in g:
        return g.operator
    g.operator = None
    sid = session.get("sid")
    if not sid:
        return None
    hub, cfg = runtime().hub, console_settings()
    raw = hub.text.get(_key(sid))
    if not raw:
        return None
    doc = json.loads(raw)
    if (CLOCK.time() - doc["started"] > cfg.session_ttl_s
            or doc.get("generation", 0) != _generation(doc["name"])):   # older than a password change
        hub.text.delete(_key(sid))
        return None
    who = runtime().records.accounts.get(doc["name"])   # a disabled account loses its sessions
    if who is None:
        return None
    hub.text.expire(_key(sid), cfg.idle_timeout_s)
    g.operator = who
    return who


def requires(*roles: str):
    """A page for these roles (any role when none is named); others get 403, strangers the login."""
    def wrap(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            who = current_operator()
            if who is None:
                return redirect(url_for("console.login", next=request.path))
            if who.must_change_password:
                return redirect(url_for("console.password"))
            if roles and who.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return guarded
    return wrap


@bp.app_context_processor
def _operator():
    return {"operator": current_operator() if request.blueprint == "console" else None}


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            who = runtime().records.accounts.login(request.form.get("name", ""), request.form.get("password", ""))
        except LoginRefused as e:
            error = str(e)
        else:
            start_session(who)
            if who.must_change_password:
                return redirect(url_for("console.password"))
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/console/") else url_for("console.home"))
    return render_template("console/login.html", error=error), (401 if error else 200)


@bp.route("/password", methods=["GET", "POST"])
def password():
    who = current_operator()
    if who is None:
        return redirect(url_for("console.login"))
    error = None
    if request.method == "POST":
        new = request.form.get("new", "")
        if new != request.form.get("again", ""):
            error = "两次输入的新密码不一致"
        else:
            try:
                runtime().records.accounts.change_password(who.name, request.form.get("old", ""), new)
            except LoginRefused as e:
                error = str(e)
            else:
                end_all_sessions(who.name)   # on every browser the old password was used in
                end_session()      # a new password, a new session
                return redirect(url_for("console.login", changed=1))
    return render_template("console/password.html", error=error, first=who.must_change_password)


@bp.post("/logout")
def logout():
    end_session()
    return redirect(url_for("console.login"))


@bp.get("/")
@requires()
def home():
    return render_template("console/home.html")

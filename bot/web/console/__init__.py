"""The operators' console: server-rendered pages at /console/ for people with their own accounts.

    auth        login, the one-time password's change, logout; sessions in Redis that expire
    desk        the handoff desk (queue, take, masked history, reply, hand back) and call-back tasks
    work        work orders: list and filter, a department's own only, transfer (转办), merge
    records     what the bot did not understand (label, export as Rasa NLU YAML), ratings, audit,
                accounts
    dashboard   charts (matplotlib, CJK font) with their numbers
    hotline     the office's hotline reports: a period's picture, hot spots, repeat callers, CSV

Every form carries a CSRF token (Flask-WTF) and every POST without one is refused. Roles:
agent, department (scoped to its own department), office, admin (bot.records.accounts.ROLES).
"""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from bot.core.privacy import mask_text

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")
csrf = CSRFProtect()


@bp.record_once
def _mask_every_page(state):
    """Whatever a page prints goes through mask_text: an ID or phone number in a work order's text,
    a citizen's message or a note is shown masked even where the record holds it raw."""
    state.app.jinja_env.finalize = _masked


def _masked(value):
    if isinstance(value, str) and not value.startswith("data:image/"):    # a chart is no text
        return mask_text(value)
    return value


@bp.before_request
def _no_nul():
    """A NUL character is in no name, number or text a person types, and PostgreSQL refuses it in
    text (the query would fail as a 503): answer 400 with a clear message instead."""
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                return render_template("console/error.html", code=400,
                                       message="输入中含有不允许的控制字符（NUL），请检查后重新提交。"), 400
    return None


@bp.before_request
def _csrf():
    csrf.protect()     # every POST, PUT, PATCH, DELETE of the console (the JSON APIs have keys)


@bp.errorhandler(CSRFError)
def _csrf_refused(e):
    return render_template("console/error.html", code=400, message="表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试。"), 400


@bp.errorhandler(403)
def _forbidden(_e):
    return render_template("console/error.html", code=403, message="您的账号无权查看此页面。"), 403


@bp.errorhandler(404)
def _not_found(_e):
    return render_template("console/error.html", code=404, message="没有找到。"), 404


from bot.web.console import auth, dashboard, desk, hotline, records, work  # noqa: E402,F401  (routes of bp)

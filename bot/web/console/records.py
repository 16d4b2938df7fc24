"""Pages over the durable records: what the bot did not understand, ratings, the audit, accounts."""
from __future__ import annotations

import datetime as dt

from flask import Response, abort, redirect, render_template, request, url_for

from bot.core.clock import CITY_TZ
from bot.core.privacy import ID_LIKE, ascii_digits, is_valid_id_number
from bot.records import ROLES
from bot.web import runtime
from bot.web.console import bp
from bot.web.console.auth import current_operator, requires


@bp.app_template_filter("when")
def _when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts, CITY_TZ).strftime("%Y-%m-%d %H:%M") if ts else ""


# -- point 4: what the bot did not understand -----------------------------------------------------
@bp.get("/fallbacks")
@requires("office", "admin")
def fallbacks():
    show = request.args.get("show", "unlabelled")
    labelled = {"unlabelled": False, "labelled": True}.get(show)
    intents = sorted(runtime().dispatcher.intents)
    return render_template("console/fallbacks.html", groups=runtime().records.kept.by_frequency(labelled=labelled),
                           show=show, intents=intents)


@bp.post("/fallbacks/label")
@requires("office", "admin")
def label_fallback():
    intent = (request.form.get("intent") or "").strip()
    if intent not in runtime().dispatcher.intents:
        abort(400)
    runtime().records.kept.label(request.form.get("key", ""), intent, by=current_operator().name)
    return redirect(url_for("console.fallbacks"))


@bp.get("/fallbacks/export.yml")
@requires("office", "admin")
def export_fallbacks():
    body = runtime().records.kept.export_nlu_yaml()
    return Response(body, mimetype="text/yaml; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=labelled_fallbacks.yml"})


# -- point 7: ratings --------------------------------------------------------------------------------
@bp.get("/ratings")
@requires("department", "office", "admin")
def ratings():
    me = current_operator()
    department = me.department if me.role == "department" else (request.args.get("department") or None)
    records = runtime().records.ratings.search(department=department, level=request.args.get("level") or None)
    return render_template("console/ratings.html", records=records, department=department)


# -- point 6: the audit --------------------------------------------------------------------------------
@bp.route("/audit", methods=["GET", "POST"])
@requires("department", "admin")
def audit():
    """The admin searches by citizen (their ID number, hashed here, never kept) or by account; a
    department sees the reads made for its own department only. The search is a POST so that the
    ID number never stands in a URL (history, proxies' and servers' logs)."""
    me = current_operator()
    citizen = ascii_digits((request.form.get("citizen") or "").strip()).upper()
    actor = (request.form.get("account") or "").strip()
    error = None
    if citizen and not (ID_LIKE.fullmatch(citizen) or is_valid_id_number(citizen)):
        error, citizen = "请输入完整的 18 位身份证号", ""
    records = runtime().records.audit.search(
        citizen_id=citizen or None, actor=(f"account:{actor}" if actor and actor != "bot" else actor) or None,
        department=me.department if me.role == "department" else None)
    # The number searched for is never sent back to the page.
    return render_template("console/audit.html", records=records, error=error, searched=bool(citizen),
                           account=actor)


# -- accounts ---------------------------------------------------------------------------------------------
@bp.route("/accounts", methods=["GET", "POST"])
@requires("admin")
def accounts():
    book = runtime().records.accounts
    created = error = None
    if request.method == "POST":
        try:
            password = book.create(request.form.get("name", ""), request.form.get("role", ""),
                                   request.form.get("department") or None)
            created = {"name": request.form.get("name", "").strip(), "password": password}
        except ValueError as e:
            error = str(e)
    return render_template("console/accounts.html", accounts=book.all(), roles=ROLES, created=created, error=error)


# -- the settings in force (read only) ---------------------------------------------------------------
@bp.get("/settings")
@requires("admin")
def settings_view():
    """What the service runs with: routing, hours, time limits, timeouts. No secret is shown."""
    rt = runtime()
    from bot.web.console.auth import console_settings
    from bot.web.console.work import TOPIC_NAMES
    ss = rt.services.service_settings
    oh = ss.office_hours
    rows = [
        ("运行模式", rt.settings.profile),
        ("记录数据库", rt.records.db.engine.url.render_as_string(hide_password=True)),
        ("人工服务时间", f"每周 {'、'.join(str(d) for d in sorted(oh.weekdays))} {oh.open:%H:%M}–{oh.close:%H:%M}"),
        ("人工排队超时", f"{ss.handoff.wait_timeout_s} 秒"), ("人工对话空闲结束", f"{ss.handoff.idle_timeout_s} 秒"),
        ("触发回访的评价", "、".join(sorted(ss.ratings.callback_levels))),
        ("控制台会话", f"最长 {console_settings().session_ttl_s} 秒，空闲 {console_settings().idle_timeout_s} 秒"),
        ("NLU 追问阈值", str(rt.settings.nlu.clarify_below)),
    ]
    limits = console_settings().overdue_days
    routing = [(TOPIC_NAMES.get(t, t), d, limits.get(t, "")) for t, d in ss.complaint_routing.items()]
    return render_template("console/settings.html", rows=rows, routing=routing)

"""12345 work orders: list and filter (status, topic, district, age), a department's own only, the
office's transfer (转办) and merge of duplicates, and orders past their topic's time limit
(console.overdue_days) marked overdue.

A work order is a citizen's record: every order a person is shown (in a list or opened) leaves one
audit record per order that a citizen filed under their ID, as that person's read — a
department's for its own order (department_order), the office's or the admin's (office_review)."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from adapters.errors import BackendError, BusinessError
from bot.city.complaint_topics import TOPICS
from bot.city.districts import DISTRICTS
from bot.core import access
from bot.core.clock import CLOCK
from bot.web import runtime
from bot.web.console import bp
from bot.web.console.auth import console_settings, current_operator, requires

STATUSES = ("已受理", "已派单", "处理中", "已办结", "已回访", "已合并")
TOPIC_NAMES = {"noise": "噪音", "property": "物业", "wages": "欠薪", "illegal_building": "违建", "sanitation": "环卫",
               "traffic": "交通", "consumer": "消费", "utilities_outage": "停水停电", "education": "教育",
               "healthcare": "医疗", "other": "其他"}


def _row(o, overdue_days: dict) -> dict:
    age = (CLOCK.now() - o.created_at).total_seconds() / 86400
    limit = overdue_days.get(o.topic)
    return {"order": o, "age_days": round(age, 1), "limit": limit,
            "overdue": bool(limit is not None and not o.done and age > float(limit))}


def _reader() -> access.Reader:
    me = current_operator()
    purpose = "department_order" if me.role == "department" else "office_review"
    return access.Reader(me.actor, me.role, purpose, me.department)


def _audit_reads(orders, operation: str) -> None:
    """One audit record per order shown that names its citizen (anonymous and hotline filings name
    none: nobody's records are read)."""
    with access.reading_as(_reader()):
        for o in orders:
            if o.citizen_id:
                access.note_read(backend="workorders", operation=operation, citizen_id=o.citizen_id)


def _departments() -> list[str]:
    return sorted(set(runtime().services.service_settings.complaint_routing.values()))


@bp.get("/workorders")
@requires("department", "office", "admin")
def workorders():
    me = current_operator()
    args = request.args
    department = me.department if me.role == "department" else (args.get("department") or None)
    status = args.get("status") or None
    error = None
    try:
        orders = runtime().adapters.workorders.staff_orders(department=department, status=status)
    except BackendError:
        orders, error = [], "12345 工单系统暂时无法访问，请稍后刷新。"
    overdue_days = console_settings().overdue_days
    rows = [_row(o, overdue_days) for o in orders]
    if args.get("topic"):
        rows = [r for r in rows if r["order"].topic == args["topic"]]
    if args.get("district"):
        rows = [r for r in rows if r["order"].district == args["district"]]
    try:
        min_age = float(args.get("age") or 0)
    except ValueError:
        min_age = 0
    rows = [r for r in rows if r["age_days"] >= min_age]
    if args.get("overdue"):
        rows = [r for r in rows if r["overdue"]]
    _audit_reads([r["order"] for r in rows], "staff_orders")      # what the page shows
    return render_template("console/workorders.html", rows=rows, error=error, statuses=STATUSES, topics=TOPICS,
                           topic_names=TOPIC_NAMES, districts=DISTRICTS, departments=_departments(),
                           department=department)


def _order_for_me(order_no: str):
    try:
        order = runtime().adapters.workorders.staff_order(order_no)
    except BusinessError:
        abort(404)
    _audit_reads([order], "staff_order")       # read from the backend, so recorded, even when refused next
    me = current_operator()
    if me.role == "department" and order.department != me.department:
        abort(403)      # another department's order
    return order


@bp.get("/workorders/<order_no>")
@requires("department", "office", "admin")
def workorder(order_no: str):
    order = _order_for_me(order_no)
    return render_template("console/workorder.html", row=_row(order, console_settings().overdue_days),
                           departments=_departments(), topic_names=TOPIC_NAMES,
                           error=request.args.get("error"))


@bp.post("/workorders/<order_no>/transfer")
@requires("office", "admin")
def transfer(order_no: str):
    _order_for_me(order_no)
    department = (request.form.get("department") or "").strip()
    if department not in _departments():
        abort(400)
    try:
        runtime().adapters.workorders.transfer(order_no, department, (request.form.get("reason") or "").strip()[:200])
    except BusinessError:
        return redirect(url_for("console.workorder", order_no=order_no, error="不能转办：工单已办结、已合并或已属该部门"))
    return redirect(url_for("console.workorder", order_no=order_no))


@bp.post("/workorders/<order_no>/merge")
@requires("office", "admin")
def merge(order_no: str):
    _order_for_me(order_no)
    into = (request.form.get("into") or "").strip().upper()
    try:
        runtime().adapters.workorders.merge(order_no, into)
    except BusinessError:
        return redirect(url_for("console.workorder", order_no=order_no, error="不能合并：请检查目标工单号"))
    return redirect(url_for("console.workorder", order_no=order_no))

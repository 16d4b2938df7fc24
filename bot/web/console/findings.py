"""Findings of the cross-department checks, for their reviewing departments: a department sees
and reviews its own department's only (another's answers 403); the office and admins see all.
Every finding shown (in the list, one by one, or in a CSV) is audited as a read of that citizen's
records, like a work order (bot.core.access, purpose crosscheck_review). A finding is a review to
make, never a verdict: nothing here reaches a citizen's chat."""
from __future__ import annotations

import json

from flask import Response, abort, redirect, render_template, request, url_for

from bot.core import access
from bot.crosscheck.rules import RULE_TITLES, RULES
from bot.crosscheck.run import findings_csv
from bot.records import ReviewRefused
from bot.records.findings import STATUSES
from bot.web import runtime
from bot.web.console import bp
from bot.web.console.auth import current_operator, requires

STATUS_NAMES = {"open": "待核查", "confirmed": "已确认", "dismissed": "已排除"}
PAGE = 200
# The evidence's keys (rules.py) in the words staff read.
LABELS = {"registration_no": "死亡登记编号", "died_on": "死亡日期", "registered_on": "登记日期", "authority": "登记机关",
          "months": "死亡后发放月份", "months_count": "月数", "amount": "金额（元）", "payments": "发放明细",
          "pensions": "养老金", "months_both_paid": "两项同时发放月数", "first_month_both_paid": "最早同时发放月份",
          "months_checked": "核查月份范围", "household_no": "低保户编号", "relation": "与户主关系", "since": "享受低保起始月份",
          "monthly_amount": "每月低保金（元）", "members": "家庭人数", "companies": "任职企业"}


def _scope() -> str | None:
    me = current_operator()
    return me.department if me.role == "department" else None


def audit_shown(me, rows: list[dict], operation: str) -> None:
    """Each finding shown to `me` (an Operator), audited as a read of that citizen's records."""
    with access.reading_as(access.Reader(me.actor, me.role, "crosscheck_review", me.department)):
        for f in rows:
            access.note_read(backend="crosscheck", operation=f"{operation}:{f['rule']}", citizen_key=f["citizen_key"])


def _search() -> list[dict]:
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    rule = request.args.get("rule") if request.args.get("rule") in RULE_TITLES else None
    return runtime().records.findings.search(reviewer=_scope(), status=status, rule=rule, limit=PAGE)


def _readable(f: dict) -> dict:
    """The evidence with lists and mappings written out (in Chinese, not \\u escapes)."""
    ev = {dept: {LABELS.get(k, k): v if isinstance(v, (str, int, float)) else json.dumps(v, ensure_ascii=False)
                 for k, v in facts.items()} for dept, facts in f["evidence"].items()}
    return {**f, "evidence": ev}


def _mine(finding_id: int) -> dict:
    f = runtime().records.findings.get(finding_id)
    if f is None:
        abort(404)
    if _scope() is not None and f["reviewer"] != _scope():
        abort(403)
    return f


@bp.get("/findings")
@requires("department", "office", "admin")
def findings():
    rows = _search()
    audit_shown(current_operator(), rows, "finding_list")
    return render_template("console/findings.html", findings=rows, rules=RULES, titles=RULE_TITLES,
                           statuses=STATUS_NAMES, department=_scope(), runs=runtime().records.findings.runs(5))


@bp.get("/findings.csv")
@requires("department", "office", "admin")
def findings_export():
    rows = _search()
    audit_shown(current_operator(), rows, "finding_csv")
    name = f"crosscheck-{_scope() or 'all'}.csv"
    return Response(findings_csv(rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}"})


def _quote(name: str) -> str:
    from urllib.parse import quote
    return quote(name)


@bp.get("/findings/<int:finding_id>")
@requires("department", "office", "admin")
def finding(finding_id: int):
    f = _mine(finding_id)
    audit_shown(current_operator(), [f], "finding")
    return render_template("console/finding.html", f=_readable(f), title=RULE_TITLES.get(f["rule"], f["rule"]),
                           rule=next((r for r in RULES if r.key == f["rule"]), None), statuses=STATUS_NAMES,
                           error=request.args.get("error"))


@bp.post("/findings/<int:finding_id>/review")
@requires("department", "office", "admin")
def review_finding(finding_id: int):
    _mine(finding_id)
    me = current_operator()
    try:
        runtime().records.findings.review(finding_id, request.form.get("decision", ""), request.form.get("note", ""),
                                          by=me.actor, department=_scope())
    except ReviewRefused as e:
        f = _mine(finding_id)
        return render_template("console/finding.html", f=_readable(f), title=RULE_TITLES.get(f["rule"], f["rule"]),
                               rule=next((r for r in RULES if r.key == f["rule"]), None), statuses=STATUS_NAMES,
                               error=str(e)), 400
    except LookupError:
        abort(404)
    return redirect(url_for("console.finding", finding_id=finding_id))

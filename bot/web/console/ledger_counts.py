"""Staff counts over the fused ledger (bot.crosscheck.tables): a department sees its own matters,
the office and admins all; small counts are withheld (and those the totals would give away), and
every query is audited (bot.core.access, purpose staff_query, as a read over many citizens)."""
from __future__ import annotations

import datetime as dt

from flask import render_template, request

from adapters.errors import BackendError, failure_kind
from bot.city.complaint_topics import TOPIC_NAMES
from bot.core import access
from bot.core.clock import CLOCK
from bot.crosscheck.tables import DIMENSIONS, READERS, CountQuery, count
from bot.web import runtime
from bot.web.console import bp
from bot.web.console.auth import current_operator, requires

MAX_DAYS = 366


def whole_months(since: dt.date, until: dt.date) -> tuple[dt.date, dt.date]:
    """The period widened to whole calendar months: two queries a day apart would otherwise differ
    by that day's few records, which subtracting their shown counts would give away."""
    next_month = (until.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return since.replace(day=1), next_month - dt.timedelta(days=1)


def _query() -> tuple[CountQuery, str | None]:
    today = CLOCK.today()
    first = today.replace(day=1)                        # default: this month
    rows = request.args.get("rows") if request.args.get("rows") in DIMENSIONS else "district"
    cols = request.args.get("cols") if request.args.get("cols") in DIMENSIONS else "status"
    error = None
    try:
        since = dt.date.fromisoformat(request.args.get("since") or first.isoformat())
        until = dt.date.fromisoformat(request.args.get("until") or today.isoformat())
        since, until = whole_months(since, until)
        if since > until or (until - since).days >= MAX_DAYS:
            raise ValueError
    except ValueError:
        since, until = whole_months(first, today)
        error = "时间段应为 YYYY-MM-DD、一年以内且开始不晚于结束，已显示本月。"
    if cols == rows:
        cols = "status" if rows != "status" else "district"
    filters = {k: v.strip()[:40] for k in DIMENSIONS if (v := request.args.get(f"f_{k}") or "").strip()}
    return CountQuery(rows, cols, since, until, filters), error


@bp.get("/ledger-counts")
@requires("department", "office", "admin")
def ledger_counts():
    me = current_operator()
    query, error = _query()
    department = me.department if me.role == "department" else None
    rows, missing = [], {}
    for domain, read in READERS.items():
        try:
            rows += read(runtime().adapters, department, TOPIC_NAMES)
        except BackendError as e:
            missing[domain] = failure_kind(e)
    table, shown = count(rows, query)
    with access.reading_as(access.Reader(me.actor, me.role, "staff_query", me.department)):
        access.note_read(backend="ledger", operation=query.describe(), citizen_key=access.AGGREGATE,
                         outcome="ok" if not missing else "incomplete")
    withheld = sum(v is None for row in shown for v in row)
    return render_template("console/ledger_counts.html", q=query, table=table, shown=shown, withheld=withheld,
                           dimensions=DIMENSIONS, missing=missing, error=error, department=department)

"""12345 work orders (filled in by the work-order layer)."""
from __future__ import annotations

from flask import render_template

from bot.web.console import bp
from bot.web.console.auth import requires


@bp.get("/workorders")
@requires("department", "office", "admin")
def workorders():
    return render_template("console/error.html", code=501, message="工单页面尚未开通。"), 501

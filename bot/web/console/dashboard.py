"""The dashboard (filled in by the dashboard layer)."""
from __future__ import annotations

from flask import render_template

from bot.web.console import bp
from bot.web.console.auth import requires


@bp.get("/dashboard")
@requires("office", "admin")
def dashboard():
    return render_template("console/error.html", code=501, message="数据看板尚未开通。"), 501

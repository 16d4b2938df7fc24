"""The 12345 office's hotline reports: what the hotline heard in a period (by district, topic and
day), hot spots, repeat callers (as keyed hashes only), and the work orders filed, as charts with
their numbers and as CSV. Built from the durable records (bot.records.HeardCalls), so every
ingested call counts whichever host or command ingested it."""
from __future__ import annotations

import datetime as dt

from flask import Response, render_template, request

from bot.channels.hotline.picture import CityPicture, Heard
from bot.city.complaint_topics import TOPIC_NAMES
from bot.city.districts import DISTRICTS
from bot.core.clock import CLOCK
from bot.web import runtime
from bot.web.console import bp, charts
from bot.web.console.auth import requires

DEFAULT_DAYS = 30
MAX_DAYS = 366


def _period() -> tuple[dt.date, dt.date, str | None]:
    """since/until from the query (YYYY-MM-DD), else the last 30 days; an unreadable date or a
    reversed or too long period is answered with the error instead of a guess."""
    today = CLOCK.today()
    try:
        until = dt.date.fromisoformat(request.args.get("until") or today.isoformat())
        since = dt.date.fromisoformat(request.args.get("since") or (until - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat())
    except ValueError:
        return today - dt.timedelta(days=DEFAULT_DAYS - 1), today, "日期格式应为 YYYY-MM-DD，已显示最近 30 天。"
    if since > until or (until - since).days >= MAX_DAYS:
        return today - dt.timedelta(days=DEFAULT_DAYS - 1), today, "时间段应在一年以内且开始不晚于结束，已显示最近 30 天。"
    return since, until, None


def _picture(since: dt.date, until: dt.date, district: str | None) -> CityPicture:
    picture = CityPicture()
    for row in runtime().records.heard.between(since, until, district=district):
        picture.add(Heard.from_dict(row))
    return picture


@bp.get("/hotline")
@requires("office", "admin")
def hotline_reports():
    since, until, error = _period()
    district = request.args.get("district") if request.args.get("district") in DISTRICTS else None
    picture = _picture(since, until, district)
    data = picture.as_dict()
    images = {}
    if data["by_day"]:
        days = list(data["by_day"])
        images["by_day"] = charts.stacked_bars("每日来电（已分析）", days, {"来电": list(data["by_day"].values())})
    if data["topic_by_district"]:
        districts = list(data["topic_by_district"])
        topics = sorted({t for c in data["topic_by_district"].values() for t in c})
        images["topics"] = charts.stacked_bars(
            "各区投诉主题", districts,
            {TOPIC_NAMES.get(t, t): [data["topic_by_district"][d].get(t, 0) for d in districts] for t in topics})
    return render_template("console/hotline.html", data=data, images=images, since=since, until=until,
                           district=district, districts=DISTRICTS, topic_names=TOPIC_NAMES, error=error,
                           calls=sum(data["by_district"].values()))


@bp.get("/hotline/work_orders.csv")
@requires("office", "admin")
def hotline_work_orders_csv():
    since, until, _error = _period()
    district = request.args.get("district") if request.args.get("district") in DISTRICTS else None
    body = _picture(since, until, district).csv_bytes()
    name = f"hotline-work-orders-{since:%Y%m%d}-{until:%Y%m%d}.csv"
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})

"""The dashboard (point 5): messages per day and channel, intents, fallback rate, answer time,
ratings per intent and department (好差评), backends and their breakers, queue depths, hotline
topics by district. Each chart has its numbers beside it."""
from __future__ import annotations

from collections import Counter, defaultdict

from flask import render_template

from adapters.errors import BackendError
from bot.city.ratings import LEVELS
from bot.stores.turn_stats import TurnStats
from bot.web import runtime
from bot.web.console import bp, charts
from bot.web.console.auth import requires
from bot.web.console.work import TOPIC_NAMES


@bp.get("/dashboard")
@requires("office", "admin")
def dashboard():
    rt = runtime()
    days = TurnStats(rt.hub).days(14)
    labels = [d["day"].strftime("%m-%d") for d in days]
    channels = sorted({c for d in days for c in d["channels"]})
    by_channel = {c: [d["channels"].get(c, 0) for d in days] for c in channels}
    intents = Counter()
    for d in days:
        intents.update(d["intents"])
    top_intents = intents.most_common(12)

    ratings = rt.records.ratings.counts()
    by_department: dict[str, Counter] = defaultdict(Counter)
    by_intent: dict[str, Counter] = defaultdict(Counter)
    for r in ratings:
        by_department[r["department"]][r["level"]] += r["count"]
        by_intent[r["intent"]][r["level"]] += r["count"]
    departments = sorted(by_department)

    backends = [{"name": a.name, "breaker": a.breaker.state()} for a in rt.adapters.all()]
    health = rt.adapters.health(deadline_s=2.0)
    for b in backends:
        b["health"] = health.get(b["name"], "unknown")
    queues = {"人工排队": rt.services.handoff.waiting(), "待回访": len(rt.services.callbacks.open_tasks(10_000)),
              "未标注的未识别消息": sum(1 for _ in rt.records.kept.by_frequency(labelled=False, limit=10_000))}

    topics_by_district: dict[str, Counter] = defaultdict(Counter)
    orders_error = None
    try:
        for o in rt.adapters.workorders.staff_orders():
            topics_by_district[o.district][o.topic] += 1
    except BackendError:
        orders_error = "12345 工单系统暂时无法访问"
    districts = sorted(topics_by_district)
    topics = sorted({t for c in topics_by_district.values() for t in c})

    images = {
        "messages": charts.stacked_bars("每日消息数（按渠道）", labels, by_channel or {"无": [0] * len(labels)}),
        "intents": charts.stacked_bars("意图（近 14 天）", [i for i, _ in reversed(top_intents)] or ["无"],
                                       {"次数": [n for _, n in reversed(top_intents)] or [0]}, horizontal=True),
        "fallback": charts.line("兜底率（没看懂的比例）", labels, [round(d["fallback_rate"] * 100, 1) for d in days],
                                unit="%"),
        "answer": charts.line("平均应答时间", labels, [round(d["avg_ms"], 1) for d in days], unit="毫秒"),
        "ratings": charts.stacked_bars("好差评（按部门）", departments or ["无"],
                                       {lv: [by_department[d][lv] for d in departments] or [0] for lv in LEVELS},
                                       horizontal=True),
        "queues": charts.stacked_bars("队列深度", list(queues), {"数量": list(queues.values())}, horizontal=True),
        "hotline": charts.stacked_bars("12345 工单类别（按区县）", districts or ["无"],
                                       {TOPIC_NAMES.get(t, t): [topics_by_district[d][t] for d in districts] or [0]
                                        for t in topics} or {"无": [0]}),
    }
    return render_template("console/dashboard.html", images=images, days=days, channels=channels,
                           top_intents=top_intents, levels=LEVELS, by_department=by_department, by_intent=by_intent,
                           backends=backends, queues=queues, topics_by_district=topics_by_district,
                           districts=districts, topics=topics, topic_names=TOPIC_NAMES, orders_error=orders_error,
                           font=charts.cjk_font())

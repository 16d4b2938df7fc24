"""The starter alert rules: each names a metric the app exports and a runbook page that exists."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.core import metrics

ROOT = Path(__file__).resolve().parents[1]
# Exported elsewhere than bot.core.metrics (computed at scrape, or a channel's own counter), or Prometheus's.
OTHER_METRICS = {"adapter_breaker_state", "job_stream_jobs", "handoff_queue_waiting", "wechat_pushes_total", "up"}


def test_every_alert_has_a_runbook_and_known_metrics():
    doc = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())
    exported = {m.describe()[0].name for m in vars(metrics).values() if hasattr(m, "describe") and
                getattr(m, "_name", None)} | OTHER_METRICS
    exported |= {n + "_total" for n in exported}
    rules = [r for g in doc["groups"] for r in g["rules"]]
    assert len(rules) >= 8
    for rule in rules:
        page = ROOT / rule["annotations"]["runbook"]
        assert page.exists() and page.name == f"{rule['alert']}.md", rule["alert"]
        for name in re.findall(r"\b([a-z_]+)\{", rule["expr"]) + re.findall(r"(?<!by )\(([a-z_]+)\)", rule["expr"]):
            base = re.sub(r"_(count|sum|bucket)$", "", name)
            assert base in exported, (rule["alert"], name)

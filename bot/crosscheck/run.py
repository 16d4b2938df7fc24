"""One run of the cross-department checks.

    report = run_checks(adapters, records.findings, today=CLOCK.today(), lookback_months=24,
                        out=Path("reports/crosscheck"), trigger="command")

Reads each source the rules need once, in bulk; applies each rule whose sources were all read in
full (the others are listed under `unchecked` with the reason, and find nothing); keeps every
finding (once per rule, citizen and period: a re-run adds none); writes OUT/<department>.csv per
reviewing department (this run's findings, as the department sees them) and OUT/run.json.
Logs name rules, sources and counts only, never a person.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.spreadsheet import safe_row
from bot.crosscheck.rules import RULE_TITLES, RULES, Rule
from bot.crosscheck.sources import SOURCES, SourceRead, read_source, window_for
from bot.records.findings import Findings

log = logging.getLogger("bot.crosscheck")

CSV_COLUMNS = ("finding_id", "rule", "title", "period", "masked_id", "name", "district", "summary", "evidence",
               "status", "note", "found_at", "times_seen")


@dataclass
class RunReport:
    run_id: int
    window: dict
    sources: dict[str, dict] = field(default_factory=dict)
    checked: dict[str, dict] = field(default_factory=dict)     # rule -> {found, new, calls, seconds}
    unchecked: dict[str, str] = field(default_factory=dict)    # rule -> why it could not be checked
    finding_ids: dict[str, list[int]] = field(default_factory=dict)
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.unchecked

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "window": self.window, "sources": self.sources, "checked": self.checked,
                "unchecked": self.unchecked, "seconds": round(self.seconds, 3), "files": self.files}


def run_checks(adapters, findings: Findings, *, today: dt.date, lookback_months: int = 24,
               rules: tuple[Rule, ...] = RULES, out: Path | None = None, trigger: str = "command") -> RunReport:
    started = time.perf_counter()
    run_id = findings.start_run(trigger)
    window, payroll_error = window_for(adapters, today, lookback_months)
    report = RunReport(run_id, {"today": today.isoformat(), "last_payroll_month": window.last_month,
                                "months": [window.months[0], window.months[-1]] if window.months else [],
                                "deaths_since": window.deaths_since.isoformat()})
    reads: dict[str, SourceRead] = {}
    for name in dict.fromkeys(s for rule in rules for s in rule.sources):
        source = SOURCES[name]
        if source.backend == "social_insurance" and payroll_error:
            reads[name] = SourceRead(name, source.backend, error=payroll_error)
        else:
            reads[name] = read_source(source, adapters, window)
        report.sources[name] = reads[name].summary()
        log.info("crosscheck run %d: %s %s (%d records, %d requests)", run_id, name,
                 "read" if reads[name].complete else f"NOT read: {reads[name].error}", len(reads[name].records),
                 reads[name].calls)
    for rule in rules:
        missing = [f"{n} ({reads[n].backend}) {reads[n].error}" for n in rule.sources if not reads[n].complete]
        if missing:
            report.unchecked[rule.key] = "；".join(missing)
            log.warning("crosscheck run %d: %s not checked: %s", run_id, rule.key, report.unchecked[rule.key])
            continue
        rule_started = time.perf_counter()
        ids, new = [], 0
        for found in rule.find({n: reads[n].records for n in rule.sources}, window):
            finding_id, is_new = findings.keep(found, run_id)
            ids.append(finding_id)
            new += is_new
        report.finding_ids[rule.key] = ids
        report.checked[rule.key] = {
            "found": len(ids), "new": new, "reviewer": rule.reviewer,
            "calls": sum(reads[n].calls for n in rule.sources),
            "records_scanned": sum(len(reads[n].records) for n in rule.sources),
            "seconds": round(sum(reads[n].seconds for n in rule.sources) + time.perf_counter() - rule_started, 3)}
        log.info("crosscheck run %d: %s found %d (%d new)", run_id, rule.key, len(ids), new)
    report.seconds = time.perf_counter() - started
    if out is not None:
        report.files = write_outputs(report, findings, rules, out)
    findings.finish_run(run_id, report.as_dict())
    return report


def findings_csv(rows: list[dict]) -> bytes:
    """Findings as CSV, UTF-8 with a BOM (so that Excel reads it as UTF-8): the masked ID number
    and name, never the number itself."""
    fh = io.StringIO()
    w = csv.writer(fh)
    w.writerow(CSV_COLUMNS)
    for f in rows:
        w.writerow(safe_row([f["id"], f["rule"], RULE_TITLES.get(f["rule"], f["rule"]), f["period"], f["masked_id"], f["name"],
                    f["district"], f["summary"], json.dumps(f["evidence"], ensure_ascii=False), f["status"], f["note"],
                    dt.datetime.fromtimestamp(f["found_at"]).isoformat(timespec="seconds"), f["times_seen"]]))
    return ("\ufeff" + fh.getvalue()).encode("utf-8")


def write_outputs(report: RunReport, findings: Findings, rules: tuple[Rule, ...], out: Path) -> list[str]:
    """OUT/<department>.csv for every department reviewing a rule that was checked, and OUT/run.json."""
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for reviewer in dict.fromkeys(r.reviewer for r in rules if r.key in report.checked):
        ids = [i for r in rules if r.reviewer == reviewer for i in report.finding_ids.get(r.key, [])]
        rows = sorted(findings.search(ids=ids, limit=len(ids) + 1), key=lambda f: (f["rule"], f["id"]))
        path = out / f"{reviewer}.csv"
        path.write_bytes(findings_csv(rows))
        files.append(str(path))
    path = out / "run.json"
    path.write_text(json.dumps(report.as_dict() | {"files": files + [str(path)]}, ensure_ascii=False, indent=1),
                    encoding="utf-8")
    return files + [str(path)]

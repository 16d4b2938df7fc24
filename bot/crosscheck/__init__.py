"""Cross-department checks: rules written as data, run over the departments' bulk listings, to
find what no single department can see (a person drawing two basic pensions, a pension paid after
the holder's death, a 低保 household member who runs a live company). What they find are reviews for
the named department to make, never verdicts, and never sent to a citizen.

    rules.py     the rules: which listings, which condition, which department reviews the finding
    sources.py   the listings, each read once per run in bulk (paged), whatever rules share it
    run.py       one run: read the sources, apply every rule whose sources were read in full,
                 keep the findings (bot.records.Findings), write a CSV per reviewing department
    settings.py  the schedule and the window (config.yaml `crosscheck`)
    tables.py    staff counts over the fused ledger, with small-count suppression
"""
from bot.crosscheck.rules import RULES, Finding, Rule
from bot.crosscheck.run import RunReport, run_checks
from bot.crosscheck.settings import CrosscheckSettings

__all__ = ["CrosscheckSettings", "Finding", "RULES", "Rule", "RunReport", "run_checks"]

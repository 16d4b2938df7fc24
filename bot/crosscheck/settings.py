"""The settings of the checks (config.yaml `crosscheck`), checked at start-up."""
from __future__ import annotations

from dataclasses import dataclass

from bot.core.config import Section


@dataclass(frozen=True)
class CrosscheckSettings:
    interval_s: int            # how often the worker runs them (0: never)
    lookback_months: int       # payroll months read for pensions paid after death

    @classmethod
    def read(cls, extra: dict) -> "CrosscheckSettings":
        cfg = Section("crosscheck", extra.get("crosscheck") or {})
        return cls(cfg.int("interval_s", 86400, lo=0), cfg.int("lookback_months", 24, lo=1, hi=120))

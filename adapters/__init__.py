"""Adapters for the government backends: one module per backend, named after
its key under `backends:` in config.yaml. See docs/adapters.md.

    adapters = build_adapters(settings["backends"], hub, settings["profile"])
    adapters.exit_entry.application("CJ20261101000123", id_number)
    adapters.health()            # {"identity": "ok", "housing_fund": "timeout", ...}
    for death in adapters.civil_affairs.death_registrations(since, until): ...   # bulk (adapters/bulk.py)
"""
from __future__ import annotations

from typing import Mapping

from adapters.appointments import AppointmentsAdapter
from adapters.base import BackendAdapter
from adapters.civil_affairs import CivilAffairsAdapter
from adapters.errors import BackendError, failure_kind
from adapters.exit_entry import ExitEntryAdapter
from adapters.housing_fund import HousingFundAdapter
from adapters.identity import IdentityAdapter
from adapters.market_regulation import MarketRegulationAdapter
from adapters.medical_insurance import MedicalInsuranceAdapter
from adapters.social_insurance import SocialInsuranceAdapter
from adapters.utilities import UtilitiesAdapter
from adapters.workorders import WorkordersAdapter
from bot.core.errors import ConfigError
from bot.core.redis_hub import RedisHub

# The explicit list (no directory scanning): adding a backend means adding it here.
ADAPTER_CLASSES: dict[str, type[BackendAdapter]] = {
    "identity": IdentityAdapter,
    "housing_fund": HousingFundAdapter,
    "social_insurance": SocialInsuranceAdapter,
    "medical_insurance": MedicalInsuranceAdapter,
    "exit_entry": ExitEntryAdapter,
    "market_regulation": MarketRegulationAdapter,
    "utilities": UtilitiesAdapter,
    "appointments": AppointmentsAdapter,
    "workorders": WorkordersAdapter,
    "civil_affairs": CivilAffairsAdapter,
}


class Adapters:
    """Every configured adapter, one attribute each (adapters.exit_entry …)."""

    identity: IdentityAdapter
    housing_fund: HousingFundAdapter
    social_insurance: SocialInsuranceAdapter
    medical_insurance: MedicalInsuranceAdapter
    exit_entry: ExitEntryAdapter
    market_regulation: MarketRegulationAdapter
    utilities: UtilitiesAdapter
    appointments: AppointmentsAdapter
    workorders: WorkordersAdapter
    civil_affairs: CivilAffairsAdapter

    def __init__(self, adapters: Mapping[str, BackendAdapter]):
        self._by_name = dict(adapters)
        for name, adapter in self._by_name.items():
            setattr(self, name, adapter)

    def names(self) -> list[str]:
        return list(self._by_name)

    def all(self) -> list[BackendAdapter]:
        return list(self._by_name.values())

    def get(self, name: str) -> BackendAdapter:
        return self._by_name[name]

    def ledger_sources(self) -> list[BackendAdapter]:
        """The adapters that hold citizens' matters (those with a ledger domain)."""
        return [a for a in self._by_name.values() if a.domain is not None]

    def health(self, deadline_s: float = 3.0) -> dict[str, str]:
        """{name: "ok" | why not} for /readyz; all backends are asked at once,
        each with one short ping (BackendAdapter.ping: no retries, no breaker
        trial), on the health pool (not the citizens' fan-out pool)."""
        from adapters.fanout import _health_executor, run_concurrently  # the pools live there

        results, late = run_concurrently({a.name: a.ping for a in self.all()}, deadline_s, _health_executor())
        out = {}
        for name in self._by_name:
            if name in late:
                out[name] = "timeout"
            elif isinstance(results.get(name), BaseException):
                error = results[name]
                out[name] = failure_kind(error) if isinstance(error, BackendError) else "error"
            else:
                out[name] = "ok"
        return out

    def close(self) -> None:
        for adapter in self._by_name.values():
            adapter.close()


def build_adapters(backends: Mapping, hub: RedisHub, profile: str) -> Adapters:
    """Build and validate every adapter from the `backends` settings.

    Raises ConfigError naming the setting (e.g. `backends.exit_entry.base_url:
    missing`) for a missing backend, an unknown one, or any bad setting.
    """
    if not isinstance(backends, Mapping):
        raise ConfigError("backends", "must be a mapping")
    unknown = sorted(set(backends) - set(ADAPTER_CLASSES))
    if unknown:
        raise ConfigError(f"backends.{unknown[0]}", f"unknown backend; expected one of {', '.join(ADAPTER_CLASSES)}")
    built = {}
    for name, cls in ADAPTER_CLASSES.items():
        if backends.get(name) is None:
            raise ConfigError(f"backends.{name}", "missing")
        built[name] = cls(backends[name], hub, profile)
    return Adapters(built)


__all__ = ["ADAPTER_CLASSES", "Adapters", "build_adapters"]

"""The records the bulk listings page through: the named citizens' (from
data/citizens.yaml) followed by the synthetic population's (population.py),
in one fixed order per listing, so that a page number or cursor always means
the same records.

Built once per sandbox process, on first use or by `warm_up()` in a thread
right after the servers listen, so that the population never delays start-up:
a bulk request that arrives before it is ready waits for it.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from decimal import Decimal

from sandbox import population as pop
from sandbox.endorsements import Endorsements
from sandbox.population import Death, Household, Member, Officer, Pension, Population, add_months, month_of

log = logging.getLogger("sandbox.exchange")


@dataclass
class Exchange:
    pensions: list[Pension]
    deaths: list[Death]              # by registration date, then number
    households: list[Household]      # by household number
    officers: list[Officer]          # by company code, then role
    population: Population
    endorsements: Endorsements | None = None   # the population's applications, up to any "now"
    _payments: dict[str, list[Pension]] = field(default_factory=dict, repr=False)

    def payroll_months(self, today: dt.date) -> tuple[str, str]:
        """(first, last) month with a closed payroll: from FIRST_PAYROLL through the
        month before `today`, and never before the snapshot's month (AS_OF), so that
        every planted payment is listed whatever the sandbox's date."""
        last = max(add_months(month_of(today), -1), month_of(pop.AS_OF))
        return pop.FIRST_PAYROLL, last

    def payments(self, month: str) -> list[Pension]:
        """The pensions paid for `month`, in payroll order (one row each); kept per
        month (the caller checks the month is in the payroll's range)."""
        rows = self._payments.get(month)
        if rows is None:
            rows = self._payments[month] = [p for p in self.pensions if p.paid_in(month)]
        return rows

    def deaths_between(self, first: dt.date, last: dt.date) -> list[Death]:
        return [d for d in self.deaths if first <= d.registered_on <= last]


def _named(citizens: dict[str, dict]):
    """The named citizens' records, in the shapes of the population's."""
    pensions, deaths, households, officers = [], [], [], []
    for person in citizens.values():
        id_number, name = person["id_number"], person["name"]
        gender = "男" if int(id_number[16]) % 2 else "女"
        for p in (person.get("social_insurance") or {}).get("pensions") or []:
            pensions.append(Pension(id_number, name, p["scheme"], Decimal(p["monthly"]), p["since"],
                                    p.get("until"), p["district"]))
        civil = person.get("civil_affairs") or {}
        if civil.get("death"):
            d = civil["death"]
            deaths.append(Death(d["ref"], id_number, name, gender, d["died_on"], d["registered_on"],
                                d["authority"], d["district"]))
        if civil.get("dibao"):
            h = civil["dibao"]
            households.append(Household(h["household_no"], h["district"], h["status"], h["since"], h.get("until"),
                                        Decimal(h["monthly_amount"]), (Member(name, id_number, h["relation"]),)))
        for c in (person.get("market_regulation") or {}).get("companies") or []:
            officers.append(Officer(c["uscc"], c["name"], c["status"], c["established"], Decimal(c["capital_wan"]),
                                    c["district"], c["role"], name, id_number))
    return pensions, deaths, households, officers


def build(citizens: dict[str, dict], size: int = pop.SIZE, seed: int = pop.SEED) -> Exchange:
    population = pop.generate(size, seed, reserved_ids=frozenset(citizens))
    pensions, deaths, households, officers = _named(citizens)
    dead = {d.id_number for d in population.deaths}
    deaths = sorted(deaths + population.deaths, key=lambda d: (d.registered_on, d.ref))
    households = sorted(households + population.households, key=lambda h: h.household_no)
    officers = sorted(officers + population.officers,
                      key=lambda o: (o.uscc, pop.OFFICER_ROLES.index(o.role), o.id_number))
    return Exchange(pensions + population.pensions, deaths, households, officers, population,
                    Endorsements([p for p in population.people if p.id_number not in dead], seed))


class LazyExchange:
    """One Exchange per process, built on first use (or by warm_up) under a lock."""

    def __init__(self, citizens: dict[str, dict], size: int = pop.SIZE, seed: int = pop.SEED):
        self._citizens, self.size, self.seed = citizens, size, seed
        self._lock = threading.Lock()
        self._exchange: Exchange | None = None

    def get(self) -> Exchange:
        exchange = self._exchange
        if exchange is None:
            with self._lock:
                if self._exchange is None:
                    self._exchange = build(self._citizens, self.size, self.seed)
                    log.info("population ready: %d people (seed %d) in %.0f ms", self.size, self.seed,
                             self._exchange.population.seconds * 1000)
                exchange = self._exchange
        return exchange

    def warm_up(self, then: list | tuple = ()) -> threading.Thread:
        """Build it in a thread now (and then call each of `then`, more warming up)."""
        def run():
            self.get()
            for step in then:
                step()
        thread = threading.Thread(target=run, name="sandbox-population", daemon=True)
        thread.start()
        return thread

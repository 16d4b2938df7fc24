"""The sandbox's world: seeded citizens and service halls, read from data/*.yaml,
and the synthetic population behind the bulk listings (exchange.py, built lazily)."""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.core.clock import CLOCK
from bot.core.workdays import WorkCalendar
from sandbox import population
from sandbox.exchange import LazyExchange

DATA_DIR = Path(__file__).resolve().parent / "data"
CST = dt.timezone(dt.timedelta(hours=8), "CST")  # Beijing time, no DST

# The sandbox's "today" is the process's clock (bot.core.clock.CLOCK): the wall clock, or the
# date APP_CLOCK moves it to (the same value the app's processes get, so that all of them
# agree on the day). Tests move it through the control port (POST /__clock).
# Halls and offices follow the State Council's schedule of holidays and 调休 days.
CALENDAR = WorkCalendar()


def local_time(text: str) -> dt.datetime:
    """'2026-10-18 14:20' (Beijing time) -> aware datetime."""
    return dt.datetime.strptime(str(text), "%Y-%m-%d %H:%M").replace(tzinfo=CST)


def now_local() -> dt.datetime:
    return CLOCK.now().astimezone(CST).replace(microsecond=0)


def today_local() -> dt.date:
    return now_local().date()


@dataclass
class World:
    citizens: dict[str, dict]          # id_number -> the citizen's seeded facts
    halls: dict[str, dict]             # hall id -> hall
    slot_plan: dict                    # days_ahead, morning, afternoon, hours
    exchange: LazyExchange             # .get(): the bulk listings' records (named + synthetic)
    # The citizens as seeded: POST /__data/advance changes records in `citizens` in place, and
    # restore() puts them back (in place too, so every reference to a citizen's dict stays good).
    pristine: dict[str, dict] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if not self.pristine:
            self.pristine = copy.deepcopy(self.citizens)

    def restore(self) -> None:
        for id_number, person in self.citizens.items():
            person.clear()
            person.update(copy.deepcopy(self.pristine[id_number]))

    def citizen(self, id_number: str | None) -> dict | None:
        if not id_number:
            return None
        return self.citizens.get(str(id_number).strip().upper())

    def section(self, id_number: str | None, backend: str) -> dict | None:
        """One citizen's facts held by one backend, or None."""
        person = self.citizen(id_number)
        return person.get(backend) if person else None

    def every(self, backend: str, list_key: str):
        """(citizen, record) for each record of one kind across all citizens."""
        for person in self.citizens.values():
            for record in (person.get(backend) or {}).get(list_key) or []:
                yield person, record


def load_world(data_dir: Path = DATA_DIR, population_size: int = population.SIZE,
               population_seed: int = population.SEED) -> World:
    people = yaml.safe_load((data_dir / "citizens.yaml").read_text(encoding="utf-8"))["citizens"]
    halls_doc = yaml.safe_load((data_dir / "halls.yaml").read_text(encoding="utf-8"))
    halls = {h["id"]: h for h in halls_doc["halls"]}
    plan = {k: halls_doc[k] for k in ("days_ahead", "morning", "afternoon", "hours")}
    citizens = {p["id_number"]: p for p in people}
    return World(citizens, halls, plan, LazyExchange(citizens, population_size, population_seed))

"""The synthetic population behind the sandbox's bulk listings, and the record
of the anomalies planted in it (so that a cross-check can be scored: precision
and recall against `planted`).

    python -m sandbox.population                      # summary: counts, time, masked examples
    python -m sandbox.population --write planted.json # the full record, to score a check against
    python -m sandbox.population --size 50000 --seed 7

Everything follows from (seed, size, rate): the same arguments give the same
people, ID numbers, records and anomalies on any machine (one random.Random,
drawn from in a fixed order; no set or dict order involved).

Who is in it (about, for 10,000 people)
    people         valid, unique resident ID numbers, names, birth dates, districts
    pensions       ~36 % of people draw a basic pension: 城镇职工 or 城乡居民
    deaths         ~4 % died in 2025-01 .. 2026-10, registered 0-20 days later
    低保            ~5 % of people are members of a household receiving 低保
    companies      ~870 registered companies, 1-3 officers each

Planted, `round(size × rate)` of each (100 for 10,000), disjoint:
    double_pension         a living person paid by both schemes in the same months
    pension_after_death    a pension paid 1-6 months after the month of death
                           (the month of death itself is due, so never counted)
    dibao_company_officer  a member of a household receiving 低保 (在保) who is an
                           officer (法定代表人/董事/监事/经理) of a company that is 存续

The rest is consistent, including near misses a careless check would flag
(counted in the record, never anomalies): pensions moved from 城乡居民 to
城镇职工 (the first ends the month before the second begins); pensions paid
through the month of death; 低保 members who were officers of companies now
注销/吊销; officers of live companies whose household's 低保 has ended (停保).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # `python sandbox/population.py` from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.privacy import mask_id_number  # noqa: E402
from sandbox.identifiers import resident_id, uscc  # noqa: E402

SEED = 20261101
SIZE = 10_000
RATE = 0.01
# The world's snapshot: deaths are registered up to this day, and every planted payment
# falls in a month up to AS_OF's, so the record holds on any later date.
AS_OF = dt.date(2026, 10, 31)
DEATHS_FROM = dt.date(2025, 1, 1)
FIRST_PAYROLL = "2010-01"     # 新农保 and the payroll listing start here

URBAN = "城镇职工基本养老保险"
RURAL = "城乡居民基本养老保险"  # 新农保 merged into it in 2014
SCHEMES = (URBAN, RURAL)
OFFICER_ROLES = ("法定代表人", "董事", "监事", "经理")
CENT = Decimal("0.01")
LIVE = "存续"

# Chengdu's districts and counties with their division codes (weights: rough population).
DISTRICTS = (
    ("510104", "锦江区", 9), ("510105", "青羊区", 9), ("510106", "金牛区", 12), ("510107", "武侯区", 12),
    ("510108", "成华区", 13), ("510112", "龙泉驿区", 13), ("510113", "青白江区", 5), ("510114", "新都区", 15),
    ("510115", "温江区", 9), ("510116", "双流区", 14), ("510117", "郫都区", 13), ("510118", "新津区", 4),
    ("510121", "金堂县", 8), ("510129", "大邑县", 5), ("510131", "蒲江县", 2), ("510181", "都江堰市", 7),
    ("510182", "彭州市", 8), ("510183", "邛崃市", 6), ("510184", "崇州市", 7), ("510185", "简阳市", 11),
)
_CUM_WEIGHTS = tuple(sum(d[2] for d in DISTRICTS[:i + 1]) for i in range(len(DISTRICTS)))
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任"
            "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万严覃武戴莫孔向汤")
GIVEN_M = "伟强磊军勇杰涛明超刚平辉鹏华飞斌宇浩凯健俊帆建国庆德志海波林成东亮文龙永福贵荣"
GIVEN_F = "芳娜敏静丽艳娟霞燕玲桂兰英华红梅琳晶雪琴云莉萍婷慧佳倩秀珍淑凤"
WORDS = "天府蜀锦蓉城锦官金沙青城峨眉西岭浣花宽窄玉林望江龙泉兴隆鑫源恒泰华宇瑞丰嘉禾汇通"
TRADES = ("商贸", "餐饮管理", "科技", "建筑劳务", "物流", "农业开发", "文化传媒", "装饰工程", "电子", "家政服务")


def month_of(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def add_months(month: str, n: int) -> str:
    y, m = int(month[:4]), int(month[5:7]) - 1 + n
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def months_between(first: str, last: str) -> int:
    """Months from first to last (0 when equal)."""
    return (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7])


# --- records (shared by the named citizens and the population) ------------------------------
@dataclass(frozen=True)
class Person:
    id_number: str
    name: str
    gender: str              # 男 / 女
    born: dt.date
    district: str


@dataclass(frozen=True)
class Pension:
    """A basic pension, paid each month from `since` through `until` (None: still paid)."""
    id_number: str
    name: str
    scheme: str
    monthly: Decimal
    since: str               # "2012-04"
    until: str | None
    district: str

    def paid_in(self, month: str) -> bool:
        return self.since <= month and (self.until is None or month <= self.until)


@dataclass(frozen=True)
class Death:
    ref: str                 # SW + registration date + sequence
    id_number: str
    name: str
    gender: str
    died_on: dt.date
    registered_on: dt.date
    authority: str           # 双流区民政局
    district: str


@dataclass(frozen=True)
class Member:
    name: str
    id_number: str
    relation: str            # 户主 / 配偶 / 子女 / 父母 / 其他


@dataclass(frozen=True)
class Household:
    household_no: str        # DB + division + start month + sequence
    district: str
    status: str              # 在保 / 停保
    since: str
    until: str | None        # last month paid when 停保
    monthly_amount: Decimal
    members: tuple[Member, ...]


@dataclass(frozen=True)
class Officer:
    uscc: str
    company: str
    company_status: str      # 存续 / 注销 / 吊销
    established: dt.date
    capital_wan: Decimal     # registered capital, 万元
    district: str
    role: str                # 法定代表人 / 董事 / 监事 / 经理
    name: str
    id_number: str


@dataclass
class Population:
    seed: int
    size: int
    rate: float
    people: list[Person]
    pensions: list[Pension]
    deaths: list[Death]
    households: list[Household]
    officers: list[Officer]
    planted: dict[str, list[dict]]
    near_misses: dict[str, int]
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        pensioners = {p.id_number for p in self.pensions}
        return {
            "people": len(self.people), "pensioners": len(pensioners), "pensions": len(self.pensions),
            "deaths": len(self.deaths), "dibao_households": len(self.households),
            "dibao_members": sum(len(h.members) for h in self.households),
            "companies": len({o.uscc for o in self.officers}), "officer_rows": len(self.officers),
            **{kind: len(rows) for kind, rows in self.planted.items()},
        }

    def record(self) -> dict:
        """What was planted, exactly: enough to score a check (raw synthetic ID numbers)."""
        return {"seed": self.seed, "size": self.size, "rate": self.rate, "as_of": AS_OF.isoformat(),
                "counts": self.counts(), "near_misses": dict(self.near_misses), "planted": self.planted}


# --- the generator --------------------------------------------------------------------------
class _Generator:
    def __init__(self, seed: int, size: int, rate: float, reserved: frozenset[str]):
        self.rng = random.Random(seed)
        self.seed, self.size, self.rate = seed, size, rate
        self.taken = set(reserved)
        self.companies: set[str] = set()
        self.org_bodies: set[str] = set()

    # people
    def _id(self, region: str, born: dt.date, male: bool) -> str:
        seq = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
        while True:  # a clash moves to the next free sequence, drawing nothing more
            candidate = resident_id(region, born, seq)
            if candidate not in self.taken:
                self.taken.add(candidate)
                return candidate
            seq = (seq + 2) % 1000

    def person(self) -> Person:
        rng = self.rng
        region, district, _ = rng.choices(DISTRICTS, cum_weights=_CUM_WEIGHTS)[0]
        male = rng.random() < 0.5
        age = rng.randint(60, 95) if rng.random() < 0.40 else rng.randint(18, 59)
        born = AS_OF - dt.timedelta(days=age * 365 + rng.randrange(0, 365) + age // 4)
        given = "".join(rng.choice(GIVEN_M if male else GIVEN_F) for _ in range(rng.choice((1, 2, 2))))
        return Person(self._id(region, born, male), rng.choice(SURNAMES) + given, "男" if male else "女",
                      born, district)

    # money and months
    def pension_amount(self, scheme: str) -> Decimal:
        cents = self.rng.randrange(180000, 650000, 10) if scheme == URBAN else self.rng.randrange(15000, 45000, 10)
        return (Decimal(cents) / 100).quantize(CENT)

    @staticmethod
    def pension_start(p: Person) -> str:
        # Men at 60, women at 55 (their 城镇职工 age, simplified), never before the payroll starts.
        years = 60 if p.gender == "男" else 55
        start = month_of(dt.date(p.born.year + years, p.born.month, 1))
        return add_months(start, 1) if start >= FIRST_PAYROLL else FIRST_PAYROLL

    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        return first + dt.timedelta(days=self.rng.randrange((last - first).days + 1))

    # companies
    def company(self, district: str) -> tuple[str, str]:
        rng = self.rng
        while True:
            name = f"成都{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(TRADES)}有限公司"
            if name not in self.companies:
                self.companies.add(name)
                break
        while True:
            body = "MA" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
            if body not in self.org_bodies:
                self.org_bodies.add(body)
                break
        region = next(code for code, d, _ in DISTRICTS if d == district)
        return uscc(region, body), name


def generate(size: int = SIZE, seed: int = SEED, rate: float = RATE,
             reserved_ids: frozenset[str] = frozenset()) -> Population:
    """Build the population. `reserved_ids` (the named citizens') are never handed out."""
    if size < 1000:
        raise ValueError("size must be at least 1000 (each anomaly needs room)")
    started = time.perf_counter()
    g = _Generator(seed, size, rate, reserved_ids)
    rng = g.rng
    people = [g.person() for _ in range(size)]
    n = max(1, round(size * rate))
    as_of_month = month_of(AS_OF)

    def age(p: Person) -> int:
        return AS_OF.year - p.born.year - ((AS_OF.month, AS_OF.day) < (p.born.month, p.born.day))

    # Pensioners: 90 % of those aged 60 and over, in one scheme each (for now).
    elderly = [p for p in people if age(p) >= 60]
    pensioners = [p for p in elderly if rng.random() < 0.90]
    scheme_of = {p.id_number: (URBAN if rng.random() < 0.6 else RURAL) for p in pensioners}
    start_of = {p.id_number: g.pension_start(p) for p in pensioners}

    # Deaths in the window: 3.5 % of people among pensioners whose pension began before it
    # (about one pensioner in ten), and 0.5 % among others aged 40 and over.
    deaths_month_from = month_of(DEATHS_FROM)
    could_die = [p for p in pensioners if start_of[p.id_number] < deaths_month_from]
    dead_pensioners = rng.sample(could_die, min(len(could_die), round(size * 0.035)))
    others = [p for p in people if p.id_number not in scheme_of and age(p) >= 40]
    dead_others = rng.sample(others, round(size * 0.005))
    died_on = {p.id_number: g.day_between(DEATHS_FROM, AS_OF) for p in dead_pensioners + dead_others}
    dead = set(died_on)

    # Planted: pensions paid after death (the death must leave at least one month before AS_OF).
    can_overpay = [p for p in dead_pensioners if month_of(died_on[p.id_number]) < as_of_month]
    overpaid = rng.sample(can_overpay, n)
    overpaid_months = {p.id_number: rng.randint(1, min(6, months_between(month_of(died_on[p.id_number]), as_of_month)))
                       for p in overpaid}

    # Planted: double pensions, among the living; near miss: moved from 城乡居民 to 城镇职工.
    living = [p for p in pensioners if p.id_number not in dead]
    # (begun before 2024, so that both pensions are paid in months up to AS_OF's)
    double = rng.sample([p for p in living if start_of[p.id_number] < "2024-01"], n)
    double_ids = {p.id_number for p in double}
    movable = [p for p in living if p.id_number not in double_ids and scheme_of[p.id_number] == URBAN
               and add_months(FIRST_PAYROLL, 6) <= start_of[p.id_number] < "2024-01"]
    moved = rng.sample(movable, n // 2)

    pensions: list[Pension] = []
    planted_double, planted_after_death = [], []
    moved_ids = {p.id_number for p in moved}
    for p in pensioners:
        scheme, since = scheme_of[p.id_number], start_of[p.id_number]
        until = month_of(died_on[p.id_number]) if p.id_number in dead else None
        if p.id_number in overpaid_months:
            until = add_months(until, overpaid_months[p.id_number])
        amount = g.pension_amount(scheme)
        if p.id_number in double_ids:
            other = RURAL if scheme == URBAN else URBAN
            other_since = add_months(since, rng.randint(0, 24))
            other_amount = g.pension_amount(other)
            pensions += [Pension(p.id_number, p.name, scheme, amount, since, None, p.district),
                         Pension(p.id_number, p.name, other, other_amount, other_since, None, p.district)]
            planted_double.append({"id_number": p.id_number, "name": p.name, "pensions": [
                {"scheme": scheme, "monthly": str(amount), "since": since},
                {"scheme": other, "monthly": str(other_amount), "since": other_since}]})
            continue
        if p.id_number in moved_ids:
            # 城乡居民 first, ended the month before the 城镇职工 pension began.
            rural_since = max(FIRST_PAYROLL, add_months(since, -rng.randint(6, 60)))
            pensions.append(Pension(p.id_number, p.name, RURAL, g.pension_amount(RURAL), rural_since,
                                    add_months(since, -1), p.district))
        pensions.append(Pension(p.id_number, p.name, scheme, amount, since, until, p.district))
        if p.id_number in overpaid_months:
            months = [add_months(month_of(died_on[p.id_number]), k + 1) for k in range(overpaid_months[p.id_number])]
            planted_after_death.append({
                "id_number": p.id_number, "name": p.name, "died_on": died_on[p.id_number].isoformat(),
                "scheme": scheme, "monthly": str(amount), "months": months, "amount": str(amount * len(months))})

    # Death registrations.
    deaths = []
    by_id = {p.id_number: p for p in people}
    for seq, (id_number, day) in enumerate(sorted(died_on.items(), key=lambda kv: (kv[1], kv[0])), start=1):
        p = by_id[id_number]
        registered = min(AS_OF, day + dt.timedelta(days=rng.randint(0, 20)))
        deaths.append(Death(f"SW{registered:%Y%m%d}{seq:06d}", p.id_number, p.name, p.gender, day, registered,
                            f"{p.district}民政局", p.district))

    # 低保 households: 5 % of people, among the living with no 城镇职工 pension (and none planted above).
    candidates = [p for p in people if p.id_number not in dead and p.id_number not in double_ids
                  and scheme_of.get(p.id_number) != URBAN]
    members_wanted = round(size * 0.05)
    pool = rng.sample(candidates, members_wanted)
    households: list[Household] = []
    i = seq = 0
    relations = ("配偶", "子女", "父母", "其他")
    while i < members_wanted:
        size_h = min(rng.choice((1, 1, 2, 2, 3, 4)), members_wanted - i)
        group = pool[i:i + size_h]
        i += size_h
        seq += 1
        head = group[0]
        since = month_of(g.day_between(dt.date(2016, 1, 1), dt.date(2026, 9, 1)))
        stopped = rng.random() < 0.12
        until = None
        if stopped and since < "2026-06":
            until = add_months(since, rng.randint(1, months_between(since, "2026-06")))
        region = next(code for code, d, _ in DISTRICTS if d == head.district)
        per_head = Decimal(rng.choice((720, 720, 680, 650)))
        households.append(Household(
            f"DB{region}{since.replace('-', '')}{seq:04d}", head.district, "停保" if until else "在保", since, until,
            (per_head * len(group)).quantize(Decimal("0.01")),
            tuple(Member(m.name, m.id_number, "户主" if k == 0 else rng.choice(relations)) for k, m in enumerate(group))))
    receiving = [m for h in households if h.status == "在保" for m in h.members]
    ended = [m for h in households if h.status == "停保" for m in h.members]
    household_of = {m.id_number: h for h in households for m in h.members}
    dibao_ids = set(household_of)

    # Companies: planted officers first, then near misses, then ordinary companies.
    officers: list[Officer] = []

    def found(district: str, status: str, people_roles: list[tuple[Person | Member, str]]) -> tuple[str, str]:
        code, name = g.company(district)
        established = g.day_between(dt.date(2000, 1, 1), AS_OF)
        capital = Decimal(rng.choice((10, 30, 50, 100, 200, 500, 1000)))
        for who, role in people_roles:
            officers.append(Officer(code, name, status, established, capital, district, role, who.name, who.id_number))
        return code, name

    ordinary = [p for p in people if p.id_number not in dead and p.id_number not in dibao_ids and 22 <= age(p) <= 70]
    rng.shuffle(ordinary)
    fellow = iter(ordinary)

    planted_officers = []
    for m in rng.sample(receiving, n):
        h = household_of[m.id_number]
        role = "法定代表人" if rng.random() < 0.7 else rng.choice(OFFICER_ROLES[1:])
        crew = [(m, role)] + ([(next(fellow), "法定代表人" if role != "法定代表人" else "监事")])
        code, name = found(h.district, LIVE, crew)
        planted_officers.append({"id_number": m.id_number, "name": m.name, "household_no": h.household_no,
                                 "companies": [{"uscc": code, "name": name, "role": role}]})
    planted_officer_ids = {row["id_number"] for row in planted_officers}
    near = {"pension_moved_between_schemes": len(moved),
            "pension_paid_through_month_of_death": sum(1 for p in dead_pensioners if p.id_number not in overpaid_months)}
    # Officers of companies no longer live (注销/吊销), while receiving 低保.
    gone = rng.sample([m for m in receiving if m.id_number not in planted_officer_ids], n // 2)
    for m in gone:
        found(household_of[m.id_number].district, rng.choice(("注销", "吊销")), [(m, "法定代表人")])
    near["dibao_officer_of_closed_company"] = len(gone)
    # Officers of live companies whose household's 低保 has ended.
    former = rng.sample(ended, min(len(ended), n // 5))
    for m in former:
        found(household_of[m.id_number].district, LIVE, [(m, "法定代表人")])
    near["officer_after_dibao_ended"] = len(former)
    # Ordinary companies: officers from people with no 低保.
    for _ in range(round(size * 0.07)):
        boss = next(fellow)
        crew = [(boss, "法定代表人")]
        if rng.random() < 0.6:
            crew.append((next(fellow), "监事"))
        if rng.random() < 0.3:
            crew.append((next(fellow), rng.choice(("董事", "经理"))))
        status = rng.choices((LIVE, "注销", "吊销"), weights=(85, 10, 5))[0]
        found(boss.district, status, crew)
    officers.sort(key=lambda o: (o.uscc, OFFICER_ROLES.index(o.role), o.id_number))

    planted = {"double_pension": planted_double, "pension_after_death": planted_after_death,
               "dibao_company_officer": planted_officers}
    pop = Population(seed, size, rate, people, pensions, deaths, households, officers, planted, near)
    pop.seconds = time.perf_counter() - started
    return pop


# --- the command ----------------------------------------------------------------------------
def _masked(rows: list[dict]) -> list[dict]:
    return [{**row, "id_number": mask_id_number(row["id_number"])} for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.population",
                                     description="The sandbox's synthetic population and what was planted in it.")
    parser.add_argument("--size", type=int, default=SIZE)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--rate", type=float, default=RATE, help="share of people planted per anomaly")
    parser.add_argument("--write", metavar="FILE", help="write the full record (JSON, raw synthetic ID numbers)")
    parser.add_argument("--examples", type=int, default=2, help="planted examples to print per anomaly (masked)")
    args = parser.parse_args(argv)

    from sandbox.data import load_world  # the named citizens' IDs are never handed out
    reserved = frozenset(load_world().citizens)
    pop = generate(args.size, args.seed, args.rate, reserved)
    print(f"population: seed {pop.seed}, {pop.size} people, generated in {pop.seconds * 1000:.0f} ms")
    for key, value in pop.counts().items():
        print(f"  {key:24} {value}")
    print("near misses (consistent, not to be flagged):")
    for key, value in pop.near_misses.items():
        print(f"  {key:36} {value}")
    for kind, rows in pop.planted.items():
        for row in _masked(rows[:args.examples]):
            print(f"  e.g. {kind}: {json.dumps(row, ensure_ascii=False)}")
    if args.write:
        path = Path(args.write)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(pop.record(), ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"record written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["AS_OF", "Death", "Household", "Member", "Officer", "Pension", "Person", "Population", "RATE", "SEED",
           "SIZE", "SCHEMES", "URBAN", "RURAL", "OFFICER_ROLES", "generate", "add_months", "month_of"]

"""The departments the system names, by the codes of the shared spec (intents.md, "Departments"):
one table for complaint routing, operators' accounts (`make user … DEPT=<code>`), ratings and the
reviewers of cross-department checks.

Records and backends carry a department's full name (a work order's 生态环境局); an operator's
account holds the same full name, whether `make user` was given the code or the name, so that
"this department's own" is one comparison everywhere.
"""
from __future__ import annotations

DEPARTMENTS: dict[str, str] = {
    "gjj": "住房公积金管理中心",
    "rsj": "人力资源和社会保障局",
    "ybj": "医疗保障局",
    "crj": "公安出入境管理局",
    "scjg": "市场监督管理局",
    "mzj": "民政局",
    "zjj": "住房和城乡建设局",
    "sthj": "生态环境局",
    "cgzf": "城市管理和综合执法局",
    "jtys": "交通运输局",
    "jyj": "教育局",
    "wjw": "卫生健康委员会",
    "gysy": "公用事业服务中心",
    "zwfw": "政务服务中心",
    "rx12345": "12345 热线办公室",
}
# Names the project used before it named departments by this table (stored in records, Redis
# tasks and operators' accounts made then): read as the department they meant.
FORMER_NAMES = {"社保局": DEPARTMENTS["rsj"], "社会保险事业管理局": DEPARTMENTS["rsj"],
                "市场监管局": DEPARTMENTS["scjg"], "出入境管理局": DEPARTMENTS["crj"],
                "政务服务管理局": DEPARTMENTS["zwfw"]}
_BY_NAME = {**FORMER_NAMES, **{name: name for name in DEPARTMENTS.values()}}


def department_name(value: str) -> str:
    """A department's full name from its code, its full name or a former name; ValueError
    naming the codes."""
    text = (value or "").strip()
    name = DEPARTMENTS.get(text.lower()) or _BY_NAME.get(text)
    if name is None:
        raise ValueError(f"unknown department {text!r}: one of {', '.join(DEPARTMENTS)} (or its full name)")
    return name


def same_department(stored: str | None, account_department: str | None) -> bool:
    """Whether a record's department (maybe a former name) is the account's department."""
    return bool(stored) and _BY_NAME.get(stored.strip(), stored.strip()) == account_department

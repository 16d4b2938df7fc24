"""Departments by one table (bot/city/departments.py, the spec's codes and full names): what was
stored under the names used before it is renamed to the full names operators' accounts hold —
findings (reviewer, evidence keys), runs' reports, rating records and accounts. Audit records are
append-only and keep the name of the day (FORMER_NAMES in departments.py reads them)."""
import json

import sqlalchemy as sa
from alembic import op

revision = "r0005"
down_revision = "r0004"
branch_labels = None
depends_on = None

# Frozen here (a migration must not change when the code does).
RENAMED = {"社保局": "人力资源和社会保障局", "社会保险事业管理局": "人力资源和社会保障局",
           "市场监管局": "市场监督管理局", "出入境管理局": "公安出入境管理局", "政务服务管理局": "政务服务中心"}

findings = sa.table("crosscheck_findings", sa.column("id", sa.Integer), sa.column("reviewer", sa.String),
                    sa.column("evidence", sa.Text))
runs = sa.table("crosscheck_runs", sa.column("id", sa.Integer), sa.column("report", sa.Text))


def _renamed_keys(text: str | None) -> str:
    return json.dumps({RENAMED.get(k, k): v for k, v in json.loads(text or "{}").items()}, ensure_ascii=False)


def _renamed_values(value):
    """Every string in a JSON document that is exactly a former name (reports list reviewers)."""
    if isinstance(value, str):
        return RENAMED.get(value, value)
    if isinstance(value, list):
        return [_renamed_values(v) for v in value]
    if isinstance(value, dict):
        return {RENAMED.get(k, k): _renamed_values(v) for k, v in value.items()}
    return value


def upgrade() -> None:
    bind = op.get_bind()
    for old, new in RENAMED.items():
        for table in ("accounts", "rating_records"):
            bind.execute(sa.text(f"UPDATE {table} SET department = :new WHERE department = :old"),
                         {"new": new, "old": old})
    for row in bind.execute(sa.select(findings.c.id, findings.c.reviewer, findings.c.evidence)).all():
        bind.execute(findings.update().where(findings.c.id == row.id).values(
            reviewer=RENAMED.get(row.reviewer, row.reviewer), evidence=_renamed_keys(row.evidence)))
    for row in bind.execute(sa.select(runs.c.id, runs.c.report)).all():
        report = _renamed_values(json.loads(row.report or "{}"))
        bind.execute(runs.update().where(runs.c.id == row.id).values(report=json.dumps(report, ensure_ascii=False)))


def downgrade() -> None:
    pass   # the former names were never a scheme of their own: nothing to go back to

"""Findings name their reviewing department by its full name (bot/city/departments.py), as work
orders and operators' accounts do: 社保局 -> 人力资源和社会保障局, 市场监管局 -> 市场监督管理局, in the
reviewer column and as keys of the evidence."""
import json

import sqlalchemy as sa
from alembic import op

revision = "r0004"
down_revision = "r0003"
branch_labels = None
depends_on = None

RENAMED = {"社保局": "人力资源和社会保障局", "市场监管局": "市场监督管理局"}

findings = sa.table("crosscheck_findings", sa.column("id", sa.Integer), sa.column("reviewer", sa.String),
                    sa.column("evidence", sa.Text))


def _rename(names: dict[str, str]) -> None:
    bind = op.get_bind()
    for row in bind.execute(sa.select(findings.c.id, findings.c.reviewer, findings.c.evidence)).all():
        evidence = json.loads(row.evidence or "{}")
        moved = {names.get(k, k): v for k, v in evidence.items()}
        reviewer = names.get(row.reviewer, row.reviewer)
        if reviewer != row.reviewer or moved != evidence:
            bind.execute(findings.update().where(findings.c.id == row.id)
                         .values(reviewer=reviewer, evidence=json.dumps(moved, ensure_ascii=False)))


def upgrade() -> None:
    _rename(RENAMED)


def downgrade() -> None:
    _rename({new: old for old, new in RENAMED.items()})

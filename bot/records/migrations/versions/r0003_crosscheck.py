"""Cross-department checks: their findings (one per rule, citizen and period) and their runs."""
import sqlalchemy as sa
from alembic import op

revision = "r0003"
down_revision = "r0002"
branch_labels = None
depends_on = None

WRITER_ROLE = "records_writer"


def upgrade() -> None:
    op.create_table(
        "crosscheck_findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("citizen_key", sa.String(64), nullable=False, index=True),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=False, index=True),
        sa.Column("masked_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("district", sa.String(32), nullable=False, server_default=""),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("first_run", sa.Integer, nullable=False),
        sa.Column("found_at", sa.Float, nullable=False),
        sa.Column("last_seen_at", sa.Float, nullable=False),
        sa.Column("times_seen", sa.Integer, nullable=False, server_default="1"),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("reviewed_by", sa.String(80)),
        sa.Column("reviewed_at", sa.Float),
        sa.UniqueConstraint("rule", "citizen_key", "period", name="uq_finding_rule_citizen_period"),
    )
    op.create_table(
        "crosscheck_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("started_at", sa.Float, nullable=False, index=True),
        sa.Column("finished_at", sa.Float),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("report", sa.Text, nullable=False, server_default="{}"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Findings are kept and reviewed (status, note), never deleted by the application.
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON crosscheck_findings, crosscheck_runs TO {WRITER_ROLE}")
        schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar()
        op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {WRITER_ROLE}")


def downgrade() -> None:
    op.drop_table("crosscheck_runs")
    op.drop_table("crosscheck_findings")

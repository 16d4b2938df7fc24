"""What the hotline heard, call by call (the office's hotline reports)."""
import sqlalchemy as sa
from alembic import op

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None

WRITER_ROLE = "records_writer"


def upgrade() -> None:
    op.create_table(
        "heard_calls",
        sa.Column("call_id", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, nullable=False, index=True),
        sa.Column("district", sa.String(32), index=True),
        sa.Column("intent", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(32)),
        sa.Column("place", sa.String(64)),
        sa.Column("caller_key", sa.String(64)),
        sa.Column("department", sa.String(64)),
        sa.Column("order_no", sa.String(32)),
        sa.Column("order_status", sa.String(16)),
        sa.Column("kept_at", sa.Float, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        # The application's role keeps and reads these rows; it never needs to change one.
        op.execute(f"GRANT SELECT, INSERT ON heard_calls TO {WRITER_ROLE}")
        # It reads the schema's revision to refuse a schema older than its code
        # (records.migrate_on_start: false; `make db-upgrade` migrates, as the owner).
        op.execute(f"GRANT SELECT ON alembic_version TO {WRITER_ROLE}")


def downgrade() -> None:
    op.drop_table("heard_calls")

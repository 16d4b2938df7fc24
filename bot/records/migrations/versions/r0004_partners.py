"""The open platform: partners, their keys (keyed hashes only) and citizens' consents."""
import sqlalchemy as sa
from alembic import op

revision = "r0004"
down_revision = "r0003"
branch_labels = None
depends_on = None

WRITER_ROLE = "records_writer"


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", sa.String(255), nullable=False),
        sa.Column("rate_limit", sa.String(32)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "partner_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("partner_id", sa.Integer, sa.ForeignKey("partners.id"), nullable=False, index=True),
        sa.Column("key_id", sa.String(16), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("revoked_at", sa.Float),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("consent_id", sa.String(32), nullable=False, unique=True),
        sa.Column("partner_id", sa.Integer, sa.ForeignKey("partners.id"), nullable=False, index=True),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.Column("code_hash", sa.String(64), unique=True),
        sa.Column("code_expires_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="requested"),
        sa.Column("requested_at", sa.Float, nullable=False),
        sa.Column("citizen_key", sa.String(64), index=True),
        sa.Column("identity_key", sa.String(64)),
        sa.Column("decided_at", sa.Float),
        sa.Column("decided_via", sa.String(32)),
        sa.Column("expires_at", sa.Float),
        sa.Column("revoked_at", sa.Float),
        sa.Column("revoked_via", sa.String(32)),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Partners, keys and consents change state (revoked, granted), never deleted by the application.
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON partners, partner_keys, consents TO {WRITER_ROLE}")
        schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar()
        op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {WRITER_ROLE}")


def downgrade() -> None:
    op.drop_table("consents")
    op.drop_table("partner_keys")
    op.drop_table("partners")

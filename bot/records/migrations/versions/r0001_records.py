"""The first tables: accounts, audit records (append-only), kept messages, rating records."""
import sqlalchemy as sa
from alembic import op

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None

# On PostgreSQL the application connects as a member of this role (docs/console.md): it may add
# audit records and read them, never change or delete one. The trigger below holds even for the
# tables' owner; the role's grants hold even if someone drops the trigger.
WRITER_ROLE = "records_writer"


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("department", sa.String(64)),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("must_change_password", sa.Boolean, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.Float, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
    )
    op.create_table(
        "audit_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False, index=True),
        sa.Column("backend", sa.String(32), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("citizen", sa.String(64), nullable=False, index=True),
        sa.Column("actor", sa.String(80), nullable=False, index=True),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("department", sa.String(64)),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("cached", sa.Boolean, nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
    )
    op.create_table(
        "kept_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False, index=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("text_key", sa.String(255), nullable=False, index=True),
        sa.Column("top_intents", sa.Text, nullable=False),
        sa.Column("label", sa.String(64)),
        sa.Column("labelled_by", sa.String(64)),
    )
    op.create_table(
        "rating_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False, index=True),
        sa.Column("intent", sa.String(64), nullable=False),
        sa.Column("department", sa.String(64), nullable=False, index=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("callback_id", sa.String(32)),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_records_no_{event.lower()} BEFORE {event} ON audit_records "
                       "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END")
    elif dialect == "postgresql":
        op.execute("""
            CREATE OR REPLACE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$""")
        op.execute("CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records "
                   "FOR EACH ROW EXECUTE FUNCTION audit_records_append_only()")
        op.execute("CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only()")
        # A role is shared by the whole server: made once, tolerated when another schema made it.
        op.execute(f"""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{WRITER_ROLE}') THEN
                    CREATE ROLE {WRITER_ROLE} NOLOGIN;
                END IF;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$""")
        op.execute(f"GRANT USAGE ON SCHEMA {_schema()} TO {WRITER_ROLE}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON accounts, kept_messages, rating_records TO {WRITER_ROLE}")
        op.execute(f"GRANT SELECT, INSERT ON audit_records TO {WRITER_ROLE}")
        op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {_schema()} TO {WRITER_ROLE}")


def _schema() -> str:
    return op.get_bind().exec_driver_sql("SELECT current_schema()").scalar()


def downgrade() -> None:
    for table in ("rating_records", "kept_messages", "audit_records", "accounts"):
        op.drop_table(table)

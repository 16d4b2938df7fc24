"""Alembic's environment: run by Database.migrate() with the connection it is given."""
from alembic import context

from bot.records.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()

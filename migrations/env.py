"""Alembic environment: always online, on the connection XA Desk already unlocked."""

from alembic import context

from xadesk.storage.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment: migrations always run on the vault's own keyed connection, handed in
by ``app.store.migrate``; there is no URL and no offline mode (an SQL script would be
plaintext)."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

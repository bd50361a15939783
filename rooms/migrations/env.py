"""Alembic environment: migrations run programmatically (rooms.db.init_schema)
on a connection handed over in config.attributes["connection"]."""

from alembic import context

from rooms.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through rooms.db.init_schema / migrate")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

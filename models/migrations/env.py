"""Alembic environment: migrations run on the connection the application hands over.

``models.migrate`` puts an open connection into ``config.attributes["connection"]``;
the ``alembic`` command line gets one from DATABASE_URL.
"""

from __future__ import annotations

import os

from alembic import context
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from models.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    engine = make_engine(os.environ.get("DATABASE_URL", "sqlite:///dondoc.db"))
    with engine.connect() as conn:
        run_migrations(conn)

"""Alembic environment: the URL comes from the caller's config or DATABASE_URL."""
from alembic import context
from sqlmodel import SQLModel, create_engine

import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from config import Config

target_metadata = SQLModel.metadata


def _render_item(type_, obj, autogen_context):
    # Stored as a plain DateTime; the UTC handling lives in models.UTCDateTime.
    if type_ == "type" and isinstance(obj, models.UTCDateTime):
        return "sa.DateTime()"
    return False


def _url() -> str:
    return context.config.get_main_option("sqlalchemy.url") or Config().DATABASE_URL


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True, render_item=_render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connectable = create_engine(_url())
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True, render_item=_render_item)
        with context.begin_transaction():
            context.run_migrations()
    connectable.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

"""The release step: migrate the database, load the default configuration. Safe to run again."""
import logging
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app
from sqlmodel import Session, select

import db
from models import Department, Line
from routing import registry, taxonomy

log = logging.getLogger(__name__)
ALEMBIC_INI = Path(__file__).parent / "alembic.ini"


def migrate(database_url: str) -> None:
    config = AlembicConfig(str(ALEMBIC_INI))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "head")


def load_departments(session: Session) -> int:
    """Adds the taxonomy's departments that are missing; never overwrites a district's edits."""
    known = set(session.exec(select(Department.key)).all())
    added = 0
    for entry in taxonomy.default().departments:
        if entry.key not in known:
            session.add(Department(key=entry.key, name_ko=entry.name_ko, name_en=entry.name_en, description=entry.description))
            added += 1
    session.commit()
    return added


def ensure_line(session: Session, name: str, phone_number: str) -> Line:
    line = session.exec(select(Line).where(Line.key == "mayor")).first()
    if line is None:
        line = Line(key="mayor", name=name, phone_number=phone_number, ref_prefix="M")
        session.add(line)
        session.commit()
    return line


def release(build_model: bool = True) -> dict:
    config = current_app.config
    migrate(config["DATABASE_URL"])
    session = db.session()
    summary = {"departments_added": load_departments(session)}
    summary["line"] = ensure_line(session, config["LINE_NAME"], config["TWILIO_FROM_NUMBER"]).phone_number
    if build_model:
        summary["model_version"] = registry.ensure_model(session).version
    return summary


@click.command("release")
@click.option("--no-model", is_flag=True, help="Skip building the classifier when none exists.")
def release_command(no_model: bool) -> None:
    """Migrate, load default departments and the line, build the classifier if missing."""
    summary = release(build_model=not no_model)
    click.echo(" ".join(f"{k}={v}" for k, v in summary.items()))

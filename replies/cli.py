"""`flask --app wsgi residents block NUMBER --reason ...` and `flask --app wsgi qr add KEY ...`."""
import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func
from sqlmodel import select

import db
from models import Department, QrTag, Resident
from routing import taxonomy
from sms_gateway.phone import normalise

residents_group = AppGroup("residents", help="Residents' numbers: block abusive ones.")
qr_group = AppGroup("qr", help="One-click QR tags (/q/<tag>).")


@residents_group.command("block")
@click.argument("number")
@click.option("--reason", required=True, help="Why, for the record.")
def block(number: str, reason: str) -> None:
    """Block a number: its texts are stored, never routed, and it gets no texts."""
    resident = _resident(number, create=True)
    resident.blocked = True
    resident.blocked_reason = reason.strip()[:200]
    db.session().commit()
    click.echo(f"blocked {resident.phone}")


@residents_group.command("unblock")
@click.argument("number")
def unblock(number: str) -> None:
    """Route this number's texts again (from the next one on)."""
    resident = _resident(number, create=False)
    resident.blocked = False
    resident.blocked_reason = None
    db.session().commit()
    click.echo(f"unblocked {resident.phone}")


def _resident(number: str, create: bool) -> Resident:
    phone = normalise(number, current_app.config["DEFAULT_REGION"])
    if not phone.valid:
        raise click.BadParameter(f"{number!r} is not a phone number", param_hint="NUMBER")
    session = db.session()
    resident = session.exec(select(Resident).where(Resident.phone == phone.value)).first()
    if resident is None:
        if not create:
            raise click.ClickException(f"no resident with number {phone.value}")
        resident = Resident(phone=phone.value)
        session.add(resident)
    return resident


@qr_group.command("add")
@click.argument("key")
@click.option("--label", default="", help="What the page says, e.g. 공원·놀이터.")
@click.option("--department", default=None, help="Department key texts with this tag go to.")
@click.option("--category", default=None, help="Category they get (default: the classifier's).")
def add(key: str, label: str, department: str | None, category: str | None) -> None:
    """Add (or change) a tag; prints the page address to print as a QR code."""
    session = db.session()
    key = key.strip().lstrip("#")
    if not key or len(key) > 40 or any(ch.isspace() or ch == "#" for ch in key):
        raise click.BadParameter("a tag is one word of at most 40 characters", param_hint="KEY")
    if department and session.get(Department, department) is None:
        raise click.BadParameter(f"unknown department {department!r}", param_hint="--department")
    if category and category not in taxonomy.default().category_keys:
        raise click.BadParameter(f"unknown category {category!r}", param_hint="--category")
    tag = session.exec(select(QrTag).where(func.lower(QrTag.key) == key.lower())).first() or QrTag(key=key)
    tag.label, tag.department_key, tag.category, tag.active = label or key, department, category, True
    session.add(tag)
    session.commit()
    click.echo(f"#{tag.key} -> {department or 'classifier'}: {current_app.config['PUBLIC_BASE_URL']}/q/{tag.key}")


@qr_group.command("list")
def list_tags() -> None:
    """The tags and their pages."""
    base = current_app.config["PUBLIC_BASE_URL"]
    for tag in db.session().exec(select(QrTag).order_by(QrTag.key)).all():
        click.echo(f"#{tag.key}\t{tag.department_key or '-'}\t{'active' if tag.active else 'off'}\t{base}/q/{tag.key}")

"""Staff accounts from the shell: `flask --app wsgi staff create|set-password|disable`, and `demo-login`."""
import secrets

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlmodel import select

import db
from inbox.auth import hash_password, normalise_email
from inbox.permissions import DEPARTMENT_ROLES, ROLES
from models import Department, Staff
from sms_gateway.phone import normalise

MIN_PASSWORD_CHARS = 10


@click.group("staff", cls=AppGroup)
def staff_group() -> None:
    """Create staff accounts, set passwords, disable accounts."""


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise click.BadParameter(f"a password needs at least {MIN_PASSWORD_CHARS} characters", param_hint="password")
    return password


def _find(session, email: str) -> Staff:
    staff = session.exec(select(Staff).where(Staff.email == normalise_email(email))).first()
    if staff is None:
        raise click.ClickException(f"no staff account with the e-mail {normalise_email(email)}")
    return staff


@staff_group.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--department", "department_key", help="Department key; required for leader and staff.")
@click.option("--phone", help="Mobile number for reminders and escalations.")
@click.option("--name", default="", help="Name shown in the inbox and the audit log.")
@click.option("--locale", default="ko", type=click.Choice(("ko", "en")))
@click.password_option(help="Asked for when not given.")
def create_command(email, role, department_key, phone, name, locale, password) -> None:
    """Create a staff account."""
    email = normalise_email(email)
    if "@" not in email:
        raise click.BadParameter("not an e-mail address", param_hint="EMAIL")
    with db.transaction() as session:
        if session.exec(select(Staff).where(Staff.email == email)).first():
            raise click.ClickException(f"{email} already has an account (use `staff set-password`)")
        if role in DEPARTMENT_ROLES and not department_key:
            raise click.BadParameter(f"a {role} needs --department", param_hint="--department")
        if department_key and session.get(Department, department_key) is None:
            known = ", ".join(session.exec(select(Department.key).order_by(Department.key)).all())
            raise click.BadParameter(f"unknown department {department_key!r}; known: {known}",
                                     param_hint="--department")
        staff = Staff(email=email, name=name, role=role, department_key=department_key, locale=locale,
                      phone=_checked_phone(phone), password_hash=hash_password(_checked_password(password)))
        session.add(staff)
    click.echo(f"created {email} ({role}{', ' + department_key if department_key else ''})")


def _checked_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    number = normalise(phone, current_app.config["DEFAULT_REGION"])
    if not number.valid:
        raise click.BadParameter(f"{phone!r} is not a valid phone number", param_hint="--phone")
    return number.value


@staff_group.command("set-password")
@click.argument("email")
@click.password_option(help="Asked for when not given.")
def set_password_command(email, password) -> None:
    """Set a new password (signs the account out everywhere)."""
    with db.transaction() as session:
        staff = _find(session, email)
        staff.password_hash = hash_password(_checked_password(password))
    click.echo(f"password set for {staff.email}")


@staff_group.command("disable")
@click.argument("email")
def disable_command(email) -> None:
    """Disable an account: it can no longer sign in, and its open sessions end."""
    with db.transaction() as session:
        staff = _find(session, email)
        staff.active = False
    click.echo(f"disabled {staff.email}")


DEMO_ACCOUNTS = (
    ("communication@demo.baro", "소통담당관 데모", "communication", "communication"),
    ("roads.leader@demo.baro", "도로과 팀장 데모", "leader", "roads"),
    ("mayor@demo.baro", "구청장 데모", "mayor", None),
)


@click.command("demo-login")
@with_appcontext
def demo_login_command() -> None:
    """Create (or refresh) the demo staff accounts with a new password and print them. Embedded mode only."""
    if not current_app.config["SMS_BACKEND"] == "console":
        raise click.ClickException("demo-login only runs with the console SMS backend (the demo), never in production")
    password = secrets.token_urlsafe(9)
    with db.transaction() as session:
        for email, name, role, department_key in DEMO_ACCOUNTS:
            staff = session.exec(select(Staff).where(Staff.email == email)).first() or Staff(email=email)
            staff.name, staff.role, staff.department_key, staff.active = name, role, department_key, True
            staff.password_hash = hash_password(password)
            session.add(staff)
    click.echo("Inbox sign-in (demo accounts, new password on every run):")
    for email, _name, role, department_key in DEMO_ACCOUNTS:
        click.echo(f"  {email:28} {password}   ({role}{', ' + department_key if department_key else ''})")

"""`flask --app wsgi digest build [--date YYYY-MM-DD] [--send] [--force]`."""
from datetime import date, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

import db
import district_time
import mailer
from digest.build import NoRecipients, build_and_maybe_send, links
from models import utcnow


digest_group = AppGroup("digest", help="The mayor's morning digest.")


def _day(_ctx, _param, value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; write it as YYYY-MM-DD, e.g. 2026-11-18") from None


@digest_group.command("build")
@click.option("--date", "day", callback=_day, metavar="YYYY-MM-DD",
              help="The day the digest covers. Default: yesterday, district time.")
@click.option("--send", is_flag=True, help="Mail it to DIGEST_TO (once per day).")
@click.option("--force", is_flag=True, help="Rebuild and mail again even if it was already sent.")
def build_command(day, send: bool, force: bool) -> None:
    """Build the digest of a day, store it, write it to a file and print where it is."""
    now = utcnow()
    day = day or district_time.local(now).date() - timedelta(days=1)
    try:
        with db.transaction() as session:
            row, outcome = build_and_maybe_send(session, day, now, send=send, force=force)
    except (NoRecipients, mailer.MailNotConfigured) as exc:
        raise click.ClickException(f"not sent: {exc}") from None
    except OSError as exc:  # SMTP refused or unreachable; nothing is marked sent
        raise click.ClickException(f"not sent: the mail server said {exc}") from None
    path = Path(current_app.instance_path) / "digests" / f"{day}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(row.html, encoding="utf-8")
    click.echo(f"digest {day}: {outcome}")
    if outcome == "already sent":
        click.echo(f"sent at {district_time.short_ko(row.sent_at)}; use --force to build and send it again")
    click.echo(f"file: {path}")
    click.echo(f"page: {links(day)['page']}")

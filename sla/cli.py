"""`flask --app wsgi sla tick [--now ISO-8601]`: one watcher pass, its summary as JSON."""
import json
from datetime import datetime

import click
from flask.cli import AppGroup

import district_time
from sla import jobs


sla_group = AppGroup("sla", help="The 48-hour promise: reminders and the escalation ladder.")


def _parse_now(_ctx, _param, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not ISO-8601, e.g. 2026-11-25T14:00:00+09:00") from None


@sla_group.command("tick")
@click.option("--now", callback=_parse_now, help="Run the pass as if it were this moment (ISO-8601; no zone: district time).")
def tick_command(now: datetime | None) -> None:
    """Run one pass: reminders and escalations due now, each once; print the summary as JSON."""
    if now is not None and now.tzinfo is None:
        # A time without a zone is read as the district's time, as staff would say it.
        now = now.replace(tzinfo=district_time.zone())
    click.echo(json.dumps(jobs.tick(now), ensure_ascii=False))

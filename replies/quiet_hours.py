"""Quiet hours: texts we start are held from QUIET_HOURS_START to QUIET_HOURS_END, district time.

A text that answers what the resident has just sent (the receipt, a status answer, help, the
opt-out and opt-in confirmations) goes at once: they are waiting for it. Texts about a safety
case are never held. Equal start and end (00:00 and 00:00) turn quiet hours off.
"""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from models import Case

ANSWERS_NOW = frozenset({"receipt", "status", "help", "opt_out", "opt_in"})
URGENT_CATEGORIES = frozenset({"safety"})


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def release_at(now: datetime, start: time, end: time, zone: ZoneInfo) -> datetime | None:
    """When a text written at `now` may go: None outside quiet hours, else the next `end` (UTC)."""
    local = now.astimezone(zone)
    at = local.time()
    quiet = (start <= at or at < end) if start > end else (start <= at < end)
    if not quiet:
        return None
    day = local.date() if at < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(now.tzinfo)


def hold_until(kind: str, case: Case | None, now: datetime) -> datetime | None:
    """The moment a text of this kind about this case may be sent, or None to send it now."""
    if kind in ANSWERS_NOW or (case is not None and case.category in URGENT_CATEGORIES):
        return None
    config = current_app.config
    return release_at(now, _clock(config["QUIET_HOURS_START"]), _clock(config["QUIET_HOURS_END"]),
                      ZoneInfo(config["TIMEZONE"]))

"""UTC is stored; the district's time is shown."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

_WEEKDAYS_KO = "월화수목금토일"


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local(moment: datetime) -> datetime:
    return moment.astimezone(zone())


def from_local(wall_clock: datetime) -> datetime:
    """A time a person typed in district time (no zone), as an aware datetime."""
    return wall_clock.replace(tzinfo=zone())


def short_ko(moment: datetime) -> str:
    """11/25(수) 14:00"""
    at = local(moment)
    return f"{at.month}/{at.day}({_WEEKDAYS_KO[at.weekday()]}) {at:%H:%M}"


def short_en(moment: datetime) -> str:
    """Nov 25 14:00"""
    return f"{local(moment):%b %-d %H:%M}"

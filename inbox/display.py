"""How the inbox shows times, names and states in the user's language and the district's time zone."""
from datetime import datetime

from flask import g
from flask_babel import get_locale, gettext as _
from sqlmodel import select

import db
import district_time
from inbox.actions import event_label
from models import Department
from routing import taxonomy


def is_english() -> bool:
    return str(get_locale() or "ko").startswith("en")


def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return district_time.short_en(moment) if is_english() else district_time.short_ko(moment)


def iso_when(value: str | None) -> str:
    """An ISO-8601 time stored in event data, shown like any other."""
    if not value:
        return ""
    try:
        return when(datetime.fromisoformat(value))
    except ValueError:
        return value


def full_when(moment: datetime | None) -> str:
    """For a title attribute: the date with the year and the zone."""
    return "" if moment is None else district_time.local(moment).strftime("%Y-%m-%d %H:%M %Z")


def _span(minutes: int) -> str:
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)dd %(h)dh", d=days, h=hours)
    if hours:
        return _("%(h)dh %(m)dm", h=hours, m=mins)
    return _("%(m)dm", m=mins)


def time_left(due: datetime | None, now: datetime) -> str:
    if due is None:
        return ""
    minutes = int(abs((due - now).total_seconds()) // 60)
    if due < now:
        return _("%(span)s overdue", span=_span(minutes))
    return _("%(span)s left", span=_span(minutes))


def _departments() -> dict[str, Department]:
    if "inbox_departments" not in g:
        g.inbox_departments = {d.key: d for d in db.session().exec(select(Department)).all()}
    return g.inbox_departments


def department_name(key: str | None) -> str:
    if not key:
        return _("not routed yet")
    department = _departments().get(key)
    if department is None:
        return key
    return department.name_en if is_english() else department.name_ko


def category_name(key: str | None) -> str:
    if not key:
        return _("not classified yet")
    try:
        entry = taxonomy.default().category(key)
    except StopIteration:
        return key
    return entry.name_en if is_english() else entry.name_ko


def state_label(state: str) -> str:
    return {
        "new": _("new"),
        "open": _("waiting for an answer"),
        "answered": _("answered"),
        "waiting": _("waiting for the resident"),
        "resolved": _("resolved"),
        "merged": _("merged"),
    }.get(state, state)


def status_label(status: str) -> str:
    return {
        "received": _("received"),
        "queued": _("queued"),
        "held": _("held until morning"),
        "sending": _("sending"),
        "sent": _("sent"),
        "delivered": _("delivered"),
        "undelivered": _("not delivered"),
        "failed": _("failed"),
        "suppressed": _("not sent: the resident opted out"),
    }.get(status, status)


def role_label(role: str) -> str:
    return {
        "mayor": _("mayor"),
        "communication": _("communication team"),
        "leader": _("team leader"),
        "staff": _("staff"),
    }.get(role, role)


def status_filter_label(status: str) -> str:
    return {
        "active": _("Not resolved"),
        "new": _("New (not routed)"),
        "open": _("Waiting for an answer"),
        "answered": _("Answered"),
        "waiting": _("Waiting for the resident"),
        "resolved": _("Resolved"),
        "all": _("All"),
    }.get(status, status)


def percent(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)}%"


HELPERS = {
    "when": when,
    "full_when": full_when,
    "iso_when": iso_when,
    "time_left": time_left,
    "department_name": department_name,
    "category_name": category_name,
    "state_label": state_label,
    "status_label": status_label,
    "event_label": event_label,
    "percent": percent,
    "role_label": role_label,
    "status_filter_label": status_filter_label,
}

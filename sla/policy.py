"""How long the office has to answer and to resolve a case, and how waiting on the resident pauses it.

Two clocks run from the moment a case arrives: the first-answer clock (Case.deadline_at, stops at
Case.first_answered_at) and the resolution clock (Case.resolution_deadline_at, stops when the case
is resolved; watched once the first answer is given). Hours come from configuration per category
(SLA_HOURS_<CATEGORY>, SLA_RESOLUTION_HOURS_<CATEGORY>) and per department (Department.first_answer_hours,
Department.resolution_hours); the stricter promise wins. A category set to none (gratitude, other)
has no deadline unless a person sets one (sla.actions.extend_deadline).
"""
from datetime import datetime

from flask import current_app

from models import Case, CaseState, Department
from sla import calendar

ANSWER = "answer"
RESOLUTION = "resolution"


def _stricter(category_hours: float | None, department_hours: float | None) -> float | None:
    if category_hours is None:
        return None
    return min(category_hours, department_hours) if department_hours else category_hours


def first_answer_hours(category: str, department: Department | None) -> float | None:
    config = current_app.config
    return _stricter(config["SLA_HOURS"].get(category, config["FIRST_ANSWER_HOURS"]),
                     department.first_answer_hours if department else None)


def resolution_hours(category: str, department: Department | None) -> float | None:
    config = current_app.config
    return _stricter(config["SLA_RESOLUTION_HOURS"].get(category, config["RESOLUTION_HOURS"]),
                     department.resolution_hours if department else None)


def first_answer_deadline(category: str, department: Department | None, start: datetime) -> datetime | None:
    hours = first_answer_hours(category, department)
    return None if hours is None else calendar.current().add(start, hours * 3600)


def resolution_deadline(category: str, department: Department | None, start: datetime) -> datetime | None:
    hours = resolution_hours(category, department)
    return None if hours is None else calendar.current().add(start, hours * 3600)


def hours_for(clock: str, category: str, department: Department | None) -> float:
    """The promised hours the reminder's fraction is taken of; a person-set deadline counts as the default."""
    config = current_app.config
    hours = (first_answer_hours if clock == ANSWER else resolution_hours)(category, department)
    if hours is None:
        return config["FIRST_ANSWER_HOURS"] if clock == ANSWER else config["RESOLUTION_HOURS"]
    return hours


def longest_hours(clock: str) -> float:
    """An upper bound of hours_for() over every category and department (the watcher's look-ahead)."""
    config = current_app.config
    if clock == ANSWER:
        return max([config["FIRST_ANSWER_HOURS"], *filter(None, config["SLA_HOURS"].values())])
    return max([config["RESOLUTION_HOURS"], *filter(None, config["SLA_RESOLUTION_HOURS"].values())])


def clock_of(case: Case) -> str:
    """The clock that applies: the first answer's until it is given, then the resolution's."""
    return ANSWER if case.first_answered_at is None else RESOLUTION


def running_clock(case: Case) -> str | None:
    """The clock being watched: none while the case waits on the resident or is closed."""
    if case.state not in (CaseState.OPEN, CaseState.ANSWERED) or case.waiting_since is not None:
        return None
    return clock_of(case)


def current_deadline(case: Case) -> datetime | None:
    """The deadline of the clock that applies, the one residents and staff are told."""
    return deadline_of(case, clock_of(case))


def deadline_of(case: Case, clock: str) -> datetime | None:
    return case.deadline_at if clock == ANSWER else case.resolution_deadline_at


def set_deadline(case: Case, clock: str, deadline: datetime | None) -> None:
    if clock == ANSWER:
        case.deadline_at = deadline
    else:
        case.resolution_deadline_at = deadline


def pause(case: Case, now: datetime) -> None:
    """We asked the resident something: the clocks stop until they answer (call in the asking transaction)."""
    if case.waiting_since is None:
        case.waiting_since = now
    case.state = CaseState.WAITING


def resume(case: Case, now: datetime) -> None:
    """The resident answered: the clocks run again and the deadlines move by the time spent waiting.

    The first-answer deadline moves only while no first answer has been given; after it, that
    deadline is history and only the resolution deadline moves.
    """
    if case.waiting_since is None:
        return
    cal = calendar.current()
    waited = max(0.0, cal.between(case.waiting_since, now))
    if waited and case.first_answered_at is None and case.deadline_at is not None:
        case.deadline_at = cal.add(case.deadline_at, waited)
    if waited and case.resolution_deadline_at is not None:
        case.resolution_deadline_at = cal.add(case.resolution_deadline_at, waited)
    case.paused_seconds += int(waited)
    case.waiting_since = None
    if case.state == CaseState.WAITING:
        case.state = CaseState.ANSWERED if case.first_answered_at else CaseState.OPEN

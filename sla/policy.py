"""How long the office has to answer a case, by category and department."""
from datetime import datetime, timedelta

from flask import current_app

from models import Department

# Hours to the first real answer; None: no deadline unless a person sets one.
CATEGORY_HOURS: dict[str, float | None] = {"safety": 2, "gratitude": None, "other": None}


def first_answer_hours(category: str, department: Department | None) -> float | None:
    if category in CATEGORY_HOURS:
        return CATEGORY_HOURS[category]
    if department is not None and department.first_answer_hours:
        return department.first_answer_hours
    return current_app.config["FIRST_ANSWER_HOURS"]


def first_answer_deadline(category: str, department: Department | None, start: datetime) -> datetime | None:
    hours = first_answer_hours(category, department)
    return None if hours is None else start + timedelta(hours=hours)

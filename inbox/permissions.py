"""Who may see and do what. Department roles see their own department's cases; anything else is a 404.

| action   | mayor | communication | leader   | staff    |
|----------|-------|---------------|----------|----------|
| view     | all   | all           | own dept | own dept |
| note     | -     | all           | own dept | own dept |
| reply    | -     | all           | own dept | own dept |
| category | -     | all           | own dept | own dept |
| resolve  | -     | all           | own dept | own dept |
| reopen   | -     | all           | own dept | own dept |
| reassign | -     | all           | own dept | -        |
| extend   | -     | all           | own dept | -        |

Extending a deadline is sla.actions' rule too; the mayor reads and is told, and asks the team to act.
"""
from sqlalchemy.sql import Select

from models import Case

ROLES = ("mayor", "communication", "leader", "staff")
SEE_ALL = ("mayor", "communication")
DEPARTMENT_ROLES = ("leader", "staff")
ACTIONS = ("note", "reply", "category", "resolve", "reopen", "reassign", "extend")

_ALLOWED = {
    "note": ("communication", "leader", "staff"),
    "reply": ("communication", "leader", "staff"),
    "category": ("communication", "leader", "staff"),
    "resolve": ("communication", "leader", "staff"),
    "reopen": ("communication", "leader", "staff"),
    "reassign": ("communication", "leader"),
    "extend": ("communication", "leader"),
}


def sees_all(user) -> bool:
    return user.role in SEE_ALL


def scoped(query: Select, user) -> Select:
    """Limits a query over Case to the cases this user may see."""
    if sees_all(user):
        return query
    if user.role in DEPARTMENT_ROLES and user.department_key:
        return query.where(Case.department_key == user.department_key)
    return query.where(Case.id.is_(None))  # a role or department we do not know sees nothing


def can_see(user, case: Case) -> bool:
    if sees_all(user):
        return True
    return user.role in DEPARTMENT_ROLES and bool(user.department_key) and case.department_key == user.department_key


def can(user, action: str, case: Case) -> bool:
    return can_see(user, case) and user.role in _ALLOWED[action]


def allowed_actions(user, case: Case) -> set[str]:
    return {action for action in ACTIONS if can(user, action, case)}


def sees_whole_numbers(user) -> bool:
    return sees_all(user)

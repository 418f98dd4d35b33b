"""Threading: which of a resident's cases a new text belongs to, if any."""
from datetime import datetime

from sqlmodel import Session, select

from models import Case, CaseState
from replies import keywords
from routing.classifier import Classification
from routing.taxonomy import COMMUNICATION


def candidate(session: Session, resident_id: int, since: datetime, surveyed: Case | None) -> Case | None:
    """The case waiting for the resident's answer; else their most recently active case since `since`
    (open, or resolved with a survey waiting for an answer)."""
    waiting = session.exec(
        select(Case).where(Case.resident_id == resident_id, Case.state == CaseState.WAITING)
        .order_by(Case.waiting_since.desc(), Case.id.desc())
    ).first()
    if waiting is not None:
        return waiting
    active = session.exec(
        select(Case).where(Case.resident_id == resident_id, Case.state.in_((CaseState.OPEN, CaseState.ANSWERED)))
        .where(Case.last_activity_at >= since).order_by(Case.last_activity_at.desc())
    ).first()
    return max(filter(None, (active, surveyed)), key=lambda c: c.last_activity_at, default=None)


def is_new_matter(text: str, result: Classification, target: Case, *, tagged: bool, sure: float) -> bool:
    """A text says it is new ("새 민원"), carries a one-click tag, or is clearly another department's.

    An answer to our question stays with the case that asked unless the resident says it is new.
    The communication team is where unclear texts go, so "사진 보내드려요" never counts as another department.
    """
    if keywords.starts_new_matter(text):
        return True
    if target.state == CaseState.WAITING:
        return False
    other = result.model_department not in (COMMUNICATION, target.department_key)
    return tagged or (other and result.confidence >= sure)

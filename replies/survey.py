"""The satisfaction text after a case is resolved, and the resident's 1-5 answer to it."""
from datetime import datetime, timedelta

from sqlmodel import Session, select

from models import Case, CaseEvent, CaseState, Line, Message, MessageStatus, Resident
from replies import outbox, templates

KIND = "survey"
# Thanks and off-topic texts are "resolved" without anything done that a resident could rate.
NOT_SURVEYED = ("gratitude", "other")
_REACHED = (MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED)


def purpose_key(case: Case) -> str:
    return f"survey:{case.id}"


def queue_survey(session: Session, case: Case) -> Message | None:
    """Queues the one survey text of a resolved case (in the caller's transaction); dispatch() it after the commit.

    None when the case is not one to survey. Safe to call again: the purpose key sends it once.
    """
    if case.state != CaseState.RESOLVED or case.category in NOT_SURVEYED or case.satisfaction is not None:
        return None
    resident = session.get(Resident, case.resident_id)
    return outbox.queue_text(session, resident=resident, line=session.get(Line, case.line_id), case=case, kind=KIND,
                             purpose_key=purpose_key(case), body=templates.survey(resident.language, case.ref))


def awaiting_answer(session: Session, resident_id: int, since: datetime) -> Case | None:
    """The resident's latest resolved case whose survey reached them after `since` and is not answered."""
    return session.exec(
        select(Case)
        .join(Message, Message.case_id == Case.id)
        .where(Case.resident_id == resident_id, Case.state == CaseState.RESOLVED, Case.satisfaction.is_(None))
        .where(Message.kind == KIND, Message.status.in_(_REACHED), Message.created_at >= since)
        .order_by(Message.created_at.desc())
    ).first()


def record_rating(session: Session, case: Case, score: int, message: Message, now: datetime) -> CaseEvent:
    case.satisfaction = score
    case.updated_at = now
    event = CaseEvent(case_id=case.id, kind="rated", actor="resident", data={"score": score, "message_id": message.id},
                      created_at=now)
    session.add(event)
    return event


def resolved_without_survey(session: Session, now: datetime, lookback: timedelta, limit: int = 500) -> list[int]:
    """Cases resolved within `lookback` that have no survey text yet (the inbox may not have queued one)."""
    asked = select(Message.case_id).where(Message.kind == KIND, Message.case_id.is_not(None))
    return list(session.exec(
        select(Case.id)
        .where(Case.state == CaseState.RESOLVED, Case.resolved_at >= now - lookback, Case.satisfaction.is_(None))
        .where(Case.category.not_in(NOT_SURVEYED), Case.id.not_in(asked))
        .order_by(Case.id)
        .limit(limit)
    ).all())

"""Queueing a text to a resident: a Message row keyed by its purpose, written before any send."""
from sqlmodel import Session, select

import jobqueue
from models import Case, Direction, Line, Message, MessageStatus, Resident
from replies import segments


def queue_text(
    db: Session,
    *,
    resident: Resident,
    line: Line,
    body: str,
    kind: str,
    purpose_key: str,
    case: Case | None = None,
    staff_id: int | None = None,
) -> Message:
    """Adds the outbound row (in the caller's transaction) unless one with this purpose exists.

    Call dispatch() after the transaction commits.
    """
    existing = db.exec(select(Message).where(Message.purpose_key == purpose_key)).first()
    if existing:
        return existing
    status = MessageStatus.SUPPRESSED if (resident.opted_out or resident.blocked) else MessageStatus.QUEUED
    message = Message(
        line_id=line.id,
        resident_id=resident.id,
        case_id=case.id if case else None,
        direction=Direction.OUTBOUND,
        kind=kind,
        body=body,
        from_number=line.phone_number,
        to_number=resident.phone,
        purpose_key=purpose_key,
        status=status,
        segments=segments.count(body).count,
        staff_id=staff_id,
    )
    db.add(message)
    db.flush()
    return message


def dispatch(message: Message) -> bool:
    """Queues the send job; False when the queue is down (the outbox sweeper sends it later)."""
    if message.status != MessageStatus.QUEUED:
        return True
    return jobqueue.enqueue("replies.jobs.send_message", message.id, job_id=f"send-{message.id}", retries=0)

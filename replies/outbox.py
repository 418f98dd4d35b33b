"""Queueing a text: a Message row keyed by its purpose, written before any send."""
from sqlmodel import Session, select

import jobqueue
from models import Case, Direction, Line, Message, MessageStatus, Resident, Staff
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
    """Adds the outbound row to a resident (in the caller's transaction) unless one with this purpose exists.

    A resident who opted out or is blocked gets a SUPPRESSED row: recorded, never sent.
    Call dispatch() after the transaction commits.
    """
    status = MessageStatus.SUPPRESSED if (resident.opted_out or resident.blocked) else MessageStatus.QUEUED
    return _queue(db, line=line, to_number=resident.phone, body=body, kind=kind, purpose_key=purpose_key,
                  case=case, status=status, resident_id=resident.id, staff_id=staff_id)


def queue_staff_text(db: Session, *, staff: Staff, line: Line, body: str, kind: str, purpose_key: str,
                     case: Case | None = None) -> Message | None:
    """A text to a member of staff (reminder, escalation); None when they have no phone number."""
    if not staff.phone:
        return None
    return _queue(db, line=line, to_number=staff.phone, body=body, kind=kind, purpose_key=purpose_key, case=case,
                  status=MessageStatus.QUEUED, recipient_staff_id=staff.id)


def _queue(db: Session, *, line: Line, to_number: str, body: str, kind: str, purpose_key: str, case: Case | None,
           status: str, **recipient) -> Message:
    existing = db.exec(select(Message).where(Message.purpose_key == purpose_key)).first()
    if existing:
        return existing
    message = Message(
        line_id=line.id,
        case_id=case.id if case else None,
        direction=Direction.OUTBOUND,
        kind=kind,
        body=body,
        from_number=line.phone_number,
        to_number=to_number,
        purpose_key=purpose_key,
        status=status,
        segments=segments.count(body).count,
        **recipient,
    )
    db.add(message)
    db.flush()
    return message


def dispatch(message: Message | None) -> bool:
    """Queues the send job; False when the queue is down (the outbox sweeper sends it later)."""
    if message is None or message.status != MessageStatus.QUEUED:
        return True
    return jobqueue.enqueue("replies.jobs.send_message", message.id, job_id=f"send-{message.id}", retries=0)

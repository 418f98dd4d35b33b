"""Queueing a text: a Message row keyed by its purpose, written before any send."""
from sqlmodel import Session, select

import jobqueue
from models import Case, Direction, Line, Message, MessageStatus, Resident, Staff, utcnow
from replies import quiet_hours, segments

# The one text an opted-out resident still gets: the confirmation that they opted out.
OPT_OUT_CONFIRMATION = "opt_out"


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

    A resident who opted out or is blocked gets a SUPPRESSED row: recorded, never sent. In quiet
    hours the row is HELD until they end (replies.quiet_hours). Call dispatch() after the commit.
    """
    send_after = quiet_hours.hold_until(kind, case, utcnow())
    if not may_text(resident, kind):
        status = MessageStatus.SUPPRESSED
    else:
        status = MessageStatus.HELD if send_after else MessageStatus.QUEUED
    return _queue(db, line=line, to_number=resident.phone, body=body, kind=kind, purpose_key=purpose_key,
                  case=case, status=status, resident_id=resident.id, staff_id=staff_id, send_after=send_after)


def may_text(resident: Resident, kind: str) -> bool:
    """A blocked number gets nothing; an opted-out one only the confirmation of its opt-out."""
    if resident.blocked:
        return False
    return not resident.opted_out or kind == OPT_OUT_CONFIRMATION


def queue_staff_text(db: Session, *, staff: Staff, line: Line, body: str, kind: str, purpose_key: str,
                     case: Case | None = None) -> Message | None:
    """A text to a member of staff (reminder, escalation); None when they have no phone number."""
    if not staff.phone:
        return None
    return _queue(db, line=line, to_number=staff.phone, body=body, kind=kind, purpose_key=purpose_key, case=case,
                  status=MessageStatus.QUEUED, recipient_staff_id=staff.id)


def _queue(db: Session, *, line: Line, to_number: str, body: str, kind: str, purpose_key: str, case: Case | None,
           status: str, send_after=None, **recipient) -> Message:
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
        send_after=send_after,
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

"""Twilio's delivery-status callbacks, applied to our outbound Message rows."""
import logging

from sqlmodel import Session, select

from models import Message, MessageStatus, utcnow

log = logging.getLogger(__name__)

# A late "sent" callback must not undo "delivered": statuses only move forward.
_RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.UNDELIVERED: 3,
    MessageStatus.FAILED: 3,
}
_TWILIO_TO_OURS = {
    "accepted": MessageStatus.SENDING,
    "scheduled": MessageStatus.SENDING,
    "queued": MessageStatus.SENDING,
    "sending": MessageStatus.SENDING,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
}


def ours(twilio_status: str) -> str:
    return _TWILIO_TO_OURS.get(twilio_status, MessageStatus.SENT)


def record_status(db: Session, sid: str, twilio_status: str, error_code: int | None) -> Message | None:
    message = db.exec(select(Message).where(Message.twilio_sid == sid).with_for_update()).first()
    if message is None:
        log.warning("status %s for unknown message %s", twilio_status, sid)
        return None
    new = ours(twilio_status)
    if _RANK.get(new, 0) >= _RANK.get(message.status, 0):
        message.status = new
        if error_code:
            message.error_code = error_code
        if new == MessageStatus.DELIVERED:
            message.delivered_at = utcnow()
    db.commit()
    return message

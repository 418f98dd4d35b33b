"""The send job and the outbox sweeper. A text is claimed before it is sent, so it is never sent twice."""
import logging
from datetime import timedelta

from flask import current_app
from sqlmodel import select

import db
import jobqueue
from models import Case, Media, Message, MessageStatus, Resident, utcnow
from replies import media, outbox, survey
from replies.outbox import may_text
from sms_gateway.senders import OPTED_OUT, SendError, current_sender
from sms_gateway.status import ours

log = logging.getLogger(__name__)

# A worker killed between claiming and hearing back from Twilio leaves SENDING behind; whether
# Twilio took it is unknown, so it is marked failed for a person to look at, never resent.
STUCK_SENDING = timedelta(minutes=10)
BACKOFF_SECONDS = (5, 30, 120, 600, 1800)
MEDIA_GRACE = timedelta(minutes=2)  # the route job queues downloads itself; the sweeper only catches lost ones
MEDIA_GIVE_UP = timedelta(days=1)
SURVEY_LOOKBACK = timedelta(days=3)  # a case resolved longer ago than this is not surveyed late
# QUEUED: waiting for the send job (or a backoff); HELD: waiting for quiet hours to end.
_SENDABLE = (MessageStatus.QUEUED, MessageStatus.HELD)


def send_message(message_id: int) -> str:
    claimed = _claim(message_id)
    if claimed is None:
        return "not sendable"
    to, body, from_number = claimed
    callback = current_app.config["PUBLIC_BASE_URL"] + "/sms/status"
    try:
        sent = current_sender().send(to, body, callback, from_number=from_number)
    except SendError as exc:
        _record_failure(message_id, exc)
        return f"failed: {exc}"
    with db.transaction() as session:
        message = session.get(Message, message_id)
        message.twilio_sid = sent.sid
        message.status = ours(sent.status) if ours(sent.status) != MessageStatus.SENDING else MessageStatus.SENT
        message.sent_at = utcnow()
    return "sent"


def _claim(message_id: int):
    now = utcnow()
    with db.transaction() as session:
        message = session.exec(select(Message).where(Message.id == message_id).with_for_update()).first()
        if message is None or message.status not in _SENDABLE:
            return None
        if message.send_after and message.send_after > now:
            return None
        resident = session.get(Resident, message.resident_id) if message.resident_id else None
        if resident is not None and not may_text(resident, message.kind):
            message.status = MessageStatus.SUPPRESSED
            return None
        message.status = MessageStatus.SENDING
        message.attempts += 1
        message.sent_at = now
        return message.to_number, message.body, message.from_number


def _record_failure(message_id: int, exc: SendError) -> None:
    max_attempts = current_app.config["SEND_MAX_ATTEMPTS"]
    with db.transaction() as session:
        message = session.get(Message, message_id)
        message.error_code = exc.code
        message.error_message = str(exc)[:500]
        if exc.permanent or message.attempts >= max_attempts:
            message.status = MessageStatus.FAILED
            if exc.code == OPTED_OUT and message.resident_id:
                _mark_opted_out(session, message.resident_id)
            log.warning("message %s failed for good: %s", message_id, exc)
            return
        # Back to the outbox; the sweeper sends it again after the backoff.
        message.status = MessageStatus.QUEUED
        message.send_after = utcnow() + timedelta(seconds=BACKOFF_SECONDS[min(message.attempts, len(BACKOFF_SECONDS)) - 1])
        log.info("message %s will be retried after %s: %s", message_id, message.send_after, exc)


def _mark_opted_out(session, resident_id: int) -> None:
    resident = session.get(Resident, resident_id)
    if not resident.opted_out:
        resident.opted_out = True
        resident.opted_out_at = utcnow()


def sweep_outbox() -> dict:
    """Queues texts that are due and not queued (Redis was down, a backoff passed, quiet hours ended)."""
    now = utcnow()
    with db.transaction() as session:
        due = session.exec(
            select(Message.id)
            .where(Message.status.in_(_SENDABLE))
            .where((Message.send_after.is_(None)) | (Message.send_after <= now))
            .order_by(Message.id)
            .limit(1000)
        ).all()
        stuck = session.exec(
            select(Message).where(Message.status == MessageStatus.SENDING, Message.sent_at < now - STUCK_SENDING)
        ).all()
        for message in stuck:
            message.status = MessageStatus.FAILED
            message.error_message = "the worker stopped while sending; delivery unknown"
    for message_id in due:
        jobqueue.enqueue("replies.jobs.send_message", message_id, job_id=f"send-{message_id}", retries=0)
    return {"queued": len(due), "stuck": len(stuck)}


def fetch_media(media_id: int) -> str:
    """Downloads one MMS file (replies.media); network errors raise so rq retries with backoff."""
    return media.fetch(media_id)


def sweep_media() -> dict:
    """Queues downloads still pending a while after arrival (Redis was down, or every retry failed)."""
    now = utcnow()
    with db.transaction() as session:
        pending = session.exec(
            select(Media.id).join(Message, Message.id == Media.message_id)
            .where(Media.status == media.PENDING)
            .where(Message.created_at <= now - MEDIA_GRACE, Message.created_at >= now - MEDIA_GIVE_UP)
            .order_by(Media.id).limit(200)
        ).all()
    for media_id in pending:
        jobqueue.enqueue("replies.jobs.fetch_media", media_id, job_id=f"fetch_media-{media_id}")
    return {"queued": len(pending)}


def queue_surveys() -> dict:
    """Queues the satisfaction text of cases resolved lately that have none (the inbox queues most itself)."""
    with db.transaction() as session:
        case_ids = survey.resolved_without_survey(session, utcnow(), SURVEY_LOOKBACK)
    queued = []
    for case_id in case_ids:
        with db.transaction() as session:
            case = session.exec(select(Case).where(Case.id == case_id).with_for_update(skip_locked=True)).first()
            message = survey.queue_survey(session, case) if case is not None else None
        if message is not None:
            outbox.dispatch(message)
            queued.append(case_id)
    return {"queued": len(queued)}

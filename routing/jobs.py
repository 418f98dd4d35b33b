"""Routing jobs: decide what a stored text is, and re-queue cases that were stored but never routed.

Every text arrives as a new case. The route job reads it in this order: a blocked number (kept,
never routed); opt-out and opt-in words (always obeyed); a flood (grouped into the first case);
help and status words; a 1-5 answer to our survey; a follow-up to an open case (threaded); and
only then a new case, routed by its one-click tag or the classifier, with a receipt.
"""
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func
from sqlmodel import Session, select

import db
import jobqueue
from models import Case, CaseEvent, CaseState, Department, Direction, Line, Media, Message, QrTag, Resident, utcnow
from replies import commands, keywords, outbox, survey, templates
from routing import follow_up
from routing.classifier import Classification, classify
from sla import policy

log = logging.getLogger(__name__)

FLOOD_WINDOW = timedelta(minutes=1)


@dataclass
class _AfterCommit:
    texts: list[Message] = field(default_factory=list)
    media_ids: list[int] = field(default_factory=list)


def route_case(case_id: int) -> str:
    """Routes the case, after any earlier unrouted text of the same resident, so texts are read in the order sent.

    The resident's row is locked for the whole decision: two texts of one resident are never
    threaded, rated or counted against each other at the same moment. Safe to run twice.
    """
    after = _AfterCommit()
    with db.transaction() as session:
        resident_id = session.exec(select(Case.resident_id).where(Case.id == case_id)).first()
        if resident_id is None:
            return "no such case"
        resident = session.exec(select(Resident).where(Resident.id == resident_id).with_for_update()).one()
        unrouted = session.exec(
            select(Case).where(Case.resident_id == resident_id, Case.state == CaseState.NEW, Case.id <= case_id)
            .order_by(Case.id).with_for_update()
        ).all()
        outcomes = {case.id: _route(session, case, resident, after) for case in unrouted}
    for message in after.texts:
        outbox.dispatch(message)
    for media_id in after.media_ids:
        jobqueue.enqueue("replies.jobs.fetch_media", media_id, job_id=f"fetch_media-{media_id}")
    return outcomes.get(case_id, "already routed")


def _route(session: Session, case: Case, resident: Resident, after: _AfterCommit) -> str:
    now = utcnow()
    message = _inbound_message(session, case)
    text = message.body if message else ""
    line = session.get(Line, case.line_id)
    if resident.blocked:
        return _shelve(session, case, now, "blocked number: stored, not routed, not answered")
    if message:
        after.media_ids.extend(session.exec(select(Media.id).where(Media.message_id == message.id)).all())
    command = _command(session, text, resident)
    if text.strip() and (command is None or _first_text(session, resident, message)):
        # A keyword (STOP, status) says little about the language: a Korean resident often types STOP.
        resident.language = templates.detect_language(text, resident.language)
    if command and command.name in (keywords.OPT_OUT, keywords.OPT_IN):
        return _answer(session, case, command, resident, line, now, after)
    first = _flood_target(session, case, message, resident) if message else None
    if first is not None:
        _merge(session, case, message, first, now, flood=True)
        return f"grouped into {first.ref}"
    if command:
        return _answer(session, case, command, resident, line, now, after)
    config = current_app.config
    since = now - timedelta(days=config["THREAD_DAYS"])
    surveyed = survey.awaiting_answer(session, resident.id, since)
    score = keywords.rating(text)
    if surveyed is not None and score is not None:
        _merge(session, case, message, surveyed, now, rating=score)
        survey.record_rating(session, surveyed, score, message, now)
        return f"rated {surveyed.ref}: {score}"
    tag = _known_tag(session, text)
    result = classify(text)
    target = follow_up.candidate(session, resident.id, since, surveyed)
    if target is not None and not follow_up.is_new_matter(text, result, target, tagged=tag is not None,
                                                          sure=config["NEW_MATTER_CONFIDENCE"]):
        if target.state == CaseState.WAITING:
            policy.resume(target, now)
        _merge(session, case, message, target, now)
        return f"added to {target.ref}"
    after.texts.append(_open(session, case, resident, line, result, tag, now))
    return f"routed to {case.department_key}"


def _inbound_message(session: Session, case: Case) -> Message | None:
    return session.exec(
        select(Message).where(Message.case_id == case.id, Message.direction == Direction.INBOUND).order_by(Message.id)
    ).first()


def _first_text(session: Session, resident: Resident, message: Message | None) -> bool:
    """Whether the resident never texted the line before this message."""
    earlier = select(Message.id).where(Message.resident_id == resident.id, Message.direction == Direction.INBOUND)
    if message is not None:
        earlier = earlier.where(Message.id < message.id)
    return session.exec(earlier.limit(1)).first() is None


def _command(session: Session, text: str, resident: Resident) -> keywords.Command | None:
    command = keywords.parse(text, tuple(session.exec(select(Line.ref_prefix)).all()))
    # "YES" or "시작" from someone still receiving texts is an answer, not a request to resume.
    if command and command.name == keywords.OPT_IN and not resident.opted_out:
        return None
    return command


def _answer(session: Session, case: Case, command: keywords.Command, resident: Resident, line: Line, now: datetime,
            after: _AfterCommit) -> str:
    _close_as_merged(case, now)
    reply = commands.answer(session, command, resident=resident, case=case, line=line, now=now)
    if reply is not None:
        after.texts.append(reply)
    return command.name


def _flood_target(session: Session, case: Case, message: Message, resident: Resident) -> Case | None:
    """Past FLOOD_LIMIT_PER_MINUTE texts in a minute, the first live case of that minute takes the rest."""
    recent = session.exec(
        select(Message.case_id)
        .where(Message.resident_id == resident.id, Message.direction == Direction.INBOUND)
        .where(Message.created_at >= message.created_at - FLOOD_WINDOW, Message.id <= message.id)
        .order_by(Message.id)
    ).all()
    if len(recent) <= current_app.config["FLOOD_LIMIT_PER_MINUTE"]:
        return None
    for case_id in recent:
        earlier = session.get(Case, case_id)
        if earlier.id != case.id and earlier.state != CaseState.MERGED:
            return earlier
    return None


def _known_tag(session: Session, text: str) -> QrTag | None:
    for key in keywords.tags(text):
        tag = session.exec(select(QrTag).where(func.lower(QrTag.key) == key.lower(), QrTag.active)).first()
        if tag is not None:
            return tag
    return None


def _close_as_merged(case: Case, now: datetime) -> None:
    case.state = CaseState.MERGED
    case.routed_at = now
    case.updated_at = now


def _shelve(session: Session, case: Case, now: datetime, why: str) -> str:
    _close_as_merged(case, now)
    session.add(CaseEvent(case_id=case.id, kind="note", data={"text": why}, created_at=now))
    return "blocked"


def _merge(session: Session, case: Case, message: Message | None, target: Case, now: datetime, **data) -> None:
    """Folds the text into `target`: its message moves there and the holder sees it as new."""
    _close_as_merged(case, now)
    case.merged_into_id = target.id
    target.last_activity_at = now
    target.updated_at = now
    if message is not None:
        message.case_id = target.id
    if "rating" not in data:
        session.add(CaseEvent(case_id=target.id, kind="resident_text", actor="resident", created_at=now,
                              data={"message_id": message.id if message else None, "from_case": case.ref, **data}))


def _open(session: Session, case: Case, resident: Resident, line: Line, result: Classification, tag: QrTag | None,
          now: datetime) -> Message:
    """A case of its own: category and department (a one-click tag's, else the classifier's), deadline, receipt."""
    case.category = (tag.category if tag and tag.category else None) or result.category
    case.department_key = (tag.department_key if tag and tag.department_key else None) or result.department
    case.confidence = result.confidence
    case.tag = tag.key if tag else None
    case.state = CaseState.OPEN
    case.routed_at = now
    case.updated_at = now
    case.last_activity_at = now
    department = session.get(Department, case.department_key)
    case.deadline_at = policy.first_answer_deadline(case.category, department, case.created_at)
    data = result.as_dict() | ({"tag": tag.key, "category": case.category, "department": case.department_key} if tag else {})
    session.add(CaseEvent(case_id=case.id, kind="routed", data=data, created_at=now))
    return outbox.queue_text(
        session,
        resident=resident,
        line=line,
        case=case,
        kind="receipt",
        purpose_key=f"receipt:{case.id}",
        body=templates.receipt(resident.language, case.ref, department.name_ko, department.name_en, case.deadline_at),
    )


def sweep_unrouted() -> dict:
    """Queues cases still new after SWEEP_AFTER_SECONDS (Redis was down, or a job was lost)."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["SWEEP_AFTER_SECONDS"])
    with db.transaction() as session:
        case_ids = session.exec(
            select(Case.id).where(Case.state == CaseState.NEW, Case.created_at <= cutoff).order_by(Case.id).limit(1000)
        ).all()
    queued = [cid for cid in case_ids if jobqueue.enqueue("routing.jobs.route_case", cid, job_id=f"route_case-{cid}")]
    if case_ids:
        log.info("sweeper queued %d of %d unrouted cases", len(queued), len(case_ids))
    return {"unrouted": len(case_ids), "queued": len(queued)}

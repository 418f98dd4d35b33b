"""What staff do to a case. Each action is one transaction that writes a CaseEvent with who and when,
bumps Case.version, and texts the resident through the outbox when the action says so.

Two guards keep a form from doing harm twice: the one-time form token is stored as the event's
dedupe_key (the same form posted again finds its event and does nothing), and the case version the
writer saw must still be the case's version (someone else acted meanwhile: nothing is done).
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

import db
import district_time
from inbox import permissions
from models import Case, CaseEvent, CaseState, Department, Line, Message, MessageStatus, Resident, utcnow
from replies import outbox
from routing import corrections, taxonomy
from sla import actions as sla_actions
from sla import policy as sla_policy


class CaseNotFound(Exception):
    """No such case, or not one this member of staff may see (both answer 404)."""


class Refused(Exception):
    """The action cannot be done; the message says why, in the user's language."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(Refused):
    status = 403


class StaleCase(Refused):
    status = 409


@dataclass(frozen=True)
class Done:
    event_id: int
    duplicate: bool  # this form had been posted before; nothing new was done
    message: Message | None  # the text queued for the resident, if any


def perform(user, case_id: int, action: str, *, seen_version: int, form_token: str, **fields) -> Done:
    """Runs one action on a case for a signed-in member of staff; raises CaseNotFound or Refused."""
    dedupe_key = f"form:{form_token}"
    try:
        with db.transaction() as session:
            case = session.exec(select(Case).where(Case.id == case_id).with_for_update()).first()
            if case is None or not permissions.can_see(user, case):
                raise CaseNotFound(case_id)
            earlier = _event_with_key(session, dedupe_key)
            if earlier is not None:
                return Done(earlier.id, duplicate=True, message=None)
            if not permissions.can(user, action, case):
                raise NotAllowed(_("Your role cannot do this on this case."))
            if case.version != seen_version:
                raise StaleCase(_stale_message(session, case))
            if case.state == CaseState.MERGED:
                raise Refused(_("This case was merged into another one; act on that case instead."))
            event = CaseEvent(case_id=case.id, kind="", staff_id=user.id, actor=user.display_name, data={},
                              dedupe_key=dedupe_key)
            message = _ACTIONS[action](session, case, event, user, **fields)
            now = utcnow()
            case.version += 1
            case.updated_at = now
            case.last_activity_at = now
            session.flush()
            done = Done(event.id, duplicate=False, message=message)
    except IntegrityError:
        # The same form posted twice at the same moment: the other request wrote the event.
        with db.transaction() as session:
            earlier = _event_with_key(session, dedupe_key)
            if earlier is None:
                raise
            return Done(earlier.id, duplicate=True, message=None)
    outbox.dispatch(done.message)
    return done


def _event_with_key(session: Session, dedupe_key: str) -> CaseEvent | None:
    return session.exec(select(CaseEvent).where(CaseEvent.dedupe_key == dedupe_key)).first()


def _stale_message(session: Session, case: Case) -> str:
    latest = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc()).limit(1)
    ).first()
    if latest is None or latest.staff_id is None:
        return _("Someone else changed this case while you were writing. Nothing was done; "
                 "your text is kept below. Check the case and send again.")
    return _("%(who)s changed this case (%(what)s) while you were writing. Nothing was done; "
             "your text is kept below. Check the case and send again.",
             who=latest.actor, what=event_label(latest.kind))


def event_label(kind: str) -> str:
    labels = {
        "routed": _("routed"),
        "resident_text": _("resident texted"),
        "reply": _("reply"),
        "note": _("internal note"),
        "reassigned": _("reassigned"),
        "category_changed": _("category changed"),
        "resolved": _("resolved"),
        "reopened": _("reopened"),
        "question": _("question to the resident"),
        "reminder": _("reminder"),
        "escalated": _("escalated"),
        "deadline_extended": _("deadline extended"),
        "rated": _("rated"),
        "opted_out": _("resident opted out"),
        "opted_in": _("resident opted in"),
        "media_stored": _("photo stored"),
    }
    return labels.get(kind, kind)


def _text_resident(session: Session, case: Case, event: CaseEvent, body: str, kind: str, user) -> Message:
    session.add(event)
    session.flush()  # the event id names the text, so a retried job cannot send it twice
    return outbox.queue_text(
        session,
        resident=session.get(Resident, case.resident_id),
        line=session.get(Line, case.line_id),
        case=case,
        body=body,
        kind=kind,
        purpose_key=f"{kind}:{event.id}",
        staff_id=user.id,
    )


def _reply(session: Session, case: Case, event: CaseEvent, user, *, body: str, question: bool = False) -> Message:
    event.kind = "question" if question else "reply"
    message = _text_resident(session, case, event, body, "reply", user)
    event.data = {"body": body, "message_id": message.id, "suppressed": message.status == MessageStatus.SUPPRESSED}
    now = utcnow()
    if question:
        # Waiting on the resident: the SLA clocks stop until they answer (routing resumes them).
        sla_policy.pause(case, now)
        return message
    sla_policy.resume(case, now)
    if case.first_answered_at is None:
        case.first_answered_at = now
    if case.state in (CaseState.NEW, CaseState.OPEN):
        case.state = CaseState.ANSWERED
    return message


def _note(session: Session, case: Case, event: CaseEvent, user, *, body: str) -> None:
    event.kind = "note"
    event.data = {"body": body}
    session.add(event)


def _reassign(session: Session, case: Case, event: CaseEvent, user, *, department: str, reason: str) -> None:
    target = session.get(Department, department)
    if target is None or not target.active:
        raise Refused(_("There is no such department."))
    if target.key == case.department_key:
        raise Refused(_("The case is already with %(department)s.", department=target.name_ko))
    event.kind = "reassigned"
    event.data = {"from": case.department_key, "to": target.key, "reason": reason}
    session.add(event)
    case.department_key = target.key
    corrections.record(session, case=case, category=case.category or "other", department=target.key,
                       staff_id=user.id)


def _change_category(session: Session, case: Case, event: CaseEvent, user, *, category: str) -> None:
    if category not in taxonomy.default().category_keys:
        raise Refused(_("There is no such category."))
    if category == case.category:
        raise Refused(_("The case already has this category."))
    event.kind = "category_changed"
    event.data = {"from": case.category, "to": category}
    session.add(event)
    case.category = category
    corrections.record(session, case=case, category=category,
                       department=case.department_key or taxonomy.COMMUNICATION, staff_id=user.id)


def _resolve(session: Session, case: Case, event: CaseEvent, user, *, result: str, notify: bool) -> Message | None:
    if case.state == CaseState.RESOLVED:
        raise Refused(_("The case is already resolved."))
    event.kind = "resolved"
    now = utcnow()
    message = None
    if notify:
        message = _text_resident(session, case, event, result, "result", user)
        case.first_answered_at = case.first_answered_at or now
    else:
        session.add(event)
    event.data = {"result": result, "message_id": message.id if message else None,
                  "suppressed": bool(message and message.status == MessageStatus.SUPPRESSED)}
    case.state = CaseState.RESOLVED
    case.resolved_at = now
    case.result = result
    return message


def _reopen(session: Session, case: Case, event: CaseEvent, user, *, reason: str) -> None:
    if case.state != CaseState.RESOLVED:
        raise Refused(_("Only a resolved case can be reopened."))
    event.kind = "reopened"
    event.data = {"reason": reason, "previous_result": case.result}
    session.add(event)
    case.state = CaseState.ANSWERED if case.first_answered_at else CaseState.OPEN
    case.resolved_at = None


def _extend(session: Session, case: Case, event: CaseEvent, user, *, deadline, reason: str) -> None:
    if case.state not in CaseState.ACTIVE:
        raise Refused(_("Only an open case has a deadline to extend."))
    try:
        sla_actions.extend_deadline(session, case, district_time.from_local(deadline), reason, user, event=event)
    except sla_actions.ExtensionRefused as refused:
        raise Refused(str(refused)) from None


_ACTIONS = {
    "reply": _reply,
    "note": _note,
    "reassign": _reassign,
    "category": _change_category,
    "resolve": _resolve,
    "reopen": _reopen,
    "extend": _extend,
}

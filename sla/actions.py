"""What staff may do to a deadline. Reassigning a case never touches it; only this does."""
from datetime import datetime

from sqlmodel import Session

from models import Case, CaseEvent, Staff, utcnow
from sla import ladder, policy

# A leader of the case's department or the communication team may extend a deadline (the inbox's matrix agrees).
_MAY_EXTEND_ANY = ("communication",)


class ExtensionRefused(ValueError):
    """The extension was not made; str() says why, in words for the person who asked."""


def extend_deadline(session: Session, case: Case, new_deadline: datetime, reason: str, staff: Staff,
                    now: datetime | None = None, event: CaseEvent | None = None) -> CaseEvent:
    """Moves the running clock's deadline later (or sets one where the category has none), with a reason.

    The escalation ladder starts again for the new deadline; the steps already taken stay in the
    thread. Runs in the caller's transaction (lock the case row first); returns the
    deadline_extended event: `event` when given (the inbox's, which carries its form token and
    bumps the case version itself), else a new one.
    """
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise ExtensionRefused("기한 연장 사유를 적어 주세요. (A reason is required.)")
    if not (staff.role in _MAY_EXTEND_ANY or (staff.role == "leader" and staff.department_key == case.department_key)):
        raise ExtensionRefused("이 사건의 기한은 담당 부서장만 연장할 수 있습니다. (Only the department's leader may extend.)")
    if new_deadline.tzinfo is None:
        raise ExtensionRefused("새 기한에 시간대가 없습니다. (The new deadline needs a time zone.)")
    clock = policy.clock_of(case)
    current = policy.deadline_of(case, clock)
    if new_deadline <= max(filter(None, (current, now))):
        raise ExtensionRefused("새 기한은 지금과 현재 기한보다 뒤여야 합니다. (The new deadline must be later than now and the current one.)")
    level_before = case.escalation_level
    policy.set_deadline(case, clock, new_deadline)
    case.sla_progress = ladder.progress(case.sla_progress, clock).next_round(clock)
    case.escalation_level = 0
    case.updated_at = now
    if event is None:
        case.version += 1
        event = CaseEvent(case_id=case.id, staff_id=staff.id, actor=staff.email, created_at=now)
    event.kind = "deadline_extended"
    event.data = {"clock": clock, "from": current.isoformat() if current else None,
                  "to": new_deadline.isoformat(), "reason": reason, "escalation_level_before": level_before}
    session.add(event)
    session.flush()
    return event

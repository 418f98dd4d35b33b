"""Answers to the words a resident texts to the line itself: opt-out, opt-in, help, status.

Each runs in the route job's transaction and returns the text it queued (or None); the caller
dispatches it after the commit.
"""
from sqlmodel import Session, select

from models import Case, CaseEvent, CaseState, Department, Line, Message, Resident
from replies import keywords, outbox, templates


def answer(session: Session, command: keywords.Command, *, resident: Resident, case: Case, line: Line,
           now) -> Message | None:
    """Carries out the command the text `case` holds; `case` is the command's own (merged) case."""
    if command.name == keywords.OPT_OUT:
        return _opt_out(session, resident, case, line, now)
    if command.name == keywords.OPT_IN:
        return _opt_in(session, resident, case, line)
    if command.name == keywords.HELP:
        body = templates.help_text(resident.language)
    else:
        body = _status(session, resident, command.ref, case)
    return outbox.queue_text(session, resident=resident, line=line, case=case, kind=command.name,
                             purpose_key=f"{command.name}:{case.id}", body=body)


def _opt_out(session: Session, resident: Resident, case: Case, line: Line, now) -> Message | None:
    if resident.opted_out:
        return None  # one confirmation, then silence
    resident.opted_out = True
    resident.opted_out_at = now
    _record_on_cases(session, resident, case, "opted_out")
    return outbox.queue_text(session, resident=resident, line=line, case=case, kind=outbox.OPT_OUT_CONFIRMATION,
                             purpose_key=f"opt_out:{case.id}", body=templates.opted_out(resident.language))


def _opt_in(session: Session, resident: Resident, case: Case, line: Line) -> Message | None:
    resident.opted_out = False
    resident.opted_out_at = None
    _record_on_cases(session, resident, case, "opted_in")
    return outbox.queue_text(session, resident=resident, line=line, case=case, kind="opt_in",
                             purpose_key=f"opt_in:{case.id}", body=templates.opted_in(resident.language))


def _record_on_cases(session: Session, resident: Resident, command_case: Case, kind: str) -> None:
    """On the command's case and on every active case, so whoever holds one sees it in the thread."""
    active = session.exec(
        select(Case.id).where(Case.resident_id == resident.id, Case.state.in_(CaseState.ACTIVE), Case.id != command_case.id)
    ).all()
    for case_id in [command_case.id, *active]:
        session.add(CaseEvent(case_id=case_id, kind=kind, actor="resident", data={"case": command_case.ref}))


def _status(session: Session, resident: Resident, ref: str | None, command_case: Case) -> str:
    case = _own_case(session, resident, ref, command_case)
    if case is None:
        return templates.status_not_found(resident.language, ref)
    department = session.get(Department, case.department_key) if case.department_key else None
    due = case.deadline_at if case.first_answered_at is None else case.resolution_deadline_at
    if case.state == CaseState.RESOLVED:
        due = None
    return templates.status(resident.language, case.ref, department.name_ko if department else "접수",
                            department.name_en if department else "received", case.state, due)


def _own_case(session: Session, resident: Resident, ref: str | None, command_case: Case) -> Case | None:
    """The named case, or the latest one, of this resident only; a follow-up's reference shows its case."""
    query = select(Case).where(Case.resident_id == resident.id, Case.id != command_case.id)
    if ref:
        case = session.exec(query.where(Case.ref == ref)).first()
        if case is not None and case.state == CaseState.MERGED:
            case = session.get(Case, case.merged_into_id) if case.merged_into_id else None
        return case
    return session.exec(query.where(Case.state != CaseState.MERGED).order_by(Case.last_activity_at.desc())).first()

"""Routing jobs: route a stored case, and re-queue cases that were stored but never routed."""
import logging
from datetime import timedelta

from flask import current_app
from sqlmodel import select

import db
import jobqueue
from models import Case, CaseEvent, CaseState, Department, Line, Message, Resident, utcnow
from replies import outbox, templates
from routing.classifier import classify
from sla.policy import first_answer_deadline

log = logging.getLogger(__name__)


def route_case(case_id: int) -> str:
    """Classifies the case's first text, sets department and deadline, and queues the receipt."""
    with db.transaction() as session:
        case = session.exec(select(Case).where(Case.id == case_id).with_for_update()).first()
        if case is None or case.state != CaseState.NEW:
            return "already routed"
        text = _first_text(session, case)
        resident = session.get(Resident, case.resident_id)
        result = classify(text)
        department = session.get(Department, result.department)
        now = utcnow()
        case.category = result.category
        case.department_key = result.department
        case.confidence = result.confidence
        case.state = CaseState.OPEN
        case.routed_at = now
        case.updated_at = now
        case.deadline_at = first_answer_deadline(result.category, department, case.created_at)
        session.add(CaseEvent(case_id=case.id, kind="routed", data=result.as_dict()))
        if text.strip():
            resident.language = templates.detect_language(text, resident.language)
        receipt = outbox.queue_text(
            session,
            resident=resident,
            line=session.get(Line, case.line_id),
            case=case,
            kind="receipt",
            purpose_key=f"receipt:{case.id}",
            body=templates.receipt(resident.language, case.ref, department.name_ko, department.name_en, case.deadline_at),
        )
    outbox.dispatch(receipt)
    return f"routed to {result.department}"


def _first_text(session, case: Case) -> str:
    return session.exec(
        select(Message.body).where(Message.case_id == case.id).order_by(Message.id).limit(1)
    ).first() or ""


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

"""The watcher: one pass over the open cases (tick), run by the clock every five minutes.

Each step of each case happens once, however many watchers run: candidates are read without
locks, then every case with a due step is handled in a transaction of its own that locks the
row (FOR UPDATE SKIP LOCKED on PostgreSQL: a second watcher moves on to other cases), re-reads
its progress and writes the step's CaseEvent (unique dedupe_key) together with the outbound
Message rows (unique purpose_key). A crash before the commit leaves nothing behind and the next
tick does the step; after it, the outbox sweeper sends the texts and the mail sweep below the mail.
"""
import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

import db
import jobqueue
import mailer
from models import (SLA_ANSWER_CLOCK, SLA_PAUSED, SLA_RESOLUTION_CLOCK, SLA_RESOLUTION_UNSET, Case, CaseEvent,
                    CaseState, Department, utcnow)
from replies import outbox
from sla import calendar, ladder, notify, policy

log = logging.getLogger(__name__)

BATCH = 1000  # rows per query where a pass writes (pauses, resolution deadlines); the rest waits for the next tick
MAIL_RETRY_WINDOW = timedelta(days=1)


def tick(now: datetime | None = None) -> dict:
    """One watcher pass at `now` (default: the current time); returns what it did."""
    now = now or utcnow()
    cal = calendar.current()
    summary = {
        "now": now.isoformat(),
        "checked": 0,
        "reminded": [],
        "escalated": [],
        "resumed": _resume_forgotten_pauses(now),
        "resolution_deadlines_set": _set_resolution_deadlines(),
        "busy": 0,
        "failed": [],
    }
    with db.transaction() as session:
        departments = {d.key: d for d in session.exec(select(Department)).all()}
        candidates = _candidates(session, now, cal)
        summary["checked"] = len(candidates)
        due = _with_due_steps(session, candidates, departments, now, cal)
    for case_id in due:
        try:
            done = _run_steps(case_id, departments, now, cal)
        except Exception:
            # One case's trouble must not hold up every other case's escalation.
            log.exception("SLA steps of case %s failed; the next tick tries again", case_id)
            summary["failed"].append(case_id)
            continue
        if done is None:
            summary["busy"] += 1
            continue
        ref, clock, steps = done
        for step in steps:
            if step == ladder.REMINDER:
                summary["reminded"].append({"case": ref, "clock": clock})
            else:
                summary["escalated"].append({"case": ref, "level": ladder.level_of(step), "clock": clock})
    summary["mail_queued"] = _queue_pending_mail(now)
    return summary


def _resume_forgotten_pauses(now: datetime) -> list[str]:
    """A case moved out of WAITING without sla.policy.resume(): its clock restarts now."""
    with db.transaction() as session:
        cases = session.exec(
            select(Case).where(text(SLA_PAUSED)).where(Case.state != CaseState.WAITING)
            .order_by(Case.id).limit(BATCH).with_for_update(skip_locked=True)
        ).all()
        for case in cases:
            policy.resume(case, now)
        return [case.ref for case in cases]


def _set_resolution_deadlines() -> int:
    """Sets the resolution deadline of newly routed cases (routing sets only the first-answer one)."""
    no_deadline = [c for c, hours in current_app.config["SLA_RESOLUTION_HOURS"].items() if hours is None]
    cal = calendar.current()
    with db.transaction() as session:
        cases = session.exec(
            select(Case).where(text(SLA_RESOLUTION_UNSET)).where(Case.category.is_not(None))
            .where(Case.category.notin_(no_deadline)).order_by(Case.id).limit(BATCH).with_for_update(skip_locked=True)
        ).all()
        for case in cases:
            department = session.get(Department, case.department_key) if case.department_key else None
            deadline = policy.resolution_deadline(case.category, department, case.created_at)
            if deadline is not None and case.paused_seconds:
                deadline = cal.add(deadline, case.paused_seconds)
            case.resolution_deadline_at = deadline
        return len(cases)


def _candidates(session, now: datetime, cal) -> list[tuple]:
    """(id, clock, deadline, category, department_key) of running clocks whose deadline is within the
    longest reminder look-ahead of `now` or past: the only cases where a step can be due."""
    fraction = current_app.config["REMINDER_FRACTION"]
    found = []
    for clock, predicate, column in ((policy.ANSWER, SLA_ANSWER_CLOCK, Case.deadline_at),
                                     (policy.RESOLUTION, SLA_RESOLUTION_CLOCK, Case.resolution_deadline_at)):
        horizon = cal.add(now, fraction * policy.longest_hours(clock) * 3600)
        rows = session.exec(
            select(Case.id, column, Case.category, Case.department_key).where(text(predicate)).where(column <= horizon)
        ).all()
        found += [(case_id, clock, deadline, category, department) for case_id, deadline, category, department in rows]
    return found


def _lead_seconds(clock: str, category: str | None, department: Department | None) -> float:
    return current_app.config["REMINDER_FRACTION"] * policy.hours_for(clock, category, department) * 3600


def _with_due_steps(session, candidates: list[tuple], departments: dict, now: datetime, cal) -> list[int]:
    """Ids of the candidates with a step due and not yet done (progress read in bulk)."""
    offsets = current_app.config["ESCALATION_HOURS"]
    timely = {
        case_id: clock for case_id, clock, deadline, category, department in candidates
        if ladder.due_steps(deadline, now, lead_seconds=_lead_seconds(clock, category, departments.get(department)),
                            offsets_hours=offsets, cal=cal)
    }
    events: dict[int, list] = {}
    ids = sorted(timely)
    for start in range(0, len(ids), BATCH):
        for event in session.exec(
            select(CaseEvent).where(CaseEvent.case_id.in_(ids[start:start + BATCH]), CaseEvent.kind.in_(ladder.EVENT_KINDS))
        ).all():
            events.setdefault(event.case_id, []).append(event)
    due = []
    for case_id, clock, deadline, category, department in candidates:
        if case_id not in timely:
            continue
        done = ladder.progress(events.get(case_id, []), clock).done
        lead = _lead_seconds(clock, category, departments.get(department))
        if ladder.due_steps(deadline, now, lead_seconds=lead, offsets_hours=offsets, cal=cal, done=done):
            due.append(case_id)
    return due


def _run_steps(case_id: int, departments: dict, now: datetime, cal) -> tuple[str, str, list[str]] | None:
    """Does the case's due steps in one transaction; None when another watcher holds the case."""
    messages = []
    try:
        with db.transaction() as session:
            case = session.exec(select(Case).where(Case.id == case_id).with_for_update(skip_locked=True)).first()
            if case is None:
                return None
            clock = policy.running_clock(case)
            deadline = policy.deadline_of(case, clock) if clock else None
            if deadline is None:
                return case.ref, "", []
            events = session.exec(
                select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(ladder.EVENT_KINDS))
            ).all()
            progress = ladder.progress(events, clock)
            department = departments.get(case.department_key)
            steps = ladder.due_steps(deadline, now, lead_seconds=_lead_seconds(clock, case.category, department),
                                     offsets_hours=current_app.config["ESCALATION_HOURS"], cal=cal, done=progress.done)
            for step in steps:
                messages += _record_step(session, case, department, clock, progress.round, step, deadline, now)
    except IntegrityError:
        # Only a watcher without row locks (SQLite) gets here: the other one recorded the step first.
        log.info("SLA step of case %s was recorded by another watcher", case_id)
        return None
    for message in messages:
        outbox.dispatch(message)
    return case.ref, clock, steps


def _record_step(session, case: Case, department: Department | None, clock: str, round_: int, step: str,
                 deadline: datetime, now: datetime) -> list:
    key = ladder.step_key(case.id, clock, round_, step)
    contacts = notify.contacts_for(session, case, step)
    body = notify.text_body(case, department, clock, step, deadline, now)
    session.add(CaseEvent(case_id=case.id, kind="reminder" if step == ladder.REMINDER else "escalated",
                          actor="sla watcher", created_at=now, dedupe_key=key,
                          data=notify.event_data(clock, round_, step, deadline, contacts, body)))
    session.flush()
    if step != ladder.REMINDER:
        case.escalation_level = ladder.level_of(step)
    if not contacts:
        log.warning("case %s: nobody is configured for SLA step %s", case.ref, step)
    return notify.queue_texts(session, case, contacts, body, key)


def _queue_pending_mail(now: datetime) -> int:
    """Queues the mail of recent steps not mailed yet (a crash after the commit, SMTP down)."""
    with db.transaction() as session:
        pending = [
            event_id for event_id, data in session.exec(
                select(CaseEvent.id, CaseEvent.data)
                .where(CaseEvent.kind.in_(("reminder", "escalated")), CaseEvent.created_at >= now - MAIL_RETRY_WINDOW)
            ).all()
            if (data or {}).get("mail") == "pending"
        ]
    # No queue retries: the next tick (five minutes on) is the retry, for a day.
    return sum(jobqueue.enqueue("sla.jobs.mail_step", event_id, job_id=f"sla-mail-{event_id}", retries=0)
               for event_id in pending)


def mail_step(event_id: int) -> str:
    """Mails one step to its recipients, once it is sent marked so; a failure raises and is retried."""
    with db.transaction() as session:
        event = session.exec(select(CaseEvent).where(CaseEvent.id == event_id).with_for_update()).first()
        if event is None or event.data.get("mail") != "pending":
            return "nothing to send"
        mailer.send(notify.mail_for(session.get(Case, event.case_id), event))
        event.data = {**event.data, "mail": "sent", "mailed_at": utcnow().isoformat()}
    return "sent"

"""The watcher: one pass over the open cases (tick), run by the clock every five minutes.

Each step of each case happens once, however many watchers run: candidates are read without
locks, then the cases with a due step are handled in transactions of up to STEP_BATCH cases that
lock the rows (FOR UPDATE SKIP LOCKED on PostgreSQL: a second watcher moves on to other cases),
re-read their progress (Case.sla_progress) and write each step's CaseEvent (unique dedupe_key)
together with the outbound Message rows (unique purpose_key). A crash before the commit leaves
nothing behind and the next tick does the step; after it, the outbox sweeper sends the texts and
the mail sweep below the mail.
"""
import logging
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import or_, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

import db
import jobqueue
import mailer
from models import (SLA_ANSWER_CLOCK, SLA_MAIL_PENDING, SLA_PAUSED, SLA_RESOLUTION_CLOCK, SLA_RESOLUTION_UNSET, Case, CaseEvent,
                    CaseState, Department, utcnow)
from replies import outbox
from sla import calendar, ladder, notify, policy

log = logging.getLogger(__name__)

BATCH = 1000  # rows per query where a pass writes (pauses, resolution deadlines); the rest waits for the next tick
STEP_BATCH = 100  # cases whose steps are done in one transaction (one commit, one lock query)
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
        **_reconcile_pauses(now),
        "resolution_deadlines_set": _set_resolution_deadlines(),
        "busy": 0,
        "failed": [],
    }
    with db.transaction() as session:
        directory = notify.load_directory(session)
        candidates = _candidates(session, now, cal)
        summary["checked"] = len(candidates)
        rules = Rules(directory.departments, cal)
        due = _due(candidates, rules, now)
    for start in range(0, len(due), STEP_BATCH):
        _run_batch(due[start:start + STEP_BATCH], directory, rules, now, summary)
    summary["mail_queued"] = _queue_pending_mail(now)
    return summary


def _run_batch(batch: list[int], directory, rules, now: datetime, summary: dict) -> None:
    try:
        outcome = _run_steps(batch, directory, rules, now)
    except Exception:
        # One case's trouble must not hold up the others: the batch is redone a case at a time.
        outcome = []
        for case_id in batch:
            try:
                outcome += _run_steps([case_id], directory, rules, now)
            except Exception:
                log.exception("SLA steps of case %s failed; the next tick tries again", case_id)
                summary["failed"].append(case_id)
    summary["busy"] += len(batch) - len(outcome) - len(set(batch) & set(summary["failed"]))
    for ref, clock, steps in outcome:
        for step in steps:
            if step == ladder.REMINDER:
                summary["reminded"].append({"case": ref, "clock": clock})
            else:
                summary["escalated"].append({"case": ref, "level": ladder.level_of(step), "clock": clock})


class Candidate(NamedTuple):
    id: int
    clock: str
    deadline: datetime
    category: str | None
    department_key: str | None
    sla_progress: str | None


# The watcher's queries, built here so bench/sla_tick.py can show their plans.

def unpaused_query():
    return select(Case).where(text(SLA_PAUSED)).where(Case.state != CaseState.WAITING).order_by(Case.id).limit(BATCH)


def unstarted_pause_query():
    return (select(Case).where(Case.state == CaseState.WAITING).where(Case.waiting_since.is_(None))
            .order_by(Case.id).limit(BATCH))


def resolution_unset_query(no_deadline: list[str]):
    return (select(Case).where(text(SLA_RESOLUTION_UNSET)).where(Case.category.is_not(None))
            .where(Case.category.notin_(no_deadline)).order_by(Case.id).limit(BATCH))


def candidates_query(clock: str, horizon: datetime, level_due_before: list[datetime]):
    """Cases of this clock where a step may be due: nothing done yet this round and the deadline
    within the reminder look-ahead, or the next escalation level's time reached
    (level k is due for deadlines up to level_due_before[k-1]); Python checks each exactly."""
    predicate, column = ((SLA_ANSWER_CLOCK, Case.deadline_at) if clock == policy.ANSWER
                         else (SLA_RESOLUTION_CLOCK, Case.resolution_deadline_at))
    progress = Case.sla_progress
    fresh = progress.is_(None) | ~progress.like(f"{clock}:%") | progress.like(f"{clock}:%:")
    next_level_due = [progress.like(f"{clock}:%:{ladder.STEPS[level - 1]}") & (column <= before)
                      for level, before in enumerate(level_due_before, start=1)]
    return (select(Case.id, column, Case.category, Case.department_key, Case.sla_progress)
            .where(text(predicate)).where(column <= horizon).where(or_(fresh, *next_level_due)))


def pending_mail_query(since: datetime, dialect: str):
    return select(CaseEvent.id).where(text(SLA_MAIL_PENDING[dialect]), CaseEvent.created_at >= since)


def _reconcile_pauses(now: datetime) -> dict[str, list[str]]:
    """Pauses begun or ended without sla.policy.pause()/resume() (a state changed directly) start or end now."""
    with db.transaction() as session:
        started = session.exec(unstarted_pause_query().with_for_update(skip_locked=True)).all()
        for case in started:
            policy.pause(case, now)
        ended = session.exec(unpaused_query().with_for_update(skip_locked=True)).all()
        for case in ended:
            policy.resume(case, now)
        return {"paused": [case.ref for case in started], "resumed": [case.ref for case in ended]}


def _set_resolution_deadlines() -> int:
    """Sets the resolution deadline of newly routed cases (routing sets only the first-answer one)."""
    no_deadline = [c for c, hours in current_app.config["SLA_RESOLUTION_HOURS"].items() if hours is None]
    cal = calendar.current()
    with db.transaction() as session:
        cases = session.exec(resolution_unset_query(no_deadline).with_for_update(skip_locked=True)).all()
        for case in cases:
            department = session.get(Department, case.department_key) if case.department_key else None
            deadline = policy.resolution_deadline(case.category, department, case.created_at)
            if deadline is not None and case.paused_seconds:
                deadline = cal.add(deadline, case.paused_seconds)
            case.resolution_deadline_at = deadline
        return len(cases)


def _candidates(session, now: datetime, cal) -> list[Candidate]:
    """Running clocks whose deadline is within the longest reminder look-ahead of `now` or past:
    the only cases where a step can be due."""
    found = []
    for clock, horizon, level_due_before in candidate_bounds(now, cal):
        query = candidates_query(clock, horizon, level_due_before)
        found += [Candidate(row[0], clock, *row[1:]) for row in session.exec(query).all()]
    return found


def candidate_bounds(now: datetime, cal) -> list[tuple[str, datetime, list[datetime]]]:
    """Per clock: the reminder look-ahead and, per escalation level, the latest deadline it is due for."""
    config = current_app.config
    level_due_before = [cal.subtract(now, hours * 3600) for hours in config["ESCALATION_HOURS"]]
    return [(clock, cal.add(now, config["REMINDER_FRACTION"] * policy.longest_hours(clock) * 3600), level_due_before)
            for clock in (policy.ANSWER, policy.RESOLUTION)]


class Rules:
    """The ladder's settings for one pass, read from configuration once (a tick looks at thousands of cases)."""

    def __init__(self, departments: dict[str, Department], cal):
        config = current_app.config
        self.departments, self.cal = departments, cal
        self.fraction, self.offsets = config["REMINDER_FRACTION"], config["ESCALATION_HOURS"]
        self._leads: dict[tuple, float] = {}

    def lead_seconds(self, clock: str, category: str | None, department_key: str | None) -> float:
        key = (clock, category, department_key)
        if key not in self._leads:
            hours = policy.hours_for(clock, category, self.departments.get(department_key))
            self._leads[key] = self.fraction * hours * 3600
        return self._leads[key]

    def due_steps(self, clock: str, category: str | None, department_key: str | None, deadline: datetime,
                  now: datetime, done=frozenset()) -> list[str]:
        return ladder.due_steps(deadline, now, lead_seconds=self.lead_seconds(clock, category, department_key),
                                offsets_hours=self.offsets, cal=self.cal, done=done)


def _due(candidates: list[Candidate], rules: Rules, now: datetime) -> list[int]:
    """Ids of the candidates with a step due and not yet done."""
    return [c.id for c in candidates
            if rules.due_steps(c.clock, c.category, c.department_key, c.deadline, now,
                               ladder.progress(c.sla_progress, c.clock).done)]


def _run_steps(case_ids: list[int], directory: notify.Directory, rules: Rules, now: datetime) -> list[tuple[str, str, list[str]]]:
    """Does the due steps of these cases in one transaction; leaves out cases another watcher holds."""
    messages, outcome = [], []
    try:
        with db.transaction() as session:
            cases = session.exec(select(Case).where(Case.id.in_(case_ids)).order_by(Case.id)
                                 .with_for_update(skip_locked=True)).all()
            for case in cases:
                clock = policy.running_clock(case)
                deadline = policy.deadline_of(case, clock) if clock else None
                if deadline is None:
                    outcome.append((case.ref, clock, []))
                    continue
                progress = ladder.progress(case.sla_progress, clock)
                steps = rules.due_steps(clock, case.category, case.department_key, deadline, now, progress.done)
                for step in steps:
                    messages += _record_step(session, directory, case, clock, progress, step, deadline, now)
                outcome.append((case.ref, clock, steps))
    except IntegrityError:
        # Only watchers without row locks (SQLite) get here: another one recorded a step first.
        if len(case_ids) > 1:
            raise
        log.info("SLA step of case %s was recorded by another watcher", case_ids[0])
        return []
    for message in messages:
        outbox.dispatch(message)
    return outcome


def _record_step(session, directory: notify.Directory, case: Case, clock: str, progress: ladder.Progress, step: str,
                 deadline: datetime, now: datetime) -> list:
    key = ladder.step_key(case.id, clock, progress.round, step)
    contacts = notify.contacts_for(directory, case, step)
    body = notify.text_body(case, directory.departments.get(case.department_key), clock, step, deadline, now)
    session.add(CaseEvent(case_id=case.id, kind="reminder" if step == ladder.REMINDER else "escalated",
                          actor="sla watcher", created_at=now, dedupe_key=key,
                          data=notify.event_data(clock, progress.round, step, deadline, contacts, body)))
    case.sla_progress = progress.after(clock, step)
    if step != ladder.REMINDER:
        case.escalation_level = ladder.level_of(step)
    if not contacts:
        log.warning("case %s: nobody is configured for SLA step %s", case.ref, step)
    return notify.queue_texts(session, case, directory.lines[case.line_id], contacts, body, key)


def _queue_pending_mail(now: datetime) -> int:
    """Queues the mail of recent steps not mailed yet (a crash after the commit, SMTP down)."""
    with db.transaction() as session:
        pending = session.exec(pending_mail_query(now - MAIL_RETRY_WINDOW, session.bind.dialect.name)).all()
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

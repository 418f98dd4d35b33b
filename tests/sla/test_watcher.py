"""The watcher on PostgreSQL with a frozen clock: each step at its boundary, once, to the right people."""
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

import db
from models import Case, CaseEvent, CaseState, Message, MessageStatus, utcnow
from sla import jobs, policy
from tests.sla.conftest import (MAYOR_OFFICE, PARKS_DIRECTOR, ROADS_DIRECTOR, ROADS_LEADER, T0, load,
                                make_case)

H = timedelta(hours=1)
S = timedelta(seconds=1)
# A complaint: 48 h to the first answer; reminder at 25 % left, then levels 1, 2, 3.
BOUNDARIES = [("reminder", T0 + 36 * H), ("escalation:1", T0 + 48 * H), ("escalation:2", T0 + 72 * H),
              ("escalation:3", T0 + 96 * H)]


def tick(app, at):
    with app.app_context():
        return jobs.tick(at)


def steps_of(summary) -> list[str]:
    return ([f"reminder:{r['case']}" for r in summary["reminded"]]
            + [f"escalation:{e['level']}:{e['case']}" for e in summary["escalated"]])


def events(app, case_id, kinds=("reminder", "escalated")):
    with app.app_context():
        return db.session().exec(
            select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind.in_(kinds)).order_by(CaseEvent.id)
        ).all()


def texts(app, case_id):
    with app.app_context():
        return db.session().exec(
            select(Message).where(Message.case_id == case_id, Message.kind.in_(("reminder", "escalation")))
            .order_by(Message.id)
        ).all()


@pytest.mark.parametrize("index", range(len(BOUNDARIES)), ids=[name for name, _ in BOUNDARIES])
def test_step_happens_at_its_boundary_not_a_second_before_and_not_again_after(sla_app, index):
    case_id = make_case(sla_app)
    ref = load(sla_app, case_id).ref
    for _name, moment in BOUNDARIES[:index]:
        tick(sla_app, moment)
    name, moment = BOUNDARIES[index]
    assert steps_of(tick(sla_app, moment - S)) == []
    assert steps_of(tick(sla_app, moment)) == [f"{name}:{ref}"]
    assert steps_of(tick(sla_app, moment + S)) == []
    assert [e.data["step"] for e in events(sla_app, case_id)] == [n for n, _ in BOUNDARIES[: index + 1]]


def test_the_ladder_texts_leader_then_director_then_mayors_office_and_records_the_level(sla_app, run_worker, twilio):
    case_id = make_case(sla_app)
    for _name, moment in BOUNDARIES:
        tick(sla_app, moment)
    run_worker()
    sent = texts(sla_app, case_id)
    assert [(m.kind, m.to_number) for m in sent] == [
        ("reminder", ROADS_LEADER), ("escalation", ROADS_LEADER), ("escalation", ROADS_DIRECTOR),
        ("escalation", MAYOR_OFFICE)]
    assert all(m.status == MessageStatus.SENT for m in sent)
    assert [len(twilio.bodies_to(n)) for n in (ROADS_LEADER, ROADS_DIRECTOR, MAYOR_OFFICE)] == [2, 1, 1]
    assert "약 12시간 남았습니다" in sent[0].body and "3단계 경보" in sent[3].body
    assert load(sla_app, case_id).escalation_level == 3
    recorded = events(sla_app, case_id)
    assert [e.dedupe_key for e in recorded] == [f"sla:{case_id}:answer:0:{name}" for name, _ in BOUNDARIES]
    assert recorded[2].data["notified"] == [{"role": "director", "name": "roads 국장", "id": None, "sms": True}]


def test_safety_reminds_at_half_past_one_and_escalates_at_two_hours(sla_app):
    case_id = make_case(sla_app, category="safety")
    ref = load(sla_app, case_id).ref
    assert steps_of(tick(sla_app, T0 + 90 * timedelta(minutes=1) - S)) == []
    assert steps_of(tick(sla_app, T0 + 90 * timedelta(minutes=1))) == [f"reminder:{ref}"]
    assert steps_of(tick(sla_app, T0 + 2 * H)) == [f"escalation:1:{ref}"]


def test_gratitude_and_other_have_no_deadline_and_are_never_escalated(sla_app):
    ids = [make_case(sla_app, category=c, department="communication") for c in ("gratitude", "other")]
    assert all(load(sla_app, i).deadline_at is None for i in ids)
    summary = tick(sla_app, T0 + 1000 * H)
    assert steps_of(summary) == [] and summary["checked"] == 0


def test_a_first_answer_stops_the_answer_clock_and_the_resolution_clock_takes_over(sla_app):
    case_id = make_case(sla_app)
    ref = load(sla_app, case_id).ref
    tick(sla_app, T0 + 5 * S)  # sets the resolution deadline: seven days
    with sla_app.app_context():
        session = db.session()
        case = session.get(Case, case_id)
        assert case.resolution_deadline_at == T0 + 168 * H
        case.first_answered_at, case.state = T0 + 10 * H, CaseState.ANSWERED
        session.commit()
    assert steps_of(tick(sla_app, T0 + 100 * H)) == []
    summary = tick(sla_app, T0 + 126 * H)
    assert summary["reminded"] == [{"case": ref, "clock": "resolution"}]
    summary = tick(sla_app, T0 + 168 * H)
    assert summary["escalated"] == [{"case": ref, "level": 1, "clock": "resolution"}]
    assert [e.dedupe_key for e in events(sla_app, case_id)] == [
        f"sla:{case_id}:resolution:0:reminder", f"sla:{case_id}:resolution:0:escalation:1"]


def test_a_resolved_case_is_left_alone(sla_app):
    case_id = make_case(sla_app)
    with sla_app.app_context():
        session = db.session()
        case = session.get(Case, case_id)
        case.state, case.resolved_at, case.first_answered_at = CaseState.RESOLVED, T0 + H, T0 + H
        session.commit()
    assert steps_of(tick(sla_app, T0 + 500 * H)) == []


def test_a_tick_after_an_outage_does_each_missed_level_once_and_skips_the_stale_reminder(sla_app):
    case_id = make_case(sla_app)
    ref = load(sla_app, case_id).ref
    assert steps_of(tick(sla_app, T0 + 80 * H)) == [f"escalation:1:{ref}", f"escalation:2:{ref}"]
    assert steps_of(tick(sla_app, T0 + 80 * H)) == []
    assert steps_of(tick(sla_app, T0 + 96 * H)) == [f"escalation:3:{ref}"]


def test_waiting_on_the_resident_pauses_the_clock_and_the_deadline_moves_by_the_wait(sla_app):
    case_id = make_case(sla_app)
    with sla_app.app_context():
        session = db.session()
        policy.pause(session.get(Case, case_id), T0 + 10 * H)
        session.commit()
    assert steps_of(tick(sla_app, T0 + 60 * H)) == []  # past the original deadline, but we are waiting
    with sla_app.app_context():
        session = db.session()
        case = session.get(Case, case_id)
        policy.resume(case, T0 + 30 * H)  # the resident answered after 20 hours
        session.commit()
        assert case.state == CaseState.OPEN and case.paused_seconds == 20 * 3600
        assert case.deadline_at == T0 + 68 * H
    ref = load(sla_app, case_id).ref
    assert steps_of(tick(sla_app, T0 + 56 * H - S)) == []
    assert steps_of(tick(sla_app, T0 + 56 * H)) == [f"reminder:{ref}"]
    assert steps_of(tick(sla_app, T0 + 68 * H - S)) == []
    assert steps_of(tick(sla_app, T0 + 68 * H)) == [f"escalation:1:{ref}"]


def test_a_case_taken_out_of_waiting_without_resume_is_resumed_by_the_watcher(sla_app):
    case_id = make_case(sla_app)
    with sla_app.app_context():
        session = db.session()
        case = session.get(Case, case_id)
        policy.pause(case, T0 + 10 * H)
        session.commit()
        case.state = CaseState.OPEN  # as code that forgot sla.policy.resume would leave it
        session.commit()
    summary = tick(sla_app, T0 + 20 * H)
    assert summary["resumed"] == [load(sla_app, case_id).ref]
    case = load(sla_app, case_id)
    assert case.waiting_since is None and case.deadline_at == T0 + 58 * H


def test_reassignment_keeps_the_deadline_and_the_next_step_goes_to_the_new_department(sla_app, run_worker):
    from routing import corrections

    case_id = make_case(sla_app)
    tick(sla_app, T0 + 48 * H)
    with sla_app.app_context():
        session = db.session()
        case = session.get(Case, case_id)
        corrections.record(session, case=case, category=case.category, department="parks", staff_id=None)
        case.department_key = "parks"
        session.commit()
    assert load(sla_app, case_id).deadline_at == T0 + 48 * H
    summary = tick(sla_app, T0 + 72 * H)
    assert summary["escalated"] == [{"case": f"M{case_id}", "level": 2, "clock": "answer"}]
    assert [m.to_number for m in texts(sla_app, case_id)] == [ROADS_LEADER, PARKS_DIRECTOR]


def test_cli_tick_prints_the_summary_as_json(sla_app):
    case_id = make_case(sla_app)
    result = sla_app.test_cli_runner().invoke(args=["sla", "tick", "--now", (T0 + 48 * H).isoformat()])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["checked"] == 1 and summary["reminded"] == []
    assert summary["escalated"] == [{"case": f"M{case_id}", "level": 1, "clock": "answer"}]


def test_cli_reads_a_time_without_zone_as_district_time_and_refuses_nonsense(sla_app):
    make_case(sla_app)
    runner = sla_app.test_cli_runner()
    # T0 + 48 h is Wednesday 10:00 in Seoul.
    result = runner.invoke(args=["sla", "tick", "--now", "2026-11-25T10:00:00"])
    assert json.loads(result.output)["escalated"][0]["level"] == 1
    result = runner.invoke(args=["sla", "tick", "--now", "next tuesday"])
    assert result.exit_code == 2 and "is not ISO-8601" in result.output


def test_tick_without_now_uses_the_current_time(sla_app):
    case_id = make_case(sla_app, created_at=utcnow() - 49 * H)
    with sla_app.app_context():
        summary = jobs.tick()
    assert summary["escalated"] == [{"case": f"M{case_id}", "level": 1, "clock": "answer"}]


def test_the_clock_runs_the_watcher_every_five_minutes():
    import schedule

    assert schedule.Periodic("sla.jobs.tick", 300) in schedule.SCHEDULE


def test_a_case_put_in_waiting_without_pause_is_paused_by_the_watcher(sla_app):
    case_id = make_case(sla_app)
    with sla_app.app_context():
        session = db.session()
        session.get(Case, case_id).state = CaseState.WAITING  # as code that forgot sla.policy.pause would leave it
        session.commit()
    assert tick(sla_app, T0 + 10 * H)["paused"] == [f"M{case_id}"]
    assert load(sla_app, case_id).waiting_since == T0 + 10 * H
    with sla_app.app_context():
        session = db.session()
        policy.resume(session.get(Case, case_id), T0 + 15 * H)
        session.commit()
    assert load(sla_app, case_id).deadline_at == T0 + 53 * H


def seoul(*args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Asia/Seoul"))


def test_business_calendar_holds_the_ladder_over_chuseok(sla_app):
    sla_app.config["SLA_CALENDAR"] = "business"
    case_id = make_case(sla_app, category="safety", created_at=seoul(2026, 9, 23, 17, 0))
    ref = f"M{case_id}"
    assert load(sla_app, case_id).deadline_at == seoul(2026, 9, 28, 10, 0)
    assert steps_of(tick(sla_app, seoul(2026, 9, 25, 12, 0))) == []  # Chuseok: a wall clock would be at level 2
    assert steps_of(tick(sla_app, seoul(2026, 9, 28, 9, 29))) == []
    assert steps_of(tick(sla_app, seoul(2026, 9, 28, 9, 30))) == [f"reminder:{ref}"]
    assert steps_of(tick(sla_app, seoul(2026, 9, 28, 10, 0))) == [f"escalation:1:{ref}"]
    # Level 2 comes 24 business hours later: 8 on Monday, 9 on Tuesday, 7 on Wednesday.
    assert steps_of(tick(sla_app, seoul(2026, 9, 30, 15, 59))) == []
    assert steps_of(tick(sla_app, seoul(2026, 9, 30, 16, 0))) == [f"escalation:2:{ref}"]

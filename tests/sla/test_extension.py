"""A leader extends a deadline with a reason: the ladder starts again; nobody else can, and never without a reason."""
from datetime import timedelta

import pytest
from sqlmodel import select

import db
from models import Case, CaseEvent, Staff
from sla import actions, jobs
from tests.sla.conftest import T0, load, make_case

H = timedelta(hours=1)


def staff(app, email):
    with app.app_context():
        return db.session().exec(select(Staff).where(Staff.email == email)).one()


def extend(app, case_id, new_deadline, reason, email, now):
    with app.app_context():
        session = db.session()
        case = session.exec(select(Case).where(Case.id == case_id).with_for_update()).one()
        event = actions.extend_deadline(session, case, new_deadline, reason, staff(app, email), now=now)
        session.commit()
        return event


def tick(app, at):
    with app.app_context():
        return jobs.tick(at)


def test_an_extended_deadline_restarts_the_ladder_and_shows_in_open311(sla_app, client):
    case_id = make_case(sla_app)
    tick(sla_app, T0 + 36 * H)
    assert tick(sla_app, T0 + 48 * H)["escalated"][0]["level"] == 1
    new_deadline = T0 + 96 * H
    event = extend(sla_app, case_id, new_deadline, "현장 확인에 업체 일정이 필요합니다", "roads-lead@gu.example.kr", T0 + 50 * H)
    assert event.kind == "deadline_extended" and event.data["reason"].startswith("현장 확인")
    assert event.data["from"] == (T0 + 48 * H).isoformat() and event.data["escalation_level_before"] == 1
    case = load(sla_app, case_id)
    assert case.deadline_at == new_deadline and case.escalation_level == 0
    # The old ladder's level 2 (deadline + 24 h) no longer comes; the new deadline gets its own steps.
    assert tick(sla_app, T0 + 72 * H)["escalated"] == []
    assert tick(sla_app, T0 + 84 * H)["reminded"] == [{"case": case.ref, "clock": "answer"}]
    assert tick(sla_app, T0 + 96 * H)["escalated"] == [{"case": case.ref, "level": 1, "clock": "answer"}]
    with sla_app.app_context():
        keys = db.session().exec(select(CaseEvent.dedupe_key).where(CaseEvent.case_id == case_id,
                                                                    CaseEvent.kind == "escalated")).all()
    assert sorted(keys) == [f"sla:{case_id}:answer:0:escalation:1", f"sla:{case_id}:answer:1:escalation:1"]
    answer = client.get(f"/open311/v2/requests/{case.ref}.json").json
    assert answer[0]["expected_datetime"] == "2026-11-27T01:00:00Z"


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_extension_without_a_reason_is_refused(sla_app, reason):
    case_id = make_case(sla_app)
    with pytest.raises(actions.ExtensionRefused, match="사유"):
        extend(sla_app, case_id, T0 + 96 * H, reason, "roads-lead@gu.example.kr", T0)
    assert load(sla_app, case_id).deadline_at == T0 + 48 * H


@pytest.mark.parametrize("email", ["parks-lead@gu.example.kr", "roads-staff@gu.example.kr"])
def test_only_the_departments_leader_or_the_communication_team_may_extend(sla_app, email):
    case_id = make_case(sla_app)
    with pytest.raises(actions.ExtensionRefused, match="부서장"):
        extend(sla_app, case_id, T0 + 96 * H, "사유", email, T0)
    extend(sla_app, case_id, T0 + 96 * H, "민원인 요청", "comms@gu.example.kr", T0)
    assert load(sla_app, case_id).deadline_at == T0 + 96 * H


def test_an_extension_must_be_later_than_the_current_deadline(sla_app):
    case_id = make_case(sla_app)
    with pytest.raises(actions.ExtensionRefused, match="뒤여야"):
        extend(sla_app, case_id, T0 + 24 * H, "더 빨리", "roads-lead@gu.example.kr", T0)


def test_a_person_can_give_a_gratitude_text_a_deadline_and_it_is_watched(sla_app):
    case_id = make_case(sla_app, category="gratitude", department="communication")
    extend(sla_app, case_id, T0 + 10 * H, "답례 전화를 약속함", "comms@gu.example.kr", T0)
    assert tick(sla_app, T0 + 10 * H)["escalated"] == [{"case": f"M{case_id}", "level": 1, "clock": "answer"}]

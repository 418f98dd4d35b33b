"""route_case: follow-ups join the open case, new matters and answers to our questions, flood control,
the blocklist and one-click tags; through the webhook, a real rq worker, PostgreSQL and Redis."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

import db
from models import Case, CaseEvent, CaseState, Message, MessageStatus, Resident
from tests.conftest import inbound_form, signed_post
from tests.support import clock as frozen

PHONE = "+821012345678"
STREETLIGHT = "청솔동 사거리 가로등이 사흘째 꺼져 있어요"


@pytest.fixture
def clock(monkeypatch):
    return frozen.freeze(monkeypatch, datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Seoul")))


@pytest.fixture
def text(app, client):
    def send(body: str, sender: str = "010-1234-5678"):
        assert signed_post(client, app, "/sms/inbound", inbound_form(body, sender=sender)).status_code == 200

    return send


def all_cases(app) -> list[Case]:
    with app.app_context():
        return db.session().exec(select(Case).order_by(Case.id)).all()


def events(app, case_id: int) -> list[CaseEvent]:
    with app.app_context():
        return db.session().exec(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).all()


def receipts(app) -> list[Message]:
    with app.app_context():
        return db.session().exec(select(Message).where(Message.kind == "receipt").order_by(Message.id)).all()


def test_follow_up_joins_the_open_case_and_its_holder_sees_it(app, text, run_worker, twilio, clock):
    text(STREETLIGHT)
    run_worker()
    clock.advance(hours=30)
    text("아직도 안 고쳐졌어요")
    run_worker()
    first, follow_up = all_cases(app)
    assert follow_up.state == CaseState.MERGED and follow_up.merged_into_id == first.id
    assert first.last_activity_at == clock.now
    [event] = [e for e in events(app, first.id) if e.kind == "resident_text"]
    with app.app_context():
        moved = db.session().get(Message, event.data["message_id"])
    assert moved.case_id == first.id and moved.body == "아직도 안 고쳐졌어요"
    assert len(receipts(app)) == 1 and len(twilio.received) == 1


def test_text_after_seven_quiet_days_is_a_new_case(app, text, run_worker, clock):
    text(STREETLIGHT)
    run_worker()
    clock.advance(days=7, minutes=1)
    text("아직도 안 고쳐졌어요")
    run_worker()
    assert [c.state for c in all_cases(app)] == [CaseState.OPEN, CaseState.OPEN]
    assert len(receipts(app)) == 2


def test_new_case_word_starts_a_new_case(app, text, run_worker):
    text(STREETLIGHT)
    run_worker()
    text("새 민원: 아직도 안 고쳐졌어요")
    run_worker()
    assert [c.state for c in all_cases(app)] == [CaseState.OPEN, CaseState.OPEN]


def test_clearly_another_departments_matter_is_a_new_case(app, text, run_worker):
    text(STREETLIGHT)
    run_worker()
    text("우리 집 앞에 쓰레기가 무단투기 되어 있어요")
    run_worker()
    first, second = all_cases(app)
    assert second.state == CaseState.OPEN and second.department_key == "sanitation" and first.department_key == "roads"


def test_answer_to_our_question_goes_to_the_case_that_asked_and_restarts_its_clock(app, text, run_worker, clock):
    text(STREETLIGHT)
    run_worker()
    with app.app_context():
        session = db.session()
        asking = session.exec(select(Case)).one()
        asking.state, asking.waiting_since = CaseState.WAITING, clock.now  # as the inbox's question does
        deadline = asking.deadline_at
        session.commit()
    clock.advance(hours=3)
    text("우리 집 앞에 쓰레기가 무단투기 되어 있어요")  # another department's words: still the answer
    run_worker()
    asking, answer = all_cases(app)
    assert answer.merged_into_id == asking.id
    assert asking.state == CaseState.OPEN and asking.waiting_since is None
    assert asking.deadline_at == deadline + timedelta(hours=3)


def test_other_residents_texts_never_join_a_case(app, text, run_worker):
    text(STREETLIGHT)
    run_worker()
    text("아직도 안 고쳐졌어요", sender="010-9999-8888")
    run_worker()
    assert [c.state for c in all_cases(app)] == [CaseState.OPEN, CaseState.OPEN]


def test_texts_over_the_flood_limit_are_stored_grouped_into_the_first_case_without_receipts(app, text, run_worker,
                                                                                              twilio, clock):
    app.config["FLOOD_LIMIT_PER_MINUTE"] = 2
    for i in range(6):
        text(f"새 민원 {i}번째: 우리 집 앞에 쓰레기가 무단투기 되어 있어요")
        clock.advance(seconds=5)
    run_worker()
    first, second, *rest = all_cases(app)
    assert first.state == second.state == CaseState.OPEN
    assert [(c.state, c.merged_into_id) for c in rest] == [(CaseState.MERGED, first.id)] * 4
    assert len([e for e in events(app, first.id) if e.kind == "resident_text" and e.data["flood"]]) == 4
    assert len(twilio.bodies_to(PHONE)) == 2
    clock.advance(minutes=2)
    text("새 민원: 공원 벤치가 부서졌어요")
    run_worker()
    assert all_cases(app)[-1].state == CaseState.OPEN  # the next minute is not a flood


def test_blocked_number_is_stored_never_routed_and_never_texted(app, text, run_worker, runner, twilio):
    answer = runner.invoke(args=["residents", "block", "010-1234-5678", "--reason", "욕설 반복"])
    assert answer.exit_code == 0, answer.output
    text(STREETLIGHT)
    run_worker()
    [case] = all_cases(app)
    assert case.state == CaseState.MERGED and case.department_key is None
    assert [e.kind for e in events(app, case.id)] == ["note"]
    assert twilio.received == []
    with app.app_context():
        resident = db.session().exec(select(Resident)).one()
        assert resident.blocked and resident.blocked_reason == "욕설 반복"
        assert db.session().exec(select(Message)).one().body == STREETLIGHT
    assert runner.invoke(args=["residents", "unblock", "010-1234-5678"]).exit_code == 0
    text("공원 벤치가 부서졌어요")
    run_worker()
    assert all_cases(app)[-1].state == CaseState.OPEN


def test_block_refuses_a_number_that_is_not_one(runner):
    answer = runner.invoke(args=["residents", "block", "not-a-number", "--reason", "x"])
    assert answer.exit_code != 0 and "is not a phone number" in answer.output


def test_text_with_a_one_click_tag_is_routed_by_it(app, text, run_worker, runner, twilio):
    answer = runner.invoke(args=["qr", "add", "#놀이터", "--label", "어린이 놀이터", "--department", "parks"])
    assert answer.exit_code == 0 and "/q/놀이터" in answer.output
    text(STREETLIGHT)
    run_worker()
    text("#놀이터 가로등이 꺼져 있어요")  # roads' words, but the tag says which playground team
    run_worker()
    first, tagged = all_cases(app)
    assert tagged.state == CaseState.OPEN and tagged.tag == "놀이터" and tagged.department_key == "parks"
    assert [e.data.get("tag") for e in events(app, tagged.id)] == ["놀이터"]
    assert "공원녹지과" in twilio.bodies_to(PHONE)[-1]


def test_unknown_tag_is_routed_by_the_classifier(app, text, run_worker):
    text("#없는태그 공원 벤치가 부서졌어요")
    run_worker()
    [case] = all_cases(app)
    assert case.tag is None and case.department_key == "parks"


def test_route_case_run_twice_for_a_follow_up_moves_it_once(app, text, run_worker):
    from routing.jobs import route_case

    text(STREETLIGHT)
    text("아직도 안 고쳐졌어요")
    run_worker()
    first, follow_up = all_cases(app)
    with app.app_context():
        assert route_case(follow_up.id) == "already routed"
    assert len([e for e in events(app, first.id) if e.kind == "resident_text"]) == 1


def test_later_text_routed_first_waits_for_the_earlier_one(app, text):
    """Two workers may take a resident's texts out of order: the later job routes the earlier text first."""
    from routing.jobs import route_case

    text(STREETLIGHT)
    text("아직도 안 고쳐졌어요")
    first, follow_up = all_cases(app)
    with app.app_context():
        assert route_case(follow_up.id).startswith("added to")
        assert route_case(first.id) == "already routed"
    first, follow_up = all_cases(app)
    assert first.state == CaseState.OPEN and follow_up.merged_into_id == first.id

"""After a case is resolved, one text asks for 1-5; the answer is stored on the case, other answers are threaded."""
import pytest
from sqlmodel import select

import db
from models import Case, CaseEvent, CaseState, MessageStatus
from replies import outbox
from replies.jobs import queue_surveys
from replies.survey import queue_survey
from tests.replies.conftest import cases, outbound, resolve, rows

PHONE = "+821012345678"
# Daytime, so no survey waits for quiet hours to end (tests/replies/test_quiet_hours.py covers those).
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def surveyed(app, text, run_worker, twilio):
    text("청솔동 사거리 가로등이 사흘째 꺼져 있어요")
    run_worker()
    case = cases(app)[0]
    resolve(app, case.id)
    with app.app_context():
        assert queue_surveys() == {"queued": 1}
    run_worker()
    return case


def test_resolved_case_gets_one_survey_text(app, run_worker, twilio, surveyed):
    [survey] = outbound(app, "survey")
    assert survey.status == MessageStatus.SENT and survey.segments == 1
    assert twilio.bodies_to(PHONE)[-1] == f"[구청장 문자] {surveyed.ref} 처리가 끝났습니다. 만족도를 1(불만)~5(매우 만족) 숫자로 답해 주세요."
    with app.app_context():
        assert queue_surveys() == {"queued": 0}
        session = db.session()
        assert outbox.dispatch(queue_survey(session, session.get(Case, surveyed.id)))
        session.commit()
    run_worker()
    assert len(outbound(app, "survey")) == 1 and len(twilio.bodies_to(PHONE)) == 2


@pytest.mark.parametrize("answer,score", [("4", 4), ("5점", 5), (" 1 ", 1), ("３", 3)])
def test_score_is_stored_on_the_case_with_a_rated_event(app, text, run_worker, surveyed, answer, score):
    text(answer)
    run_worker()
    case, rating = cases(app)
    assert case.satisfaction == score
    assert rating.state == CaseState.MERGED and rating.merged_into_id == case.id
    [rated] = rows(app, CaseEvent, CaseEvent.kind == "rated")
    assert rated.case_id == case.id and rated.data["score"] == score and rated.actor == "resident"


def test_other_answer_to_the_survey_is_threaded_to_the_case(app, text, run_worker, surveyed):
    text("아직 반대편 가로등은 안 켜져요")
    run_worker()
    case, answer = cases(app)
    assert case.satisfaction is None and answer.merged_into_id == case.id
    assert [e.kind for e in rows(app, CaseEvent, CaseEvent.case_id == case.id)][-1] == "resident_text"


def test_a_second_number_after_rating_is_not_a_second_rating(app, text, run_worker, surveyed):
    text("4")
    text("1")
    run_worker()
    assert cases(app)[0].satisfaction == 4
    assert len(rows(app, CaseEvent, CaseEvent.kind == "rated")) == 1


def test_digit_without_a_survey_is_an_ordinary_text(app, text, run_worker):
    text("3")
    run_worker()
    [case] = cases(app)
    assert case.state == CaseState.OPEN and case.satisfaction is None


def test_thanks_are_not_surveyed(app, text, run_worker):
    text("항상 빠르게 처리해 주셔서 감사합니다")
    run_worker()
    case = cases(app)[0]
    assert case.category == "gratitude"
    resolve(app, case.id)
    with app.app_context():
        assert queue_surveys() == {"queued": 0}
        assert queue_survey(db.session(), db.session().exec(select(Case)).one()) is None


def test_survey_in_english_for_a_resident_writing_english(app, text, run_worker, twilio):
    text("The street light at the crossing has been off for three days")
    run_worker()
    resolve(app, cases(app)[0].id)
    with app.app_context():
        queue_surveys()
    run_worker()
    assert twilio.bodies_to(PHONE)[-1].startswith("Mayor's line: case M1 is resolved. How satisfied are you?")

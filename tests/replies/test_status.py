"""Where is my case? The reference or 조회 / 상태 / status answers with the resident's own case only."""
import pytest

from models import CaseState
from tests.replies.conftest import cases

PHONE = "+821012345678"
OTHER = "+821099998888"


@pytest.fixture
def routed_case(app, text, run_worker, twilio):
    text("청솔동 사거리 가로등이 사흘째 꺼져 있어요")
    run_worker()
    twilio.received.clear()
    return cases(app)[0]


@pytest.mark.parametrize("query", ["{ref}", "{ref} 조회", "조회 {ref}", "상태", "조회", "m-{num}"])
def test_status_answers_department_state_and_deadline(app, text, run_worker, twilio, routed_case, query):
    text(query.format(ref=routed_case.ref, num=routed_case.id))
    run_worker()
    [answer] = twilio.bodies_to(PHONE)
    assert routed_case.ref in answer and "도로과" in answer and "답변 준비 중" in answer and "기한" in answer
    assert cases(app)[-1].state == CaseState.MERGED and cases(app)[0].state == CaseState.OPEN


def test_status_in_english_for_a_resident_writing_english(app, text, run_worker, twilio):
    text("The street light at the Cheongsol crossroads has been out for three days")
    run_worker()
    twilio.received.clear()
    [case] = cases(app)
    text("status")
    run_worker()
    [answer] = twilio.bodies_to(PHONE)
    assert answer.startswith(f"Mayor's line: case {case.ref}, Roads, being read. Due ")


def test_status_typed_in_english_by_a_korean_resident_is_answered_in_korean(app, text, run_worker, twilio, routed_case):
    text("status")
    run_worker()
    [answer] = twilio.bodies_to(PHONE)
    assert routed_case.ref in answer and "도로과" in answer and "답변 준비 중" in answer


def test_another_residents_reference_is_not_found_for_this_number(app, text, run_worker, twilio, routed_case):
    text(routed_case.ref, sender=OTHER)
    run_worker()
    assert twilio.bodies_to(OTHER) == [f"[구청장 문자] 이 번호로 접수된 {routed_case.ref} 민원이 없습니다."]
    assert twilio.bodies_to(PHONE) == []


def test_status_from_a_number_with_no_case(app, text, run_worker, twilio):
    text("조회", sender=OTHER)
    run_worker()
    assert twilio.bodies_to(OTHER) == ["[구청장 문자] 이 번호로 접수된 민원이 없습니다."]


def test_a_follow_ups_own_reference_shows_the_case_it_joined(app, text, run_worker, twilio, routed_case):
    text("아직도 안 고쳐졌어요")
    run_worker()
    follow_up = cases(app)[-1]
    assert follow_up.merged_into_id == routed_case.id
    text(follow_up.ref)
    run_worker()
    assert routed_case.ref in twilio.bodies_to(PHONE)[-1]

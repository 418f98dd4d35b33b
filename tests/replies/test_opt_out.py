"""STOP and the other opt-out words, START, HELP: through the webhook, a real rq worker and the twilio client."""
import pytest

from models import CaseEvent, CaseState, MessageStatus
from tests.replies.conftest import cases, outbound, resident, rows

PHONE = "+821012345678"


@pytest.mark.parametrize("word", ["STOP", "stop", "Unsubscribe", "OPTOUT", "수신거부", "그만", "중지", "수신 거부."])
def test_opt_out_word_sends_exactly_one_confirmation_and_marks_the_resident(app, text, run_worker, twilio, word):
    text(word)
    run_worker()
    assert resident(app).opted_out and resident(app).opted_out_at is not None
    [case] = cases(app)
    assert case.state == CaseState.MERGED and case.department_key is None
    [confirmation] = outbound(app)
    assert confirmation.kind == "opt_out" and confirmation.status == MessageStatus.SENT
    assert twilio.bodies_to(PHONE) == [confirmation.body]
    assert [e.kind for e in rows(app, CaseEvent)] == ["opted_out"]


def test_after_opting_out_cases_are_still_handled_but_nothing_is_texted(app, text, run_worker, twilio):
    text("수신거부")
    run_worker()
    text("수신거부")
    text("청솔동 사거리 가로등이 사흘째 꺼져 있어요")
    run_worker()
    routed = [c for c in cases(app) if c.state == CaseState.OPEN]
    assert len(routed) == 1 and routed[0].department_key == "roads"
    receipt = outbound(app, "receipt")[0]
    assert receipt.status == MessageStatus.SUPPRESSED
    assert len(outbound(app, "opt_out")) == 1  # the second 수신거부 gets no second confirmation
    assert len(twilio.bodies_to(PHONE)) == 1


def test_opted_out_confirmation_is_english_for_a_resident_writing_english(app, text, run_worker, twilio):
    text("STOP")
    run_worker()
    assert twilio.bodies_to(PHONE) == ["Mayor's line: you will get no more texts from us. Reply START to receive them again."]


def test_a_korean_resident_who_types_stop_keeps_korean_texts(app, text, run_worker, twilio):
    text("청솔동 사거리 가로등이 사흘째 꺼져 있어요")
    run_worker()
    text("STOP")
    run_worker()
    assert resident(app).language == "ko"
    confirmation = outbound(app, "opt_out")[0]
    assert twilio.bodies_to(PHONE)[-1] == confirmation.body and "수신" in confirmation.body


@pytest.mark.parametrize("word", ["START", "재개", "시작", "unstop"])
def test_start_resumes_texts(app, text, run_worker, twilio, word):
    text("STOP")
    run_worker()
    text(word)
    run_worker()
    assert not resident(app).opted_out
    assert [m.kind for m in outbound(app)] == ["opt_out", "opt_in"]
    text("공원 벤치가 부서졌어요")
    run_worker()
    assert outbound(app, "receipt")[0].status == MessageStatus.SENT
    assert len(twilio.bodies_to(PHONE)) == 3


def test_yes_from_a_resident_who_receives_texts_is_an_ordinary_text(app, text, run_worker):
    text("yes")
    run_worker()
    [case] = cases(app)
    assert case.state == CaseState.OPEN and outbound(app)[0].kind == "receipt"


@pytest.mark.parametrize("word,expected", [("도움말", "구청장에게 바로 보내는 민원 문자"), ("HELP", "text the mayor"),
                                           ("info", "text the mayor")])
def test_help_says_what_the_line_is(app, text, run_worker, twilio, word, expected):
    text(word)
    run_worker()
    [answer] = twilio.bodies_to(PHONE)
    assert expected in answer and cases(app)[0].state == CaseState.MERGED


def test_twilio_21610_marks_the_resident_opted_out_and_later_texts_are_not_sent(app, text, run_worker, twilio):
    twilio.fail(PHONE, 400, 21610)
    text("불법주차 단속해 주세요")
    run_worker()
    assert resident(app).opted_out
    assert outbound(app, "receipt")[0].error_code == 21610
    text("새 민원: 공원 벤치가 부서졌어요")
    run_worker()
    assert [m.status for m in outbound(app, "receipt")] == [MessageStatus.FAILED, MessageStatus.SUPPRESSED]
    assert twilio.bodies_to(PHONE) == []


def test_opting_out_is_recorded_on_the_open_case_for_its_holder(app, text, run_worker):
    text("청솔동 사거리 가로등이 사흘째 꺼져 있어요")
    run_worker()
    text("그만")
    run_worker()
    open_case = [c for c in cases(app) if c.state == CaseState.OPEN][0]
    assert [e.kind for e in rows(app, CaseEvent, CaseEvent.case_id == open_case.id)] == ["routed", "opted_out"]

"""Quiet hours: texts we start are held 21:00-08:00 district time and sent at 08:00; safety cases never wait."""
from datetime import time, timezone
from zoneinfo import ZoneInfo

import pytest

import db
from models import Case, Line, MessageStatus, Resident
from replies import outbox
from replies.jobs import queue_surveys, sweep_outbox
from replies.quiet_hours import release_at
from tests.replies.conftest import cases, kst, outbound, resolve

SEOUL = ZoneInfo("Asia/Seoul")
PHONE = "+821012345678"


@pytest.fixture(autouse=True)
def district_quiet_hours(app):
    """The defaults of config.py (tests/conftest.py turns quiet hours off for every other test)."""
    from config import Config

    defaults = Config()
    app.config.update(QUIET_HOURS_START=defaults.QUIET_HOURS_START, QUIET_HOURS_END=defaults.QUIET_HOURS_END)


def test_default_quiet_hours_are_nine_at_night_to_eight_in_the_morning():
    from config import Config

    assert (Config().QUIET_HOURS_START, Config().QUIET_HOURS_END) == ("21:00", "08:00")


@pytest.mark.parametrize("moment,release", [
    (kst(24, 20, 59), None),
    (kst(24, 21, 0), kst(25, 8)),
    (kst(24, 23, 30), kst(25, 8)),
    (kst(25, 0, 0), kst(25, 8)),
    (kst(25, 7, 59), kst(25, 8)),
    (kst(25, 8, 0), None),
])
def test_release_at_the_next_end_of_quiet_hours(moment, release):
    released = release_at(moment.astimezone(timezone.utc), time(21), time(8), SEOUL)
    assert released == (release.astimezone(timezone.utc) if release else None)


def test_quiet_hours_within_one_day_are_understood():
    assert release_at(kst(24, 13).astimezone(timezone.utc), time(12), time(14), SEOUL) == kst(24, 14)
    assert release_at(kst(24, 14).astimezone(timezone.utc), time(12), time(14), SEOUL) is None


def test_equal_start_and_end_means_no_quiet_hours():
    assert release_at(kst(24, 23).astimezone(timezone.utc), time(0), time(0), SEOUL) is None


def test_survey_after_a_late_resolve_is_held_and_sent_at_eight(app, text, run_worker, twilio, clock):
    clock.set(kst(24, 18))
    text("청솔동 사거리 가로등이 사흘째 꺼져 있어요")
    run_worker()
    clock.set(kst(24, 22, 30))
    resolve(app, cases(app)[0].id)
    with app.app_context():
        queue_surveys()
    run_worker()
    [survey] = outbound(app, "survey")
    assert survey.status == MessageStatus.HELD and survey.send_after == kst(25, 8)
    clock.set(kst(25, 7, 59))
    with app.app_context():
        assert sweep_outbox()["queued"] == 0
    clock.set(kst(25, 8))
    with app.app_context():
        assert sweep_outbox()["queued"] == 1
    run_worker()
    assert outbound(app, "survey")[0].status == MessageStatus.SENT
    assert len(twilio.bodies_to(PHONE)) == 2


def test_receipt_answers_a_late_text_at_once(app, text, run_worker, twilio, clock):
    clock.set(kst(24, 23, 40))
    text("공원 벤치가 부서졌어요")
    run_worker()
    [receipt] = outbound(app, "receipt")
    assert receipt.status == MessageStatus.SENT and receipt.send_after is None


def staff_reply(app, case_id: int):
    """A text we start about a case, as the inbox's reply action queues one."""
    with app.app_context():
        session = db.session()
        case = session.get(Case, case_id)
        message = outbox.queue_text(session, resident=session.get(Resident, case.resident_id),
                                    line=session.get(Line, case.line_id), case=case, kind="reply",
                                    purpose_key=f"reply:test:{case_id}", body="[구청장 문자] 내일 아침 보수합니다.")
        session.commit()
        outbox.dispatch(message)
        return message


def test_reply_at_night_is_held(app, text, run_worker, twilio, clock):
    text("공원 벤치가 부서졌어요")
    run_worker()
    clock.set(kst(24, 21, 0))
    held = staff_reply(app, cases(app)[0].id)
    run_worker()
    assert held.status == MessageStatus.HELD and held.send_after == kst(25, 8)
    assert len(twilio.bodies_to(PHONE)) == 1


def test_safety_case_texts_are_never_held(app, text, run_worker, twilio, clock):
    clock.set(kst(24, 23))
    text("골목에서 가스 냄새가 심하게 나요 빨리 와주세요")
    run_worker()
    case = cases(app)[0]
    assert case.category == "safety"
    reply = staff_reply(app, case.id)
    run_worker()
    assert reply.status == MessageStatus.QUEUED and reply.send_after is None
    assert len(twilio.bodies_to(PHONE)) == 2


def test_quiet_hours_are_configurable(app, text, run_worker, twilio, clock):
    app.config.update(QUIET_HOURS_START="22:00", QUIET_HOURS_END="07:00")
    text("공원 벤치가 부서졌어요")
    run_worker()
    clock.set(kst(24, 21, 30))
    assert staff_reply(app, cases(app)[0].id).status == MessageStatus.QUEUED

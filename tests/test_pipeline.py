"""A text in, a routed case, a receipt out: the whole way on PostgreSQL, Redis, an rq worker and the twilio client."""
from datetime import timedelta

from sqlmodel import select

import db
from models import Case, CaseEvent, CaseState, Message, MessageStatus
from tests.conftest import inbound_form, signed_post


def test_text_is_routed_and_the_receipt_goes_out_through_twilio(app, client, run_worker, twilio):
    signed_post(client, app, "/sms/inbound", inbound_form("청솔동 사거리 가로등이 사흘째 꺼져 있어요. 밤에 너무 어두워요", sender="010-2222-3333"))
    run_worker()
    with app.app_context():
        session = db.session()
        case = session.exec(select(Case)).one()
        assert case.state == CaseState.OPEN
        assert case.department_key == "roads" and case.category == "complaint"
        assert case.deadline_at - case.created_at == timedelta(hours=48)
        event = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
        assert event.kind == "routed" and event.data["department"] == "roads" and event.data["explanation"]
        receipt = session.exec(select(Message).where(Message.kind == "receipt")).one()
        assert receipt.status == MessageStatus.SENT and receipt.twilio_sid.startswith("SM")
        assert receipt.segments == 1
    sent = twilio.bodies_to("+821022223333")
    assert sent == [receipt.body]
    assert case.ref in sent[0] and "도로과" in sent[0]
    assert twilio.received[0]["StatusCallback"] == "https://baro.example.org/sms/status"


def test_route_case_run_twice_routes_once_and_texts_once(app, client, run_worker, twilio):
    from routing.jobs import route_case

    signed_post(client, app, "/sms/inbound", inbound_form("공원 벤치가 부서졌어요"))
    run_worker()
    with app.app_context():
        case_id = db.session().exec(select(Case.id)).one()
        assert route_case(case_id) == "already routed"
    run_worker()
    assert len(twilio.received) == 1


def test_send_job_run_twice_sends_once(app, client, run_worker, twilio):
    from replies.jobs import send_message

    signed_post(client, app, "/sms/inbound", inbound_form("불법주차 단속해 주세요"))
    run_worker()
    with app.app_context():
        receipt_id = db.session().exec(select(Message.id).where(Message.kind == "receipt")).one()
        assert send_message(receipt_id) == "not sendable"
    assert len(twilio.received) == 1


def test_transient_twilio_failure_is_retried_with_backoff_and_sent_once(app, client, run_worker, twilio):
    from replies.jobs import sweep_outbox

    twilio.fail("+821044445555", 500, 20500)
    signed_post(client, app, "/sms/inbound", inbound_form("도로에 구멍이 났어요", sender="01044445555"))
    run_worker()
    with app.app_context():
        session = db.session()
        receipt = session.exec(select(Message).where(Message.kind == "receipt")).one()
        assert receipt.status == MessageStatus.QUEUED and receipt.attempts == 1 and receipt.error_code == 20500
        assert receipt.send_after is not None
        receipt.send_after = receipt.send_after - timedelta(hours=1)  # the backoff has passed
        session.commit()
        assert sweep_outbox()["queued"] == 1
    run_worker()
    with app.app_context():
        receipt = db.session().exec(select(Message).where(Message.kind == "receipt")).one()
        assert receipt.status == MessageStatus.SENT and receipt.attempts == 2
    assert len(twilio.bodies_to("+821044445555")) == 1


def test_twilio_21610_marks_the_resident_opted_out_and_the_text_failed(app, client, run_worker, twilio):
    from models import Resident

    twilio.fail("+821066667777", 400, 21610)
    signed_post(client, app, "/sms/inbound", inbound_form("쓰레기 좀 치워주세요", sender="01066667777"))
    run_worker()
    with app.app_context():
        session = db.session()
        receipt = session.exec(select(Message).where(Message.kind == "receipt")).one()
        assert receipt.status == MessageStatus.FAILED and receipt.error_code == 21610
        assert session.exec(select(Resident)).one().opted_out


def test_worker_killed_while_sending_is_never_resent(app, client, run_worker, twilio):
    from replies.jobs import STUCK_SENDING, sweep_outbox
    from models import utcnow

    signed_post(client, app, "/sms/inbound", inbound_form("버스정류장 의자가 없어요"))
    twilio.fail("+821012345678", 500, 20500)
    run_worker()
    with app.app_context():
        session = db.session()
        receipt = session.exec(select(Message).where(Message.kind == "receipt")).one()
        # As a worker that died after claiming the text would leave it:
        receipt.status = MessageStatus.SENDING
        receipt.sent_at = utcnow() - STUCK_SENDING - timedelta(seconds=1)
        session.commit()
        assert sweep_outbox() == {"queued": 0, "stuck": 1}
        session.refresh(receipt)
        assert receipt.status == MessageStatus.FAILED
    run_worker()
    assert twilio.bodies_to("+821012345678") == []


def test_receipt_for_a_safety_text_promises_two_hours(app, client, run_worker, twilio):
    signed_post(client, app, "/sms/inbound", inbound_form("골목에서 가스 냄새가 심하게 나요 빨리 와주세요", sender="01077778888"))
    run_worker()
    with app.app_context():
        case = db.session().exec(select(Case)).one()
    assert case.category == "safety"
    assert case.deadline_at - case.created_at == timedelta(hours=2)

"""POST /sms/inbound and /sms/status: the bad-input table of the pipeline, on PostgreSQL and Redis."""
import logging

from sqlmodel import func, select

import db
import jobqueue
from models import Case, CaseState, Media, Message, MessageStatus, Resident
from tests.conftest import inbound_form, signed_post


def count(app, model) -> int:
    with app.app_context():
        return db.session().exec(select(func.count()).select_from(model)).one()


def test_valid_text_is_stored_with_its_case_and_answered_with_empty_twiml(app, client):
    answer = signed_post(client, app, "/sms/inbound", inbound_form("가로등이 꺼졌어요"))
    assert answer.status_code == 200
    assert answer.mimetype == "text/xml"
    assert b"<Response></Response>" in answer.data
    with app.app_context():
        case = db.session().exec(select(Case)).one()
        assert case.state == CaseState.NEW
        assert case.ref == f"M{case.id}"
        message = db.session().exec(select(Message)).one()
        assert message.case_id == case.id and message.body == "가로등이 꺼졌어요"


def test_text_is_queued_for_routing_and_not_classified_in_the_request(app, client):
    signed_post(client, app, "/sms/inbound", inbound_form("놀이터 그네가 부서졌어요"))
    with app.app_context():
        case = db.session().exec(select(Case)).one()
        assert case.category is None
        queue = app.extensions["jobqueue"].queue
        assert queue.job_ids == [f"{queue.name}-route_case-{case.id}"]


def test_missing_signature_is_refused_with_403_nothing_stored_and_one_log_line(app, client, caplog):
    with caplog.at_level(logging.WARNING, logger="sms_gateway.webhook"):
        answer = client.post("/sms/inbound", data=inbound_form("hello"))
    assert answer.status_code == 403
    assert count(app, Message) == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "sms_gateway.webhook"]
    assert len(lines) == 1 and "missing X-Twilio-Signature" in lines[0]


def test_wrong_signature_is_refused_with_403_and_nothing_stored(app, client, caplog):
    form = inbound_form("hello")
    with caplog.at_level(logging.WARNING, logger="sms_gateway.webhook"):
        answer = client.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": "bm90IGl0"})
    assert answer.status_code == 403
    assert count(app, Message) == 0
    assert any("wrong X-Twilio-Signature" in r.getMessage() for r in caplog.records)


def test_signature_for_another_url_is_refused(app, client):
    from sms_gateway.signature import sign

    form = inbound_form("hello")
    signature = sign("https://evil.example.org/sms/inbound", form, app.config["TWILIO_AUTH_TOKEN"])
    answer = client.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 403


def test_retried_webhook_with_same_message_sid_makes_exactly_one_case(app, client):
    form = inbound_form("쓰레기 수거가 안 됐어요", sid="SMretried000000000000000000000001")
    assert signed_post(client, app, "/sms/inbound", form).status_code == 200
    assert signed_post(client, app, "/sms/inbound", form).status_code == 200
    assert count(app, Case) == 1
    assert count(app, Message) == 1


def test_photo_without_body_makes_a_case_with_the_photo(app, client):
    form = inbound_form("", media=[("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "image/jpeg")])
    assert signed_post(client, app, "/sms/inbound", form).status_code == 200
    with app.app_context():
        media = db.session().exec(select(Media)).one()
        message = db.session().get(Message, media.message_id)
        assert message.case_id is not None
        assert media.url.endswith("/ME1") and media.content_type == "image/jpeg"


def test_empty_text_without_media_is_stored_and_routed_as_other(app, client, run_worker):
    assert signed_post(client, app, "/sms/inbound", inbound_form("")).status_code == 200
    run_worker()
    with app.app_context():
        case = db.session().exec(select(Case)).one()
        assert case.category == "other"
        assert case.department_key == "communication"


def test_long_korean_emoji_mixed_script_text_is_stored_byte_for_byte(app, client):
    body = ("구청장님 😀 Hello 안녕하세요 ㅠㅠ ﷺ 𝔘𝔫𝔦 \u200d👩‍👩‍👧 中文 " * 60)[:1600]
    assert len(body) == 1600
    assert signed_post(client, app, "/sms/inbound", inbound_form(body)).status_code == 200
    with app.app_context():
        stored = db.session().exec(select(Message.body)).one()
    assert stored.encode("utf-8") == body.encode("utf-8")


def test_missing_from_is_a_400_with_a_reason(app, client):
    form = inbound_form("hi")
    del form["From"]
    answer = signed_post(client, app, "/sms/inbound", form)
    assert answer.status_code == 400
    assert b"From is missing" in answer.data
    assert count(app, Message) == 0


def test_malformed_form_data_is_a_400_with_a_reason(app, client):
    form = inbound_form("hi")
    form["NumMedia"] = "many"
    answer = signed_post(client, app, "/sms/inbound", form)
    assert answer.status_code == 400
    assert b"NumMedia is not a number" in answer.data


def test_missing_message_sid_is_a_400(app, client):
    form = inbound_form("hi")
    del form["MessageSid"]
    answer = signed_post(client, app, "/sms/inbound", form)
    assert answer.status_code == 400 and b"MessageSid is missing" in answer.data


def test_korean_sender_is_normalised_to_e164(app, client):
    signed_post(client, app, "/sms/inbound", inbound_form("hi", sender="010-9876-5432"))
    with app.app_context():
        resident = db.session().exec(select(Resident)).one()
    assert resident.phone == "+821098765432" and resident.phone_valid


def test_sender_number_phonenumbers_rejects_is_stored_as_received_and_flagged(app, client):
    assert signed_post(client, app, "/sms/inbound", inbound_form("hello", sender="TWILIO-TEST")).status_code == 200
    with app.app_context():
        resident = db.session().exec(select(Resident)).one()
        assert resident.phone == "TWILIO-TEST" and resident.phone_valid is False
        assert db.session().exec(select(func.count()).select_from(Case)).one() == 1


def test_redis_down_still_stores_the_case_and_the_sweeper_queues_it_when_redis_is_back(app, client, run_worker):
    working_queue = app.extensions["jobqueue"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    app.extensions["jobqueue"] = jobqueue.RedisQueue(app)
    assert signed_post(client, app, "/sms/inbound", inbound_form("보도블록이 깨졌어요")).status_code == 200
    assert count(app, Case) == 1

    app.extensions["jobqueue"] = working_queue
    app.config["SWEEP_AFTER_SECONDS"] = 0
    with app.app_context():
        from routing.jobs import sweep_unrouted

        assert sweep_unrouted() == {"unrouted": 1, "queued": 1}
    run_worker()
    with app.app_context():
        assert db.session().exec(select(Case)).one().state == CaseState.OPEN


def test_database_down_answers_503_and_logs_it(app, caplog):
    from tests.conftest import make_config
    from wsgi import create_app

    broken = create_app(make_config(DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/none", REDIS_URL=app.config["REDIS_URL"],
                                    QUEUE_NAME=app.config["QUEUE_NAME"]))
    with caplog.at_level(logging.ERROR, logger="sms_gateway.webhook"):
        answer = signed_post(broken.test_client(), broken, "/sms/inbound", inbound_form("hi"))
    assert answer.status_code == 503
    assert any("database unavailable" in r.getMessage() for r in caplog.records)


def test_status_callback_records_delivery_and_error_code(app, client):
    with app.app_context():
        session = db.session()
        resident = Resident(phone="+821011112222")
        session.add(resident)
        session.flush()
        message = Message(line_id=1, resident_id=resident.id, direction="outbound", body="x", twilio_sid="SMout1",
                          status=MessageStatus.SENT)
        session.add(message)
        session.commit()
    answer = signed_post(client, app, "/sms/status", {"MessageSid": "SMout1", "MessageStatus": "undelivered", "ErrorCode": "30005"})
    assert answer.status_code == 204
    late = signed_post(client, app, "/sms/status", {"MessageSid": "SMout1", "MessageStatus": "sent"})
    assert late.status_code == 204
    with app.app_context():
        stored = db.session().exec(select(Message).where(Message.twilio_sid == "SMout1")).one()
    assert stored.status == MessageStatus.UNDELIVERED and stored.error_code == 30005


def test_status_callback_needs_a_signature(app, client):
    assert client.post("/sms/status", data={"MessageSid": "SMx", "MessageStatus": "delivered"}).status_code == 403


def test_status_callback_without_status_is_a_400(app, client):
    assert signed_post(client, app, "/sms/status", {"MessageSid": "SMx"}).status_code == 400

"""The embedded mode: SQLite, the in-process queue, the console backend and the phone simulator."""
from sqlmodel import select

import db
from models import Case, CaseState, Message, MessageStatus


def test_simulator_text_goes_through_the_signed_webhook_and_gets_a_receipt(sqlite_app):
    client = sqlite_app.test_client()
    assert client.get("/simulator").status_code == 200
    answer = client.post("/simulator/send", json={"from": "010-5555-6666", "body": "도서관 화장실 휴지가 없어요"})
    assert answer.status_code == 200 and answer.json["status"] == 200
    sqlite_app.extensions["jobqueue"].drain()
    with sqlite_app.app_context():
        case = db.session().exec(select(Case)).one()
        assert case.state == CaseState.OPEN
        receipt = db.session().exec(select(Message).where(Message.kind == "receipt")).one()
        assert receipt.status == MessageStatus.DELIVERED and receipt.twilio_sid.startswith("SMconsole")
    thread = client.get("/simulator/thread?phone=01055556666").json["messages"]
    assert [m["direction"] for m in thread] == ["inbound", "outbound"]
    assert case.ref in thread[1]["body"]


def test_simulator_needs_a_number(sqlite_app):
    assert sqlite_app.test_client().post("/simulator/send", json={"body": "hi"}).status_code == 400


def test_health_reports_database_and_in_process_queue(sqlite_app):
    answer = sqlite_app.test_client().get("/healthz")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok", "database": "ok", "queue": "ok"}

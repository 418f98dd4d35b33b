"""The routing decision is stored with the words that explain it and the model version that made it."""
from sqlmodel import select

import db
from models import Case, CaseEvent


def test_routed_event_stores_the_explanation_and_the_model_version(sqlite_app, trained_model):
    client = sqlite_app.test_client()
    client.post("/simulator/send", json={"from": "010-5555-7777", "body": "청솔동 사거리 가로등이 사흘째 꺼져 있어요"})
    sqlite_app.extensions["jobqueue"].drain()
    with sqlite_app.app_context():
        session = db.session()
        case = session.exec(select(Case)).one()
        event = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "routed")).one()
    assert event.data["department"] == case.department_key and event.data["category"] == case.category
    assert event.data["explanation"] and all(isinstance(w, str) and w for w in event.data["explanation"])
    assert any(w in "청솔동 사거리 가로등이 사흘째 꺼져 있어요" for w in event.data["explanation"])
    assert event.data["model_version"] == trained_model.version

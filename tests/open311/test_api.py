"""Open311 GeoReport v2: the spec's shapes, filters and errors, and no personal data."""
from datetime import timedelta

from sqlmodel import select

import db
from models import Case, CaseState, utcnow
from tests.conftest import inbound_form, signed_post


def routed_case(app, client, run_worker, body: str, sender: str = "010-1234-5678") -> Case:
    signed_post(client, app, "/sms/inbound", inbound_form(body, sender=sender))
    run_worker()
    with app.app_context():
        return db.session().exec(select(Case).order_by(Case.id.desc())).first()


def test_services_lists_every_category_as_a_service(client):
    services = client.get("/open311/v2/services.json").json
    assert [s["service_code"] for s in services] == ["complaint", "suggestion", "safety", "improvement", "gratitude", "other"]
    assert all(set(s) >= {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"} for s in services)


def test_single_request_is_a_one_element_array_with_the_texted_reference(app, client, run_worker):
    case = routed_case(app, client, run_worker, "청솔동 가로등이 꺼졌어요", sender="010-3333-4444")
    answer = client.get(f"/open311/v2/requests/{case.ref}.json")
    assert answer.status_code == 200
    [item] = answer.json
    assert item["service_request_id"] == case.ref
    assert item["status"] == "open"
    assert item["service_code"] == case.category
    assert item["agency_responsible"] == case.department_key
    assert item["expected_datetime"] == case.deadline_at.isoformat().replace("+00:00", "Z")
    assert "3333" not in str(answer.json) and "가로등" not in str(answer.json)


def test_expected_datetime_after_a_first_answer_is_the_resolution_deadline(app, client, run_worker):
    case = routed_case(app, client, run_worker, "청솔동 가로등이 꺼졌어요")
    resolution_deadline = utcnow().replace(microsecond=0) + timedelta(days=10)
    with app.app_context(), db.transaction() as session:
        stored = session.get(Case, case.id)
        stored.first_answered_at, stored.state = utcnow(), CaseState.ANSWERED
        stored.resolution_deadline_at = resolution_deadline
    [item] = client.get(f"/open311/v2/requests/{case.ref}.json").json
    assert item["expected_datetime"] == resolution_deadline.isoformat().replace("+00:00", "Z")


def test_comma_separated_ids_return_each(app, client, run_worker):
    first = routed_case(app, client, run_worker, "쓰레기가 쌓였어요")
    # Another resident: a second text from the same number within days would join the first case.
    second = routed_case(app, client, run_worker, "Thank you so much for fixing the road!", sender="010-2222-0002")
    answer = client.get(f"/open311/v2/requests.json?service_request_id={first.ref},{second.ref}")
    assert sorted(i["service_request_id"] for i in answer.json) == sorted([first.ref, second.ref])
    one_path = client.get(f"/open311/v2/requests/{first.ref},{second.ref}.json")
    assert len(one_path.json) == 2


def test_unknown_request_is_the_spec_error_array(client):
    answer = client.get("/open311/v2/requests/M999999.json")
    assert answer.status_code == 404
    assert answer.json == [{"code": 404, "description": "no service request M999999"}]


def test_filters_status_service_code_and_dates(app, client, run_worker):
    open_case = routed_case(app, client, run_worker, "불법주차 차량 때문에 못 지나가요")
    closed_case = routed_case(app, client, run_worker, "공원 쓰레기통이 넘쳐요", sender="010-2222-0003")
    with app.app_context():
        session = db.session()
        session.get(Case, closed_case.id).state = CaseState.RESOLVED
        session.commit()
    closed = client.get("/open311/v2/requests.json?status=closed").json
    assert [i["service_request_id"] for i in closed] == [closed_case.ref]
    opened = client.get(f"/open311/v2/requests.json?status=open&service_code={open_case.category}").json
    assert open_case.ref in [i["service_request_id"] for i in opened]
    future = (utcnow() + timedelta(days=1)).isoformat()
    assert client.get("/open311/v2/requests.json", query_string={"start_date": future}).json == []


def test_bad_filters_answer_400_with_the_error_array(client):
    assert client.get("/open311/v2/requests.json?status=pending").json == [{"code": 400, "description": "status must be open or closed"}]
    assert client.get("/open311/v2/requests.json?service_code=nope").status_code == 400
    assert client.get("/open311/v2/requests.json?start_date=yesterday").status_code == 400
    span = client.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z")
    assert span.status_code == 400 and "90 days" in span.json[0]["description"]

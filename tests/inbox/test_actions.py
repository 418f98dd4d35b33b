"""Actions on a case: what each records and texts, and every bad input answered clearly with nothing lost or sent twice."""
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

from markupsafe import escape
from sqlmodel import select

import db
from inbox import actions
from inbox.auth import StaffUser
from models import CaseEvent, CaseState, LabeledCorrection, Media, Message, MessageStatus, Staff
from tests.inbox.conftest import PASSWORD, add_case, add_staff, csrf_token, events, load_case, post_action, sign_in, texts

PHONE = "+821012345678"


def _page(client, case_id: int) -> str:
    answer = client.get(f"/inbox/cases/{case_id}")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_reply_texts_the_resident_and_marks_the_case_answered(app, client, leader, run_worker, twilio):
    case_id = add_case(app)
    sign_in(client, leader)
    answer = post_action(client, case_id, "reply", _page(client, case_id), body="내일 오전 중에 교체하겠습니다.")
    assert answer.status_code == 302 and "done=reply" in answer.location
    run_worker()
    assert twilio.bodies_to(PHONE) == ["내일 오전 중에 교체하겠습니다."]
    case = load_case(app, case_id)
    assert case.state == CaseState.ANSWERED and case.first_answered_at is not None and case.version == 2
    [event] = events(app, case_id, "reply")
    [message] = texts(app, case_id)
    assert event.actor == "김도로" and event.staff_id and event.data["message_id"] == message.id
    assert message.purpose_key == f"reply:{event.id}" and message.status == MessageStatus.SENT
    page = client.get(answer.location).get_data(as_text=True)
    assert "주민에게 답변을 보냈습니다(문자 1건)" in page and "발송됨" in page


def test_same_reply_form_posted_twice_texts_once(app, client, leader, run_worker, twilio):
    case_id = add_case(app)
    sign_in(client, leader)
    page = _page(client, case_id)
    first = post_action(client, case_id, "reply", page, body="확인했습니다.")
    second = post_action(client, case_id, "reply", page, body="확인했습니다.")
    assert first.status_code == second.status_code == 302
    assert "이미 보낸 양식입니다" in client.get(second.location).get_data(as_text=True)
    run_worker()
    assert len(events(app, case_id, "reply")) == 1 and len(texts(app, case_id)) == 1
    assert twilio.bodies_to(PHONE) == ["확인했습니다."]


def test_stale_form_after_someone_else_resolved_is_refused_and_keeps_the_text(app, client, leader, run_worker, twilio):
    case_id = add_case(app)
    sign_in(client, leader)
    stale_page = _page(client, case_id)
    add_staff(app, "comm@gu.go.kr", "communication", "communication", name="박소통")
    other = app.test_client()
    sign_in(other, "comm@gu.go.kr")
    assert post_action(other, case_id, "resolve", _page(other, case_id), result="교체 완료", notify="y").status_code == 302

    answer = post_action(client, case_id, "reply", stale_page, body="지금 바로 나가보겠습니다.")

    assert answer.status_code == 409
    body = answer.get_data(as_text=True)
    assert "박소통 님이 이 사건을 변경했습니다(처리 완료)" in body
    assert "지금 바로 나가보겠습니다.</textarea>" in body
    assert events(app, case_id, "reply") == []
    run_worker()
    assert twilio.bodies_to(PHONE) == ["교체 완료"]


def test_empty_reply_is_refused_with_a_clear_message(app, client, leader):
    case_id = add_case(app)
    sign_in(client, leader)
    answer = post_action(client, case_id, "reply", _page(client, case_id), body="   ")
    assert answer.status_code == 400
    assert "답변 내용을 입력해 주세요." in answer.get_data(as_text=True)
    assert events(app, case_id, "reply") == [] and texts(app, case_id) == []


def test_2000_character_reply_is_refused_and_the_text_is_kept(app, client, leader):
    case_id = add_case(app)
    sign_in(client, leader)
    long_text = "가" * 2000
    answer = post_action(client, case_id, "reply", _page(client, case_id), body=long_text)
    assert answer.status_code == 400
    body = answer.get_data(as_text=True)
    assert "문자 30건 분량입니다(2000자)" in body and "최대 10건" in body
    assert long_text + "</textarea>" in body
    assert events(app, case_id, "reply") == [] and texts(app, case_id) == []


def test_reply_to_an_opted_out_resident_is_recorded_but_not_texted(app, client, leader, run_worker, twilio):
    case_id = add_case(app, opted_out=True)
    sign_in(client, leader)
    page = _page(client, case_id)
    assert "이 주민에게는 문자를 보낼 수 없습니다" in page
    answer = post_action(client, case_id, "reply", page, body="답변드립니다.")
    assert "기록했지만 문자는 보내지 않았습니다" in client.get(answer.location).get_data(as_text=True)
    run_worker()
    [message] = texts(app, case_id)
    assert message.status == MessageStatus.SUPPRESSED and len(events(app, case_id, "reply")) == 1
    assert twilio.bodies_to(PHONE) == []


def test_post_after_the_session_expired_signs_in_again_and_returns_to_the_case(app, client, leader):
    case_id = add_case(app)
    sign_in(client, leader)
    page = _page(client, case_id)
    client.delete_cookie("session")
    answer = post_action(client, case_id, "reply", page, body="답변")
    assert answer.status_code == 302 and "/login" in answer.location and "expired=1" in answer.location
    assert events(app, case_id, "reply") == []
    assert "작성하던 내용은 이 기기에 보관되어 있습니다" in client.get(answer.location).get_data(as_text=True)
    token = csrf_token(client.get(answer.location).get_data(as_text=True))
    back = client.post(answer.location, data={"email": leader, "password": PASSWORD, "csrf_token": token})
    assert back.location.endswith(f"/inbox/cases/{case_id}")


def test_reassign_moves_the_case_and_stores_a_correction(app, client):
    case_id = add_case(app)
    add_staff(app, "comm@gu.go.kr", "communication", "communication")
    sign_in(client, "comm@gu.go.kr")
    answer = post_action(client, case_id, "reassign", _page(client, case_id), department="parks", reason="공원 안 가로등")
    assert answer.status_code == 302
    [event] = events(app, case_id, "reassigned")
    assert event.data == {"from": "roads", "to": "parks", "reason": "공원 안 가로등"}
    assert load_case(app, case_id).department_key == "parks"
    with app.app_context():
        [correction] = db.session().exec(select(LabeledCorrection)).all()
    assert (correction.case_id, correction.department, correction.text) == (case_id, "parks", "가로등이 꺼졌어요")


def test_leader_who_reassigns_a_case_away_no_longer_sees_it(app, client, leader):
    case_id = add_case(app)
    sign_in(client, leader)
    answer = post_action(client, case_id, "reassign", _page(client, case_id), department="traffic", reason="불법주차 건")
    assert answer.status_code == 302 and answer.location.endswith("/inbox")
    assert client.get(f"/inbox/cases/{case_id}").status_code == 404


def test_reassign_without_a_reason_is_refused(app, client, leader):
    case_id = add_case(app)
    sign_in(client, leader)
    answer = post_action(client, case_id, "reassign", _page(client, case_id), department="traffic", reason="")
    assert answer.status_code == 400 and "재배정 사유를 입력해 주세요." in answer.get_data(as_text=True)
    assert load_case(app, case_id).department_key == "roads"


def test_change_category_records_the_event_and_a_correction(app, client, leader):
    case_id = add_case(app)
    sign_in(client, leader)
    post_action(client, case_id, "category", _page(client, case_id), category="safety")
    [event] = events(app, case_id, "category_changed")
    assert event.data == {"from": "complaint", "to": "safety"} and load_case(app, case_id).category == "safety"
    with app.app_context():
        [correction] = db.session().exec(select(LabeledCorrection)).all()
    assert (correction.category, correction.department) == ("safety", "roads")


def test_resolve_texts_the_result_and_reopen_brings_the_case_back(app, client, leader, run_worker, twilio):
    case_id = add_case(app)
    sign_in(client, leader)
    post_action(client, case_id, "resolve", _page(client, case_id), result="가로등을 교체했습니다.", notify="y")
    run_worker()
    case = load_case(app, case_id)
    assert case.state == CaseState.RESOLVED and case.resolved_at and case.result == "가로등을 교체했습니다."
    assert twilio.bodies_to(PHONE) == ["가로등을 교체했습니다."]
    [result_text] = texts(app, case_id)
    assert result_text.purpose_key == f"result:{events(app, case_id, 'resolved')[0].id}"

    post_action(client, case_id, "reopen", _page(client, case_id), reason="다시 꺼졌다는 연락")
    case = load_case(app, case_id)
    assert case.state == CaseState.ANSWERED and case.resolved_at is None
    assert events(app, case_id, "reopened")[0].data["previous_result"] == "가로등을 교체했습니다."


def test_resolve_without_texting_sends_nothing(app, client, leader, run_worker, twilio):
    case_id = add_case(app, category="gratitude")
    sign_in(client, leader)
    post_action(client, case_id, "resolve", _page(client, case_id), result="감사 인사, 답장 불필요")
    run_worker()
    assert load_case(app, case_id).state == CaseState.RESOLVED
    assert texts(app, case_id) == [] and twilio.received == []


def test_internal_note_is_in_the_thread_and_never_texted(app, client, leader, run_worker, twilio):
    case_id = add_case(app)
    sign_in(client, leader)
    post_action(client, case_id, "note", _page(client, case_id), body="현장 사진 요청함")
    run_worker()
    assert events(app, case_id, "note")[0].data == {"body": "현장 사진 요청함"}
    assert "현장 사진 요청함" in _page(client, case_id) and twilio.received == []


def test_resident_text_with_a_script_tag_is_shown_as_text(app, client, leader):
    case_id = add_case(app, text='<script>alert("x")</script> 보도블록 파손')
    sign_in(client, leader)
    for page in (client.get("/inbox").get_data(as_text=True), _page(client, case_id)):
        assert '<script>alert("x")</script>' not in page
        assert str(escape('<script>alert("x")</script>')) in page


def test_department_roles_see_masked_numbers_and_the_communication_team_whole_ones(app, client, leader):
    case_id = add_case(app)
    sign_in(client, leader)
    assert "010-****-5678" in _page(client, case_id) and PHONE not in _page(client, case_id)
    assert "010-****-5678" in client.get("/inbox").get_data(as_text=True)
    add_staff(app, "comm@gu.go.kr", "communication", "communication")
    other = app.test_client()
    sign_in(other, "comm@gu.go.kr")
    assert PHONE in _page(other, case_id)


def test_stored_photo_is_served_only_to_staff_who_see_the_case(app, client, leader):
    case_id = add_case(app)
    media_root = Path(app.config["MEDIA_PATH"])
    (media_root / "2026").mkdir(parents=True)
    (media_root / "2026" / "p.jpg").write_bytes(b"\xff\xd8jpeg")
    with app.app_context(), db.transaction() as session:
        message = session.exec(select(Message).where(Message.case_id == case_id)).one()
        stored = Media(message_id=message.id, url="https://api.twilio.com/m/1", content_type="image/jpeg",
                       storage_path="2026/p.jpg", status="stored")
        escaping = Media(message_id=message.id, url="https://api.twilio.com/m/2", content_type="image/jpeg",
                         storage_path="../../etc/passwd", status="stored")
        session.add_all([stored, escaping])
        session.flush()
        stored_id, escaping_id = stored.id, escaping.id
    sign_in(client, leader)
    assert f"/inbox/media/{stored_id}" in _page(client, case_id)
    answer = client.get(f"/inbox/media/{stored_id}")
    assert answer.status_code == 200 and answer.data == b"\xff\xd8jpeg"
    assert client.get(f"/inbox/media/{escaping_id}").status_code == 404
    add_staff(app, "leader@traffic.go.kr", "leader", "traffic")
    other = app.test_client()
    sign_in(other, "leader@traffic.go.kr")
    assert other.get(f"/inbox/media/{stored_id}").status_code == 404


def test_thread_shows_texts_notes_and_events_in_order_with_the_classifier_explanation(app, client, leader, run_worker):
    case_id = add_case(app, confidence=0.82)
    sign_in(client, leader)
    post_action(client, case_id, "note", _page(client, case_id), body="첫 메모")
    post_action(client, case_id, "reply", _page(client, case_id), body="첫 답변")
    run_worker()
    page = _page(client, case_id)
    positions = [page.index(s) for s in ("가로등이 꺼졌어요</div>", "첫 메모", "첫 답변")]
    assert positions == sorted(positions)
    assert "확신도 82%" in page and "근거 단어:" in page and "꺼졌어요</span>" in page


def test_thread_shows_follow_up_texts_escalations_ratings_and_system_notes_once_each(app, client, leader):
    case_id = add_case(app)
    with app.app_context(), db.transaction() as session:
        first = session.exec(select(Message).where(Message.case_id == case_id)).one()
        follow_up = Message(line_id=first.line_id, resident_id=first.resident_id, case_id=case_id, direction="inbound",
                            body="아직도 안 고쳐졌어요", status=MessageStatus.RECEIVED)
        rating = Message(line_id=first.line_id, resident_id=first.resident_id, case_id=case_id, direction="inbound",
                         body="5", status=MessageStatus.RECEIVED)
        session.add_all([follow_up, rating])
        session.flush()
        session.add_all([
            CaseEvent(case_id=case_id, kind="resident_text", actor="resident", data={"message_id": follow_up.id}),
            CaseEvent(case_id=case_id, kind="escalated", actor="sla watcher", data={
                "level": 2, "notified": [{"role": "director", "name": "이국장", "id": None, "sms": True}],
                "text": "[기한 초과] M1 2단계"}),
            CaseEvent(case_id=case_id, kind="rated", actor="resident", data={"score": 5, "message_id": rating.id}),
            CaseEvent(case_id=case_id, kind="note", actor="system", data={"text": "차단된 번호의 문자"}),
        ])
    sign_in(client, leader)
    page = _page(client, case_id)
    assert page.count("아직도 안 고쳐졌어요") == 1
    assert "2단계" in page and "이국장" in page and "[기한 초과] M1 2단계" in page
    assert "5점 만점에 5점" in page and "차단된 번호의 문자" in page


def test_the_same_form_posted_at_the_same_moment_from_two_requests_texts_once(app, leader):
    case_id = add_case(app)
    with app.app_context():
        user = StaffUser.of(db.session().exec(select(Staff)).one())
    results, start = [], threading.Barrier(2)

    def post():
        with app.app_context():
            start.wait()
            results.append(actions.perform(user, case_id, "reply", seen_version=1, form_token="same-token-0123456789",
                                           body="동시에 두 번"))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.duplicate for r in results) == [False, True]
    assert len(texts(app, case_id)) == 1 and len(events(app, case_id, "reply")) == 1


def test_question_to_the_resident_pauses_the_deadline_until_they_answer(app, client, leader, run_worker, twilio):
    from tests.conftest import inbound_form, signed_post

    case_id = add_case(app)
    deadline = load_case(app, case_id).deadline_at
    sign_in(client, leader)
    answer = post_action(client, case_id, "reply", _page(client, case_id), body="정확한 위치를 알려주시겠어요?", question="y")
    assert answer.status_code == 302
    run_worker()
    assert twilio.bodies_to(PHONE) == ["정확한 위치를 알려주시겠어요?"]
    case = load_case(app, case_id)
    assert case.state == CaseState.WAITING and case.waiting_since is not None and case.first_answered_at is None
    [event] = events(app, case_id, "question")
    assert event.data["message_id"] == texts(app, case_id)[0].id

    signed_post(app.test_client(), app, "/sms/inbound", inbound_form("청솔로 12 앞입니다", sender="010-1234-5678"))
    run_worker()
    case = load_case(app, case_id)
    assert case.state == CaseState.OPEN and case.waiting_since is None
    assert case.deadline_at > deadline  # moved by the time spent waiting
    assert events(app, case_id, "resident_text")


def _district_wall_clock(moment) -> str:
    from zoneinfo import ZoneInfo
    return moment.astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%dT%H:%M")


def test_leader_extends_the_deadline_with_a_reason_in_district_time(app, client, leader):
    case_id = add_case(app)
    old_deadline = load_case(app, case_id).deadline_at
    sign_in(client, leader)
    page = _page(client, case_id)
    assert 'id="extend"' in page and f'value="{_district_wall_clock(old_deadline + timedelta(days=1))[:-2]}00"' in page

    answer = post_action(client, case_id, "extend", page, deadline="2030-01-02T09:30", reason="업체 자재 입고 대기")

    assert answer.status_code == 302
    case = load_case(app, case_id)
    assert case.deadline_at == datetime(2030, 1, 2, 0, 30, tzinfo=timezone.utc)  # 09:30 in Seoul
    [event] = events(app, case_id, "deadline_extended")
    assert event.actor == "김도로" and event.data["reason"] == "업체 자재 입고 대기"
    assert event.data["from"] == old_deadline.isoformat() and event.dedupe_key.startswith("form:")
    thread = _page(client, case_id)
    assert "기한 연장" in thread and "업체 자재 입고 대기" in thread


def test_extension_without_a_reason_or_earlier_than_the_deadline_is_refused(app, client, leader):
    case_id = add_case(app)
    old_deadline = load_case(app, case_id).deadline_at
    sign_in(client, leader)
    answer = post_action(client, case_id, "extend", _page(client, case_id), deadline="2030-01-02T09:30", reason="")
    assert answer.status_code == 400 and "기한을 옮기는 사유를 입력해 주세요." in answer.get_data(as_text=True)
    earlier = _district_wall_clock(old_deadline - timedelta(hours=5))
    answer = post_action(client, case_id, "extend", _page(client, case_id), deadline=earlier, reason="빨리")
    assert answer.status_code == 400 and "현재 기한보다 뒤여야" in answer.get_data(as_text=True)
    answer = post_action(client, case_id, "extend", _page(client, case_id), deadline="내일", reason="사유")
    assert answer.status_code == 400
    assert load_case(app, case_id).deadline_at == old_deadline and not events(app, case_id, "deadline_extended")


def test_the_same_extension_form_posted_twice_extends_once(app, client, leader):
    case_id = add_case(app)
    sign_in(client, leader)
    page = _page(client, case_id)
    for _ in range(2):
        assert post_action(client, case_id, "extend", page, deadline="2030-01-02T09:30", reason="일정 조정").status_code == 302
    assert len(events(app, case_id, "deadline_extended")) == 1


def test_a_resolved_case_offers_no_extension_and_refuses_one(app, client, leader):
    case_id = add_case(app, state=CaseState.RESOLVED)
    sign_in(client, leader)
    assert 'id="extend"' not in _page(client, case_id)
    answer = post_action(client, case_id, "extend", deadline="2030-01-02T09:30", reason="사유")
    assert answer.status_code == 400 and not events(app, case_id, "deadline_extended")

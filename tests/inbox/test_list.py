"""The case list: deadline order, overdue first and highlighted, filters, search, paging, live rows, scoping."""
import re

from models import CaseState
from tests.inbox.conftest import add_case, add_staff, sign_in


def _refs(page: str) -> list[str]:
    return re.findall(r'<span class="ref">(M\d+)</span>', page)


def _list(client, query: str = "") -> str:
    answer = client.get("/inbox" + query)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_list_is_sorted_by_deadline_with_overdue_first_and_highlighted(app, client, leader):
    later = add_case(app, deadline_hours=10, created_ago_hours=1)
    no_deadline = add_case(app, deadline_hours=None, category="gratitude")
    overdue = add_case(app, deadline_hours=2, created_ago_hours=5)
    sooner = add_case(app, deadline_hours=3, created_ago_hours=1)
    sign_in(client, leader)
    page = _list(client)
    assert _refs(page) == [f"M{overdue}", f"M{sooner}", f"M{later}", f"M{no_deadline}"]
    assert re.search(rf'class="case-row state-open overdue" data-case-id="{overdue}"', page)
    assert "3시간 0분 초과" in page and "기한 초과 1건" in page and "기한 없음" in page


def test_filters_by_status_category_and_overdue(app, client, leader):
    resolved = add_case(app, state=CaseState.RESOLVED)
    safety = add_case(app, category="safety", deadline_hours=2, created_ago_hours=0.5)
    overdue = add_case(app, deadline_hours=1, created_ago_hours=3)
    sign_in(client, leader)
    assert _refs(_list(client)) == [f"M{overdue}", f"M{safety}"]
    assert _refs(_list(client, "?status=resolved")) == [f"M{resolved}"]
    assert _refs(_list(client, "?category=safety")) == [f"M{safety}"]
    assert _refs(_list(client, "?overdue=1")) == [f"M{overdue}"]
    assert sorted(_refs(_list(client, "?status=all"))) == sorted(f"M{i}" for i in (resolved, safety, overdue))


def test_search_finds_korean_text_and_case_numbers_and_treats_wildcards_literally(app, client, leader):
    pothole = add_case(app, text="청솔동 도로에 구멍이 크게 났어요")
    add_case(app, text="가로등이 깜빡여요")
    percent = add_case(app, text="할인율 100% 맞나요")
    sign_in(client, leader)
    assert _refs(_list(client, "?q=구멍")) == [f"M{pothole}"]
    assert _refs(_list(client, f"?q=M{pothole}")) == [f"M{pothole}"]
    assert _refs(_list(client, "?q=%25")) == [f"M{percent}"]
    assert "해당하는 사건이 없습니다" in _list(client, "?q=없는말")


def test_paging_shows_25_a_page(app, client, leader):
    for hours in range(30):
        add_case(app, deadline_hours=10 + hours)
    sign_in(client, leader)
    first, second = _list(client), _list(client, "?page=2")
    assert len(_refs(first)) == 25 and len(_refs(second)) == 5
    assert "2쪽 중 1쪽" in first and not set(_refs(first)) & set(_refs(second))


def test_department_list_shows_only_its_cases_and_the_communication_team_sees_all(app, client, leader):
    own = add_case(app, "roads")
    other = add_case(app, "traffic")
    sign_in(client, leader)
    assert _refs(_list(client)) == [f"M{own}"]
    assert _refs(_list(client, "?department=traffic")) == [f"M{own}"]  # the filter cannot widen the scope
    add_staff(app, "comm@gu.go.kr", "communication", "communication")
    comm = app.test_client()
    sign_in(comm, "comm@gu.go.kr")
    assert sorted(_refs(_list(comm))) == sorted([f"M{own}", f"M{other}"])
    assert _refs(_list(comm, "?department=traffic")) == [f"M{other}"]


def test_polled_rows_show_a_case_that_arrived_after_the_page_loaded(app, client, leader):
    add_case(app, text="먼저 온 문자")
    sign_in(client, leader)
    page = _list(client)
    assert 'data-poll="/inbox/rows"' in page
    arrived = add_case(app, text="방금 들어온 문자")
    rows = client.get("/inbox/rows", headers={"X-Requested-With": "fetch"}).get_data(as_text=True)
    assert f"M{arrived}" in rows and "방금 들어온 문자" in rows and "<html" not in rows


def test_polling_after_the_session_ended_answers_401_not_a_login_page(app, client, leader):
    sign_in(client, leader)
    client.delete_cookie("session")
    answer = client.get("/inbox/rows", headers={"X-Requested-With": "fetch"})
    assert answer.status_code == 401 and "다시 로그인" in answer.json["error"]


def test_list_needs_sign_in(app, client):
    answer = client.get("/inbox")
    assert answer.status_code == 302 and "/login?next=/inbox" in answer.location

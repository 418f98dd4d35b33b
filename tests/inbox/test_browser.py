"""The inbox in a real headless Chromium (Debian's), against the app served by a real server thread."""
import os
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from replies import segments
from tests.inbox.conftest import PASSWORD, add_case, add_staff, events, load_case

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# Set to a folder to keep screenshots of the pages the tests visit.
SCREENSHOTS = os.environ.get("INBOX_SCREENSHOTS")


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR",
                                  timezone_id="Asia/Seoul")
    yield context.new_page()
    context.close()


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def _sign_in(page, live_url: str, email: str) -> None:
    page.goto(f"{live_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/inbox$"))


def test_leader_signs_in_sees_the_list_opens_a_case_and_replies(app, live_url, page, leader):
    overdue = add_case(app, text="청솔동 사거리 가로등이 사흘째 꺼져 있어요. 밤에 너무 어두워요", deadline_hours=2,
                       created_ago_hours=5)
    add_case(app, text="보도블록이 깨져서 넘어질 뻔했어요", deadline_hours=40)
    _sign_in(page, live_url, leader)
    expect(page.locator(".case-row").first).to_have_class(re.compile("overdue"))
    expect(page.locator(".case-row").first).to_contain_text("초과")
    _shot(page, "list")

    page.click(f"text=M{overdue}")
    expect(page).to_have_url(re.compile(rf"/inbox/cases/{overdue}$"))
    expect(page.locator(".bubble.resident")).to_contain_text("가로등이 사흘째")
    page.fill("#reply-body", "오늘 저녁까지 교체하겠습니다. 불편을 드려 죄송합니다.")
    expect(page.locator("#reply-counter")).to_contain_text("문자 1건")
    _shot(page, "detail")
    page.click("#reply button[type=submit]")

    expect(page.locator(".flash-success")).to_contain_text("주민에게 답변을 보냈습니다")
    expect(page.locator(".bubble.ours")).to_contain_text("오늘 저녁까지 교체하겠습니다")
    assert load_case(app, overdue).state == "answered"
    expect(page.locator("#reply-body")).to_have_value("")


def test_a_new_case_appears_in_the_open_list_without_a_reload(app, live_url, page, leader):
    add_case(app, text="먼저 온 문자")
    _sign_in(page, live_url, leader)
    arrived = add_case(app, text="방금 들어온 포트홀 신고")
    expect(page.locator(f'[data-case-id="{arrived}"]')).to_contain_text("방금 들어온 포트홀 신고", timeout=15000)


def test_communication_team_reassigns_a_case(app, live_url, page):
    case_id = add_case(app, "communication", text="공원 벤치가 부서졌어요", confidence=0.31)
    add_staff(app, "comm@gu.go.kr", "communication", "communication")
    _sign_in(page, live_url, "comm@gu.go.kr")
    page.goto(f"{live_url}/inbox/cases/{case_id}")
    page.click("summary:has-text('배정 바로잡기')")
    page.select_option("#reassign-department", "parks")
    page.fill("#reassign-reason", "공원 시설물")
    page.click("#reassign button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("다른 부서로 재배정했습니다")
    expect(page.locator(".event.kind-reassigned")).to_contain_text("공원녹지과")
    assert load_case(app, case_id).department_key == "parks"


def test_leader_resolves_a_case_with_a_result(app, live_url, page, leader):
    case_id = add_case(app)
    _sign_in(page, live_url, leader)
    page.goto(f"{live_url}/inbox/cases/{case_id}")
    page.fill("#resolve-result", "가로등을 새 것으로 교체했습니다.")
    page.click("#resolve button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("처리 완료했습니다")
    expect(page.locator(".event.kind-resolved")).to_contain_text("가로등을 새 것으로 교체했습니다.")
    assert load_case(app, case_id).state == "resolved" and len(events(app, case_id, "resolved")) == 1


def test_department_leader_cannot_open_another_departments_case(app, live_url, page, leader):
    other = add_case(app, "traffic", text="불법주차 차량 신고합니다")
    _sign_in(page, live_url, leader)
    answer = page.goto(f"{live_url}/inbox/cases/{other}")
    assert answer.status == 404
    expect(page.locator("body")).not_to_contain_text("불법주차")


def test_reply_counter_counts_segments_as_the_server_does(app, live_url, page, leader):
    case_id = add_case(app)
    _sign_in(page, live_url, leader)
    page.goto(f"{live_url}/inbox/cases/{case_id}")
    samples = ["", "hello", "a" * 160, "a" * 161, "[" * 80, "[" * 81, "€ok", "가" * 70, "가" * 71, "가" * 134,
               "가" * 135, "😀" * 35, "😀" * 36, "Hello 안녕", "é" * 160, "\n" * 3]
    in_browser = page.evaluate("samples => samples.map(s => { const c = window.baroSegments(s); "
                               "return [c.encoding, c.units, c.count, c.remaining]; })", samples)
    on_server = [[c.encoding, c.units, c.count, c.remaining] for c in map(segments.count, samples)]
    assert in_browser == on_server


def test_text_typed_before_the_session_expired_is_there_after_signing_in_again(app, live_url, page, leader):
    case_id = add_case(app)
    _sign_in(page, live_url, leader)
    page.goto(f"{live_url}/inbox/cases/{case_id}")
    page.fill("#reply-body", "세션이 끝나도 남아야 하는 답변")
    page.context.clear_cookies()
    page.click("#reply button[type=submit]")
    expect(page.locator("main .flash-warning")).to_contain_text("작성하던 내용은 이 기기에 보관되어 있습니다")
    page.fill("input[name=email]", leader)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/inbox/cases/{case_id}$"))
    expect(page.locator("#reply-body")).to_have_value("세션이 끝나도 남아야 하는 답변")
    assert events(app, case_id, "reply") == []


@pytest.mark.parametrize("path", ["/inbox", "/inbox/cases/{case_id}", "/login"])
def test_pages_fit_a_phone_screen(app, live_url, browser, leader, path):
    case_id = add_case(app, text="아주 긴 문자 " * 40)
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, locale="ko-KR")
    phone = context.new_page()
    if path != "/login":
        _sign_in(phone, live_url, leader)
    phone.goto(live_url + path.format(case_id=case_id))
    width = phone.evaluate("document.documentElement.scrollWidth")
    _shot(phone, "phone" + path.replace("/", "-").replace("{case_id}", "case"))
    context.close()
    assert width <= 375

"""The digest page in a real headless Chromium at a phone's size, behind the real sign-in."""
import os
import re

from playwright.sync_api import expect

from tests.inbox.conftest import PASSWORD, add_staff
from tests.inbox.test_browser import browser, live_url  # noqa: F401 (fixtures)

PHONE = {"width": 390, "height": 844}
# Set to a file name to keep a screenshot of the whole page.
SCREENSHOT = os.environ.get("DIGEST_SCREENSHOT")


def test_the_mayor_signs_in_and_reads_the_digest_on_a_phone(known_cases, browser, live_url):  # noqa: F811
    add_staff(known_cases, "mayor@district.example", "mayor", name="구청장")
    context = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True, locale="ko-KR")
    page = context.new_page()
    page.goto(f"{live_url}/digest/2026-11-18")
    page.fill("input[name=email]", "mayor@district.example")  # sent to the login page, then back
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/digest/2026-11-18$"))

    expect(page.locator("h1")).to_have_text("구청장 아침 보고")
    expect(page.locator("#late li").first).to_contain_text("22시간 지남")
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    charts = page.locator("img.chart")
    expect(charts).to_have_count(2)
    for index in range(2):
        natural, shown = charts.nth(index).evaluate("img => [img.naturalWidth, img.getBoundingClientRect().width]")
        assert natural >= 900 and 300 <= shown <= PHONE["width"]  # decoded, and fitted to the screen
    if SCREENSHOT:
        page.screenshot(path=SCREENSHOT, full_page=True)
    context.close()

"""/q/<tag>: a page and a QR code that open the phone's SMS app with the line's number and the tag written."""
import pytest


@pytest.fixture
def tagged(runner):
    answer = runner.invoke(args=["qr", "add", "공원", "--label", "공원·놀이터", "--department", "parks"])
    assert answer.exit_code == 0, answer.output


SMS_URI = "sms:+82212345678?body=%23%EA%B3%B5%EC%9B%90%20"


def test_page_links_to_the_sms_app_with_the_tag(client, tagged):
    page = client.get("/q/공원")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'href="{SMS_URI}"' in html and "공원·놀이터" in html and "<svg" in html


def test_qr_code_is_an_svg_of_the_sms_link(client, tagged):
    import segno

    from replies.oneclick import qr_svg

    answer = client.get("/q/공원/qr.svg")
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    assert answer.get_data(as_text=True) == qr_svg(SMS_URI)  # the same symbol segno draws for the link
    assert segno.make(SMS_URI, error="m").version <= 4  # coarse enough to scan from a poster


def test_unknown_tag_is_404(client):
    assert client.get("/q/없는태그").status_code == 404


def test_qr_add_refuses_an_unknown_department(runner):
    answer = runner.invoke(args=["qr", "add", "공원", "--department", "nowhere"])
    assert answer.exit_code != 0 and "unknown department" in answer.output


def test_qr_list_shows_the_pages(runner, tagged):
    answer = runner.invoke(args=["qr", "list"])
    assert "#공원\tparks\tactive\thttps://baro.example.org/q/공원" in answer.output

"""The digest mail through a real SMTP server (aiosmtpd): parts, inline charts, once per day, the clock."""
import threading
from datetime import datetime, timezone
from pathlib import Path

from sqlmodel import select

import db
from digest import jobs
from models import Digest
from tests.digest.conftest import DAY, NOW, SEOUL, load_known_cases, mails

MONDAY_MORNING = datetime(2026, 11, 23, 8, 1, tzinfo=SEOUL).astimezone(timezone.utc)


def send_known_day(app):
    with app.app_context():
        return jobs.send_due(NOW)


def test_the_digest_mail_has_plain_and_html_parts_with_the_charts_inline(mail_app, smtp):
    load_known_cases(mail_app)
    assert send_known_day(mail_app) == "sent"
    [(recipients, mail)] = smtp.messages
    assert recipients == ["mayor@district.example", "office@district.example"]
    assert mail["Subject"] == "[구청장에게 바로 문자] 11월 18일(수) 아침 보고: 늦은 문자 3 · 안전 2 · 새 문자 5"

    text = mail.get_body(preferencelist=("plain",)).get_content()
    html_part = mail.get_body(preferencelist=("html",))
    html = html_part.get_content()
    for shown in (text, html):
        assert "22시간 지남" in shown and "도로과" in shown and "김도로" in shown  # late, holder, hours
        assert "안전총괄과" in shown and "이안전" in shown
        assert "모래주머니 설치 완료 내일 추가 점검 예정" in shown and "벤치 교체 완료" in shown
        assert "항상 빠르게 처리해 주셔서 감사합니다. 동네가 깨끗해졌어요!" in shown
        assert "010-9999-8888" not in shown and "+821012345678" not in shown
    assert "도로과: 14시간 / 23시간 (2건)" in text  # median / 90th percentile
    assert "평균 3.5점, 만족(4~5점) 50%" in text

    images = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 2
    for image in images:
        cid = image["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html
        assert image.get_content().startswith(b"\x89PNG")
    assert "data:image" not in html


def test_sending_the_same_day_twice_sends_once_unless_forced(mail_app, smtp):
    runner = mail_app.test_cli_runner()
    first = runner.invoke(args=["digest", "build", "--date", "2026-11-18", "--send"])
    assert first.exit_code == 0, first.output
    assert "digest 2026-11-18: sent" in first.output
    again = runner.invoke(args=["digest", "build", "--date", "2026-11-18", "--send"])
    assert "already sent" in again.output and "--force" in again.output
    assert len(smtp.messages) == 1
    forced = runner.invoke(args=["digest", "build", "--date", "2026-11-18", "--send", "--force"])
    assert "digest 2026-11-18: sent" in forced.output
    assert len(smtp.messages) == 2


def test_build_prints_the_file_and_the_page_of_the_digest(known_cases):
    result = known_cases.test_cli_runner().invoke(args=["digest", "build", "--date", "2026-11-18"])
    assert result.exit_code == 0, result.output
    path = Path(result.output.split("file: ")[1].split()[0])
    assert path.read_text(encoding="utf-8").count("M-A") == 1
    assert "page: https://baro.example.org/digest/2026-11-18" in result.output
    with known_cases.app_context():
        row = db.session().exec(select(Digest).where(Digest.day == DAY)).one()
        assert row.sent_at is None and "늦거나 격상된 문자" in row.html


def test_build_with_a_bad_date_says_how_to_write_it(known_cases):
    result = known_cases.test_cli_runner().invoke(args=["digest", "build", "--date", "18.11.2026"])
    assert result.exit_code == 2 and "write it as YYYY-MM-DD" in result.output


def test_a_refused_mail_is_reported_and_not_marked_sent(mail_app, smtp):
    mail_app.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # nothing listens on the discard port
    result = mail_app.test_cli_runner().invoke(args=["digest", "build", "--date", "2026-11-18", "--send"])
    assert result.exit_code == 1 and "not sent" in result.output
    with mail_app.app_context():
        assert db.session().exec(select(Digest).where(Digest.sent_at.is_not(None))).first() is None


def test_the_clock_sends_yesterdays_digest_from_eight_once(mail_app, smtp):
    with mail_app.app_context():
        assert jobs.send_due(NOW) == "sent"
        assert jobs.send_due(NOW) == "already sent"
    assert len(smtp.messages) == 1 and "11월 18일(수)" in smtp.messages[0][1]["Subject"]


def test_on_monday_the_clock_sends_friday_to_sunday(mail_app, smtp):
    with mail_app.app_context():
        assert jobs.send_due(MONDAY_MORNING) == "sent"
        assert db.session().exec(select(Digest.day)).all() == [datetime(2026, 11, 22).date()]
    assert "11월 20일(금) ~ 11월 22일(일)" in mails(smtp)[0]["Subject"]


def test_two_clocks_at_the_same_moment_send_one_mail(mail_app, smtp):
    load_known_cases(mail_app)
    outcomes = []
    start = threading.Barrier(2)

    def clock():
        with mail_app.app_context():
            start.wait()
            outcomes.append(jobs.send_due(NOW))

    threads = [threading.Thread(target=clock) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already sent", "sent"]
    assert len(smtp.messages) == 1


def test_without_recipients_or_a_mail_server_the_clock_mails_nothing(app, smtp):
    with app.app_context():
        assert jobs.send_due(NOW) == "mail not configured"  # neither set
        app.config["DIGEST_TO"] = "mayor@district.example"
        assert jobs.send_due(NOW) == "mail not configured"  # no SMTP_URL
        assert db.session().exec(select(Digest)).first() is None
    assert smtp.messages == []

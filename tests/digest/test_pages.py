"""/digest/<date>, the dashboard and the CSV export: who may see them, what they show, bad input."""
import csv
import io

from sqlmodel import select

import db
from models import Case, Digest


def test_the_digest_is_for_the_mayor_and_the_communication_team_only(known_cases, client, sign_in):
    for path in ("/digest/2026-11-18", "/digest/dashboard", "/digest/export.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    leader = sign_in("leader", "roads")
    assert leader.get("/digest/2026-11-18").status_code == 403
    assert leader.get("/digest/export.csv").status_code == 403
    assert sign_in("communication").get("/digest/2026-11-18").status_code == 200
    assert sign_in("mayor").get("/digest/dashboard").status_code == 200


def test_the_page_is_the_digest_that_was_built(known_cases, sign_in):
    result = known_cases.test_cli_runner().invoke(args=["digest", "build", "--date", "2026-11-18"])
    assert result.exit_code == 0, result.output
    client = sign_in("mayor")
    page = client.get("/digest/2026-11-18").get_data(as_text=True)
    with known_cases.app_context():
        assert page == db.session().exec(select(Digest.html)).one()
    assert "22시간 지남" in page and "김도로" in page and 'src="data:image/png;base64,' in page


def test_a_day_never_built_is_built_on_first_view_and_a_day_not_over_is_refused(known_cases, sign_in):
    client = sign_in("mayor")
    page = client.get("/digest/2026-11-18")
    assert page.status_code == 200 and "벤치 교체 완료" in page.get_data(as_text=True)
    tomorrow = client.get("/digest/2999-01-01")
    assert tomorrow.status_code == 404 and "built the morning after" in tomorrow.get_data(as_text=True)
    not_a_date = client.get("/digest/yesterday")
    assert not_a_date.status_code == 404 and "YYYY-MM-DD" in not_a_date.get_data(as_text=True)


def test_the_dashboard_shows_the_figures_of_the_chosen_range(known_cases, sign_in):
    client = sign_in("mayor")
    page = client.get("/digest/dashboard?from=2026-11-11&to=2026-11-18").get_data(as_text=True)
    assert "11월 11일(수) ~ 11월 18일(수)" in page
    assert 'value="2026-11-11"' in page and 'value="2026-11-18"' in page
    assert "이전 기간" in page  # eight days are compared with the eight days two weeks before
    assert "/digest/export.csv?from=2026-11-11&amp;to=2026-11-18" in page


def test_the_dashboard_answers_a_bad_range_in_words(known_cases, sign_in):
    client = sign_in("mayor")
    backwards = client.get("/digest/dashboard?from=2026-11-18&to=2026-11-11")
    assert backwards.status_code == 400 and "시작일이 종료일보다 늦습니다" in backwards.get_data(as_text=True)
    garbled = client.get("/digest/dashboard?from=18/11/2026")
    assert garbled.status_code == 400 and "YYYY-MM-DD" in garbled.get_data(as_text=True)
    too_long = client.get("/digest/dashboard?from=2020-01-01&to=2026-11-18")
    assert too_long.status_code == 400 and "366일까지" in too_long.get_data(as_text=True)


def test_the_csv_export_lists_the_cases_without_phone_numbers_or_resident_texts(known_cases, sign_in):
    with known_cases.app_context():
        session = db.session()
        session.exec(select(Case).where(Case.ref == "M-F")).one().result = "=HYPERLINK(\"x\") 벤치 교체, 문의 010-9999-8888"
        session.commit()
    client = sign_in("communication")
    response = client.get("/digest/export.csv?from=2026-11-15&to=2026-11-18")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="baro-cases-2026-11-15-2026-11-18.csv"' in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert [r["접수번호"] for r in rows] == ["M-F", "M-L", "M-A", "M-B", "M-M", "M-C", "M-G", "M-H", "M-D", "M-E"]
    m_d = next(r for r in rows if r["접수번호"] == "M-D")
    assert (m_d["분야"], m_d["부서"], m_d["상태"], m_d["첫 답변까지(시간)"], m_d["만족도"]) == ("안전", "안전총괄과", "해결", "1.0", "5")
    assert m_d["접수 시각"] == "2026-11-18 14:00"  # district time
    m_f = next(r for r in rows if r["접수번호"] == "M-F")
    assert m_f["처리 결과"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    assert "010-" not in body and "+8210" not in body and "벤치가 부서졌어요" not in body


def test_the_csv_export_refuses_a_bad_range_in_words(known_cases, sign_in):
    client = sign_in("mayor")
    response = client.get("/digest/export.csv?from=2026-11-18&to=2026-11-01")
    assert response.status_code == 400 and "시작일이 종료일보다 늦습니다" in response.get_data(as_text=True)


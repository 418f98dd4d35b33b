"""The digest's figures against the known cases, on PostgreSQL and on SQLite."""
from datetime import date

import pytest

import db
from digest import build, period
from digest.figures import percentile, shorten
from tests.digest.conftest import DAY, NOW, load_known_cases


def figures_of(app, day=DAY, now=NOW):
    with app.app_context():
        return build.figures_for(db.session(), period.covered(day), now)


def test_late_and_escalated_cases_come_first_with_holder_and_hours_late(known_cases):
    f = figures_of(known_cases)
    assert f.late_total == 3
    assert [c.ref for c in f.late] == ["M-A", "M-E", "M-B"]  # escalated first, then the longest overdue
    a, e, b = f.late
    assert (a.department, a.holder, a.escalation_level, a.hours_late) == ("도로과", "김도로", 1, 22)
    assert (e.department, e.holder, e.hours_late) == ("안전총괄과", "이안전", 8)  # no leader: the director
    assert (b.department, b.holder, b.hours_late) == ("공원녹지과", "박공원", 1)
    assert "010-9999-8888" not in a.text and a.text.startswith("청솔동 사거리 가로등이")


def test_new_safety_cases_unanswered_first(known_cases):
    f = figures_of(known_cases)
    assert f.safety_total == 2
    assert [(c.ref, c.answered) for c in f.safety] == [("M-E", False), ("M-D", True)]


def test_counts_by_category_and_department_compare_with_the_week_before_and_leave_out_merged(known_cases):
    f = figures_of(known_cases)
    assert (f.new_cases.count, f.new_cases.previous) == (5, 2)
    by_category = {c.label: (c.count, c.previous) for c in f.by_category}
    assert by_category == {"안전": (2, 0), "격려·감사": (2, 0), "민원": (1, 1), "정책 제안": (0, 1)}
    by_department = {c.label: (c.count, c.change) for c in f.by_department}
    assert by_department == {"안전총괄과": (2, 2), "소통담당관": (2, 2), "도로과": (1, 0), "문화체육과": (0, -1)}


def test_solved_cases_with_one_line_results_safety_first(known_cases):
    f = figures_of(known_cases)
    assert f.solved_total == 2
    assert [(c.ref, c.result) for c in f.solved] == [
        ("M-D", "모래주머니 설치 완료 내일 추가 점검 예정"),
        ("M-F", "벤치 교체 완료"),
    ]


def test_median_and_90th_percentile_hours_to_first_answer_per_department(known_cases):
    f = figures_of(known_cases)
    times = {t.department: (t.answered, round(t.median_hours, 2), round(t.p90_hours, 2)) for t in f.answer_times}
    # roads answered C in 3 h and M in 25 h; safety answered D in 1 h.
    assert times == {"도로과": (2, 14.0, 22.8), "안전총괄과": (1, 1.0, 1.0)}


def test_satisfaction_counts_the_scores_given_that_day(known_cases):
    s = figures_of(known_cases).satisfaction
    assert s.by_score == {5: 1, 2: 1}
    assert (s.average, s.satisfied_share) == (3.5, 0.5)


def test_thanks_are_short_readable_first_texts(known_cases):
    assert figures_of(known_cases).thanks == ["항상 빠르게 처리해 주셔서 감사합니다. 동네가 깨끗해졌어요!"]


def test_cases_per_day_cover_30_district_days_by_category(known_cases):
    daily = figures_of(known_cases).daily
    assert daily.dates[0] == date(2026, 10, 20) and daily.dates[-1] == DAY and len(daily.dates) == 30
    last = {label: counts[-1] for label, counts in daily.by_category.items() if counts[-1]}
    assert last == {"안전": 2, "민원": 1, "격려·감사": 2}
    # M-E came in at 22:00 on the 18th in Seoul, 13:00 UTC: it counts on the 18th.
    assert sum(daily.by_category["민원"]) == 7  # A, B, C, F, J, L, M; not the merged I


def test_sqlite_gives_the_same_figures_as_postgresql(known_cases, sqlite_app):
    load_known_cases(sqlite_app)
    on_postgres, on_sqlite = figures_of(known_cases), figures_of(sqlite_app)
    for name in ("late_total", "safety_total", "by_category", "by_department", "solved_total", "answer_times",
                 "satisfaction", "thanks", "daily"):
        assert getattr(on_sqlite, name) == getattr(on_postgres, name), name
    assert [(c.ref, c.hours_late) for c in on_sqlite.late] == [(c.ref, c.hours_late) for c in on_postgres.late]


@pytest.mark.parametrize("values, q, expected", [([1.0], 0.9, 1.0), ([3.0, 25.0], 0.5, 14.0),
                                                   ([1.0, 2.0, 3.0, 4.0], 0.9, 3.7)])
def test_percentile_interpolates_like_percentile_cont(values, q, expected):
    assert percentile(values, q) == pytest.approx(expected)


def test_shorten_masks_phone_numbers_and_cuts_to_one_line():
    assert shorten("전화 010-1234-5678\n또는 +82 10 1234 5678 로", 100) == "전화 [전화번호] 또는 [전화번호] 로"
    assert shorten("가" * 100, 10) == "가" * 9 + "…"

"""Deadlines from configuration, in wall-clock hours or in business hours with Korean public holidays."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from config import Config
from models import Department
from sla import calendar, policy
from tests.conftest import make_config
from wsgi import create_app

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL).astimezone(timezone.utc)


@pytest.fixture
def config_app(tmp_path):
    def build(**overrides):
        return create_app(make_config(DATABASE_URL=f"sqlite:///{tmp_path / 'unused.db'}", REDIS_URL="",
                                      INSTANCE_PATH=str(tmp_path), **overrides))
    return build


def test_every_category_gets_48_hours_but_safety_2_and_gratitude_and_other_none(config_app):
    start = seoul(2026, 11, 23, 10, 0)
    with config_app().app_context():
        for category in ("complaint", "suggestion", "improvement"):
            assert policy.first_answer_deadline(category, None, start) == start + timedelta(hours=48)
        assert policy.first_answer_deadline("safety", None, start) == start + timedelta(hours=2)
        assert policy.first_answer_deadline("gratitude", None, start) is None
        assert policy.first_answer_deadline("other", None, start) is None
        assert policy.resolution_deadline("complaint", None, start) == start + timedelta(days=7)
        assert policy.resolution_deadline("other", None, start) is None


def test_category_hours_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SLA_HOURS_COMPLAINT", "24")
    monkeypatch.setenv("SLA_HOURS_OTHER", "72")
    monkeypatch.setenv("SLA_HOURS_SAFETY", "none")
    monkeypatch.setenv("SLA_RESOLUTION_HOURS_SUGGESTION", "720")
    config = Config()
    assert config.SLA_HOURS == {"complaint": 24, "other": 72, "safety": None, "gratitude": None}
    assert config.SLA_RESOLUTION_HOURS["suggestion"] == 720


def test_the_stricter_of_category_and_department_promise_applies(config_app):
    start = seoul(2026, 11, 23, 10, 0)
    quick = Department(key="roads", name_ko="도로과", name_en="Roads", first_answer_hours=24, resolution_hours=72)
    with config_app().app_context():
        assert policy.first_answer_deadline("complaint", quick, start) == start + timedelta(hours=24)
        assert policy.first_answer_deadline("safety", quick, start) == start + timedelta(hours=2)
        assert policy.first_answer_deadline("gratitude", quick, start) is None
        assert policy.resolution_deadline("complaint", quick, start) == start + timedelta(hours=72)


def test_business_calendar_skips_evenings_and_weekends(config_app):
    with config_app(SLA_CALENDAR="business").app_context():
        friday_evening = seoul(2026, 11, 27, 17, 0)
        assert policy.first_answer_deadline("safety", None, friday_evening) == seoul(2026, 11, 30, 10, 0)
        saturday = seoul(2026, 11, 28, 14, 0)
        assert policy.first_answer_deadline("safety", None, saturday) == seoul(2026, 11, 30, 11, 0)
        # 48 business hours: 8 on Monday, four 9-hour days, and 4 more the next Monday.
        assert policy.first_answer_deadline("complaint", None, seoul(2026, 11, 23, 10, 0)) == seoul(2026, 11, 30, 13, 0)


def test_business_calendar_skips_chuseok_and_its_substitute_holidays(config_app):
    with config_app(SLA_CALENDAR="business").app_context():
        cal = calendar.current()
        # Chuseok 2026: Thu 24 to Sat 26 September; Sunday; Hangul Day Fri 9 October.
        before_chuseok = seoul(2026, 9, 23, 17, 0)
        assert policy.first_answer_deadline("safety", None, before_chuseok) == seoul(2026, 9, 28, 10, 0)
        assert cal.between(seoul(2026, 9, 23, 18, 0), seoul(2026, 9, 28, 9, 0)) == 0
        assert not cal.is_workday(seoul(2026, 10, 9, 12, 0).astimezone(SEOUL).date())
        assert not cal.is_workday(seoul(2026, 10, 5, 12, 0).astimezone(SEOUL).date())  # substitute for 3 October


def test_business_calendar_counts_between_as_it_adds(config_app):
    with config_app(SLA_CALENDAR="business").app_context():
        cal = calendar.current()
        start = seoul(2026, 9, 22, 16, 30)
        for hours in (0.5, 2, 9, 30, 48):
            end = cal.add(start, hours * 3600)
            assert cal.between(start, end) == hours * 3600
            assert cal.between(end, start) == -hours * 3600
            assert cal.between(cal.subtract(end, hours * 3600), end) == hours * 3600
        # Back over Chuseok: 24 business hours before Monday 28 September 12:00 end on Monday 21 at 15:00.
        assert cal.subtract(seoul(2026, 9, 28, 12, 0), 24 * 3600) == seoul(2026, 9, 21, 15, 0)


def test_a_wrong_calendar_setting_is_named(config_app):
    with config_app(SLA_CALENDAR="lunar").app_context():
        with pytest.raises(ValueError, match="SLA_CALENDAR must be wall or business"):
            calendar.current()
    with config_app(SLA_CALENDAR="business", BUSINESS_HOURS="nine to six").app_context():
        with pytest.raises(ValueError, match="BUSINESS_HOURS must look like 09:00-18:00"):
            calendar.current()

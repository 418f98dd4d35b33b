"""Which days a digest covers and which digest is due when."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from digest import period

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.mark.parametrize("local_now, due", [
    (datetime(2026, 11, 19, 8, 0), date(2026, 11, 18)),   # Thursday 08:00: Wednesday's
    (datetime(2026, 11, 19, 7, 59), date(2026, 11, 17)),  # before 08:00 the day before's is still the latest
    (datetime(2026, 11, 23, 8, 1), date(2026, 11, 22)),   # Monday: the digest named Sunday (Friday to Sunday)
    (datetime(2026, 11, 21, 10, 0), date(2026, 11, 19)),  # Saturday: nothing new, Friday morning's stays due
    (datetime(2026, 11, 23, 7, 0), date(2026, 11, 19)),   # Monday before 08:00: still Friday morning's
])
def test_the_due_digest_is_the_one_the_last_weekday_eight_oclock_asked_for(local_now, due):
    assert period.due_day(local_now.replace(tzinfo=SEOUL), SEOUL) == due


def test_a_sunday_digest_covers_friday_to_sunday_and_other_days_themselves():
    assert period.covered(date(2026, 11, 22)) == period.Span(date(2026, 11, 20), date(2026, 11, 22))
    assert period.covered(date(2026, 11, 18)) == period.Span(date(2026, 11, 18), date(2026, 11, 18))


def test_the_period_before_is_a_week_back_for_a_digest_and_whole_weeks_back_for_a_range():
    assert period.covered(date(2026, 11, 22)).previous() == period.Span(date(2026, 11, 13), date(2026, 11, 15))
    eight_days = period.Span(date(2026, 11, 11), date(2026, 11, 18))
    assert eight_days.previous() == period.Span(date(2026, 10, 28), date(2026, 11, 4))


def test_lateness_is_measured_at_the_morning_the_digest_is_due_or_now_if_earlier():
    span = period.covered(date(2026, 11, 18))
    later = datetime(2026, 11, 25, 12, 0, tzinfo=SEOUL)
    assert period.as_of(span, SEOUL, later) == datetime(2026, 11, 19, 8, 0, tzinfo=SEOUL)
    earlier = datetime(2026, 11, 19, 6, 0, tzinfo=SEOUL)
    assert period.as_of(span, SEOUL, earlier) == earlier

"""Templates fit one segment for the longest department name and a long case number."""
from datetime import datetime, timezone

import pytest

from replies import templates
from replies.segments import count
from routing import taxonomy

DEADLINE = datetime(2026, 11, 25, 5, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("deadline", [DEADLINE, None])
def test_receipt_fits_one_segment_for_every_department(app, lang, deadline):
    with app.app_context():
        for entry in taxonomy.default().departments:
            text = templates.receipt(lang, "M123456", entry.name_ko, entry.name_en, deadline)
            assert count(text).count == 1, text


def test_receipt_shows_the_deadline_in_district_time(app):
    with app.app_context():
        text = templates.receipt("ko", "M42", "도로과", "Roads", DEADLINE)
    assert "11/25(수) 14:00" in text and "M42" in text and "도로과" in text


@pytest.mark.parametrize(
    "text,expected",
    [("가로등 고장", "ko"), ("The street light is broken", "en"), ("", "ko"), ("ㅠㅠ", "ko"), ("Hi 안녕", "ko"), ("😀😀", "ko")],
)
def test_detect_language(text, expected):
    assert templates.detect_language(text) == expected

"""Every text a resident can get fits one segment, for the longest department names and references."""
from datetime import datetime, timezone

import pytest

from replies import templates
from replies.segments import count
from routing import taxonomy

DUE = datetime(2026, 11, 25, 5, 0, tzinfo=timezone.utc)
LONG_REF = "M1234567"
STATES = ("new", "open", "answered", "waiting", "resolved")


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_status_fits_one_segment_for_every_department_and_state(app, lang):
    with app.app_context():
        for entry in taxonomy.default().departments:
            for state in STATES:
                for due in (DUE, None):
                    body = templates.status(lang, LONG_REF, entry.name_ko, entry.name_en, state, due)
                    assert count(body).count == 1, body


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_one_segment_texts(lang):
    for body in (templates.status_not_found(lang, LONG_REF), templates.status_not_found(lang, None),
                 templates.opted_out(lang), templates.opted_in(lang), templates.help_text(lang),
                 templates.survey(lang, LONG_REF)):
        assert count(body).count == 1, body


def test_english_texts_stay_in_the_gsm_alphabet():
    """UCS-2 would cut an English text's room from 160 characters to 70."""
    for body in (templates.opted_out("en"), templates.opted_in("en"), templates.help_text("en"),
                 templates.survey("en", LONG_REF), templates.status_not_found("en", LONG_REF)):
        assert count(body).encoding == "GSM-7", body


def test_status_shows_the_deadline_in_district_time(app):
    with app.app_context():
        body = templates.status("ko", "M42", "도로과", "Roads", "open", DUE)
    assert body == "[구청장 문자] M42 도로과 답변 준비 중. 기한 11/25(수) 14:00"

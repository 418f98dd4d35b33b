"""Korean by default, English on request, district time, and a Korean catalog that covers every string."""
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlmodel import select

import db
from models import Case, Staff
from tests.inbox.conftest import add_case, csrf_token, sign_in

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "inbox" / "translations" / "ko" / "LC_MESSAGES"


def test_pages_are_korean_by_default_and_english_when_chosen(app, client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ko">' in page and "직원 로그인" in page
    client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": csrf_token(page)})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Staff sign-in" in page


def test_a_signed_in_choice_of_english_is_kept_for_the_next_sign_in(app, client, leader):
    sign_in(client, leader)
    token = csrf_token(client.get("/inbox").get_data(as_text=True))
    client.post("/language", data={"lang": "en", "next": "/inbox", "csrf_token": token})
    with app.app_context():
        assert db.session().exec(select(Staff.locale)).one() == "en"
    fresh = app.test_client()
    sign_in(fresh, leader)
    assert "Roads inbox" in fresh.get("/inbox").get_data(as_text=True)


def test_times_are_shown_in_the_district_time_zone(app, client, leader):
    case_id = add_case(app)
    with app.app_context(), db.transaction() as session:
        case = session.get(Case, case_id)
        case.created_at = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)  # 12:00 in Seoul
    sign_in(client, leader)
    assert "11/23(월) 12:00" in client.get(f"/inbox/cases/{case_id}").get_data(as_text=True)


def test_korean_catalog_translates_every_string_and_is_compiled():
    method_map, options_map = parse_mapping_cfg(open(ROOT / "inbox" / "babel.cfg"))
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None)
    in_code = {message[2] if isinstance(message[2], str) else message[2][0]
               for message in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)}
    po = read_po(open(CATALOG / "messages.po", "rb"))
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in po if m.id}
    assert in_code - set(translated) == set(), "run pybabel extract/update for inbox"
    assert [k for k, v in translated.items() if not (v if isinstance(v, str) else v[0])] == []
    mo = read_mo(open(CATALOG / "messages.mo", "rb"))
    assert _pairs(mo) == _pairs(po), "run pybabel compile -d inbox/translations"


def _pairs(catalog) -> dict:
    def plain(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return {plain(m.id): plain(m.string) for m in catalog if m.id}

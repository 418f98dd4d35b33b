"""The resident's side end to end: texting the line through the webhook, a frozen clock, a media stand-in,
and signing in as staff."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask_login import login_user
from sqlmodel import select

import db
from models import Case, CaseEvent, CaseState, Message, Resident, Staff, utcnow
from tests.conftest import inbound_form, signed_post
from tests.support import clock as frozen, media_standin

SEOUL = ZoneInfo("Asia/Seoul")


def kst(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026, district time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SEOUL)


@pytest.fixture
def clock(monkeypatch):
    """Frozen at Tuesday 24 November 2026, 10:00 district time, until the test moves it."""
    return frozen.freeze(monkeypatch, kst(24, 10))


@pytest.fixture
def text(app, client):
    """text(body, sender=..., media=...) texts the line as Twilio would deliver it."""

    def send(body: str, sender: str = "010-1234-5678", media: list | None = None):
        answer = signed_post(client, app, "/sms/inbound", inbound_form(body, sender=sender, media=media))
        assert answer.status_code == 200
        return answer

    return send


@pytest.fixture
def media_server(app):
    state, server = media_standin.start(app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"])
    app.config["TWILIO_MEDIA_ORIGINS"] = [state.base_url]
    yield state
    server.shutdown()


def rows(app, model, *where, order=None):
    with app.app_context():
        return db.session().exec(select(model).where(*where).order_by(order if order is not None else model.id)).all()


def cases(app):
    return rows(app, Case)


def outbound(app, kind=None):
    from models import Direction

    where = [Message.direction == Direction.OUTBOUND] + ([Message.kind == kind] if kind else [])
    return rows(app, Message, *where)


def resident(app, phone="+821012345678") -> Resident:
    return rows(app, Resident, Resident.phone == phone)[0]


def resolve(app, case_id: int) -> None:
    """As the inbox's resolve action leaves a case."""
    with app.app_context():
        session = db.session()
        case = session.get(Case, case_id)
        case.state, case.resolved_at, case.result = CaseState.RESOLVED, utcnow(), "가로등 교체 완료"
        session.add(CaseEvent(case_id=case.id, kind="resolved", data={"result": case.result}))
        session.commit()


@pytest.fixture
def sign_in(app, client):
    """sign_in() signs the test client in as a member of the communication team, through the inbox's login."""
    from inbox.auth import StaffUser

    def replies_test_login():
        login_user(app.extensions["replies_test_user"])
        return "ok"

    app.add_url_rule("/_test/replies-login", "replies_test_login", replies_test_login)  # before the first request

    def sign_in_as() -> Staff:
        with app.app_context():
            session = db.session()
            staff = Staff(email="media-viewer@district.example", name="열람 테스트", role="communication",
                          password_hash="$argon2id$test-only-0123456789abcdef")
            session.add(staff)
            session.commit()
            app.extensions["replies_test_user"] = StaffUser.of(staff)
        assert client.get("/_test/replies-login").status_code == 200
        return staff

    return sign_in_as

"""A known week of cases, a real SMTP server (aiosmtpd), and signing in as a member of staff.

The known day is Wednesday 18 November 2026 (Asia/Seoul); the digest is read at 08:30 the next
morning, so lateness is measured at 08:00 on the 19th.
"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

import db
from models import Case, CaseEvent, CaseState, Department, Direction, Line, Message, Resident, Staff
from tests.inbox.conftest import add_staff
from tests.inbox.conftest import sign_in as inbox_sign_in
from tests.support import smtp_server

SEOUL = ZoneInfo("Asia/Seoul")
DAY = datetime(2026, 11, 18).date()
NOW = datetime(2026, 11, 19, 8, 30, tzinfo=SEOUL).astimezone(timezone.utc)
PHONE = "+821012345678"


def kst(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SEOUL)


@pytest.fixture
def smtp():
    yield from smtp_server.running()


@pytest.fixture
def mail_app(app, smtp):
    app.config.update(SMTP_URL=smtp.url, DIGEST_TO="mayor@district.example, office@district.example",
                      MAIL_FROM="baro@district.example")
    return app


# --- signing in -------------------------------------------------------------------------------
@pytest.fixture
def sign_in(app):
    """sign_in(role) makes a member of staff with that role and a client signed in as them on the login page."""

    def sign_in_as(role: str, department: str | None = None):
        email = f"{role}-{department or 'all'}@district.example"
        add_staff(app, email, role, department)
        client = app.test_client()
        assert inbox_sign_in(client, email).status_code == 302
        return client

    return sign_in_as


# --- the known cases --------------------------------------------------------------------------
def add_case(session, *, text: str, category: str, department: str, created: datetime, ref: str,
             state: str = CaseState.OPEN, deadline: datetime | None = None, answered: datetime | None = None,
             resolved: datetime | None = None, result: str | None = None, satisfaction: int | None = None,
             rated: datetime | None = None, escalation: int = 0, waiting_since: datetime | None = None) -> Case:
    line = session.exec(select(Line)).first()
    resident = session.exec(select(Resident).where(Resident.phone == PHONE)).first()
    if resident is None:
        resident = Resident(phone=PHONE)
        session.add(resident)
        session.flush()
    case = Case(line_id=line.id, resident_id=resident.id, ref=ref, state=state, category=category,
                department_key=department, created_at=created, updated_at=created, last_activity_at=created,
                routed_at=created, deadline_at=deadline, first_answered_at=answered, resolved_at=resolved,
                result=result, satisfaction=satisfaction, escalation_level=escalation, waiting_since=waiting_since)
    session.add(case)
    session.flush()
    session.add(Message(line_id=line.id, resident_id=resident.id, case_id=case.id, direction=Direction.INBOUND,
                        body=text, from_number=PHONE, to_number=line.phone_number, created_at=created))
    if rated:
        session.add(CaseEvent(case_id=case.id, kind="rated", data={"score": satisfaction}, created_at=rated))
    return case


def load_known_cases(app) -> None:
    with app.app_context():
        session = db.session()
        session.add(Staff(email="roads@district.example", name="김도로", role="leader", department_key="roads"))
        session.add(Staff(email="parks@district.example", name="박공원", role="leader", department_key="parks"))
        session.get(Department, "safety").director_name = "이안전"
        add_case(session, ref="M-A", text="청솔동 사거리 가로등이 사흘째 꺼져 있어요. 010-9999-8888 로 연락 주세요",
                 category="complaint", department="roads", created=kst(16, 10), deadline=kst(18, 10), escalation=1)
        add_case(session, ref="M-B", text="어린이공원 그네 줄이 끊어졌어요", category="complaint", department="parks",
                 created=kst(17, 9), deadline=kst(19, 7))
        add_case(session, ref="M-C", text="인도 보도블록이 깨졌어요", category="complaint", department="roads",
                 created=kst(18, 9), deadline=kst(20, 9), answered=kst(18, 12), state=CaseState.ANSWERED)
        add_case(session, ref="M-D", text="지하차도에 물이 차오르고 있어요", category="safety", department="safety",
                 created=kst(18, 14), deadline=kst(18, 16), answered=kst(18, 15), resolved=kst(18, 20),
                 state=CaseState.RESOLVED, result="모래주머니 설치 완료\n내일 추가 점검 예정", satisfaction=5,
                 rated=kst(18, 21))
        add_case(session, ref="M-E", text="공사장 가림막이 바람에 넘어지려고 해요", category="safety",
                 department="safety", created=kst(18, 22), deadline=kst(19, 0))
        add_case(session, ref="M-F", text="공원 벤치가 부서졌어요", category="complaint", department="parks",
                 created=kst(15, 10), deadline=kst(17, 10), answered=kst(16, 16), resolved=kst(18, 11),
                 state=CaseState.RESOLVED, result="벤치 교체 완료", satisfaction=2, rated=kst(18, 12))
        add_case(session, ref="M-G", text="항상 빠르게 처리해 주셔서 감사합니다. 동네가 깨끗해졌어요!",
                 category="gratitude", department="communication", created=kst(18, 9, 30), state=CaseState.RESOLVED)
        add_case(session, ref="M-H", text="감사", category="gratitude", department="communication",
                 created=kst(18, 10), state=CaseState.RESOLVED)
        add_case(session, ref="M-I", text="가로등 또 꺼졌어요", category="complaint", department="roads",
                 created=kst(18, 10), deadline=kst(18, 11), state=CaseState.MERGED)
        add_case(session, ref="M-J", text="지난주 민원", category="complaint", department="roads",
                 created=kst(11, 10), deadline=kst(13, 10), answered=kst(11, 12), state=CaseState.ANSWERED)
        add_case(session, ref="M-K", text="도서관 야간 개방을 제안합니다", category="suggestion", department="culture",
                 created=kst(11, 11), answered=kst(11, 15), state=CaseState.ANSWERED)
        add_case(session, ref="M-L", text="서류를 다시 보내 주실 수 있나요", category="complaint", department="admin",
                 created=kst(16, 9), deadline=kst(18, 9), state=CaseState.WAITING, waiting_since=kst(17, 9))
        add_case(session, ref="M-M", text="버스정류장 의자가 없어요", category="complaint", department="roads",
                 created=kst(17, 12), deadline=kst(19, 12), answered=kst(18, 13), state=CaseState.ANSWERED)
        session.commit()


@pytest.fixture
def known_cases(app):
    load_known_cases(app)
    return app


def mails(drop: smtp_server.MailDrop):
    return [m for _rcpt, m in drop.messages]


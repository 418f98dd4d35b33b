"""Inbox fixtures: staff accounts, routed cases stored as the pipeline stores them, and a signed-in client."""
import re
from datetime import timedelta

import pytest
from sqlmodel import select

import db
from inbox.auth import hash_password
from models import Case, CaseEvent, CaseState, Direction, Line, Message, MessageStatus, Resident, Staff, utcnow

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="(?:[a-z]+-)?csrf_token" type="hidden" value="([^"]+)"')


def add_staff(app, email: str, role: str, department: str | None = None, **fields) -> int:
    with app.app_context(), db.transaction() as session:
        staff = Staff(email=email, role=role, department_key=department, password_hash=hash_password(PASSWORD),
                      name=fields.pop("name", email.split("@")[0]), **fields)
        session.add(staff)
        session.flush()
        return staff.id


def add_case(app, department: str = "roads", text: str = "가로등이 꺼졌어요", *, phone: str = "+821012345678",
             category: str = "complaint", state: str = CaseState.OPEN, deadline_hours: float | None = 48,
             created_ago_hours: float = 1, confidence: float = 0.82, opted_out: bool = False) -> int:
    """A case as routing leaves it: resident, first text, routed event, deadline."""
    with app.app_context(), db.transaction() as session:
        resident = session.exec(select(Resident).where(Resident.phone == phone)).first()
        if resident is None:
            resident = Resident(phone=phone)
            session.add(resident)
        resident.opted_out = opted_out
        line = session.exec(select(Line)).first()
        created = utcnow() - timedelta(hours=created_ago_hours)
        session.flush()
        case = Case(line_id=line.id, resident_id=resident.id, state=state, category=category, department_key=department,
                    confidence=confidence, created_at=created, routed_at=created,
                    deadline_at=created + timedelta(hours=deadline_hours) if deadline_hours is not None else None)
        if state == CaseState.RESOLVED:
            case.resolved_at, case.result, case.first_answered_at = utcnow(), "고쳤습니다", utcnow()
        session.add(case)
        session.flush()
        case.ref = f"M{case.id}"
        session.add(Message(line_id=line.id, resident_id=resident.id, case_id=case.id, direction=Direction.INBOUND,
                            body=text, from_number=phone, to_number=line.phone_number, status=MessageStatus.RECEIVED,
                            twilio_sid=f"SMtest{case.id}", created_at=created))
        session.add(CaseEvent(case_id=case.id, kind="routed", created_at=created, data={
            "category": category, "department": department, "confidence": confidence, "model_department": department,
            "explanation": ["가로등이", "꺼졌어요"], "model_version": "test"}))
        return case.id


def csrf_token(html: str) -> str:
    return CSRF.search(html).group(1)


def sign_in(client, email: str, password: str = PASSWORD):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def form_fields(html: str, action: str) -> dict:
    """The hidden fields of one action form on a case page, as the browser would post them."""
    form = re.search(rf'<form[^>]*action="[^"]*/{action}"[^>]*>(.*?)</form>', html, re.S).group(1)
    return dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"', form)
                + re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))


def post_action(client, case_id: int, action: str, page_html: str | None = None, **fields):
    """Posts an action form: taken from the case page when given, else built from the list page's token."""
    if page_html is not None:
        data = form_fields(page_html, action)
    else:
        with client.application.app_context():
            version = db.session().get(Case, case_id).version
        token = csrf_token(client.get("/inbox").get_data(as_text=True))
        data = {f"{action}-csrf_token": token, f"{action}-version": str(version),
                f"{action}-form_token": f"token-{action}-{case_id}-{version}-abcdef"}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(f"/inbox/cases/{case_id}/{action}", data=data)


def events(app, case_id: int, kind: str | None = None) -> list[CaseEvent]:
    with app.app_context():
        query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        if kind:
            query = query.where(CaseEvent.kind == kind)
        return db.session().exec(query).all()


def texts(app, case_id: int) -> list[Message]:
    with app.app_context():
        return db.session().exec(select(Message).where(Message.case_id == case_id, Message.direction == "outbound")
                                 .order_by(Message.id)).all()


def load_case(app, case_id: int) -> Case:
    with app.app_context():
        return db.session().get(Case, case_id)


@pytest.fixture
def app(app):
    # Replies here go out at once whatever the hour; holding texts in quiet hours is replies/' concern.
    app.config.update(QUIET_HOURS_START="00:00", QUIET_HOURS_END="00:00")
    return app


@pytest.fixture
def leader(app):
    add_staff(app, "leader@roads.go.kr", "leader", "roads", name="김도로")
    return "leader@roads.go.kr"

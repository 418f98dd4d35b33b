"""SLA fixtures: staff to notify, a real SMTP server, and cases created at a chosen moment."""
from datetime import datetime, timezone

import pytest
from sqlmodel import select

import db
from models import Case, CaseState, Department, Line, Resident, Staff
from sla import policy
from tests.support import smtp_server

# Monday 2026-11-23 10:00 in Seoul: far from any Korean public holiday.
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
ROADS_LEADER = "+821030000001"
PARKS_LEADER = "+821030000002"
ROADS_DIRECTOR = "+821040000001"
PARKS_DIRECTOR = "+821040000002"
MAYOR_OFFICE = "+82221110000"


@pytest.fixture
def smtp():
    yield from smtp_server.running()


def seed_people(app) -> None:
    """Leaders of roads and parks, a communication officer, directors, and the mayor's office."""
    app.config.update(MAYOR_OFFICE_PHONE=MAYOR_OFFICE, MAYOR_OFFICE_EMAIL="mayor-office@gu.example.kr")
    with app.app_context():
        session = db.session()
        session.add_all([
            Staff(email="roads-lead@gu.example.kr", name="김도로", role="leader", department_key="roads", phone=ROADS_LEADER),
            Staff(email="parks-lead@gu.example.kr", name="이공원", role="leader", department_key="parks", phone=PARKS_LEADER),
            Staff(email="comms@gu.example.kr", name="박소통", role="communication", department_key="communication"),
            Staff(email="roads-staff@gu.example.kr", name="최직원", role="staff", department_key="roads", phone="+821099999999"),
        ])
        for key, phone in (("roads", ROADS_DIRECTOR), ("parks", PARKS_DIRECTOR)):
            department = session.get(Department, key)
            department.director_name, department.director_phone = f"{key} 국장", phone
            department.director_email = f"{key}-director@gu.example.kr"
        session.commit()


@pytest.fixture
def sla_app(app):
    seed_people(app)
    return app


@pytest.fixture
def sla_sqlite_app(sqlite_app):
    seed_people(sqlite_app)
    return sqlite_app


def make_case(app, *, category: str = "complaint", department: str = "roads", created_at: datetime = T0,
              phone: str = "+821012340000") -> int:
    """A routed case, its first-answer deadline set as routing sets it."""
    with app.app_context():
        session = db.session()
        resident = session.exec(select(Resident).where(Resident.phone == phone)).first() or Resident(phone=phone)
        session.add(resident)
        session.flush()
        case = Case(line_id=session.exec(select(Line.id)).first(), resident_id=resident.id, state=CaseState.OPEN,
                    category=category, department_key=department, created_at=created_at, routed_at=created_at,
                    updated_at=created_at, last_activity_at=created_at)
        case.deadline_at = policy.first_answer_deadline(category, session.get(Department, department), created_at)
        session.add(case)
        session.flush()
        case.ref = f"M{case.id}"
        session.commit()
        return case.id


def load(app, case_id: int) -> Case:
    with app.app_context():
        return db.session().get(Case, case_id)

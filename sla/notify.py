"""Who hears about a step of the ladder, and what they read (SMS through replies/, e-mail through mailer)."""
from dataclasses import asdict, dataclass
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from sqlmodel import Session, select

import mailer
from district_time import short_ko
from models import Case, CaseEvent, Department, Line, Message, Staff
from replies import outbox
from sla import ladder
from sla.policy import ANSWER

_CLOCK_KO = {"answer": "첫 답변", "resolution": "처리 완료"}


@dataclass
class Contact:
    """A person to notify. `id` is the Staff id when they have an account (queue_staff_text reads id and phone)."""

    role: str
    name: str
    phone: str | None = None
    email: str | None = None
    id: int | None = None


@dataclass
class Directory:
    """Everyone the ladder may notify, read once per watcher pass (a handful of rows)."""

    departments: dict[str, Department]
    leaders: dict[str, list[Contact]]
    communication: list[Contact]
    lines: dict[int, Line]


def load_directory(session: Session) -> Directory:
    leaders: dict[str, list[Contact]] = {}
    communication = []
    for s in session.exec(select(Staff).where(Staff.active.is_(True), Staff.role.in_(("leader", "communication")))
                          .order_by(Staff.id)).all():
        contact = Contact(s.role, s.name, s.phone, s.email, s.id)
        if s.role == "communication":
            communication.append(contact)
        elif s.department_key:
            leaders.setdefault(s.department_key, []).append(contact)
    return Directory(departments={d.key: d for d in session.exec(select(Department)).all()}, leaders=leaders,
                     communication=communication, lines={line.id: line for line in session.exec(select(Line)).all()})


def contacts_for(directory: Directory, case: Case, step: str) -> list[Contact]:
    """Reminder and level 1: the department's leaders (the communication team when it has none);
    level 2: the department's director; level 3: the mayor's office."""
    level = ladder.level_of(step)
    if level <= 1:
        return directory.leaders.get(case.department_key) or directory.communication
    if level == 2:
        department = directory.departments.get(case.department_key)
        if department is None or not (department.director_phone or department.director_email):
            return []
        return [Contact("director", department.director_name or "", department.director_phone, department.director_email)]
    config = current_app.config
    if not (config["MAYOR_OFFICE_PHONE"] or config["MAYOR_OFFICE_EMAIL"]):
        return []
    return [Contact("mayor_office", config["MAYOR_OFFICE_NAME"], config["MAYOR_OFFICE_PHONE"] or None,
                    config["MAYOR_OFFICE_EMAIL"] or None)]


def text_body(case: Case, department: Department | None, clock: str, step: str, deadline: datetime, now: datetime) -> str:
    where = department.name_ko if department else "미지정"
    due = f"{_CLOCK_KO[clock]} 기한 {short_ko(deadline)}"
    if step == ladder.REMINDER:
        hours_left = max(1, round((deadline - now).total_seconds() / 3600))
        return f"[바로문자 알림] {case.ref} {where} {due}, 약 {hours_left}시간 남았습니다."
    return f"[바로문자 {ladder.level_of(step)}단계 경보] {case.ref} {where} {due} 초과. 확인 바랍니다."


def queue_texts(session: Session, case: Case, line: Line, contacts: list[Contact], body: str, key: str) -> list[Message]:
    """One SMS per contact with a phone, keyed by the step and the person, in the caller's transaction."""
    kind = "reminder" if key.endswith(ladder.REMINDER) else "escalation"
    messages = []
    for contact in contacts:
        who = f"staff{contact.id}" if contact.id else contact.role
        message = outbox.queue_staff_text(session, staff=contact, line=line, body=body, kind=kind,
                                          purpose_key=f"{key}:{who}", case=case)
        if message is not None:
            messages.append(message)
    return messages


def event_data(clock: str, round_: int, step: str, deadline: datetime, contacts: list[Contact], body: str) -> dict:
    """What the inbox shows for the step, and what the mail job needs."""
    mail_to = [c.email for c in contacts if c.email]
    if not contacts:
        mail = "no contact"
    elif not mail_to:
        mail = "no address"
    elif not current_app.config["SMTP_URL"]:
        mail = "not configured"
    else:
        mail = "pending"
    return {
        "clock": clock,
        "round": round_,
        "step": step,
        "level": ladder.level_of(step),
        "deadline": deadline.isoformat(),
        "notified": [{k: v for k, v in asdict(c).items() if k in ("role", "name", "id")} | {"sms": bool(c.phone)}
                     for c in contacts],
        "text": body,
        "mail_to": mail_to,
        "mail": mail,
    }


def mail_for(case: Case, event: CaseEvent) -> EmailMessage:
    data = event.data
    label = "알림" if data["step"] == ladder.REMINDER else f"{data['level']}단계 경보"
    clock = _CLOCK_KO.get(data["clock"], _CLOCK_KO[ANSWER])
    deadline = datetime.fromisoformat(data["deadline"])
    lines = [
        data["text"],
        "",
        f"접수번호: {case.ref}",
        f"분류: {case.category or '-'} / 부서: {case.department_key or '-'}",
        f"{clock} 기한: {short_ko(deadline)}",
        f"받는 사람: {', '.join(n['name'] or n['role'] for n in data['notified'])}",
        "",
        f"{current_app.config['PUBLIC_BASE_URL']}/inbox",
    ]
    return mailer.build(data["mail_to"], f"[바로문자] {case.ref} {clock} {label}", "\n".join(lines))

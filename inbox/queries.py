"""What the inbox reads: the scoped, filtered, paged case list and one case's whole thread."""
from dataclasses import dataclass, field
from datetime import datetime
from math import ceil

from sqlalchemy import and_, case as sql_case, exists, func, or_
from sqlmodel import Session, select

from inbox import permissions
from models import Case, CaseEvent, CaseState, Department, Media, Message, Resident, utcnow
from sla import policy as sla_policy
from sms_gateway.phone import mask

PER_PAGE = 25
MAX_QUERY_CHARS = 100
STATUSES = ("active", "new", "open", "answered", "waiting", "resolved", "all")

# The promise the case is held to now: the first answer, then the resolution (as sla/ counts them).
DUE_AT = sql_case((Case.first_answered_at.is_(None), Case.deadline_at), else_=Case.resolution_deadline_at)
# The SLA clock runs only for open and answered cases that are not waiting on the resident.
CLOCK_RUNNING = and_(Case.state.in_((CaseState.OPEN, CaseState.ANSWERED)), Case.waiting_since.is_(None))


def due_at(case: Case) -> datetime | None:
    if case.state not in (CaseState.OPEN, CaseState.ANSWERED) or case.waiting_since is not None:
        return None
    return sla_policy.current_deadline(case)


@dataclass(frozen=True)
class Filters:
    status: str = "active"
    category: str = ""
    department: str = ""
    overdue: bool = False
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args, categories: tuple[str, ...], departments: tuple[str, ...]) -> "Filters":
        status = args.get("status", "active")
        category = args.get("category", "")
        department = args.get("department", "")
        page = args.get("page", "1")
        return cls(
            status=status if status in STATUSES else "active",
            category=category if category in categories else "",
            department=department if department in departments else "",
            overdue=args.get("overdue") in ("1", "on", "true"),
            q=" ".join(args.get("q", "").split())[:MAX_QUERY_CHARS],
            page=int(page) if page.isdigit() and 0 < int(page) < 100000 else 1,
        )

    def args(self, **changes) -> dict:
        """Query-string arguments for a link that keeps these filters (page 1 unless given)."""
        values = {"status": self.status, "category": self.category, "department": self.department,
                  "overdue": "1" if self.overdue else "", "q": self.q, "page": 1}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)
                and not (k == "status" and v == "active")}


@dataclass
class Row:
    case: Case
    first_text: str
    phone: str
    due: datetime | None
    overdue: bool
    messages: int


@dataclass
class Page:
    rows: list[Row]
    total: int
    page: int
    pages: int
    overdue_total: int


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(user, filters: Filters, now: datetime):
    query = permissions.scoped(select(Case), user).where(Case.state != CaseState.MERGED)
    if filters.status == "active":
        query = query.where(Case.state.in_(CaseState.ACTIVE))
    elif filters.status != "all":
        query = query.where(Case.state == filters.status)
    if filters.category:
        query = query.where(Case.category == filters.category)
    if filters.department and permissions.sees_all(user):
        query = query.where(Case.department_key == filters.department)
    if filters.overdue:
        query = query.where(CLOCK_RUNNING, DUE_AT < now)
    if filters.q:
        pattern = f"%{_escape_like(filters.q)}%"
        in_texts = exists().where(Message.case_id == Case.id, Message.body.ilike(pattern, escape="\\"))
        query = query.where(or_(Case.ref.ilike(pattern, escape="\\"), in_texts))
    return query


def _order(query, filters: Filters):
    if filters.status == "resolved":
        return query.order_by(Case.resolved_at.desc(), Case.id.desc())
    # Cases whose clock runs come first, soonest deadline first; the rest newest first.
    return query.order_by(sql_case((CLOCK_RUNNING, 0), else_=1), DUE_AT.asc().nulls_last(), Case.created_at.desc(),
                          Case.id.desc())


def case_page(session: Session, user, filters: Filters, now: datetime | None = None) -> Page:
    now = now or utcnow()
    query = _filtered(user, filters, now)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    overdue_query = _filtered(user, Filters(status="active", overdue=True), now)
    overdue_total = session.exec(select(func.count()).select_from(overdue_query.subquery())).one()
    pages = max(1, ceil(total / PER_PAGE))
    page = min(filters.page, pages)
    cases = session.exec(_order(query, filters).offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    return Page(_rows(session, user, cases, now), total, page, pages, overdue_total)


def _rows(session: Session, user, cases: list[Case], now: datetime) -> list[Row]:
    ids = [c.id for c in cases]
    if not ids:
        return []
    first_ids = select(func.min(Message.id)).where(Message.case_id.in_(ids), Message.direction == "inbound") \
        .group_by(Message.case_id)
    first_texts = dict(session.exec(select(Message.case_id, Message.body).where(Message.id.in_(first_ids))).all())
    counts = dict(session.exec(select(Message.case_id, func.count()).where(Message.case_id.in_(ids))
                               .group_by(Message.case_id)).all())
    phones = dict(session.exec(select(Resident.id, Resident.phone)
                               .where(Resident.id.in_({c.resident_id for c in cases}))).all())
    rows = []
    for case in cases:
        due = due_at(case)
        rows.append(Row(case, first_texts.get(case.id, ""), shown_phone(user, phones.get(case.resident_id, "")),
                        due, due is not None and due < now, counts.get(case.id, 0)))
    return rows


def shown_phone(user, phone: str) -> str:
    return phone if permissions.sees_whole_numbers(user) else mask(phone)


def visible_case(session: Session, user, case_id: int) -> Case | None:
    case = session.get(Case, case_id)
    return case if case is not None and permissions.can_see(user, case) else None


TEXTING_EVENTS = ("reply", "question", "resolved")


@dataclass
class ThreadItem:
    kind: str  # resident | ours | staff_text | note | event
    at: datetime
    message: Message | None = None
    event: CaseEvent | None = None
    media: list[Media] = field(default_factory=list)


def thread(session: Session, case: Case) -> list[ThreadItem]:
    """Every text and event of the case in the order they happened; a reply shows once, with its delivery."""
    messages = session.exec(select(Message).where(Message.case_id == case.id).order_by(Message.id)).all()
    events = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    media = session.exec(select(Media).where(Media.message_id.in_([m.id for m in messages])).order_by(Media.id)).all()
    by_message: dict[int, list[Media]] = {}
    for item in media:
        by_message.setdefault(item.message_id, []).append(item)
    by_id = {m.id: m for m in messages}
    # A reply or a result is shown once: as its event, with the delivery of the text it sent.
    told = {e.data.get("message_id") for e in events if e.kind in TEXTING_EVENTS and e.data.get("message_id")}

    items = []
    for message in messages:
        if message.id in told:
            continue
        if message.direction == "inbound":
            items.append(ThreadItem("resident", message.created_at, message=message, media=by_message.get(message.id, [])))
        elif message.recipient_staff_id:
            items.append(ThreadItem("staff_text", message.created_at, message=message))
        else:
            items.append(ThreadItem("ours", message.created_at, message=message))
    for event in events:
        if event.kind == "resident_text" and event.data.get("message_id") in by_id:
            continue  # the text itself is in the thread
        message = by_id.get(event.data.get("message_id")) if event.kind in TEXTING_EVENTS else None
        kind = {"note": "note", "reply": "ours", "resolved": "event"}.get(event.kind, "event")
        items.append(ThreadItem(kind, event.created_at, message=message, event=event))
    items.sort(key=lambda i: (i.at, 0 if i.kind == "resident" else 1))
    return items


def routing_facts(session: Session, case: Case) -> dict:
    """The classifier's view of the case: the data of its routed event (confidence, explanation, model department)."""
    event = session.exec(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "routed")
                         .order_by(CaseEvent.id.desc()).limit(1)).first()
    return event.data if event else {}


def departments(session: Session) -> list[Department]:
    return session.exec(select(Department).where(Department.active).order_by(Department.name_ko)).all()


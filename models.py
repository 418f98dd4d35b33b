"""The tables. Every datetime is stored in UTC and comes back time zone-aware."""
from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import JSON, Column, DateTime, Index, LargeBinary, Text, TypeDecorator, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (SQLite has no zones), always returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware one")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def _when(**kw) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


class CaseState:
    NEW = "new"  # stored, not yet routed
    OPEN = "open"  # routed, waiting for a first answer
    ANSWERED = "answered"  # a person has answered; not yet resolved
    WAITING = "waiting"  # we asked the resident something; SLA clock paused
    RESOLVED = "resolved"
    MERGED = "merged"  # folded into another case or a keyword command; not a case of its own

    ACTIVE = (NEW, OPEN, ANSWERED, WAITING)


class Direction:
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageStatus:
    RECEIVED = "received"
    QUEUED = "queued"  # row written, send job not finished
    HELD = "held"  # quiet hours: sent when send_after passes
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # never sent: resident opted out or blocked


class Line(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=40)
    name: str = Field(max_length=120)
    phone_number: str = Field(unique=True, max_length=32)
    ref_prefix: str = Field(default="M", max_length=4)
    active: bool = True


class Department(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=40)
    name_ko: str = Field(max_length=80)
    name_en: str = Field(max_length=80)
    description: str = Field(default="", sa_type=Text)
    director_name: Optional[str] = Field(default=None, max_length=80)
    director_email: Optional[str] = Field(default=None, max_length=200)
    director_phone: Optional[str] = Field(default=None, max_length=32)
    first_answer_hours: Optional[float] = None
    resolution_hours: Optional[float] = None
    active: bool = True


class Resident(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    phone: str = Field(unique=True, max_length=64)  # E.164 when phone_valid, else as received
    phone_valid: bool = True
    language: str = Field(default="ko", max_length=8)
    opted_out: bool = False
    opted_out_at: Optional[datetime] = _when(default=None)
    blocked: bool = False
    blocked_reason: Optional[str] = Field(default=None, max_length=200)
    created_at: datetime = _when(default_factory=utcnow)


# The SLA watcher's candidates (sla/jobs.py). Its queries repeat these predicates word for word so
# the planner can use the partial indexes below: a few thousand open cases among millions.
SLA_ANSWER_CLOCK = ("state IN ('open', 'answered') AND waiting_since IS NULL"
                    " AND first_answered_at IS NULL AND deadline_at IS NOT NULL")
SLA_RESOLUTION_CLOCK = ("state IN ('open', 'answered') AND waiting_since IS NULL"
                        " AND first_answered_at IS NOT NULL AND resolution_deadline_at IS NOT NULL")
SLA_RESOLUTION_UNSET = "state IN ('open', 'answered', 'waiting') AND resolution_deadline_at IS NULL"
SLA_PAUSED = "waiting_since IS NOT NULL"


def _partial_index(name: str, column: str, predicate: str) -> Index:
    return Index(name, column, postgresql_where=text(predicate), sqlite_where=text(predicate))


class Case(SQLModel, table=True):
    __table_args__ = (
        _partial_index("ix_case_sla_answer", "deadline_at", SLA_ANSWER_CLOCK),
        _partial_index("ix_case_sla_resolution", "resolution_deadline_at", SLA_RESOLUTION_CLOCK),
        _partial_index("ix_case_sla_resolution_unset", "id", SLA_RESOLUTION_UNSET),
        _partial_index("ix_case_sla_paused", "waiting_since", SLA_PAUSED),
        Index("ix_case_state_deadline", "state", "deadline_at"),
        Index("ix_case_department_state", "department_key", "state"),
        Index("ix_case_resident_activity", "resident_id", "last_activity_at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    ref: Optional[str] = Field(default=None, unique=True, max_length=24)
    line_id: int = Field(foreign_key="line.id")
    resident_id: int = Field(foreign_key="resident.id")
    state: str = Field(default=CaseState.NEW, max_length=16)
    category: Optional[str] = Field(default=None, max_length=24)
    department_key: Optional[str] = Field(default=None, foreign_key="department.key", max_length=40)
    confidence: Optional[float] = None
    tag: Optional[str] = Field(default=None, max_length=40)
    created_at: datetime = _when(default_factory=utcnow, index=True)
    updated_at: datetime = _when(default_factory=utcnow)
    last_activity_at: datetime = _when(default_factory=utcnow)
    routed_at: Optional[datetime] = _when(default=None)
    deadline_at: Optional[datetime] = _when(default=None)  # first real answer due
    resolution_deadline_at: Optional[datetime] = _when(default=None)
    first_answered_at: Optional[datetime] = _when(default=None, index=True)  # the digest's answer times
    resolved_at: Optional[datetime] = _when(default=None, index=True)
    result: Optional[str] = Field(default=None, sa_type=Text)
    satisfaction: Optional[int] = None
    escalation_level: int = 0
    # sla/: the last ladder step done on the running clock and its round ("answer:0:escalation:1").
    sla_progress: Optional[str] = Field(default=None, max_length=64)
    waiting_since: Optional[datetime] = _when(default=None)
    paused_seconds: int = 0
    merged_into_id: Optional[int] = Field(default=None, foreign_key="case.id")
    version: int = 1  # bumped on every staff action; a stale form is refused


class Message(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    line_id: int = Field(foreign_key="line.id")
    # A text goes to a resident, or (reminders, escalations) to a member of staff.
    resident_id: Optional[int] = Field(default=None, foreign_key="resident.id", index=True)
    recipient_staff_id: Optional[int] = Field(default=None, foreign_key="staff.id")
    case_id: Optional[int] = Field(default=None, foreign_key="case.id", index=True)
    direction: str = Field(max_length=10)
    kind: str = Field(default="text", max_length=24)
    body: str = Field(default="", sa_type=Text)
    from_number: str = Field(default="", max_length=64)
    to_number: str = Field(default="", max_length=64)
    twilio_sid: Optional[str] = Field(default=None, unique=True, max_length=64)
    # What an outbound text is for ("receipt:42"); written before sending so nothing goes twice.
    purpose_key: Optional[str] = Field(default=None, unique=True, max_length=120)
    status: str = Field(default=MessageStatus.RECEIVED, max_length=16, index=True)
    error_code: Optional[int] = None
    error_message: Optional[str] = Field(default=None, max_length=500)
    segments: int = 0
    attempts: int = 0
    staff_id: Optional[int] = Field(default=None, foreign_key="staff.id")
    created_at: datetime = _when(default_factory=utcnow)
    send_after: Optional[datetime] = _when(default=None)
    sent_at: Optional[datetime] = _when(default=None)
    delivered_at: Optional[datetime] = _when(default=None)


class Media(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    url: str = Field(sa_type=Text)
    content_type: str = Field(default="", max_length=120)
    size: Optional[int] = None
    storage_path: Optional[str] = Field(default=None, max_length=400)
    status: str = Field(default="pending", max_length=16)
    error: Optional[str] = Field(default=None, max_length=300)


class QrTag(SQLModel, table=True):
    """A one-click tag ("공원") printed as a QR code: texts carrying "#공원" are routed by it."""
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=40)  # without the "#"
    label: str = Field(default="", max_length=120)  # what the page and the poster say
    department_key: Optional[str] = Field(default=None, foreign_key="department.key", max_length=40)
    category: Optional[str] = Field(default=None, max_length=24)  # None: the classifier decides
    line_id: Optional[int] = Field(default=None, foreign_key="line.id")  # None: the first line
    active: bool = True
    created_at: datetime = _when(default_factory=utcnow)


class Staff(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=200)
    name: str = Field(default="", max_length=120)
    role: str = Field(max_length=20)  # mayor, communication, leader, staff
    department_key: Optional[str] = Field(default=None, foreign_key="department.key", max_length=40)
    phone: Optional[str] = Field(default=None, max_length=32)
    password_hash: str = Field(default="", max_length=300)
    active: bool = True
    locale: str = Field(default="ko", max_length=8)
    created_at: datetime = _when(default_factory=utcnow)


# SLA steps whose e-mail is not sent yet (sla/jobs.py repeats these, per dialect, to use the index).
SLA_MAIL_PENDING = {"postgresql": "(data ->> 'mail') = 'pending'", "sqlite": "json_extract(data, '$.mail') = 'pending'"}


class CaseEvent(SQLModel, table=True):
    __table_args__ = (
        Index("ix_case_event_case_created", "case_id", "created_at"),
        Index("ix_case_event_sla_mail_pending", "created_at", postgresql_where=text(SLA_MAIL_PENDING["postgresql"]),
              sqlite_where=text(SLA_MAIL_PENDING["sqlite"])),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    kind: str = Field(max_length=32, index=True)
    staff_id: Optional[int] = Field(default=None, foreign_key="staff.id")
    actor: str = Field(default="system", max_length=200)
    data: dict = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = _when(default_factory=utcnow, index=True)
    # A step that must happen once per case ("escalation:2") carries a key; the database refuses a second.
    dedupe_key: Optional[str] = Field(default=None, unique=True, max_length=120)


class LabeledCorrection(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    case_id: Optional[int] = Field(default=None, foreign_key="case.id")
    text: str = Field(sa_type=Text)
    category: str = Field(max_length=24)
    department: str = Field(max_length=40)
    staff_id: Optional[int] = Field(default=None, foreign_key="staff.id")
    created_at: datetime = _when(default_factory=utcnow)


class ModelVersion(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    version: str = Field(unique=True, max_length=64)
    created_at: datetime = _when(default_factory=utcnow)
    artifact: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    metrics: dict = Field(default_factory=dict, sa_type=JSON)
    training_size: int = 0
    live: bool = False
    went_live_at: Optional[datetime] = _when(default=None)


class Digest(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    day: date = Field(unique=True)
    built_at: datetime = _when(default_factory=utcnow)
    sent_at: Optional[datetime] = _when(default=None)
    subject: str = Field(default="", max_length=200)
    html: str = Field(default="", sa_type=Text)
    text: str = Field(default="", sa_type=Text)

"""Storing an inbound text: resident, message, media and case in one transaction."""
from dataclasses import dataclass
from functools import cache
from types import SimpleNamespace

from sqlalchemy import String, bindparam, cast, func, insert, literal, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from models import Case, Direction, Line, Media, Message, MessageStatus, Resident, utcnow
from sms_gateway.phone import normalise

MAX_MEDIA = 10


class BadInbound(ValueError):
    """The form is not a Twilio inbound message; the reason is said to the caller."""


@dataclass(frozen=True)
class Inbound:
    message_sid: str
    sender: str
    to: str
    body: str
    media: tuple[tuple[str, str], ...]  # (url, content type)

    @classmethod
    def from_form(cls, form) -> "Inbound":
        sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
        sender = (form.get("From") or "").strip()
        if not sid:
            raise BadInbound("MessageSid is missing")
        if not sender:
            raise BadInbound("From is missing")
        try:
            count = int(form.get("NumMedia") or 0)
        except ValueError:
            raise BadInbound("NumMedia is not a number") from None
        if not 0 <= count <= MAX_MEDIA:
            raise BadInbound(f"NumMedia must be between 0 and {MAX_MEDIA}")
        media = []
        for i in range(count):
            url = (form.get(f"MediaUrl{i}") or "").strip()
            if not url:
                raise BadInbound(f"MediaUrl{i} is missing")
            media.append((url, (form.get(f"MediaContentType{i}") or "").strip()))
        return cls(sid, sender, (form.get("To") or "").strip(), form.get("Body") or "", tuple(media))


@dataclass(frozen=True)
class Stored:
    case_id: int
    message_id: int
    created: bool  # False when this MessageSid was stored before (a retried webhook)


def store(db: Session, inbound: Inbound, region: str) -> Stored:
    """Stores the text and a new case for it, once per MessageSid, whatever retries or races happen.

    The webhook's hot path: Core statements built once (no ORM unit of work; on PostgreSQL a single
    statement), the retry detected by the message insert itself rather than by a lookup before it.
    """
    for _ in range(3):
        try:
            stored = _store_new(db, inbound, region)
        except IntegrityError:
            # Another request stored the same resident at the same moment; try again with theirs.
            db.rollback()
            continue
        if stored is not None:
            db.commit()
            return stored
        db.rollback()  # this MessageSid is stored already: undo the new case, answer with the old one
        existing = db.execute(select(Message.id, Message.case_id).where(Message.twilio_sid == inbound.message_sid)).first()
        if existing is not None:
            return Stored(existing.case_id, existing.id, created=False)
        if not _has_line(db):
            raise RuntimeError("no line configured: run `flask --app wsgi release`")
    raise RuntimeError(f"could not store {inbound.message_sid} after 3 attempts")


def _store_new(db: Session, inbound: Inbound, region: str) -> Stored | None:
    """Inserts resident, case and message; None when the message's sid was stored before (or no line exists)."""
    connection = db.connection()
    number = normalise(inbound.sender, region)
    values = {"to": inbound.to, "phone": number.value, "valid": number.valid, "body": inbound.body,
              "sender": inbound.sender, "sid": inbound.message_sid, "now": utcnow()}
    if connection.dialect.name == "postgresql":
        row = connection.execute(_one_statement_store(), values).first()
    else:
        row = _store_step_by_step(connection, values)
    if row is None:
        return None
    if inbound.media:
        connection.execute(insert(Media), [{"message_id": row.message_id, "url": url, "content_type": content_type}
                                           for url, content_type in inbound.media])
    return Stored(row.case_id, row.message_id, created=True)


# An unknown number (a new Twilio number not yet configured) goes to the first line.
_LINE = (select(Line.id, Line.ref_prefix).where(Line.active)
         .order_by((Line.phone_number == bindparam("to")).desc(), Line.id).limit(1))
_CASE_COLUMNS = ("line_id", "resident_id", "created_at", "updated_at", "last_activity_at")
_MESSAGE_COLUMNS = ("line_id", "resident_id", "case_id", "direction", "body", "from_number", "to_number", "twilio_sid",
                    "status", "created_at")


_NOW = bindparam("now", type_=Case.__table__.c.created_at.type)


def _message_values(line_id, resident_id, case_id) -> tuple:
    return (line_id, resident_id, case_id, literal(Direction.INBOUND), bindparam("body"), bindparam("sender"),
            bindparam("to"), bindparam("sid"), literal(MessageStatus.RECEIVED), _NOW)


def _resident_upsert(dialect):
    statement = dialect.insert(Resident).values(phone=bindparam("phone"), phone_valid=bindparam("valid"), created_at=_NOW)
    # DO UPDATE (a no-op write) rather than DO NOTHING, so RETURNING names a resident who texted before.
    return statement.on_conflict_do_update(index_elements=[Resident.phone], set_={"phone": statement.excluded.phone})


@cache
def _one_statement_store():
    """PostgreSQL: resident, case (with its reference) and message in one round trip, built once."""
    resident = _resident_upsert(postgresql).returning(Resident.id).cte("resident_row")
    line = _LINE.cte("line_row")
    case_id = select(func.nextval(func.pg_get_serial_sequence('"case"', "id")).label("id")).cte("case_id")
    case = (_insert_selected(Case, {"id": case_id.c.id, "ref": line.c.ref_prefix + cast(case_id.c.id, String),
                                    **dict(zip(_CASE_COLUMNS, (line.c.id, resident.c.id, _NOW, _NOW, _NOW)))},
                            from_=case_id.join(line, true()).join(resident, true()))  # one row each
            .returning(Case.id, Case.line_id, Case.resident_id).cte("case_row"))
    message = (_insert_selected(Message, dict(zip(_MESSAGE_COLUMNS, _message_values(case.c.line_id, case.c.resident_id,
                                                                                   case.c.id))), postgresql.insert)
               .on_conflict_do_nothing(index_elements=[Message.twilio_sid])
               .returning(Message.id, Message.case_id).cte("message_row"))
    return select(message.c.id.label("message_id"), message.c.case_id)


def _insert_selected(model, values: dict, insert_of=insert, from_=None):
    """INSERT … SELECT of the given column values, with the columns' scalar defaults spelled out: SQLAlchemy
    fills defaults in only for the outermost statement, not for an INSERT inside a CTE."""
    defaults = {column.name: literal(column.default.arg, column.type) for column in model.__table__.c
                if column.name not in values and column.default is not None and column.default.is_scalar}
    values = {**values, **defaults}
    selected = select(*values.values())
    return insert_of(model).from_select(list(values), selected if from_ is None else selected.select_from(from_),
                                        include_defaults=False)


def _store_step_by_step(connection, values: dict):
    """SQLite (the embedded mode): the same rows, one statement each."""
    line = connection.execute(_LINE, values).first()
    if line is None:
        return None
    resident_id = connection.execute(_resident_upsert(sqlite).returning(Resident.id), values).scalar_one()
    case_id = connection.execute(insert(Case).values(dict(zip(_CASE_COLUMNS, (
        line.id, resident_id, _NOW, _NOW, _NOW)))).returning(Case.id), values).scalar_one()
    connection.execute(update(Case).where(Case.id == case_id).values(ref=f"{line.ref_prefix}{case_id}"))
    message_id = connection.execute(
        sqlite.insert(Message).values(dict(zip(_MESSAGE_COLUMNS, _message_values(line.id, resident_id, case_id))))
        .on_conflict_do_nothing(index_elements=[Message.twilio_sid]).returning(Message.id), values).scalar_one_or_none()
    return None if message_id is None else SimpleNamespace(message_id=message_id, case_id=case_id)


def _has_line(db: Session) -> bool:
    return db.execute(select(Line.id).where(Line.active).limit(1)).first() is not None

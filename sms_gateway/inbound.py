"""Storing an inbound text: resident, message, media and case in one transaction."""
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import Case, Direction, Line, Media, Message, MessageStatus, Resident
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
    """Stores the text and a new case for it, once per MessageSid, whatever retries or races happen."""
    for _ in range(3):
        existing = _by_sid(db, inbound.message_sid)
        if existing:
            return Stored(existing.case_id, existing.id, created=False)
        try:
            stored = _store_new(db, inbound, region)
            db.commit()
            return stored
        except IntegrityError:
            # Another request stored the same MessageSid or resident first; read theirs.
            db.rollback()
    raise RuntimeError(f"could not store {inbound.message_sid} after 3 attempts")


def _by_sid(db: Session, sid: str) -> Message | None:
    return db.exec(select(Message).where(Message.twilio_sid == sid)).first()


def _store_new(db: Session, inbound: Inbound, region: str) -> Stored:
    line = _line_for(db, inbound.to)
    resident = _resident_for(db, inbound.sender, region)
    case = Case(line_id=line.id, resident_id=resident.id)
    db.add(case)
    db.flush()
    case.ref = f"{line.ref_prefix}{case.id}"
    message = Message(
        line_id=line.id,
        resident_id=resident.id,
        case_id=case.id,
        direction=Direction.INBOUND,
        body=inbound.body,
        from_number=inbound.sender,
        to_number=inbound.to,
        twilio_sid=inbound.message_sid,
        status=MessageStatus.RECEIVED,
    )
    db.add(message)
    db.flush()
    for url, content_type in inbound.media:
        db.add(Media(message_id=message.id, url=url, content_type=content_type))
    return Stored(case.id, message.id, created=True)


def _line_for(db: Session, to_number: str) -> Line:
    """The line the resident texted; an unknown number (a new Twilio number not yet configured) goes to the first line."""
    line = db.exec(select(Line).where(Line.phone_number == to_number, Line.active)).first()
    line = line or db.exec(select(Line).where(Line.active).order_by(Line.id)).first()
    if line is None:
        raise RuntimeError("no line configured: run `flask --app wsgi release`")
    return line


def _resident_for(db: Session, sender: str, region: str) -> Resident:
    number = normalise(sender, region)
    resident = db.exec(select(Resident).where(Resident.phone == number.value)).first()
    if resident is None:
        resident = Resident(phone=number.value, phone_valid=number.valid)
        db.add(resident)
        db.flush()
    return resident

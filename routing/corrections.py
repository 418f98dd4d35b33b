"""Staff corrections of routing, kept as labeled texts the classifier learns from at the next retrain."""
from sqlmodel import Session, select

from models import Case, LabeledCorrection, Message


def record(session: Session, *, case: Case, category: str, department: str, staff_id: int | None) -> LabeledCorrection:
    """Stores the case's first text with the labels a person gave it (in the caller's transaction)."""
    text = session.exec(select(Message.body).where(Message.case_id == case.id).order_by(Message.id).limit(1)).first() or ""
    correction = LabeledCorrection(case_id=case.id, text=text, category=category, department=department, staff_id=staff_id)
    session.add(correction)
    session.flush()
    return correction

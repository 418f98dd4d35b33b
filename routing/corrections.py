"""Staff corrections of routing, kept as labeled texts the classifier learns from at the next retrain."""
from sqlmodel import Session, select

from models import Case, LabeledCorrection, Message
from routing import corpus, taxonomy


def record(session: Session, *, case: Case, category: str, department: str, staff_id: int | None) -> LabeledCorrection:
    """Stores the case's first text with the labels a person gave it (in the caller's transaction)."""
    text = session.exec(select(Message.body).where(Message.case_id == case.id).order_by(Message.id).limit(1)).first() or ""
    correction = LabeledCorrection(case_id=case.id, text=text, category=category, department=department, staff_id=staff_id)
    session.add(correction)
    session.flush()
    return correction


def training_examples(session: Session) -> list[dict]:
    """The corrections as training examples: for each text, the labels of its latest correction.

    Texts without letters and labels outside the taxonomy (a department a district added itself)
    cannot teach the classifier anything and are left out.
    """
    tax = taxonomy.default()
    latest: dict[str, dict] = {}
    rows = session.exec(select(LabeledCorrection).order_by(LabeledCorrection.created_at, LabeledCorrection.id)).all()
    for row in rows:
        if not row.text.strip() or row.category not in tax.category_keys or row.department not in tax.department_keys:
            continue
        latest[corpus.text_hash(row.text)] = {
            "text": row.text, "category": row.category, "department": row.department, "source": "correction",
        }
    return list(latest.values())

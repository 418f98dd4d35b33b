"""Small, fast training for the model lifecycle tests: a stratified slice of the corpus, one feature set."""
import uuid

import pytest
from sqlmodel import Session, select

import db
from models import Case, CaseState, Direction, Line, Message, ModelVersion, Resident
from routing import corpus, registry

SMALL_PARAMS = {"folds": 2, "features": ["char"]}
PER_GROUP = 6  # corpus.split holds out one text of a group only from five texts up


def _small_corpus() -> list[dict]:
    """The first PER_GROUP texts (by hash) of every (category, department) pair of the corpus."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for e in corpus.seed_examples():
        groups.setdefault((e["category"], e["department"]), []).append(e)
    return [e for key in sorted(groups) for e in sorted(groups[key], key=lambda e: corpus.text_hash(e["text"]))[:PER_GROUP]]


SMALL_CORPUS = _small_corpus()


@pytest.fixture
def small_training(monkeypatch):
    """Every training in the test uses the small corpus; call it with an app to use the small parameters too."""
    monkeypatch.setattr(corpus, "seed_examples", lambda: list(SMALL_CORPUS))

    def use(app) -> None:
        app.config["ROUTING_TRAIN_PARAMS"] = dict(SMALL_PARAMS)

    return use


def make_case(session: Session, text: str) -> Case:
    """A case with one inbound text, as the webhook stores it."""
    line = session.exec(select(Line)).first()
    resident = Resident(phone=f"+8210{uuid.uuid4().int % 10**8:08d}")
    session.add(resident)
    session.flush()
    case = Case(line_id=line.id, resident_id=resident.id, state=CaseState.OPEN, ref=f"T-{uuid.uuid4().hex[:8]}")
    session.add(case)
    session.flush()
    session.add(Message(line_id=line.id, resident_id=resident.id, case_id=case.id, direction=Direction.INBOUND, body=text))
    session.flush()
    return case


def forget_versions(app) -> None:
    """Leaves the database with no model versions (the PostgreSQL test database keeps them between tests)."""
    with app.app_context():
        session = db.session()
        for row in session.exec(select(ModelVersion)).all():
            session.delete(row)
        session.commit()
        registry.forget_loaded()

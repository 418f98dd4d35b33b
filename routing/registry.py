"""Model versions live in the database, so every worker on every machine loads the same one.

A process loads the live model once and checks every RELOAD_CHECK_SECONDS whether another
version went live (a cheap query on the version string), then reloads.
"""
import logging
import threading
import time

from sqlmodel import Session, select

from models import ModelVersion, utcnow
from routing import corpus
from routing.model import Model, train

log = logging.getLogger(__name__)
RELOAD_CHECK_SECONDS = 30

_lock = threading.Lock()
_loaded: dict[str, object] = {"model": None, "checked_at": 0.0}


def live_version(db: Session) -> str | None:
    return db.exec(select(ModelVersion.version).where(ModelVersion.live)).first()


def live_model(db: Session) -> Model:
    """The live model, loaded once per process; trains and stores one from the corpus if there is none."""
    with _lock:
        model = _loaded["model"]
        if model is not None and time.monotonic() - _loaded["checked_at"] < RELOAD_CHECK_SECONDS:
            return model
        version = live_version(db)
        if model is None or model.version != version:
            model = _load(db, version) if version else ensure_model(db)
            _loaded["model"] = model
            log.info("classifier version %s loaded", model.version)
        _loaded["checked_at"] = time.monotonic()
        return model


def _load(db: Session, version: str) -> Model:
    row = db.exec(select(ModelVersion).where(ModelVersion.version == version)).one()
    return Model.from_bytes(row.artifact)


def ensure_model(db: Session, progress=None) -> Model:
    """Makes sure a live model exists (first start, `make demo`); returns it."""
    version = live_version(db)
    if version:
        return _load(db, version)
    model = train(corpus.seed_examples(), progress=progress)
    publish(db, model, metrics=model.metadata.get("evaluation", {}), training_size=model.metadata.get("trained_on", 0))
    return model


def publish(db: Session, model: Model, metrics: dict, training_size: int) -> ModelVersion:
    """Stores the model (if new) and makes it the one live version."""
    row = db.exec(select(ModelVersion).where(ModelVersion.version == model.version)).first()
    if row is None:
        row = ModelVersion(version=model.version, artifact=model.to_bytes(), metrics=metrics, training_size=training_size)
        db.add(row)
    for other in db.exec(select(ModelVersion).where(ModelVersion.live)).all():
        other.live = False
    db.flush()
    row.live = True
    row.went_live_at = utcnow()
    db.commit()
    forget_loaded()
    return row


def forget_loaded() -> None:
    with _lock:
        _loaded["model"] = None

"""Model versions live in the database, so every worker on every machine loads the same one.

A process loads the live model once and asks every MODEL_RELOAD_SECONDS whether another version
went live (a query on the version string only), then loads that one. Every trained version is
kept with its scores (ModelVersion.metrics), live or not, so any of them can be made live again.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import case, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import ModelVersion, utcnow
from routing import corpus, corrections, lifecycle
from routing.model import Model

log = logging.getLogger(__name__)


class _Loaded:
    """The model one app (one process in production) has loaded, and when it last asked for news."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.model: Model | None = None
        self.checked_at = 0.0


def _loaded() -> _Loaded:
    return current_app.extensions.setdefault("routing_model", _Loaded())


def live_version(db: Session) -> str | None:
    return db.exec(select(ModelVersion.version).where(ModelVersion.live).order_by(ModelVersion.went_live_at.desc())).first()


def live_model(db: Session) -> Model:
    """The live model, loaded once per process; builds one from the corpus if there is none."""
    loaded = _loaded()
    with loaded.lock:
        fresh = time.monotonic() - loaded.checked_at < current_app.config["MODEL_RELOAD_SECONDS"]
        if loaded.model is not None and fresh:
            return loaded.model
        version = live_version(db)
        if loaded.model is None:
            loaded.model = _load(db, version) if version else ensure_model(db)
            log.info("classifier version %s loaded", loaded.model.version)
        elif loaded.model.version != version and version:
            _switch(db, loaded, version)
        loaded.checked_at = time.monotonic()
        return loaded.model


def _switch(db: Session, loaded: _Loaded, version: str) -> None:
    try:
        loaded.model = _load(db, version)
        log.info("classifier version %s loaded", version)
    except Exception:
        # During a rolling deploy an old worker may meet an artifact only the new code reads:
        # it keeps routing with the model it has until it is replaced.
        log.exception("classifier version %s does not load with this code; keeping %s", version, loaded.model.version)


def _load(db: Session, version: str) -> Model:
    return Model.from_bytes(db.exec(select(ModelVersion.artifact).where(ModelVersion.version == version)).one())


def stored_live_model(db: Session) -> Model | None:
    """The live version read straight from the database, without an app (no per-process cache, nothing
    built): None when there is none or it does not load with this code."""
    version = live_version(db)
    if not version:
        return None
    try:
        return _load(db, version)
    except Exception:
        log.exception("live classifier %s does not load with this code", version)
        return None


def forget_loaded() -> None:
    """This process loads the live model again at its next use (after it published one)."""
    loaded = _loaded()
    with loaded.lock:
        loaded.model = None


# ----------------------------------------------------------------------------- storing versions

def store(db: Session, model: Model, metrics: dict, training_size: int) -> ModelVersion:
    """Records the version (once: the version is a hash of data, code and parameters)."""
    row = _row(db, model.version)
    if row is not None:
        return row
    row = ModelVersion(version=model.version, artifact=model.to_bytes(), metrics=metrics, training_size=training_size)
    db.add(row)
    try:
        db.commit()
    except IntegrityError:  # another process stored the same version a moment ago
        db.rollback()
        row = _row(db, model.version)
    return row


def publish(db: Session, model: Model, metrics: dict, training_size: int) -> ModelVersion:
    """Stores the model (if new) and makes it the one live version."""
    return make_live(db, store(db, model, metrics, training_size))


def make_live(db: Session, row: ModelVersion) -> ModelVersion:
    # One statement over all rows, so two concurrent publishes still leave exactly one live version.
    db.exec(
        update(ModelVersion).values(
            live=ModelVersion.id == row.id,
            went_live_at=case((ModelVersion.id == row.id, utcnow()), else_=ModelVersion.went_live_at),
        )
    )
    db.commit()
    db.refresh(row)
    forget_loaded()
    return row


def _row(db: Session, version: str) -> ModelVersion | None:
    return db.exec(select(ModelVersion).where(ModelVersion.version == version)).first()


@dataclass(frozen=True)
class Listed:
    version: str
    created_at: datetime
    training_size: int
    metrics: dict
    live: bool
    went_live_at: datetime | None


def versions(db: Session) -> list[Listed]:
    """Every stored version, newest first (without the artifacts)."""
    rows = db.exec(
        select(ModelVersion.version, ModelVersion.created_at, ModelVersion.training_size, ModelVersion.metrics,
               ModelVersion.live, ModelVersion.went_live_at).order_by(ModelVersion.created_at.desc(), ModelVersion.id.desc())
    ).all()
    return [Listed(*r) for r in rows]


def find(db: Session, version: str) -> ModelVersion:
    """The version named by its hash or a unique prefix of it."""
    matches = db.exec(select(ModelVersion.id).where(ModelVersion.version.startswith(version.strip()))).all()
    if len(matches) != 1:
        raise LookupError(f"no model version {version!r}" if not matches else f"{version!r} names {len(matches)} versions")
    return db.get(ModelVersion, matches[0])


def rollback(db: Session, version: str | None = None) -> ModelVersion:
    """Makes an earlier version live: the one named, or the one live before the current one."""
    if version is None:
        row = db.exec(
            select(ModelVersion).where(ModelVersion.went_live_at.is_not(None), ModelVersion.live.is_(False))
            .order_by(ModelVersion.went_live_at.desc())
        ).first()
        if row is None:
            raise LookupError("no earlier live version to roll back to")
    else:
        row = find(db, version)
    Model.from_bytes(row.artifact)  # refuse an artifact this code cannot load before any worker tries
    return make_live(db, row)


# ----------------------------------------------------------------------------- building versions

def ensure_model(db: Session, progress=None) -> Model:
    """The live model; builds and publishes one from the corpus when there is none (first start,
    `make demo`) or when the live artifact no longer loads with this code."""
    model = stored_live_model(db)
    if model is None:
        model, _ = train_from_corpus(db, kind="first start", progress=progress)
    return model


def train_from_corpus(db: Session, *, kind: str = "train", progress=None) -> tuple[Model, ModelVersion]:
    """Trains on the corpus (no corrections), records the scores and makes the version live."""
    data = lifecycle.training_data(corpus.seed_examples(), [])
    model = _build(data, progress)
    metrics = _metrics(kind, data, lifecycle.scores(model, data.evaluation, _threshold()), model)
    return model, publish(db, model, metrics=metrics, training_size=len(data.examples))


@dataclass
class Retrained:
    candidate: ModelVersion
    previous: str | None  # the version live before the retrain
    scores: dict[str, dict]  # the candidate's, per evaluation set
    previous_scores: dict[str, dict] | None  # the previous live version's on the same sets
    worse: list[str]  # why the candidate stayed out (empty when it went live)
    previous_comparable: bool  # False: the previous version trained on another split (its scores may be flattering)

    @property
    def went_live(self) -> bool:
        return self.candidate.live


def retrain(db: Session, *, progress=None) -> Retrained:
    """Trains on the corpus + all staff corrections, compares with the live version on the same
    held-out texts, records the candidate and makes it live only when it is not worse."""
    data = lifecycle.training_data(corpus.seed_examples(), corrections.training_examples(db))
    model = _build(data, progress)
    threshold = _threshold()
    scores = lifecycle.scores(model, data.evaluation, threshold)
    live = db.exec(select(ModelVersion).where(ModelVersion.live).order_by(ModelVersion.went_live_at.desc())).first()
    previous_scores = _previous_scores(live, model, data, threshold)
    worse = lifecycle.worse_than(scores, previous_scores, current_app.config["ROUTING_RETRAIN_TOLERANCE"]) if previous_scores else []
    comparable = live is None or live.metrics.get("training", {}).get("held_out") == data.held_out
    metrics = _metrics("retrain", data, scores, model)
    if live is not None:
        metrics["compared_with"] = {"version": live.version, "scores": previous_scores, "worse": worse}
    row = store(db, model, metrics, len(data.examples))
    if not worse and not row.live:
        row = make_live(db, row)
    return Retrained(row, live.version if live else None, scores, previous_scores, worse, comparable)


def _previous_scores(live: ModelVersion | None, candidate: Model, data: lifecycle.TrainingData, threshold: float) -> dict | None:
    """The live version's scores on the candidate's evaluation sets; None when there is nothing to compare with."""
    if live is None or live.version == candidate.version:
        return None
    try:
        previous = Model.from_bytes(live.artifact)
    except Exception:  # a live artifact this code cannot read routes nothing here: any candidate is better
        log.exception("live classifier %s does not load with this code", live.version)
        return None
    return lifecycle.scores(previous, data.evaluation, threshold)


def _build(data: lifecycle.TrainingData, progress) -> Model:
    return lifecycle.build(data, params=current_app.config["ROUTING_TRAIN_PARAMS"] or None, progress=progress)


def _metrics(kind: str, data: lifecycle.TrainingData, scores: dict, model: Model) -> dict:
    return {
        "kind": kind,
        "training": data.describe(),
        "threshold": _threshold(),
        "evaluation": scores,
        "cross_validation": model.metadata.get("cross_validation", {}),
    }


def _threshold() -> float:
    return current_app.config["ROUTING_CONFIDENCE_THRESHOLD"]

"""Model versions in the database: one live version, loaded once per process, reloaded when another goes live."""
import pytest
from sqlmodel import select

import db
import release
from models import ModelVersion
from routing import corrections, registry
from routing.lifecycle import build, training_data
from tests.conftest import make_config
from tests.routing.conftest import SMALL_CORPUS, SMALL_PARAMS, forget_versions, make_case
from wsgi import create_app


@pytest.fixture(scope="module")
def small_model():
    """A second, different model to publish next to the session's trained_model (and unlike the
    version the CLI tests train, so their scores are recorded by them)."""
    return build(training_data(SMALL_CORPUS[::2], []), params=SMALL_PARAMS)


def second_process(pg_url, reload_seconds):
    """Another app on the same database: in production another worker, maybe on another machine."""
    return create_app(make_config(DATABASE_URL=pg_url, REDIS_URL="", SMS_BACKEND="console", MODEL_RELOAD_SECONDS=reload_seconds))


def loaded_version(app) -> str:
    with app.app_context():
        return registry.live_model(db.session()).version


def test_second_process_picks_up_a_newly_published_version_after_the_check_interval(app, pg_url, trained_model, small_model):
    other = second_process(pg_url, reload_seconds=0)
    assert loaded_version(other) == trained_model.version
    with app.app_context():
        registry.publish(db.session(), small_model, metrics={}, training_size=0)
    assert loaded_version(other) == small_model.version
    other.extensions["db_engine"].dispose()


def test_process_loads_the_model_once_and_keeps_it_until_the_check_interval_passes(app, pg_url, trained_model, small_model):
    other = second_process(pg_url, reload_seconds=3600)
    with other.app_context():
        first = registry.live_model(db.session())
    with app.app_context():
        registry.publish(db.session(), small_model, metrics={}, training_size=0)
    with other.app_context():
        assert registry.live_model(db.session()) is first
        assert first.version == trained_model.version
    other.extensions["db_engine"].dispose()


def test_publishing_leaves_exactly_one_live_version(app, trained_model, small_model):
    with app.app_context():
        session = db.session()
        registry.publish(session, small_model, metrics={}, training_size=0)
        registry.publish(session, trained_model, metrics={}, training_size=0)
        registry.publish(session, trained_model, metrics={}, training_size=0)
        live = session.exec(select(ModelVersion.version).where(ModelVersion.live)).all()
        assert live == [trained_model.version]
        assert len(session.exec(select(ModelVersion.id).where(ModelVersion.version == trained_model.version)).all()) == 1


def test_rollback_without_a_version_makes_the_previously_live_version_live(app, trained_model, small_model):
    with app.app_context():
        session = db.session()
        registry.publish(session, small_model, metrics={}, training_size=0)
        assert registry.rollback(session).version == trained_model.version
        assert registry.live_version(session) == trained_model.version
        assert registry.live_model(session).version == trained_model.version


def test_rollback_to_a_named_version_accepts_a_unique_prefix(app, trained_model, small_model):
    with app.app_context():
        session = db.session()
        registry.publish(session, small_model, metrics={}, training_size=0)
        registry.publish(session, trained_model, metrics={}, training_size=0)
        assert registry.rollback(session, small_model.version[:7]).version == small_model.version
        with pytest.raises(LookupError):
            registry.rollback(session, "not-a-version")


def test_process_keeps_routing_with_its_model_when_the_new_live_artifact_does_not_load(app, pg_url, trained_model):
    app.config["MODEL_RELOAD_SECONDS"] = 0
    with app.app_context():
        assert registry.live_model(db.session()).version == trained_model.version
    newer_release = second_process(pg_url, reload_seconds=0)
    with newer_release.app_context():
        session = db.session()
        registry.make_live(session, registry.store(session, Unreadable(), metrics={}, training_size=0))
    with app.app_context():
        assert registry.live_model(db.session()).version == trained_model.version
    with newer_release.app_context():
        session = db.session()
        session.delete(registry.find(session, Unreadable.version))
        session.commit()
    newer_release.extensions["db_engine"].dispose()


def test_first_start_builds_and_publishes_a_model_when_none_exists(sqlite_app, small_training):
    small_training(sqlite_app)
    forget_versions(sqlite_app)
    with sqlite_app.app_context():
        summary = release.release()
        session = db.session()
        row = session.exec(select(ModelVersion).where(ModelVersion.live)).one()
        assert summary["model_version"] == row.version
        assert row.metrics["kind"] == "first start" and row.metrics["evaluation"]["held_out"]["n"] > 0
        assert registry.live_model(session).version == row.version
        assert release.release()["model_version"] == row.version  # the second start builds nothing


def test_retrain_replaces_a_live_artifact_this_code_cannot_load(app, small_training):
    small_training(app)
    with app.app_context():
        session = db.session()
        unreadable = registry.store(session, Unreadable(), metrics={}, training_size=0)
        registry.make_live(session, unreadable)
        corrections.record(session, case=make_case(session, "경로당 보일러가 고장 났어요"), category="complaint", department="welfare", staff_id=None)
        session.commit()
        result = registry.retrain(session)
        assert result.previous == "unreadable01" and result.went_live and result.previous_scores is None
        session.delete(session.get(ModelVersion, unreadable.id))
        session.commit()


class Unreadable:
    """What a newer release might store: a version this code cannot read."""

    version = "unreadable01"

    def to_bytes(self) -> bytes:
        return b"a format this code does not read"

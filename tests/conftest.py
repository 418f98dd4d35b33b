"""Fixtures: a fresh PostgreSQL database and Redis queue per test run, an app per test.

`app` is production-shaped (PostgreSQL, Redis, the twilio backend against a local stand-in);
`sqlite_app` is the embedded mode (SQLite file, in-process queue, console backend).
"""
import hashlib
import os
import uuid
from pathlib import Path

import psycopg
import pytest
from redis import Redis
from rq.worker import SimpleWorker
from sqlalchemy import text
from sqlmodel import Session, SQLModel

import db
import release
from config import Config
from models import ModelVersion
from routing import corpus, registry
from routing import model as model_module
from routing.model import Model, train
from sms_gateway.signature import sign
from tests.support import twilio_standin
from wsgi import create_app

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_ID = uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def pg_url():
    name = f"baro_test_{RUN_ID}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    release.migrate(url)
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


MODEL_CACHE = Path(os.environ.get("TEST_MODEL_CACHE", "/tmp/baro-test-models"))


def _model_inputs_hash() -> str:
    """Training is a pure function of the model code and the corpus, so a trained model can be reused."""
    digest = hashlib.sha256()
    routing_dir = Path(model_module.__file__).parent
    for path in sorted([*routing_dir.glob("*.py"), *routing_dir.glob("data/*.jsonl")]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def trained_model():
    """One classifier trained on the shipped corpus, cached across runs while code and corpus are unchanged."""
    cached = MODEL_CACHE / f"{_model_inputs_hash()}.bin"
    if cached.exists():
        return Model.from_bytes(cached.read_bytes())
    model = train(corpus.seed_examples())
    MODEL_CACHE.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(model.to_bytes())
    temporary.replace(cached)
    return model


@pytest.fixture(scope="session")
def twilio():
    state, server = twilio_standin.start()
    yield state
    server.shutdown()


def make_config(**overrides) -> Config:
    defaults = dict(
        TESTING=True,
        SECRET_KEY="test",
        PUBLIC_BASE_URL="https://baro.example.org",
        TWILIO_AUTH_TOKEN="test-token",
        TWILIO_ACCOUNT_SID="AC" + "1" * 32,
        TWILIO_FROM_NUMBER="+82212345678",
        EMBEDDED_CLOCK=False,
        WTF_CSRF_ENABLED=True,
        # No quiet hours unless a test sets them: a test's texts must not wait for 08:00 when it runs at night.
        QUIET_HOURS_START="00:00",
        QUIET_HOURS_END="00:00",
    )
    defaults.update(overrides)
    return Config(**defaults)


def _reset(session: Session) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables) if t.name != ModelVersion.__tablename__]
    if session.bind.dialect.name == "postgresql":
        session.exec(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            session.exec(text(f'DELETE FROM "{table}"'))
    session.commit()


def _prepare(app, model) -> None:
    with app.app_context():
        session = db.session()
        _reset(session)
        release.load_departments(session)
        release.ensure_line(session, app.config["LINE_NAME"], app.config["TWILIO_FROM_NUMBER"])
        registry.publish(session, model, metrics={}, training_size=0)


@pytest.fixture
def app(pg_url, trained_model, twilio, tmp_path):
    queue_name = f"baro-test-{RUN_ID}-{uuid.uuid4().hex[:6]}"
    application = create_app(
        make_config(
            DATABASE_URL=pg_url,
            REDIS_URL=REDIS_URL,
            QUEUE_NAME=queue_name,
            SMS_BACKEND="twilio",
            TWILIO_API_BASE_URL=twilio.base_url,
            INSTANCE_PATH=str(tmp_path / "instance"),
            MEDIA_PATH=str(tmp_path / "media"),
        )
    )
    _prepare(application, trained_model)
    twilio.received.clear()
    twilio.failures.clear()
    yield application
    Redis.from_url(REDIS_URL).delete(f"rq:queue:{queue_name}")
    application.extensions["db_engine"].dispose()


@pytest.fixture
def sqlite_app(trained_model, tmp_path):
    url = f"sqlite:///{tmp_path / 'baro.db'}"
    release.migrate(url)
    application = create_app(
        make_config(DATABASE_URL=url, REDIS_URL="", SMS_BACKEND="console", INSTANCE_PATH=str(tmp_path / "instance"),
                    MEDIA_PATH=str(tmp_path / "media"), SIMULATOR_ENABLED=True)
    )
    _prepare(application, trained_model)
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def run_worker(app):
    """Runs every queued job with a real rq worker in burst mode, as the worker process would."""

    def run() -> None:
        queue = app.extensions["jobqueue"]
        with app.app_context():
            SimpleWorker([queue.queue], connection=queue.connection).work(burst=True)

    return run


def signed_post(client, app, path: str, form: dict, **kwargs):
    signature = sign(app.config["PUBLIC_BASE_URL"] + path, form, app.config["TWILIO_AUTH_TOKEN"])
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature}, **kwargs)


def inbound_form(body: str = "", sender: str = "010-1234-5678", sid: str | None = None, media: list | None = None) -> dict:
    form = {
        "MessageSid": sid or f"SM{uuid.uuid4().hex}",
        "AccountSid": "AC" + "1" * 32,
        "From": sender,
        "To": "+82212345678",
        "Body": body,
        "NumMedia": str(len(media or [])),
    }
    for i, (url, content_type) in enumerate(media or []):
        form[f"MediaUrl{i}"] = url
        form[f"MediaContentType{i}"] = content_type
    return form

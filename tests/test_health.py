"""GET /healthz on the production shape."""
from tests.conftest import make_config
from wsgi import create_app


def test_healthy_when_database_and_redis_answer(app, client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok", "database": "ok", "queue": "ok"}


def test_503_when_redis_is_down(app):
    broken = create_app(make_config(DATABASE_URL=app.config["DATABASE_URL"], REDIS_URL="redis://127.0.0.1:1/0"))
    answer = broken.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json["database"] == "ok" and answer.json["queue"].startswith("down")


def test_503_when_database_is_down(app):
    broken = create_app(make_config(DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:1/x", REDIS_URL=app.config["REDIS_URL"]))
    answer = broken.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json["database"].startswith("down") and answer.json["queue"] == "ok"


def test_client_address_comes_from_the_trusted_proxy_header(app):
    from flask import request

    proxied = create_app(make_config(DATABASE_URL=app.config["DATABASE_URL"], REDIS_URL=app.config["REDIS_URL"], TRUSTED_PROXIES=1))

    @proxied.get("/whoami-test")
    def whoami():
        return request.remote_addr

    answer = proxied.test_client().get("/whoami-test", headers={"X-Forwarded-For": "203.0.113.7"})
    assert answer.text == "203.0.113.7"

"""GET /healthz: is the database answering, is the queue reachable."""
import logging

from flask import Blueprint, jsonify
from sqlalchemy import text

import db
import jobqueue

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception as exc:  # any failure is "down", and the reason goes to the log
        log.error("health check failed: %s", exc)
        return f"down: {exc.__class__.__name__}"


@bp.get("/healthz")
def healthz():
    def database():
        with db.engine().connect() as connection:
            connection.execute(text("SELECT 1"))

    checks = {"database": _check(database), "queue": _check(lambda: jobqueue.current_queue().ping())}
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "degraded", **checks), 200 if healthy else 503

"""Twilio's webhooks. The inbound one stores, queues and answers; it never classifies or sends."""
import logging

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy.exc import DBAPIError

import db
import jobqueue
from sms_gateway import signature
from sms_gateway.inbound import BadInbound, Inbound, store
from sms_gateway.status import record_status

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__, url_prefix="/sms")

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def twiml() -> Response:
    return Response(EMPTY_TWIML, mimetype="text/xml")


def bad_request(reason: str) -> Response:
    log.warning("rejected %s: %s", request.path, reason)
    return Response(reason + "\n", status=400, mimetype="text/plain")


@bp.before_request
def check_signature():
    config = current_app.config
    if not signature.is_valid(request, config["PUBLIC_BASE_URL"], config["TWILIO_AUTH_TOKEN"]):
        reason = "missing" if "X-Twilio-Signature" not in request.headers else "wrong"
        log.warning("rejected %s: %s X-Twilio-Signature from %s", request.path, reason, request.remote_addr)
        abort(403)


@bp.post("/inbound")
def inbound():
    try:
        message = Inbound.from_form(request.form)
    except BadInbound as exc:
        return bad_request(str(exc))
    stored = store(db.session(), message, current_app.config["DEFAULT_REGION"])
    if stored.created:
        jobqueue.enqueue("routing.jobs.route_case", stored.case_id, job_id=f"route_case-{stored.case_id}",
                         new_id=True)
    else:
        log.info("retried webhook for %s: already stored as case %s", message.message_sid, stored.case_id)
    return twiml()


@bp.post("/status")
def status():
    sid = (request.form.get("MessageSid") or "").strip()
    state = (request.form.get("MessageStatus") or "").strip().lower()
    if not sid or not state:
        return bad_request("MessageSid and MessageStatus are required")
    error_code = request.form.get("ErrorCode") or None
    if error_code is not None and not error_code.isdigit():
        return bad_request("ErrorCode is not a number")
    record_status(db.session(), sid, state, int(error_code) if error_code else None)
    return Response("", status=204)


@bp.errorhandler(DBAPIError)
def database_down(exc):
    # Twilio retries (when the URL asks it to) and the fallback URL takes over; say so in the log.
    log.error("database unavailable on %s: %s", request.path, exc.__class__.__name__)
    return Response("database unavailable\n", status=503, mimetype="text/plain")

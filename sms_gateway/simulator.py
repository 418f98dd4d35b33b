"""/simulator: text the line as a resident would and see every text the service sends back.

Each text goes through the real webhook, signed as Twilio signs it. Enabled only with the
console SMS backend (SIMULATOR_ENABLED), never in production.
"""
import uuid

from flask import Blueprint, current_app, jsonify, render_template, request
from sqlmodel import select

import db
from models import Message, Resident
from sms_gateway.phone import normalise
from sms_gateway.signature import sign

bp = Blueprint("simulator", __name__, url_prefix="/simulator", template_folder="templates")


@bp.get("")
def page():
    return render_template("sms_gateway/simulator.html", line_number=current_app.config["TWILIO_FROM_NUMBER"])


@bp.post("/send")
def send():
    payload = request.get_json(silent=True) or {}
    sender, body = str(payload.get("from", "")).strip(), str(payload.get("body", ""))
    if not sender:
        return jsonify(error="a phone number is required"), 400
    config = current_app.config
    form = {
        "MessageSid": f"SM{uuid.uuid4().hex}",
        "AccountSid": config["TWILIO_ACCOUNT_SID"],
        "From": sender,
        "To": config["TWILIO_FROM_NUMBER"],
        "Body": body,
        "NumMedia": "0",
    }
    signature = sign(config["PUBLIC_BASE_URL"] + "/sms/inbound", form, config["TWILIO_AUTH_TOKEN"])
    answer = current_app.test_client().post("/sms/inbound", data=form, headers={"X-Twilio-Signature": signature})
    return jsonify(status=answer.status_code, message_sid=form["MessageSid"]), 200 if answer.status_code == 200 else 502


@bp.get("/thread")
def thread():
    number = normalise(request.args.get("phone", ""), current_app.config["DEFAULT_REGION"]).value
    session = db.session()
    resident = session.exec(select(Resident).where(Resident.phone == number)).first()
    if resident is None:
        return jsonify(messages=[])
    messages = session.exec(select(Message).where(Message.resident_id == resident.id).order_by(Message.id)).all()
    return jsonify(
        messages=[
            {"direction": m.direction, "body": m.body, "status": m.status, "at": m.created_at.isoformat(), "segments": m.segments}
            for m in messages
        ]
    )

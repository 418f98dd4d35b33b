"""Sending one SMS: the twilio backend (the real REST client) and the console backend."""
import logging
import uuid
from dataclasses import dataclass

from flask import current_app
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

log = logging.getLogger(__name__)

# Twilio error codes that no retry can fix (https://www.twilio.com/docs/api/errors).
OPTED_OUT = 21610
PERMANENT_CODES = {21211, 21408, 21602, 21604, 21606, 21610, 21612, 21614, 21617, 30003, 30004, 30005, 30006}


@dataclass(frozen=True)
class Sent:
    sid: str
    status: str


class SendError(Exception):
    def __init__(self, message: str, code: int | None = None, permanent: bool = False):
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class TwilioSender:
    def __init__(self, config):
        self.client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
        if config["TWILIO_API_BASE_URL"]:
            self.client.api.base_url = config["TWILIO_API_BASE_URL"].rstrip("/")
        self.sender = {"messaging_service_sid": config["TWILIO_MESSAGING_SERVICE_SID"]} if config[
            "TWILIO_MESSAGING_SERVICE_SID"
        ] else {"from_": config["TWILIO_FROM_NUMBER"]}

    def send(self, to: str, body: str, status_callback: str, from_number: str | None = None) -> Sent:
        sender = {"from_": from_number} if from_number and "from_" in self.sender else self.sender
        try:
            message = self.client.messages.create(to=to, body=body, status_callback=status_callback, **sender)
        except TwilioRestException as exc:
            permanent = exc.code in PERMANENT_CODES or (400 <= exc.status < 500 and exc.status != 429)
            raise SendError(exc.msg, code=exc.code, permanent=permanent) from exc
        except (TwilioException, OSError) as exc:
            raise SendError(f"Twilio unreachable: {exc}") from exc
        return Sent(sid=message.sid, status=message.status or "queued")


class ConsoleSender:
    """Writes the text to the log; the message row (and the phone simulator) shows it."""

    def send(self, to: str, body: str, status_callback: str, from_number: str | None = None) -> Sent:
        log.info("SMS to %s: %s", to, body)
        return Sent(sid=f"SMconsole{uuid.uuid4().hex[:23]}", status="delivered")


def current_sender():
    backend = current_app.config["SMS_BACKEND"]
    if backend == "twilio":
        return TwilioSender(current_app.config)
    if backend == "console":
        return ConsoleSender()
    raise RuntimeError(f"unknown SMS_BACKEND {backend!r}: use 'twilio' or 'console'")

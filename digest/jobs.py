"""The clock's morning digest: from 08:00 district time, build and mail the digest that is due, once."""
import logging
from datetime import datetime

from flask import current_app
from sqlmodel import select

import db
import district_time
from digest import period
from digest.build import build_and_maybe_send, recipients
from models import Digest, utcnow

log = logging.getLogger(__name__)


def send_due(now: datetime | None = None) -> str:
    """Safe to run every few minutes and from two clocks: the day's row lock lets one of them send."""
    now = now or utcnow()
    day = period.due_day(now, district_time.zone())
    if not recipients() or not current_app.config["SMTP_URL"]:
        log.warning("DIGEST_TO or SMTP_URL is not set: the digest of %s is not mailed", day)
        return "mail not configured"
    with db.transaction() as session:
        # Cheap look first: most runs of the day find it sent and need no lock.
        if session.exec(select(Digest.sent_at).where(Digest.day == day, Digest.sent_at.is_not(None))).first():
            return "already sent"
        _row, outcome = build_and_maybe_send(session, day, now, send=True, force=False)
    return outcome

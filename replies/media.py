"""MMS photos: downloaded from Twilio with the account's credentials into MEDIA_PATH (the inbox serves them
to signed-in staff at /inbox/media/<id>).

Twilio's media URL answers with a redirect to its file store; requests drops the credentials when
the redirect leaves Twilio's host, as it must. Only configured Twilio origins ever get them.
"""
import logging
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import requests
from flask import current_app
from sqlmodel import select

import db
from models import CaseEvent, Media, Message

log = logging.getLogger(__name__)

PENDING, STORED, REJECTED, FAILED = "pending", "stored", "rejected", "failed"
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
               "image/heic": ".heic", "image/heif": ".heif", "application/pdf": ".pdf"}
_CHUNK = 64 * 1024


class Refused(Exception):
    """The file is not one we keep (type, size, origin); trying again would not change that."""


class Unavailable(Exception):
    """Twilio did not hand the file over; retried unless it is gone for good."""

    def __init__(self, message: str, gone: bool = False):
        super().__init__(message)
        self.gone = gone


def fetch(media_id: int) -> str:
    """Downloads one pending media file and records the outcome on its row. Safe to run twice."""
    with db.transaction() as session:
        media = session.exec(select(Media).where(Media.id == media_id).with_for_update()).first()
        if media is None or media.status != PENDING:
            return "nothing to do"
        url = media.url
    config = current_app.config
    try:
        content_type, size, relative = _download(url, media_id, config)
    except Refused as exc:
        _record(media_id, REJECTED, error=str(exc))
        return f"rejected: {exc}"
    except Unavailable as exc:
        if not exc.gone:
            raise
        _record(media_id, FAILED, error=str(exc))
        return f"failed: {exc}"
    _record(media_id, STORED, content_type=content_type, size=size, storage_path=relative)
    return "stored"


def _download(url: str, media_id: int, config) -> tuple[str, int, str]:
    if not _is_twilio(url, config["TWILIO_MEDIA_ORIGINS"]):
        raise Refused("not a Twilio media URL; credentials are sent only to Twilio")
    limit = config["MEDIA_MAX_BYTES"]
    try:
        with requests.get(url, auth=(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]), stream=True,
                          timeout=(5, 30), allow_redirects=True) as answer:
            if answer.status_code != 200:
                raise Unavailable(f"{answer.status_code} from {urlsplit(answer.url).netloc}",
                                  gone=answer.status_code in (403, 404, 410))
            content_type = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if content_type not in config["MEDIA_TYPES"]:
                raise Refused(f"content type {content_type or 'missing'} is not accepted")
            declared = int(answer.headers.get("Content-Length") or 0)
            if declared > limit:
                raise Refused(f"{declared} bytes is over the {limit} byte limit")
            relative = f"{media_id // 1000:04d}/{media_id}{_EXTENSIONS.get(content_type, '')}"
            size = _save(answer, Path(config["MEDIA_PATH"]) / relative, limit)
    except requests.RequestException as exc:
        raise Unavailable(f"download failed: {exc.__class__.__name__}") from exc
    return content_type, size, relative


def _is_twilio(url: str, origins: list[str]) -> bool:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() in {o.strip().rstrip("/").lower() for o in origins if o.strip()}


def _save(answer: requests.Response, target: Path, limit: int) -> int:
    """Writes to a temporary file beside the target and renames it, so a half file is never served."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in answer.iter_content(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise Refused(f"over the {limit} byte limit")
                out.write(chunk)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return size


def _record(media_id: int, status: str, **fields) -> None:
    with db.transaction() as session:
        media = session.exec(select(Media).where(Media.id == media_id).with_for_update()).one()
        media.status = status
        for name, value in fields.items():
            setattr(media, name, value)
        if status == STORED:
            case_id = session.get(Message, media.message_id).case_id
            session.add(CaseEvent(case_id=case_id, kind="media_stored", actor="system", dedupe_key=f"media:{media_id}",
                                  data={"media_id": media_id, "content_type": media.content_type, "size": media.size}))
    log.info("media %s %s %s", media_id, status, fields.get("error", ""))

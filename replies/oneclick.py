"""/q/<tag>: the one-click page of a category or place, and its QR code for posters.

The QR code holds an `sms:` link (RFC 5724) with the line's number and the text "#공원 " already
written: the resident's phone opens its SMS app, they add what is wrong and press send, and the
route job routes the text by its tag.
"""
import io
from urllib.parse import quote

import segno
from flask import Blueprint, Response, abort, render_template
from sqlalchemy import func
from sqlmodel import Session, select

import db
from models import Line, QrTag

bp = Blueprint("oneclick", __name__, url_prefix="/q", template_folder="pages")


def sms_uri(line: Line, tag: QrTag) -> str:
    return f"sms:{line.phone_number}?body={quote(f'#{tag.key} ')}"


def qr_svg(uri: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=8, border=2, xmldecl=False, svgns=True,
                                    title="QR", dark="#000", light="#fff")
    return out.getvalue().decode()


def _tag_and_line(session: Session, key: str) -> tuple[QrTag, Line]:
    tag = session.exec(select(QrTag).where(func.lower(QrTag.key) == key.lower().lstrip("#"), QrTag.active)).first()
    if tag is None:
        abort(404)
    line = session.get(Line, tag.line_id) if tag.line_id else None
    line = line or session.exec(select(Line).where(Line.active).order_by(Line.id)).first()
    return tag, line


@bp.get("/<key>")
def page(key: str):
    tag, line = _tag_and_line(db.session(), key)
    uri = sms_uri(line, tag)
    return render_template("replies/oneclick.html", tag=tag, line=line, uri=uri, qr=qr_svg(uri))


@bp.get("/<key>/qr.svg")
def qr(key: str):
    tag, line = _tag_and_line(db.session(), key)
    return Response(qr_svg(sms_uri(line, tag)), mimetype="image/svg+xml",
                    headers={"Content-Disposition": f"inline; filename*=UTF-8''{quote(tag.key)}.svg"})

"""GeoReport v2 (JSON): services, requests, one request. Errors are the spec's error array.

No personal data leaves here: no phone numbers, and no resident text (a text can name people);
a request is described by its category and department.
"""
from datetime import datetime, timedelta, timezone

from flask import Blueprint, Response, jsonify, request
from sqlmodel import select

import db
from models import Case, CaseState, Department
from routing import taxonomy
from sla import policy as sla_policy

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)
_CLOSED = (CaseState.RESOLVED,)


class Open311Error(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


@bp.errorhandler(Open311Error)
def _error(exc: Open311Error) -> Response:
    return jsonify([{"code": exc.code, "description": exc.description}]), exc.code


@bp.errorhandler(404)
def _not_found(_exc) -> Response:
    return jsonify([{"code": 404, "description": "not found"}]), 404


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if moment else None


def _parse_datetime(name: str) -> datetime | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C date-time such as 2026-11-23T08:00:00+09:00") from None
    if moment.tzinfo is None:
        raise Open311Error(400, f"{name} must carry a time zone (Z or +09:00)")
    return moment


def _csv(name: str) -> list[str]:
    return [v.strip() for v in request.args.get(name, "").split(",") if v.strip()]


@bp.get("/services.json")
def services():
    tax = taxonomy.default()
    return jsonify(
        [
            {
                "service_code": entry.key,
                "service_name": entry.name_ko,
                "description": entry.description,
                "metadata": False,
                "type": "realtime",
                "keywords": entry.name_en.lower(),
                "group": "text line",
            }
            for entry in tax.categories
        ]
    )


@bp.get("/requests.json")
def requests_list():
    ids = _csv("service_request_id")
    query = select(Case).where(Case.state != CaseState.MERGED)
    if ids:
        query = query.where(Case.ref.in_(ids))
    else:
        query = _filtered(query)
    cases = db.session().exec(query.order_by(Case.created_at.desc()).limit(MAX_RESULTS)).all()
    return jsonify(_render(cases))


def _filtered(query):
    codes = _csv("service_code")
    unknown = set(codes) - set(taxonomy.default().category_keys)
    if unknown:
        raise Open311Error(400, f"unknown service_code: {', '.join(sorted(unknown))}")
    if codes:
        query = query.where(Case.category.in_(codes))
    statuses = _csv("status")
    if set(statuses) - {"open", "closed"}:
        raise Open311Error(400, "status must be open or closed")
    if statuses == ["open"]:
        query = query.where(Case.state.notin_(_CLOSED))
    elif statuses == ["closed"]:
        query = query.where(Case.state.in_(_CLOSED))
    start, end = _parse_datetime("start_date"), _parse_datetime("end_date")
    if start and end and end - start > MAX_SPAN:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    if start is None:
        start = (end or datetime.now(timezone.utc)) - MAX_SPAN
    query = query.where(Case.created_at >= start)
    if end:
        query = query.where(Case.created_at <= end)
    return query


@bp.get("/requests/<service_request_id>.json")
def request_one(service_request_id: str):
    ids = [v.strip() for v in service_request_id.split(",") if v.strip()]
    cases = db.session().exec(select(Case).where(Case.ref.in_(ids), Case.state != CaseState.MERGED)).all()
    if not cases:
        raise Open311Error(404, f"no service request {service_request_id}")
    return jsonify(_render(cases))


def _render(cases: list[Case]) -> list[dict]:
    tax = taxonomy.default()
    names = {d.key: d.name_ko for d in db.session().exec(select(Department)).all()}
    rendered = []
    for case in cases:
        category = tax.category(case.category) if case.category in tax.category_keys else None
        closed = case.state in _CLOSED
        rendered.append(
            {
                "service_request_id": case.ref,
                "status": "closed" if closed else "open",
                "status_notes": "처리 완료" if closed else ("접수" if case.state == CaseState.NEW else "처리 중"),
                "service_name": category.name_ko if category else None,
                "service_code": case.category,
                "description": " / ".join(filter(None, [category.name_ko if category else None, names.get(case.department_key)])),
                "agency_responsible": case.department_key,
                "service_notice": None,
                "requested_datetime": _iso(case.created_at),
                "updated_datetime": _iso(case.updated_at),
                "expected_datetime": _iso(sla_policy.current_deadline(case)),
                "address": None,
                "address_id": None,
                "zipcode": None,
                "lat": None,
                "long": None,
                "media_url": None,
            }
        )
    return rendered

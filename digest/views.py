"""/digest/<date> (the stored digest), /digest/dashboard (any range), /digest/export.csv (no phone numbers)."""
import csv
import io
from datetime import date, datetime, timedelta

from flask import Blueprint, Response, abort, redirect, request, stream_with_context, url_for
from sqlmodel import select

import db
import district_time
from digest import build, period
from digest.figures import category_label, shorten
from inbox.auth import roles_required
from models import Case, CaseState, Digest, utcnow

bp = Blueprint("digest", __name__, url_prefix="/digest", template_folder="templates")

READERS = ("mayor", "communication")
MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30
CSV_BATCH = 2000
CSV_COLUMNS = ("접수번호", "접수 시각", "분야", "부서", "상태", "답변 기한", "첫 답변 시각", "첫 답변까지(시간)",
               "해결 시각", "격상 단계", "만족도", "처리 결과")
STATE_LABELS = {
    CaseState.NEW: "접수", CaseState.OPEN: "답변 대기", CaseState.ANSWERED: "답변함",
    CaseState.WAITING: "민원인 확인 중", CaseState.RESOLVED: "해결",
}


class BadRange(ValueError):
    pass


def _yesterday() -> date:
    return district_time.local(utcnow()).date() - timedelta(days=1)


def _html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/html")


@bp.get("")
@bp.get("/")
@roles_required(*READERS)
def latest():
    return redirect(url_for("digest.page", day=period.due_day(utcnow(), district_time.zone()).isoformat()))


@bp.get("/<day>")
@roles_required(*READERS)
def page(day: str):
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        abort(404, description=f"'{day}' is not a date; use YYYY-MM-DD")
    if wanted > _yesterday():
        abort(404, description=f"the digest of {wanted} is built the morning after it")
    stored = db.session().exec(select(Digest.html).where(Digest.day == wanted, Digest.html != "")).first()
    if stored:
        return _html(stored)
    # Never built (a day before the service, or the clock was down): build and keep it now.
    with db.transaction() as session:
        row, _outcome = build.build_and_maybe_send(session, wanted, utcnow(), send=False, force=False)
        return _html(row.html)


def parse_range(args) -> period.Span:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD, both inclusive; by default the 30 days up to yesterday."""
    try:
        last = date.fromisoformat(args["to"]) if args.get("to") else _yesterday()
        first = date.fromisoformat(args["from"]) if args.get("from") else last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    except ValueError:
        raise BadRange("날짜는 2026-11-23 처럼 YYYY-MM-DD 로 적어 주세요.") from None
    if first > last:
        raise BadRange("시작일이 종료일보다 늦습니다.")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise BadRange(f"기간은 {MAX_RANGE_DAYS}일까지 볼 수 있습니다.")
    return period.Span(first, last)


@bp.get("/dashboard")
@roles_required(*READERS)
def dashboard():
    now = utcnow()
    form = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    try:
        span = parse_range(request.args)
    except BadRange as exc:
        html, _text = build.render(None, title=build.DASHBOARD_TITLE, mode="dashboard", links=build.links(),
                                   now=now, form=form, errors=[str(exc)])
        return _html(html, 400)
    figures = build.figures_for(db.session(), span, now)
    form = {"from": span.first.isoformat(), "to": span.last.isoformat()}
    html, _text = build.render(figures, title=build.DASHBOARD_TITLE, mode="dashboard",
                               links=build.links(span=span), now=now, form=form)
    return _html(html)


@bp.get("/export.csv")
@roles_required(*READERS)
def export_csv():
    try:
        span = parse_range(request.args)
    except BadRange as exc:
        return Response(str(exc) + "\n", status=400, mimetype="text/plain")
    filename = f"baro-cases-{span.first}-{span.last}.csv"
    return Response(
        stream_with_context(_csv_rows(span)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _csv_rows(span: period.Span):
    """Every case created in the span, oldest first; no phone numbers and no resident text."""
    session = db.session()
    labels = build.reader(session)
    start, end = span.bounds(district_time.zone())
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")  # Excel reads UTF-8 Korean only with the byte-order mark
    writer.writerow(CSV_COLUMNS)
    query = (
        select(Case)
        .where(Case.state != CaseState.MERGED, Case.created_at >= start, Case.created_at < end)
        .order_by(Case.created_at, Case.id)
        .execution_options(yield_per=CSV_BATCH)
    )
    for n, case in enumerate(session.exec(query), start=1):
        writer.writerow(_csv_row(case, labels.department_label(case.department_key)))
        if n % CSV_BATCH == 0:
            yield _take(out)
    yield _take(out)


def _csv_row(case: Case, department: str) -> list:
    hours_to_answer = (
        round((case.first_answered_at - case.created_at).total_seconds() / 3600, 1) if case.first_answered_at else ""
    )
    return [
        case.ref or case.id,
        _local(case.created_at),
        category_label(case.category),
        department,
        STATE_LABELS.get(case.state, case.state),
        _local(case.deadline_at),
        _local(case.first_answered_at),
        hours_to_answer,
        _local(case.resolved_at),
        case.escalation_level,
        case.satisfaction if case.satisfaction is not None else "",
        _cell(shorten(case.result, 500)),
    ]


def _local(moment: datetime | None) -> str:
    return f"{district_time.local(moment):%Y-%m-%d %H:%M}" if moment else ""


def _cell(text: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet; a staff-written result must stay text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _take(buffer: io.StringIO) -> str:
    chunk = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return chunk

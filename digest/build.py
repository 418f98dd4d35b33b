"""Building a digest (figures, charts, HTML and plain text), storing it, and mailing it once.

The stored HTML is self-contained (charts as data: URIs) so /digest/<date> shows exactly what
was built; the e-mail turns those images into inline cid: parts, which mail clients display.
"""
import base64
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, render_template
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

import district_time
import mailer
from digest import period
from digest.figures import Count, Figures, Reader
from models import Digest, utcnow

log = logging.getLogger(__name__)

TITLE = "구청장 아침 보고"
DASHBOARD_TITLE = "바로문자 대시보드"
WEEKDAYS = "월화수목금토일"
_DATA_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@dataclass
class Built:
    subject: str
    html: str
    text: str


def reader(session: Session) -> Reader:
    config = current_app.config
    return Reader(session, district_time.zone(), config["FIRST_ANSWER_HOURS"])


def figures_for(session: Session, span: period.Span, now: datetime) -> Figures:
    return reader(session).figures(span, period.as_of(span, district_time.zone(), now))


# --- wording --------------------------------------------------------------------------------
def day_label(day: date) -> str:
    return f"{day.month}월 {day.day}일({WEEKDAYS[day.weekday()]})"


def span_label(span: period.Span) -> str:
    if span.days == 1:
        return day_label(span.first)
    return f"{day_label(span.first)} ~ {day_label(span.last)}"


def hours(value: float) -> str:
    if value < 1:
        return f"{max(1, round(value * 60))}분"
    if value < 72:
        return f"{value:.0f}시간"
    return f"{value / 24:.0f}일"


def change(count: Count) -> str:
    if count.change > 0:
        return f"▲{count.change}"
    if count.change < 0:
        return f"▼{-count.change}"
    return "–"


def score(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def links(day: date | None = None, span: period.Span | None = None) -> dict[str, str]:
    base = current_app.config["PUBLIC_BASE_URL"] + "/digest"
    found = {"dashboard": f"{base}/dashboard", "csv": f"{base}/export.csv"}
    if span is not None:
        found["csv"] += f"?from={span.first}&to={span.last}"
    if day is not None:
        found["page"] = f"{base}/{day}"
        found["previous"] = f"{base}/{day - timedelta(days=1)}"
        found["next"] = f"{base}/{day + timedelta(days=1)}"
    return found


def render(figures: Figures | None, *, title: str, mode: str, links: dict, now: datetime,
           form: dict | None = None, errors: list[str] | None = None) -> tuple[str, str]:
    """(html, text) of the report; the HTML carries its charts as data: URIs."""
    context = dict(
        title=title,
        mode=mode,
        f=figures,
        links=links,
        form=form or {},
        errors=errors or [],
        line_name=current_app.config["LINE_NAME"],
        built_label=district_time.short_ko(now),
        hours=hours,
        change=change,
        score=score,
        percent=percent,
    )
    if figures is not None:
        context.update(
            period_label=span_label(figures.span),
            as_of_label=district_time.short_ko(figures.as_of),
            previous_label="지난주" if figures.previous.first == figures.span.first - timedelta(days=7) else "이전 기간",
            charts=draw_charts(figures),
        )
    else:
        context.update(period_label="", as_of_label=district_time.short_ko(now))
    html = render_template("digest/report.html", **context)
    text = render_template("digest/report.txt", **context) if figures is not None else ""
    return html, text


def draw_charts(figures: Figures) -> dict[str, str]:
    """The charts as data: URIs; no answer-time chart when nobody was answered (the page says so in words)."""
    # Matplotlib is imported here, when a digest is drawn, not by every web, worker and CLI process at start.
    from digest import charts

    drawn = {"cases_per_day": charts.cases_per_day(figures.daily)}
    if figures.answer_times:
        drawn["answer_times"] = charts.answer_times(figures.answer_times, figures.first_answer_target_hours)
    return {name: _data_uri(charts.png(figure)) for name, figure in drawn.items()}


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def subject(figures: Figures) -> str:
    return (
        f"[{current_app.config['LINE_NAME']}] {span_label(figures.span)} 아침 보고: "
        f"늦은 문자 {figures.late_total} · 안전 {figures.safety_total} · 새 문자 {figures.new_cases.count}"
    )


def build(session: Session, day: date, now: datetime) -> Built:
    figures = figures_for(session, period.covered(day), now)
    html, text = render(figures, title=TITLE, mode="digest", links=links(day, figures.span), now=now)
    return Built(subject(figures), html, text)


# --- storing and sending --------------------------------------------------------------------
def locked_row(session: Session, day: date) -> Digest:
    """The digest row of `day`, created if missing, locked until the transaction ends.

    The unique day makes two clocks share one row; the row lock makes the second wait for the
    first to finish and then see sent_at.
    """
    try:
        with session.begin_nested():
            session.add(Digest(day=day, built_at=utcnow()))
    except IntegrityError:
        pass  # the other clock made it first
    return session.exec(select(Digest).where(Digest.day == day).with_for_update()).one()


def store(session: Session, row: Digest, built: Built) -> Digest:
    row.subject, row.html, row.text, row.built_at = built.subject, built.html, built.text, utcnow()
    session.add(row)
    session.flush()
    return row


def email(row: Digest, to: list[str]):
    """The stored digest as a multipart mail; the data: URI charts become inline cid: images."""
    images: dict[str, bytes] = {}

    def to_cid(match: re.Match) -> str:
        cid = f"chart{len(images) + 1}@baro"
        images[cid] = base64.b64decode(match.group(1))
        return f'src="cid:{cid}"'

    html = _DATA_URI.sub(to_cid, row.html)
    return mailer.build(to, row.subject, row.text, html, inline_images=images)


def recipients() -> list[str]:
    return [a.strip() for a in current_app.config["DIGEST_TO"].split(",") if a.strip()]


class NoRecipients(RuntimeError):
    pass


def build_and_maybe_send(session: Session, day: date, now: datetime, send: bool, force: bool) -> tuple[Digest, str]:
    """Builds the digest of `day` and stores it; mails it when asked, once per day unless forced.

    Returns the row and what happened: "built", "sent" or "already sent". A digest that was sent
    is not rebuilt unless forced, so the page keeps showing what the mayor received.
    """
    row = locked_row(session, day)
    if row.sent_at is not None and not force:
        return row, "already sent"
    store(session, row, build(session, day, now))
    if not send:
        return row, "built"
    to = recipients()
    if not to:
        raise NoRecipients("DIGEST_TO is not set: no one to mail the digest to")
    mailer.send(email(row, to))
    row.sent_at = utcnow()
    session.add(row)
    log.info("digest %s sent to %s", day, ", ".join(to))
    return row, "sent"

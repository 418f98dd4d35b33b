"""The digest's figures, read from the database.

Counting is done by the database (GROUP BY; percentile_cont on PostgreSQL) so a year of cases
still builds in seconds. SQLite, the embedded mode, has no percentile_cont and no time zones, so
those two figures are finished in Python there, on the small data an embedded office has.
Merged cases are not cases of their own and are left out everywhere.
"""
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, cast, distinct, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from digest.period import Span
from models import Case, CaseEvent, CaseState, Department, Direction, Message, Staff
from routing import taxonomy

LIST_LIMIT = 12
SOLVED_SHOWN = 8
SAFETY_ANSWERED_SHOWN = 3  # the unanswered safety cases are all listed; of the answered, a few
THANKS_LIMIT = 3
THANKS_LENGTH = (12, 140)
DAILY_WINDOW_DAYS = 30
SATISFIED = 4  # a score of 4 or 5 counts as satisfied
UNCATEGORISED = "미분류"
_PHONE = re.compile(r"(\+?\d[\d\s-]{7,}\d)")


@dataclass
class Count:
    key: str
    label: str
    count: int
    previous: int

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass
class CaseLine:
    """One case as a line of the digest."""

    id: int
    ref: str
    category: str
    department: str
    holder: str  # the department's leader, who answers for it
    text: str  # the resident's first text, shortened
    hours_late: float | None = None
    escalation_level: int = 0
    answered: bool = False
    result: str = ""


@dataclass
class AnswerTime:
    department: str
    answered: int
    median_hours: float
    p90_hours: float


@dataclass
class Satisfaction:
    by_score: dict[int, int]

    @property
    def count(self) -> int:
        return sum(self.by_score.values())

    @property
    def average(self) -> float | None:
        return sum(s * n for s, n in self.by_score.items()) / self.count if self.count else None

    @property
    def satisfied_share(self) -> float | None:
        return sum(n for s, n in self.by_score.items() if s >= SATISFIED) / self.count if self.count else None


@dataclass
class Daily:
    dates: list[date]
    by_category: dict[str, list[int]]  # category label -> a count per date, in CATEGORY_PRIORITY order


@dataclass
class Figures:
    span: Span
    previous: Span
    as_of: datetime
    new_cases: Count
    late: list[CaseLine]
    late_total: int
    safety: list[CaseLine]
    safety_total: int
    by_category: list[Count]
    by_department: list[Count]
    solved: list[CaseLine]
    solved_total: int
    answer_times: list[AnswerTime]
    satisfaction: Satisfaction
    thanks: list[str]
    daily: Daily
    first_answer_target_hours: float = 48


def category_label(key: str | None) -> str:
    if not key:
        return UNCATEGORISED
    try:
        return taxonomy.default().category(key).name_ko
    except StopIteration:
        return key


def shorten(text: str | None, limit: int = 70) -> str:
    """One line, phone numbers masked, cut at `limit` characters."""
    line = " ".join((text or "").split())
    line = _PHONE.sub("[전화번호]", line)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _counted():
    """Every case that is a case of its own."""
    return Case.state != CaseState.MERGED


class Reader:
    """Reads the figures of one span; `as_of` is the moment lateness is measured at."""

    def __init__(self, session: Session, tz: ZoneInfo, first_answer_target_hours: float):
        self.session = session
        self.tz = tz
        self.target_hours = first_answer_target_hours
        self.departments = {d.key: d for d in session.exec(select(Department)).all()}
        self.holders = self._holders()

    def figures(self, span: Span, as_of: datetime) -> Figures:
        start, end = span.bounds(self.tz)
        previous = span.previous()
        prev_start, prev_end = previous.bounds(self.tz)
        late, late_total = self.late(as_of)
        safety, safety_total = self.new_safety(start, end)
        solved, solved_total = self.solved(start, end)
        by_category = self.counts(Case.category, start, end, prev_start, prev_end)
        return Figures(
            span=span,
            previous=previous,
            as_of=as_of,
            new_cases=Count("all", "전체", sum(c.count for c in by_category), sum(c.previous for c in by_category)),
            late=late,
            late_total=late_total,
            safety=safety,
            safety_total=safety_total,
            by_category=by_category,
            by_department=self.counts(Case.department_key, start, end, prev_start, prev_end),
            solved=solved,
            solved_total=solved_total,
            answer_times=self.answer_times(start, end),
            satisfaction=self.satisfaction(start, end),
            thanks=self.thanks(start, end),
            daily=self.daily(span),
            first_answer_target_hours=self.target_hours,
        )

    # --- who holds a case -------------------------------------------------------------------
    def _holders(self) -> dict[str, str]:
        """Department key -> the name of its leader (else its director), the person who answers for it."""
        leaders = self.session.exec(
            select(Staff.department_key, Staff.name)
            .where(Staff.role == "leader", Staff.active, Staff.department_key.is_not(None))
            .order_by(Staff.id.desc())
        ).all()
        holders = {key: d.director_name or "" for key, d in self.departments.items()}
        holders.update({key: name for key, name in leaders if name})  # the oldest leader wins
        return holders

    def department_label(self, key: str | None) -> str:
        department = self.departments.get(key or "")
        return department.name_ko if department else (key or "배정 전")

    def _lines(self, cases: list[Case], as_of: datetime | None = None) -> list[CaseLine]:
        texts = self.first_texts([c.id for c in cases])
        return [
            CaseLine(
                id=c.id,
                ref=c.ref or f"#{c.id}",
                category=category_label(c.category),
                department=self.department_label(c.department_key),
                holder=self.holders.get(c.department_key or "", ""),
                text=shorten(texts.get(c.id)),
                hours_late=self._hours_late(c, as_of) if as_of else None,
                escalation_level=c.escalation_level,
                answered=c.first_answered_at is not None,
                result=shorten(c.result, 90),
            )
            for c in cases
        ]

    @staticmethod
    def _hours_late(c: Case, as_of: datetime) -> float | None:
        if c.deadline_at and c.deadline_at <= as_of and (c.first_answered_at is None or c.first_answered_at > as_of):
            return (as_of - c.deadline_at).total_seconds() / 3600
        if c.resolution_deadline_at and c.resolution_deadline_at <= as_of:
            return (as_of - c.resolution_deadline_at).total_seconds() / 3600
        return None

    def first_texts(self, case_ids: list[int]) -> dict[int, str]:
        """Case id -> the body of the resident's first text."""
        if not case_ids:
            return {}
        first = (
            select(func.min(Message.id))
            .where(Message.case_id.in_(case_ids), Message.direction == Direction.INBOUND)
            .group_by(Message.case_id)
        )
        rows = self.session.exec(select(Message.case_id, Message.body).where(Message.id.in_(first))).all()
        return dict(rows)

    # --- the sections -------------------------------------------------------------------------
    def late(self, as_of: datetime) -> tuple[list[CaseLine], int]:
        """Unanswered past the deadline (the SLA clock not paused: no waiting_since), or escalated, and not resolved."""
        # Two indexed branches (state, resolved_at) rather than "resolved_at IS NULL": no scan of every case.
        unresolved = or_(Case.state.in_(CaseState.ACTIVE), Case.resolved_at > as_of)
        overdue = and_(
            Case.deadline_at <= as_of,
            or_(Case.first_answered_at.is_(None), Case.first_answered_at > as_of),
            Case.waiting_since.is_(None),
        )
        where = and_(_counted(), Case.created_at <= as_of, unresolved, or_(overdue, Case.escalation_level > 0))
        total = self.session.exec(select(func.count()).select_from(Case).where(where)).one()
        cases = self.session.exec(
            select(Case).where(where).order_by(Case.escalation_level.desc(), Case.deadline_at.asc().nulls_last()).limit(LIST_LIMIT)
        ).all()
        return self._lines(list(cases), as_of), total

    def new_safety(self, start: datetime, end: datetime) -> tuple[list[CaseLine], int]:
        where = and_(_counted(), Case.category == "safety", Case.created_at >= start, Case.created_at < end)
        total = self.session.exec(select(func.count()).select_from(Case).where(where)).one()
        # The unanswered first: those are the ones the mayor may need to push.
        cases = self.session.exec(
            select(Case).where(where).order_by(Case.first_answered_at.is_not(None), Case.created_at).limit(LIST_LIMIT)
        ).all()
        lines = self._lines(list(cases))
        return [c for c in lines if not c.answered] + [c for c in lines if c.answered][:SAFETY_ANSWERED_SHOWN], total

    def solved(self, start: datetime, end: datetime) -> tuple[list[CaseLine], int]:
        where = and_(Case.state == CaseState.RESOLVED, Case.resolved_at >= start, Case.resolved_at < end)
        total = self.session.exec(select(func.count()).select_from(Case).where(where)).one()
        # Safety and escalated cases first: what the mayor worried about yesterday, now closed.
        cases = self.session.exec(
            select(Case)
            .where(where)
            .order_by((Case.category == "safety").desc(), Case.escalation_level.desc(), Case.resolved_at.desc())
            .limit(SOLVED_SHOWN)
        ).all()
        return self._lines(list(cases)), total

    def counts(self, column, start, end, prev_start, prev_end) -> list[Count]:
        """New cases per value of `column` in [start, end), and in the period before."""
        current = func.sum(case((Case.created_at >= start, 1), else_=0))
        earlier = func.sum(case((Case.created_at < prev_end, 1), else_=0))
        rows = self.session.exec(
            select(column, current, earlier)
            .where(_counted(), Case.created_at >= prev_start, Case.created_at < end,
                   or_(Case.created_at >= start, Case.created_at < prev_end))
            .group_by(column)
        ).all()
        label = category_label if column is Case.category else self.department_label
        counts = [Count(key or "", label(key), int(now or 0), int(before or 0)) for key, now, before in rows]
        return sorted(counts, key=lambda c: (-c.count, -c.previous, c.label))

    def answer_times(self, start: datetime, end: datetime) -> list[AnswerTime]:
        """Median and 90th percentile hours from text to first answer, of the cases first answered in the span."""
        where = and_(_counted(), Case.first_answered_at >= start, Case.first_answered_at < end)
        if _is_postgres(self.session):
            seconds = func.extract("epoch", Case.first_answered_at - Case.created_at)
            rows = self.session.exec(
                select(
                    Case.department_key,
                    func.count(),
                    func.percentile_cont(0.5).within_group(seconds),
                    func.percentile_cont(0.9).within_group(seconds),
                )
                .where(where)
                .group_by(Case.department_key)
            ).all()
            stats = [(key, n, median / 3600, p90 / 3600) for key, n, median, p90 in rows]
        else:
            durations: dict[str | None, list[float]] = defaultdict(list)
            for key, created, answered in self.session.exec(
                select(Case.department_key, Case.created_at, Case.first_answered_at).where(where)
            ):
                durations[key].append((answered - created).total_seconds() / 3600)
            stats = [(key, len(v), percentile(v, 0.5), percentile(v, 0.9)) for key, v in durations.items()]
        times = [AnswerTime(self.department_label(key), n, median, p90) for key, n, median, p90 in stats]
        return sorted(times, key=lambda t: (-t.median_hours, t.department))

    def satisfaction(self, start: datetime, end: datetime) -> Satisfaction:
        """Scores given in the span: the moment of the 'rated' event, the score on the case."""
        rows = self.session.exec(
            # From the day's few events to their cases by primary key, not through every rated case.
            select(Case.satisfaction, func.count(distinct(Case.id)))
            .select_from(CaseEvent)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(CaseEvent.kind == "rated", CaseEvent.created_at >= start, CaseEvent.created_at < end,
                   _counted(), Case.satisfaction.is_not(None))
            .group_by(Case.satisfaction)
        ).all()
        return Satisfaction({int(s): int(n) for s, n in rows})

    def thanks(self, start: datetime, end: datetime) -> list[str]:
        """A few thank-you texts worth reading: the resident's first text, whole, of a readable length, newest first."""
        earlier = aliased(Message)
        is_first_text = ~exists().where(
            earlier.case_id == Message.case_id, earlier.direction == Direction.INBOUND, earlier.id < Message.id
        )
        shortest, longest = THANKS_LENGTH
        bodies = self.session.exec(
            select(Message.body)
            .join(Case, Case.id == Message.case_id)
            .where(_counted(), Case.category == "gratitude", Case.created_at >= start, Case.created_at < end,
                   Message.direction == Direction.INBOUND, func.length(Message.body).between(shortest, longest),
                   is_first_text)
            .order_by(Case.created_at.desc(), Message.id)
            .limit(THANKS_LIMIT * 4)
        ).all()
        readable = dict.fromkeys(shorten(b, longest) for b in bodies if "http" not in b.lower())  # no repeats
        return list(readable)[:THANKS_LIMIT]

    def daily(self, span: Span) -> Daily:
        """New cases per district day and category over the 30 days up to the span's end (or the span, if longer)."""
        window = Span(min(span.first, span.last - timedelta(days=DAILY_WINDOW_DAYS - 1)), span.last)
        start, end = window.bounds(self.tz)
        where = and_(_counted(), Case.created_at >= start, Case.created_at < end)
        counts: dict[tuple[date, str | None], int] = defaultdict(int)
        if _is_postgres(self.session):
            # created_at is naive UTC in the table: read it as UTC, then as the district's wall clock.
            local_day = cast(func.timezone(self.tz.key, func.timezone("UTC", Case.created_at)), Date)
            for day, category, n in self.session.exec(
                select(local_day, Case.category, func.count()).where(where).group_by(local_day, Case.category)
            ):
                counts[(day, category)] += n
        else:
            for created, category in self.session.exec(select(Case.created_at, Case.category).where(where)):
                counts[(created.astimezone(self.tz).date(), category)] += 1
        dates = window.dates()
        keys = [k for k in taxonomy.CATEGORY_PRIORITY] + [None]
        by_category = {
            category_label(key): [counts.get((d, key), 0) for d in dates]
            for key in keys
            if any(counts.get((d, key), 0) for d in dates)
        }
        return Daily(dates, by_category)


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks: what PostgreSQL's percentile_cont returns."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

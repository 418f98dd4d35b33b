"""Which days a digest covers, and when the morning digest is due.

The digest goes out on weekday mornings at 08:00 district time. Tuesday to Friday it covers the day
before; Monday's covers Friday to Sunday, so nothing that came in over the weekend falls between
two mails. A digest is named by the last day it covers (Digest.day).
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SEND_AT = time(8, 0)
SUNDAY = 6


@dataclass(frozen=True)
class Span:
    first: date
    last: date  # inclusive

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: district midnight to the midnight after the last day."""
        start = datetime.combine(self.first, time(0), tzinfo=tz)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=tz)
        return start, end

    def previous(self) -> "Span":
        """The same weekdays before: a week back for a digest, whole weeks back for a longer range."""
        shift = timedelta(days=-(-self.days // 7) * 7)
        return Span(self.first - shift, self.last - shift)

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]


def covered(day: date) -> Span:
    """The days the digest named `day` covers."""
    if day.weekday() == SUNDAY:
        return Span(day - timedelta(days=2), day)
    return Span(day, day)


def as_of(span: Span, tz: ZoneInfo, now: datetime) -> datetime:
    """The moment 'late' is measured at: the morning the digest is due, or now when that is still ahead."""
    morning = datetime.combine(span.last + timedelta(days=1), SEND_AT, tzinfo=tz)
    return min(now, morning)


def due_day(now: datetime, tz: ZoneInfo) -> date:
    """The digest the most recent weekday 08:00 at or before `now` asked for."""
    local = now.astimezone(tz)
    morning = local.date() if local.time() >= SEND_AT else local.date() - timedelta(days=1)
    while morning.weekday() >= 5:
        morning -= timedelta(days=1)
    return morning - timedelta(days=1)

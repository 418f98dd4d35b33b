"""The clocks the promise is counted in: wall-clock hours, or business hours in the district.

Both calendars answer two questions: "what moment is this many counted seconds after that one"
(add) and "how many counted seconds lie between two moments" (between). Everything else in sla/
is written in those terms, so a deadline, a pause and an escalation offset mean the same thing
in either calendar.
"""
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from flask import current_app


class WallCalendar:
    def add(self, start: datetime, seconds: float) -> datetime:
        return start + timedelta(seconds=seconds)

    def between(self, start: datetime, end: datetime) -> float:
        return (end - start).total_seconds()

    def subtract(self, end: datetime, seconds: float) -> datetime:
        return end - timedelta(seconds=seconds)


class BusinessCalendar:
    """Weekdays from `opens` to `closes` in the district time zone, without Korean public holidays."""

    def __init__(self, zone: ZoneInfo, opens: time, closes: time):
        if closes <= opens:
            raise ValueError("BUSINESS_HOURS must close after it opens, e.g. 09:00-18:00")
        self.zone, self.opens, self.closes = zone, opens, closes

    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _korean_holidays(day.year)

    def _hours_of(self, day: date) -> tuple[datetime, datetime]:
        return (datetime.combine(day, self.opens, self.zone).astimezone(timezone.utc),
                datetime.combine(day, self.closes, self.zone).astimezone(timezone.utc))

    def add(self, start: datetime, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("a business calendar only counts forward")
        day = start.astimezone(self.zone).date()
        left = timedelta(seconds=seconds)
        while True:
            if self.is_workday(day):
                opens, closes = self._hours_of(day)
                begin = max(opens, start)
                if begin < closes:
                    if begin + left <= closes:
                        return begin + left
                    left -= closes - begin
            day += timedelta(days=1)

    def subtract(self, end: datetime, seconds: float) -> datetime:
        """The latest moment with `seconds` counted seconds between it and `end`."""
        if seconds <= 0:
            return end
        day = end.astimezone(self.zone).date()
        left = timedelta(seconds=seconds)
        while True:
            if self.is_workday(day):
                opens, closes = self._hours_of(day)
                finish = min(closes, end)
                if finish > opens:
                    if finish - left >= opens:
                        return finish - left
                    left -= finish - opens
            day -= timedelta(days=1)

    def between(self, start: datetime, end: datetime) -> float:
        """Counted seconds from start to end; negative when end comes first."""
        if end < start:
            return -self.between(end, start)
        total = timedelta()
        day, last = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        while day <= last:
            if self.is_workday(day):
                opens, closes = self._hours_of(day)
                begin, finish = max(opens, start), min(closes, end)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total.total_seconds()


@lru_cache(maxsize=16)
def _korean_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KR", years=year)


def _parse_hours(spec: str) -> tuple[time, time]:
    try:
        opens, closes = (time.fromisoformat(part.strip()) for part in spec.split("-"))
    except ValueError:
        raise ValueError(f"BUSINESS_HOURS must look like 09:00-18:00, not {spec!r}") from None
    return opens, closes


def current() -> WallCalendar | BusinessCalendar:
    """The calendar SLA_CALENDAR names (wall or business)."""
    config = current_app.config
    kind = config["SLA_CALENDAR"]
    if kind == "wall":
        return WallCalendar()
    if kind == "business":
        return BusinessCalendar(ZoneInfo(config["TIMEZONE"]), *_parse_hours(config["BUSINESS_HOURS"]))
    raise ValueError(f"SLA_CALENDAR must be wall or business, not {kind!r}")

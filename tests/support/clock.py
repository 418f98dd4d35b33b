"""A frozen clock for every models.utcnow() caller: tests set the time, the code under test reads it.

models.utcnow() reads models.datetime.now(); swapping that one name freezes the webhook, the route
job, the outbox and the sweepers alike (rq's own bookkeeping keeps the real time).
"""
from datetime import datetime, timedelta, timezone

import models


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def set(self, moment: datetime) -> None:
        self.now = moment.astimezone(timezone.utc)

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def freeze(monkeypatch, start: datetime) -> Clock:
    clock = Clock(start.astimezone(timezone.utc))

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock.now if tz is None or tz is timezone.utc else clock.now.astimezone(tz)

    monkeypatch.setattr(models, "datetime", FrozenDatetime)
    return clock

"""The steps of the promise: a reminder before the deadline, then escalation levels 1, 2, 3 after it.

A step is identified by (case, clock, round, step): the round counts the deadline extensions of
that clock, so an extended deadline starts a fresh ladder while a paused one keeps its own.
The key is CaseEvent.dedupe_key, which the database keeps unique: a step happens once.
Case.sla_progress remembers the last step done ("answer:0:escalation:1"), so a watcher pass
knows where every ladder stands from the case rows alone.
"""
from dataclasses import dataclass, field
from datetime import datetime

REMINDER = "reminder"
STEPS = (REMINDER, "escalation:1", "escalation:2", "escalation:3")


def escalation(level: int) -> str:
    return f"escalation:{level}"


def level_of(step: str) -> int:
    return int(step.split(":")[1]) if step.startswith("escalation:") else 0


def step_key(case_id: int, clock: str, round_: int, step: str) -> str:
    return f"sla:{case_id}:{clock}:{round_}:{step}"


@dataclass
class Progress:
    round: int = 0
    done: set[str] = field(default_factory=set)

    def after(self, clock: str, step: str) -> str:
        """The Case.sla_progress value once `step` is done."""
        return f"{clock}:{self.round}:{step}"

    def next_round(self, clock: str) -> str:
        """The Case.sla_progress value when the deadline is extended: a new round, nothing done."""
        return f"{clock}:{self.round + 1}:"


def progress(sla_progress: str | None, clock: str) -> Progress:
    """Where `clock`'s ladder stands. Steps are done in ladder order, so the last one implies those before;
    progress recorded for the other clock means this one has not started."""
    recorded_clock, round_, last = (sla_progress or "::").split(":", 2)
    if recorded_clock != clock:
        return Progress()
    done = set(STEPS[: STEPS.index(last) + 1]) if last else set()
    return Progress(int(round_), done)


def due_steps(deadline: datetime, now: datetime, *, lead_seconds: float, offsets_hours: list[float], cal,
              done: set[str] = frozenset()) -> list[str]:
    """The steps due at `now` that are not done yet, in order.

    The reminder is due once the time left (in the calendar) is at most `lead_seconds`; it is
    skipped when the deadline has already passed, since escalation level 1 tells the same people.
    Escalation level k is due once `offsets_hours[k-1]` counted hours have passed since the deadline.
    """
    if now < deadline:
        if REMINDER not in done and cal.between(now, deadline) <= lead_seconds:
            return [REMINDER]
        return []
    late = cal.between(deadline, now)
    return [escalation(level) for level, offset in enumerate(offsets_hours, start=1)
            if late >= offset * 3600 and escalation(level) not in done]

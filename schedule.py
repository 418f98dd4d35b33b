"""The periodic jobs, declared in one place, and the clock that runs them.

The clock calls each job in its own process; every job is safe to run twice and takes row locks
or unique keys, so two clocks started by mistake still do each step once.
"""
import logging
import threading
import time
from dataclasses import dataclass

import click
from flask import Flask, current_app
from rq.utils import import_attribute

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    func_path: str
    every_seconds: int


SCHEDULE = (
    Periodic("routing.jobs.sweep_unrouted", 20),
    Periodic("replies.jobs.sweep_outbox", 20),
    Periodic("replies.jobs.sweep_media", 120),
    Periodic("replies.jobs.queue_surveys", 300),
    Periodic("sla.jobs.tick", 300),
    Periodic("digest.jobs.send_due", 300),
)


def run_due(app: Flask, last_run: dict[str, float], now: float) -> list[str]:
    ran = []
    for entry in SCHEDULE:
        if now - last_run.get(entry.func_path, float("-inf")) < entry.every_seconds:
            continue
        last_run[entry.func_path] = now
        with app.app_context():
            try:
                import_attribute(entry.func_path)()
                ran.append(entry.func_path)
            except Exception:
                log.exception("periodic job %s failed; it runs again next time", entry.func_path)
    return ran


def run_forever(app: Flask, stop: threading.Event, tick_seconds: float = 1.0) -> None:
    last_run: dict[str, float] = {}
    while not stop.is_set():
        run_due(app, last_run, time.monotonic())
        stop.wait(tick_seconds)


def start_in_background(app: Flask) -> threading.Event:
    """The embedded mode's clock: a daemon thread in the web process."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(app, stop), name="clock", daemon=True).start()
    return stop


@click.command("clock")
def clock_command() -> None:
    """Run the periodic jobs forever (the Procfile's clock process)."""
    app = current_app._get_current_object()
    log.info("clock started: %s", ", ".join(e.func_path for e in SCHEDULE))
    run_forever(app, threading.Event())

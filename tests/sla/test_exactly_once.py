"""Exactly once: two watchers at the same time, a watcher that crashes half-way, mail through a real SMTP server."""
import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import select

import db
from models import CaseEvent, Message
from sla import jobs, notify
from tests.sla.conftest import ROADS_LEADER, T0, load, make_case

H = timedelta(hours=1)


def run_concurrently(app, at, watchers: int = 2) -> list[dict]:
    """Each watcher in its own thread with its own app context, so its own database connections."""
    start = threading.Barrier(watchers)
    summaries: list[dict] = []

    def watch():
        with app.app_context():
            start.wait()
            summaries.append(jobs.tick(at))

    threads = [threading.Thread(target=watch) for _ in range(watchers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summaries


def count(app, model, *where):
    with app.app_context():
        return db.session().exec(select(func.count()).select_from(model).where(*where)).one()


def test_two_watchers_at_the_same_time_escalate_each_case_once(sla_app):
    ids = [make_case(sla_app, phone=f"+8210555{i:05d}") for i in range(40)]
    summaries = run_concurrently(sla_app, T0 + 50 * H)
    escalated = Counter(e["case"] for s in summaries for e in s["escalated"])
    assert escalated == Counter({f"M{i}": 1 for i in ids})
    assert count(sla_app, CaseEvent, CaseEvent.kind == "escalated") == 40
    assert count(sla_app, Message, Message.kind == "escalation", Message.to_number == ROADS_LEADER) == 40
    assert all(load(sla_app, i).escalation_level == 1 for i in ids)
    # Run again, together, at level 2 time: once more each, and nothing repeated at level 1.
    summaries = run_concurrently(sla_app, T0 + 72 * H)
    assert sorted(e["level"] for s in summaries for e in s["escalated"]) == [2] * 40
    assert count(sla_app, CaseEvent, CaseEvent.kind == "escalated") == 80


def test_a_watcher_that_fails_half_way_loses_nothing_and_repeats_nothing(sla_app, monkeypatch):
    ids = [make_case(sla_app, phone=f"+8210666{i:05d}") for i in range(6)]
    real_queue_texts = notify.queue_texts

    def crash_on_the_fourth(session, case, *args):
        if case.id == ids[3]:
            raise ConnectionError("the process died here")  # after the event was added, before the commit
        return real_queue_texts(session, case, *args)

    monkeypatch.setattr(notify, "queue_texts", crash_on_the_fourth)
    first = jobs_tick(sla_app, T0 + 48 * H)
    assert first["failed"] == [ids[3]] and len(first["escalated"]) == 5
    monkeypatch.setattr(notify, "queue_texts", real_queue_texts)
    second = jobs_tick(sla_app, T0 + 48 * H + timedelta(minutes=5))
    assert second["escalated"] == [{"case": f"M{ids[3]}", "level": 1, "clock": "answer"}]
    assert count(sla_app, CaseEvent, CaseEvent.kind == "escalated") == 6
    assert count(sla_app, Message, Message.kind == "escalation") == 6


def jobs_tick(app, at):
    with app.app_context():
        return jobs.tick(at)


def test_each_step_is_mailed_once_through_smtp(sla_app, smtp, run_worker):
    sla_app.config["SMTP_URL"] = smtp.url
    case_id = make_case(sla_app)
    summary = jobs_tick(sla_app, T0 + 48 * H)
    assert summary["mail_queued"] == 1
    run_worker()
    assert jobs_tick(sla_app, T0 + 49 * H)["mail_queued"] == 0
    run_worker()
    assert len(smtp.messages) == 1
    recipients, mail = smtp.messages[0]
    assert recipients == ["roads-lead@gu.example.kr"]
    assert mail["Subject"] == f"[바로문자] M{case_id} 첫 답변 1단계 경보"
    assert "첫 답변 기한 11/25(수) 10:00 초과" in mail.get_content() and "받는 사람: 김도로" in mail.get_content()
    with sla_app.app_context():
        event = db.session().exec(select(CaseEvent).where(CaseEvent.kind == "escalated")).one()
        assert event.data["mail"] == "sent"


def test_mail_that_failed_is_sent_by_a_later_tick(sla_app, smtp, run_worker):
    sla_app.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # nothing listens: the mail job fails
    case_id = make_case(sla_app)
    assert jobs_tick(sla_app, T0 + 72 * H)["mail_queued"] == 2
    run_worker()
    assert smtp.messages == []
    sla_app.config["SMTP_URL"] = smtp.url
    assert jobs_tick(sla_app, T0 + 72 * H + timedelta(minutes=5))["mail_queued"] == 2
    run_worker()
    assert sorted(r[0] for r, _ in smtp.messages) == ["roads-director@gu.example.kr", "roads-lead@gu.example.kr"]
    assert load(sla_app, case_id).escalation_level == 2


def test_the_embedded_mode_runs_the_same_watcher_on_sqlite(sla_sqlite_app):
    app = sla_sqlite_app
    case_id = make_case(app)
    summary = jobs_tick(app, T0 + 48 * H)
    assert summary["escalated"] == [{"case": f"M{case_id}", "level": 1, "clock": "answer"}]
    assert jobs_tick(app, T0 + 48 * H)["escalated"] == []
    app.extensions["jobqueue"].drain()
    with app.app_context():
        text = db.session().exec(select(Message).where(Message.kind == "escalation")).one()
        assert text.to_number == ROADS_LEADER and text.status in ("sent", "delivered")

"""SLA watcher benchmark: one tick over 1,000,000 cases of which 20,000 are open, on PostgreSQL.

Fills a fresh database with INSERT ... SELECT generate_series (980,000 resolved cases over the past
year, 20,000 open ones whose deadlines lie from four days ago to a week ahead), sets each open
case's ladder where the ticks up to five minutes before `now` left it (Case.sla_progress, the
state the watcher reads), then times steady ticks every five minutes from `now` and prints
EXPLAIN (ANALYZE, BUFFERS) of every watcher query. With --catch-up the earlier ticks are not
assumed but run: one tick five minutes before `now` does every missed step (a watcher started on
a backlog), which takes minutes and is reported on its own.

    .venv/bin/python bench/sla_tick.py [--cases 1000000] [--open 20000] [--catch-up] [--keep]
"""
import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
from redis import Redis
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import db  # noqa: E402
import release  # noqa: E402
from config import Config  # noqa: E402
from sla import calendar, jobs, policy  # noqa: E402
from wsgi import create_app  # noqa: E402

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)  # Monday noon in Seoul
QUEUE = "baro-bench-sla"

FILL_HISTORY = """
INSERT INTO "case" (ref, line_id, resident_id, state, category, department_key, confidence, created_at, updated_at,
                    last_activity_at, routed_at, deadline_at, resolution_deadline_at, first_answered_at, resolved_at,
                    escalation_level, paused_seconds, version)
SELECT 'H' || g, %(line)s, 1 + mod(g, %(residents)s), 'resolved', c.cat, c.dep, 0.9, t.created, t.created + interval '30 hours',
       t.created + interval '30 hours', t.created,
       CASE WHEN c.cat IN ('gratitude', 'other') THEN NULL ELSE t.created + interval '48 hours' END,
       CASE WHEN c.cat IN ('gratitude', 'other') THEN NULL ELSE t.created + interval '168 hours' END,
       t.created + interval '20 hours', t.created + interval '30 hours', 0, 0, 1
FROM generate_series(1, %(n)s) g
CROSS JOIN LATERAL (SELECT %(now)s::timestamp - interval '10 days' - g * interval '30 seconds' AS created) t
CROSS JOIN LATERAL (SELECT (ARRAY['complaint','complaint','complaint','suggestion','safety','improvement','gratitude','other'])[1 + mod(g, 8)] AS cat,
                           (ARRAY['parks','roads','traffic','sanitation','environment','safety','welfare','economy',
                                  'building','health','culture','admin','communication'])[1 + mod(g / 8, 13)] AS dep) c
"""

# Open cases by g mod 20: 0-11 unanswered (48 h, deadlines from -96 h to +48 h), 12 unanswered safety (2 h),
# 13 gratitude (no deadline), 14-18 answered (resolution deadline from -96 h to +168 h), 19 waiting on the resident.
FILL_OPEN = """
INSERT INTO "case" (ref, line_id, resident_id, state, category, department_key, confidence, created_at, updated_at,
                    last_activity_at, routed_at, deadline_at, resolution_deadline_at, first_answered_at, waiting_since,
                    escalation_level, paused_seconds, version)
SELECT 'M' || g, %(line)s, 1 + mod(g * 7, %(residents)s),
       CASE WHEN k BETWEEN 14 AND 18 THEN 'answered' WHEN k = 19 THEN 'waiting' ELSE 'open' END,
       CASE WHEN k = 12 THEN 'safety' WHEN k = 13 THEN 'gratitude' ELSE (ARRAY['complaint','suggestion','improvement'])[1 + mod(g, 3)] END,
       (ARRAY['parks','roads','traffic','sanitation','environment','safety','welfare','economy',
              'building','health','culture','admin'])[1 + mod(g / 20, 12)],
       0.9, created, created, created, created,
       CASE WHEN k = 13 THEN NULL WHEN k = 12 THEN created + interval '2 hours' ELSE created + interval '48 hours' END,
       CASE WHEN k = 13 THEN NULL WHEN k = 12 THEN created + interval '24 hours' ELSE created + interval '168 hours' END,
       CASE WHEN k BETWEEN 14 AND 18 THEN created + interval '10 hours' END,
       CASE WHEN k = 19 THEN %(now)s::timestamp - interval '5 hours' END,
       0, 0, 1
FROM (SELECT g, mod(g, 20) AS k, mod(g * 7919, 14400) / 100.0 AS spread FROM generate_series(1, %(n)s) g) s
CROSS JOIN LATERAL (SELECT %(now)s::timestamp + CASE
    WHEN k < 12 THEN (spread - 96) * interval '1 hour' - interval '48 hours'
    WHEN k = 12 THEN (spread / 24 - 4) * interval '1 hour' - interval '2 hours'
    WHEN k BETWEEN 14 AND 18 THEN (spread * 264 / 144 - 96) * interval '1 hour' - interval '168 hours'
    ELSE -(spread / 4) * interval '1 hour' END AS created) t
"""


# Where the ticks up to %(prev)s left each ladder (wall calendar, 25 % reminders, levels at +0/+24/+48 h).
LADDER_SO_FAR = """
UPDATE "case" SET sla_progress = p.progress, escalation_level = p.level
FROM (SELECT id, CASE WHEN late >= interval '48 hours' THEN ':escalation:3' WHEN late >= interval '24 hours' THEN ':escalation:2'
                      WHEN late >= interval '0' THEN ':escalation:1' WHEN -late <= lead THEN ':reminder' END AS last,
             CASE WHEN late >= interval '48 hours' THEN 3 WHEN late >= interval '24 hours' THEN 2
                  WHEN late >= interval '0' THEN 1 ELSE 0 END AS level, clock
      FROM (SELECT id, 'answer' AS clock, %(prev)s::timestamp - deadline_at AS late,
                   CASE WHEN category = 'safety' THEN interval '30 minutes' ELSE interval '12 hours' END AS lead
            FROM "case" WHERE state IN ('open', 'answered') AND waiting_since IS NULL AND first_answered_at IS NULL
                              AND deadline_at IS NOT NULL
            UNION ALL
            SELECT id, 'resolution', %(prev)s::timestamp - resolution_deadline_at,
                   CASE WHEN category = 'safety' THEN interval '6 hours' ELSE interval '42 hours' END
            FROM "case" WHERE state IN ('open', 'answered') AND waiting_since IS NULL AND first_answered_at IS NOT NULL
                              AND resolution_deadline_at IS NOT NULL) clocks) ladder
CROSS JOIN LATERAL (SELECT ladder.clock || ':0' || ladder.last AS progress, ladder.level) p
WHERE "case".id = ladder.id AND ladder.last IS NOT NULL
"""


def set_ladders_so_far(app, prev: datetime) -> int:
    with app.app_context():
        raw = db.session().connection().connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute(LADDER_SO_FAR, {"prev": prev.replace(tzinfo=None)})
            updated = cursor.rowcount
        raw.commit()
        return updated


def prepare(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    release.migrate(url)
    return url


def fill(app, cases: int, open_cases: int) -> None:
    with app.app_context():
        session = db.session()
        release.load_departments(session)
        line = release.ensure_line(session, "bench", "+82212345678")
        session.execute(text("UPDATE department SET director_name = key || ' 국장', director_phone = '+8210400' || lpad(length(key)::text, 5, '0'),"
                             " director_email = key || '-director@gu.example.kr'"))
        session.execute(text("INSERT INTO staff (email, name, role, department_key, phone, password_hash, active, locale, created_at)"
                             " SELECT key || '-lead@gu.example.kr', key || ' 팀장', 'leader', key, '+8210300' || lpad(length(key)::text, 5, '0'),"
                             " '', true, 'ko', now() FROM department"))
        session.execute(text("INSERT INTO resident (phone, phone_valid, language, opted_out, blocked, created_at)"
                             " SELECT '+8210' || lpad(g::text, 8, '0'), true, 'ko', false, false, now() FROM generate_series(1, 100000) g"))
        session.commit()
        raw = session.connection().connection.driver_connection
        naive_now = NOW.replace(tzinfo=None)
        with raw.cursor() as cursor:
            cursor.execute(FILL_HISTORY, {"line": line.id, "residents": 100000, "n": cases - open_cases, "now": naive_now})
            cursor.execute(FILL_OPEN, {"line": line.id, "residents": 100000, "n": open_cases, "now": naive_now})
        raw.commit()
    analyze(app)


def analyze(app) -> None:
    with app.app_context():
        with db.engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))


def timed_tick(app, at: datetime) -> tuple[float, float, dict]:
    """Wall-clock seconds, this process's CPU seconds, and the summary of one tick."""
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        summary = jobs.tick(at)
        return time.perf_counter() - started, time.process_time() - cpu, summary


def brief(summary: dict) -> str:
    return (f"checked={summary['checked']} reminded={len(summary['reminded'])} escalated={len(summary['escalated'])} "
            f"paused={len(summary['paused'])} resumed={len(summary['resumed'])} resolution_deadlines_set={summary['resolution_deadlines_set']} "
            f"busy={summary['busy']} failed={len(summary['failed'])}")


def explain(app, at: datetime) -> list[tuple[str, str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of each watcher query, with the values the tick at `at` uses."""
    with app.app_context():
        cal = calendar.current()
        session = db.session()
        raw = session.connection().connection.driver_connection
        bounds = {clock: (horizon, before) for clock, horizon, before in jobs.candidate_bounds(at, cal)}
        no_deadline = [c for c, h in app.config["SLA_RESOLUTION_HOURS"].items() if h is None]
        queries = [
            ("candidates, first-answer clock", jobs.candidates_query(policy.ANSWER, *bounds[policy.ANSWER])),
            ("candidates, resolution clock", jobs.candidates_query(policy.RESOLUTION, *bounds[policy.RESOLUTION])),
            ("resolution deadlines to set", jobs.resolution_unset_query(no_deadline)),
            ("pauses begun without pause()", jobs.unstarted_pause_query()),
            ("pauses ended without resume()", jobs.unpaused_query()),
            ("mail still pending", jobs.pending_mail_query(at - jobs.MAIL_RETRY_WINDOW, "postgresql")),
        ]
        plans = []
        for title, query in queries:
            sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
            # Straight to the driver: the literal SQL holds colons and percent signs that are not parameters.
            rows = raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql.replace("%%", "%")).fetchall()
            plans.append((title, "\n".join(r[0] for r in rows)))
        raw.rollback()
        return plans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=20_000)
    parser.add_argument("--ticks", type=int, default=5, help="steady ticks, five minutes apart")
    parser.add_argument("--admin-url", default=os.environ.get("TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--redis-url", default=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--catch-up", action="store_true", help="run the earlier ticks as one catch-up tick instead")
    parser.add_argument("--keep", action="store_true", help="keep the database (baro_bench_sla) afterwards")
    args = parser.parse_args()

    started = time.perf_counter()
    redis = Redis.from_url(args.redis_url)
    for key in redis.scan_iter(f"rq:job:{QUEUE}-*"):  # a previous run's send jobs would look pending
        redis.delete(key)
    url = prepare(args.admin_url, "baro_bench_sla")
    app = create_app(Config(DATABASE_URL=url, REDIS_URL=args.redis_url, QUEUE_NAME=QUEUE, SMS_BACKEND="console",
                            EMBEDDED_CLOCK=False, MAYOR_OFFICE_PHONE="+82221110000",
                            MAYOR_OFFICE_EMAIL="mayor-office@gu.example.kr"))
    fill(app, args.cases, args.open)
    print(f"filled {args.cases:,} cases ({args.open:,} open) in {time.perf_counter() - started:.1f} s")

    if args.catch_up:
        seconds, _cpu, summary = timed_tick(app, NOW - timedelta(minutes=5))
        print(f"catch-up tick (every missed step at once): {seconds:.2f} s  {brief(summary)}")
    else:
        print(f"ladders as the ticks until now-5 min left them: {set_ladders_so_far(app, NOW - timedelta(minutes=5)):,} cases")
    analyze(app)  # as autovacuum would after the writes above
    times = []
    for i in range(args.ticks):
        seconds, cpu, summary = timed_tick(app, NOW + timedelta(minutes=5 * i))
        times.append(seconds)
        print(f"steady tick {i + 1} at now+{5 * i} min: {seconds * 1000:.0f} ms (watcher CPU {cpu * 1000:.0f} ms)  {brief(summary)}")
    print(f"steady tick: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms (target <= 1000 ms);"
          f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for title, plan in explain(app, NOW + timedelta(minutes=5 * args.ticks)):
        print(f"\n-- {title}\n{plan}")

    redis.delete(f"rq:queue:{QUEUE}")
    app.extensions["db_engine"].dispose()
    if not args.keep:
        with psycopg.connect(args.admin_url, autocommit=True) as admin:
            admin.execute('DROP DATABASE IF EXISTS "baro_bench_sla" WITH (FORCE)')


if __name__ == "__main__":
    main()

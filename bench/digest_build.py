"""How long the morning digest takes to build over a year of cases on PostgreSQL (target: <= 3 s).

    .venv/bin/python bench/digest_build.py                 # 500,000 cases, a fresh database
    .venv/bin/python bench/digest_build.py --cases 50000   # smaller
    .venv/bin/python bench/digest_build.py --keep          # keep the database (e.g. to look at the pages)
    .venv/bin/python bench/digest_build.py --database-url postgresql+psycopg://...  # time a kept one again

Fills a database of its own with INSERT ... SELECT generate_series (a year of cases, one inbound
text each, ratings), then times build() -- figures, charts, HTML and text -- for the last day,
a Monday (three days), and the dashboard's figures over 30 days and over the whole year. Prints JSON.
"""
import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import psycopg
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import db  # noqa: E402
import release  # noqa: E402
from config import Config  # noqa: E402
from digest import build, period  # noqa: E402
from wsgi import create_app  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
LAST_DAY = date(2026, 11, 22)  # a Sunday: the Monday digest covers Friday to Sunday
DEPARTMENTS = ["parks", "roads", "traffic", "sanitation", "environment", "welfare", "economy", "building",
               "health", "culture", "admin"]
# Each category with its share of texts (the seed service: 63% complaints, 16% thanks) and sample texts.
FILL_SQL = """
INSERT INTO resident (phone, phone_valid, language, opted_out, blocked, created_at)
SELECT '+8210' || lpad(g::text, 8, '0'), true, 'ko', false, false, %(start)s::timestamp
FROM generate_series(1, %(residents)s) g;

CREATE TEMP TABLE gen AS
SELECT g AS n,
       %(start)s::timestamp + (random() * interval '365 days') AS created,
       random() AS r_cat, random() AS r_dep, random() AS r_answer, random() AS r_state, random() AS r_score,
       random() AS r_text
FROM generate_series(1, %(cases)s) g;

CREATE TEMP TABLE gen2 AS
SELECT n, created, r_state, r_score, r_text,
       CASE WHEN r_cat < 0.63 THEN 'complaint' WHEN r_cat < 0.71 THEN 'suggestion' WHEN r_cat < 0.77 THEN 'safety'
            WHEN r_cat < 0.82 THEN 'improvement' WHEN r_cat < 0.98 THEN 'gratitude' ELSE 'other' END AS category,
       (ARRAY%(departments)s)[1 + floor(r_dep * %(n_departments)s)::int] AS department,
       -- most answers come within a day; a long tail does not
       created + (power(r_answer, 3) * interval '96 hours') AS answered
FROM gen;

INSERT INTO "case" (ref, line_id, resident_id, state, category, department_key, confidence, created_at, updated_at,
                    last_activity_at, routed_at, deadline_at, first_answered_at, resolved_at, result, satisfaction,
                    escalation_level, paused_seconds, version)
SELECT 'B' || n, %(line_id)s, 1 + (n %% %(residents)s),
       CASE WHEN r_state < 0.02 THEN 'merged'
            WHEN answered > %(now)s::timestamp THEN 'open'
            WHEN r_state < 0.06 OR answered + interval '2 days' > %(now)s::timestamp THEN 'answered'
            ELSE 'resolved' END,
       category,
       CASE WHEN category IN ('gratitude', 'other') THEN 'communication' WHEN category = 'safety' THEN 'safety'
            ELSE department END,
       0.8, created, created, created, created + interval '5 seconds',
       CASE WHEN category = 'safety' THEN created + interval '2 hours'
            WHEN category IN ('gratitude', 'other') THEN NULL ELSE created + interval '48 hours' END,
       CASE WHEN answered <= %(now)s::timestamp THEN answered END,
       CASE WHEN r_state >= 0.06 AND answered + interval '2 days' <= %(now)s::timestamp
            THEN answered + (r_score * interval '40 hours') END,
       CASE WHEN r_state >= 0.06 AND answered + interval '2 days' <= %(now)s::timestamp
            THEN (ARRAY['현장 확인 후 보수 완료', '불법주차 단속 및 계도 완료', '수거 완료, 재발 방지 안내문 부착',
                        '관련 부서와 협의해 내년 예산에 반영 예정', '안전 펜스 설치 완료', '담당자가 직접 전화로 안내'])
                 [1 + floor(r_text * 6)::int] END,
       CASE WHEN r_state >= 0.06 AND r_score < 0.4 AND answered + interval '2 days' <= %(now)s::timestamp
            THEN (ARRAY[5, 5, 5, 4, 4, 4, 3, 2, 1, 5])[1 + floor(r_text * 10)::int] END,
       CASE WHEN category <> 'gratitude' AND answered > created + interval '48 hours' THEN 1 ELSE 0 END,
       0, 1
FROM gen2 ORDER BY created;

INSERT INTO message (line_id, resident_id, case_id, direction, kind, body, from_number, to_number, status,
                     segments, attempts, created_at)
SELECT c.line_id, c.resident_id, c.id, 'inbound', 'text',
       CASE c.category
         WHEN 'gratitude' THEN (ARRAY['항상 빠르게 처리해 주셔서 감사합니다. 동네가 깨끗해졌어요!',
                                      '감사', '구청장님 덕분에 골목길이 환해졌습니다. 고맙습니다.',
                                      '민원 처리해주신 담당 주무관님께 감사 인사 전합니다'])[1 + (c.id %% 4)]
         WHEN 'safety' THEN (ARRAY['지하차도에 물이 차오르고 있어요', '공사장 가림막이 넘어지려고 해요',
                                   '횡단보도 신호등이 꺼져 있어 위험합니다'])[1 + (c.id %% 3)]
         ELSE (ARRAY['청솔동 사거리 가로등이 사흘째 꺼져 있어요', '공원 벤치가 부서졌어요',
                     '골목에 쓰레기가 무단 투기되어 있습니다', '불법주차 때문에 차가 못 지나가요'])[1 + (c.id %% 4)]
       END,
       r.phone, '+82212345678', 'received', 1, 0, c.created_at
FROM "case" c JOIN resident r ON r.id = c.resident_id;

INSERT INTO caseevent (case_id, kind, actor, data, created_at)
SELECT id, 'rated', 'resident', '{}', resolved_at + interval '2 hours'
FROM "case" WHERE satisfaction IS NOT NULL;
"""


def fill(app, cases: int) -> float:
    start_of_year = datetime.combine(LAST_DAY - timedelta(days=364), datetime.min.time()) - timedelta(hours=9)
    now = datetime.combine(LAST_DAY + timedelta(days=1), datetime.min.time())  # Monday 09:00 KST, naive UTC
    began = time.perf_counter()
    with app.app_context():
        session = db.session()
        release.load_departments(session)
        line = release.ensure_line(session, app.config["LINE_NAME"], app.config["TWILIO_FROM_NUMBER"])
        url = app.config["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as connection:
        for index, key in enumerate(DEPARTMENTS + ["safety", "communication"]):
            connection.execute("INSERT INTO staff (email, name, role, department_key, password_hash, active, locale, "
                               "created_at) VALUES (%s, %s, 'leader', %s, '', true, 'ko', now())",
                               (f"leader-{key}@district.example", f"팀장{index + 1}", key))
        with connection.transaction():
            sql = FILL_SQL.replace("%(departments)s", "[" + ", ".join(f"'{d}'" for d in DEPARTMENTS) + "]")
            params = {"start": start_of_year, "now": now, "cases": cases, "residents": max(1000, cases // 10),
                      "n_departments": len(DEPARTMENTS), "line_id": line.id}
            for statement in sql.split(";\n\n"):  # one statement per execute: parameters are bound server-side
                connection.execute(statement, params)
        connection.execute("ANALYZE")
    return time.perf_counter() - began


def timed(func, runs: int) -> dict:
    """Wall time, and this process's CPU time (the database's work is in its own processes)."""
    seconds, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        func()
        seconds.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return {"first_s": round(seconds[0], 3), "median_s": round(statistics.median(seconds), 3),
            "max_s": round(max(seconds), 3), "median_python_cpu_s": round(statistics.median(cpu), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--database-url", help="time against a database a --keep run filled (no fill, no drop)")
    args = parser.parse_args()

    name = f"baro_bench_digest_{os.getpid()}"
    url = args.database_url or PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    if not args.database_url:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        release.migrate(url)
        app = create_app(Config(DATABASE_URL=url, REDIS_URL="", EMBEDDED_CLOCK=False, SIMULATOR_ENABLED=False))
        fill_seconds = 0.0 if args.database_url else fill(app, args.cases)
        now = datetime(2026, 11, 23, 8, 0, tzinfo=timezone(timedelta(hours=9)))
        with app.app_context():
            session = db.session()
            tuesday = LAST_DAY - timedelta(days=5)
            year = period.Span(LAST_DAY - timedelta(days=364), LAST_DAY)
            month = period.Span(LAST_DAY - timedelta(days=29), LAST_DAY)
            tuesday_figures = build.figures_for(session, period.covered(tuesday), now)
            load_before = os.getloadavg()[0]
            results = {
                "cases": session.exec(text('SELECT count(*) FROM "case"')).one()[0],
                "fill_s": round(fill_seconds, 1),
                "build_one_day": timed(lambda: build.build(session, tuesday, now), args.runs),
                "build_monday_fri_to_sun": timed(lambda: build.build(session, LAST_DAY, now), args.runs),
                "figures_only_one_day": timed(lambda: build.figures_for(session, period.covered(tuesday), now), args.runs),
                "charts_only": timed(lambda: build.draw_charts(tuesday_figures), args.runs),
                "dashboard_figures_30_days": timed(lambda: build.figures_for(session, month, now), args.runs),
                "dashboard_figures_whole_year": timed(lambda: build.figures_for(session, year, now), args.runs),
                "digest_html_kb": round(len(build.build(session, tuesday, now).html) / 1024),
                # Other work on the machine slows every figure: the one-minute load before and after, and the CPUs.
                "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
                "cpus": os.cpu_count(),
            }
        print(json.dumps(results, indent=2))
        if args.keep:
            print(f"kept: DATABASE_URL={url}", file=sys.stderr)
    finally:
        if not args.keep and not args.database_url:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()

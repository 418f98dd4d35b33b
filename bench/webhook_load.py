"""Webhook load: N signed inbound webhooks at concurrency C against gunicorn + PostgreSQL + Redis.

Prints accepted per second, p50/p99 latency, then lets rq workers route everything and checks
that every message became exactly one case (retries included) and was routed.

    .venv/bin/python bench/webhook_load.py --n 5000 --concurrency 16
"""
import argparse
import http.client
import socket
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sms_gateway.signature import sign  # noqa: E402

TOKEN = "bench-token"
TEXTS = ["청솔동 가로등이 꺼졌어요", "불법주차 단속해 주세요", "Thank you for fixing the road", "음식물 쓰레기 수거가 안 됐어요",
         "공원 화장실이 더러워요", "골목에 가스 냄새가 나요"]


def prepare_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


def environment(database_url: str, port: int, queue: str) -> dict:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, REDIS_URL="redis://127.0.0.1:6379/0", QUEUE_NAME=queue, SMS_BACKEND="console",
               PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", TWILIO_AUTH_TOKEN=TOKEN, SIMULATOR_ENABLED="0")
    return env


def wait_until_up(port: int) -> None:
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not come up")


def cpu_seconds_by_program() -> dict[str, float]:
    """CPU time used so far by every process of the web server, PostgreSQL and Redis (from /proc, Linux)."""
    programs = {"gunicorn": "web (gunicorn)", "postgres": "PostgreSQL", "redis-server": "Redis"}
    used = dict.fromkeys(programs.values(), 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        for marker, name in programs.items():
            if marker in command:
                used[name] += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
                break
    return used


def http_request(port: int, form: dict, signature: str) -> bytes:
    body = urllib.parse.urlencode(form).encode()
    head = (f"POST /sms/inbound HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def read_response(reader) -> int:
    """Reads one HTTP/1.1 response off a keep-alive connection; returns its status."""
    status = int(reader.readline().split()[1])
    length = 0
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    reader.read(length)
    return status


def run_load(port: int, n: int, concurrency: int, retry_every: int) -> tuple[list[float], int, int, float]:
    url = f"http://127.0.0.1:{port}/sms/inbound"
    forms = []
    for i in range(n):
        form = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": "AC" + "0" * 32, "From": f"+8210{5000_0000 + i % 2000:08d}",
                "To": "+82212345678", "Body": TEXTS[i % len(TEXTS)], "NumMedia": "0"}
        forms.append(form)
        if retry_every and i % retry_every == 0:
            forms.append(form)  # Twilio retrying the same webhook
    # Signed and encoded before the clock starts, and sent over a bare keep-alive socket: the client's work
    # shares the machine's two cores with the server and is not what is measured.
    requests = [http_request(port, form, sign(url, form, TOKEN)) for form in forms]
    local = threading.local()
    latencies: list[float] = []
    failures = [0]

    def post(request: bytes) -> None:
        if not hasattr(local, "connection"):
            local.connection = socket.create_connection(("127.0.0.1", port), timeout=10)
            local.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            local.reader = local.connection.makefile("rb")
        started = time.perf_counter()
        local.connection.sendall(request)
        status = read_response(local.reader)
        latencies.append(time.perf_counter() - started)
        if status != 200:
            failures[0] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(post, requests))
    elapsed = time.perf_counter() - started
    return latencies, len(requests), failures[0], elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--retry-every", type=int, default=20, help="send every k-th webhook twice, as a Twilio retry")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    database_url = prepare_database(args.admin_url, "baro_bench_webhook")
    queue = f"bench-{uuid.uuid4().hex[:6]}"
    env = environment(database_url, args.port, queue)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run(flask + ["release"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.web_workers),
                            "--log-level", "warning", "--worker-class", "gthread", "--threads", str(args.web_threads), "wsgi:create_app()"], env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(args.port)
        cpu_before = cpu_seconds_by_program()
        latencies, sent, failed, elapsed = run_load(args.port, args.n, args.concurrency, args.retry_every)
        cpu_after = cpu_seconds_by_program()
    finally:
        web.terminate()
        web.wait()

    route_started = time.perf_counter()
    workers = [subprocess.Popen(flask + ["worker", "--burst"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(args.rq_workers)]
    for worker in workers:
        worker.wait()
    route_elapsed = time.perf_counter() - route_started

    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        messages, distinct_sids = connection.execute(
            "SELECT count(*), count(DISTINCT twilio_sid) FROM message WHERE direction = 'inbound'").fetchone()
        cases, routed = connection.execute("SELECT count(*), count(*) FILTER (WHERE state <> 'new') FROM \"case\"").fetchone()
        receipts = connection.execute("SELECT count(*) FROM message WHERE kind = 'receipt'").fetchone()[0]

    latencies.sort()
    print(f"webhooks sent: {sent} ({args.n} distinct, {sent - args.n} retries) at concurrency {args.concurrency}")
    print(f"accepted/s: {sent / elapsed:.0f}   failed: {failed}")
    print(f"latency p50: {statistics.median(latencies) * 1000:.1f} ms   p99: {latencies[int(len(latencies) * 0.99) - 1] * 1000:.1f} ms")
    print("CPU per webhook: " + ", ".join(f"{name} {(cpu_after[name] - cpu_before[name]) / sent * 1000:.1f} ms"
                                          for name in cpu_after))
    print(f"stored messages: {messages} (distinct sids {distinct_sids})   cases: {cases}   routed: {routed}   receipts: {receipts}")
    print(f"routing by {args.rq_workers} rq workers: {routed / route_elapsed:.0f} cases/s")
    lost, duplicated = args.n - distinct_sids, messages - distinct_sids
    print(f"lost: {lost}   duplicated: {duplicated}   unrouted: {cases - routed}")
    if lost or duplicated or cases != args.n or routed != cases:
        raise SystemExit("FAILED: messages lost, duplicated or unrouted")


if __name__ == "__main__":
    main()

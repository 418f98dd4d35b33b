"""Background work. Jobs are enqueued by dotted name with ids, never objects.

Production: rq on Redis, run by `flask --app wsgi worker`. Embedded mode (no REDIS_URL): the
same job functions run on one in-process thread, with the same retries.
"""
import logging
import queue as stdlib_queue
import threading
import time

import click
from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.utils import import_attribute
from rq.worker import SimpleWorker

log = logging.getLogger(__name__)

RETRY_INTERVALS = [5, 30, 120, 600]
_PENDING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


class RedisQueue:
    def __init__(self, app: Flask):
        self.connection = Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=0.5, socket_timeout=2, health_check_interval=10
        )
        self.queue = Queue(app.config["QUEUE_NAME"], connection=self.connection)

    def enqueue(self, func_path: str, *args, job_id: str, retries: int, new_id: bool = False) -> None:
        # Job ids are global in Redis; the queue name keeps two deployments (or test runs) apart.
        job_id = f"{self.queue.name}-{job_id}"
        if not new_id and self._is_pending(job_id):
            return
        retry = Retry(max=retries, interval=RETRY_INTERVALS[:retries]) if retries else None
        self.queue.enqueue(func_path, *args, job_id=job_id, retry=retry, result_ttl=3600, failure_ttl=7 * 86400)

    def _is_pending(self, job_id: str) -> bool:
        try:
            return Job.fetch(job_id, connection=self.connection).get_status() in _PENDING
        except NoSuchJobError:
            return False

    def ping(self) -> None:
        self.connection.ping()

    def work(self, burst: bool = False) -> None:
        worker = SimpleWorker([self.queue], connection=self.connection)
        worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


class InlineQueue:
    """One daemon thread running queued jobs inside an app context, retrying like rq would."""

    def __init__(self, app: Flask):
        self.app = app
        self.jobs: stdlib_queue.Queue = stdlib_queue.Queue()
        self.pending: set[str] = set()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="inline-queue", daemon=True)
        self.thread.start()

    def enqueue(self, func_path: str, *args, job_id: str, retries: int, new_id: bool = False) -> None:
        with self.lock:
            if job_id in self.pending:
                return
            self.pending.add(job_id)
        self.jobs.put((func_path, args, job_id, retries, 0))

    def ping(self) -> None:
        if not self.thread.is_alive():
            raise RuntimeError("in-process queue thread is not running")

    def drain(self, timeout: float = 30) -> None:
        """Waits until every queued job (and the jobs they queued) has run."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if not self.pending:
                    return
            time.sleep(0.02)
        raise TimeoutError(f"jobs still pending: {sorted(self.pending)}")

    def _run(self) -> None:
        while True:
            func_path, args, job_id, retries, attempt = self.jobs.get()
            with self.app.app_context():
                try:
                    import_attribute(func_path)(*args)
                except Exception:
                    log.exception("job %s failed (attempt %d)", job_id, attempt + 1)
                    if attempt < retries:
                        self._retry_later(func_path, args, job_id, retries, attempt + 1)
                        continue
            with self.lock:
                self.pending.discard(job_id)

    def _retry_later(self, func_path, args, job_id, retries, attempt) -> None:
        delay = RETRY_INTERVALS[min(attempt - 1, len(RETRY_INTERVALS) - 1)]
        timer = threading.Timer(delay, self.jobs.put, args=((func_path, args, job_id, retries, attempt),))
        timer.daemon = True
        timer.start()


def init_app(app: Flask) -> None:
    app.extensions["jobqueue"] = RedisQueue(app) if app.config["REDIS_URL"] else InlineQueue(app)
    app.cli.add_command(worker_command)


def current_queue():
    return current_app.extensions["jobqueue"]


def enqueue(func_path: str, *args, job_id: str, retries: int = 3, new_id: bool = False) -> bool:
    """Queues a job. False when the queue is unreachable: the row stays in the database and a sweeper retries.

    A job already pending under the same id is not queued again; `new_id` says the id names a row
    created just now, so there is nothing to look for (it saves the webhook a round trip to Redis).
    """
    try:
        current_queue().enqueue(func_path, *args, job_id=job_id, retries=retries, new_id=new_id)
        return True
    except (RedisError, OSError) as exc:
        log.warning("could not queue %s (%s); the sweeper will queue it later", job_id, exc)
        return False


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
def worker_command(burst: bool) -> None:
    """Run an rq worker for this app's queue."""
    queue = current_queue()
    if not isinstance(queue, RedisQueue):
        raise click.ClickException("REDIS_URL is not set: the embedded mode runs jobs inside the web process")
    queue.work(burst=burst)

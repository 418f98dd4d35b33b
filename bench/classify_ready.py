"""How soon a new `python -m routing.classify` process answers its first line, then each next one, and
how many texts a second it answers when a caller pipes many lines at once.

A caller starts the process, writes one line and waits for its answer (the co-process use the JSON-lines
interface is for): the time to that first answer is the worker's ready time (target <= 3 s). The
process reads the live model from the database the environment names (DATABASE_URL; the default is the
instance's SQLite file that `make demo` and `flask --app wsgi release` create).

    .venv/bin/python bench/classify_ready.py [--runs 5] [--lines 200]

Throughput is measured on the texts of the evaluation files (short SMS texts, complaint-board
texts and long posts, in that mix), written all at once by a second thread: texts answered per second
of wall time between the first and the last answer, one process (the classifier uses one core).
"""
import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["가로등이 꺼졌어요 밤길이 무서워요", "불법주차 차량 때문에 골목을 못 지나가요", "Thank you for fixing the bench!",
         "놀이터 미끄럼틀이 부서져서 애들이 다칠 것 같아요"]


def start_classifier() -> subprocess.Popen:
    """A new `python -m routing.classify` process with pipes to write lines to and read answers from."""
    return subprocess.Popen([sys.executable, "-m", "routing.classify"], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def one_run(lines: int) -> tuple[float, float]:
    """(seconds to the first answer, mean seconds per answer after it) for one new process."""
    started = time.perf_counter()
    process = start_classifier()
    times = []
    for i in range(lines):
        process.stdin.write(json.dumps({"id": i, "text": TEXTS[i % len(TEXTS)]}, ensure_ascii=False) + "\n")
        process.stdin.flush()
        answer = json.loads(process.stdout.readline())
        if "error" in answer or answer["id"] != i:
            raise RuntimeError(f"unexpected answer {answer}")
        times.append(time.perf_counter())
    process.stdin.close()
    process.wait()
    per_line = (times[-1] - times[0]) / (lines - 1) if lines > 1 else 0.0
    return times[0] - started, per_line


def throughput(repeat: int) -> tuple[int, float]:
    """(texts, texts per second) for the evaluation files' texts piped at once into one process."""
    sys.path.insert(0, str(ROOT))
    from routing import corpus

    texts = [e["text"] for examples in corpus.evaluation_sets().values() for e in examples] * repeat
    process = start_classifier()

    def write_all():
        for i, text in enumerate(texts):
            process.stdin.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")
        process.stdin.close()

    writer = threading.Thread(target=write_all)
    writer.start()
    process.stdout.readline()
    first = time.perf_counter()
    answered = 1 + sum(1 for _ in process.stdout)
    last = time.perf_counter()
    writer.join()
    process.wait()
    if answered != len(texts):
        raise RuntimeError(f"{answered} answers for {len(texts)} texts")
    return answered, (answered - 1) / (last - first)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="how many times the evaluation texts are piped")
    args = parser.parse_args()
    runs = [one_run(args.lines) for _ in range(args.runs)]
    ready = sorted(r for r, _ in runs)
    print(f"ready (first answer) over {args.runs} runs: median {statistics.median(ready):.2f} s, "
          f"min {ready[0]:.2f} s, max {ready[-1]:.2f} s")
    print(f"then, one line written and its answer read at a time: {1000 * statistics.median(p for _, p in runs):.1f} ms a line")
    n, rate = throughput(args.repeat)
    print(f"piped at once: {n} texts (the evaluation files' texts x{args.repeat}) at {rate:.0f} texts/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

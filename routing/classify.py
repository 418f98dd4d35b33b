"""python -m routing.classify: JSON lines in ({"id", "text"}), one JSON line out per line in.

Out: {"id", "category", "department", "confidence"} plus the model's top department, the words
that weighed most and the model version. A line that is not a JSON object with a "text" gets an
{"id", "error"} line (the line number when there is no id) and the rest are still answered.
"""
import json
import select
import sys
from typing import Callable, Iterable, Iterator, TextIO

from routing.classifier import classify_with
from routing.model import Model

BATCH = 256


def parse_line(number: int, line: str) -> tuple[object, str | None, str | None]:
    """(id, text, error) for one input line."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return number, None, f"line {number}: not JSON ({exc.msg})"
    if not isinstance(item, dict):
        return number, None, f"line {number}: expected a JSON object"
    item_id = item.get("id", number)
    text = item.get("text")
    if not isinstance(text, str):
        return item_id, None, f"line {number}: \"text\" must be a string"
    return item_id, text, None


def answer(lines: Iterable[str], model: Model, threshold: float,
           input_waiting: Callable[[], bool] = lambda: True) -> Iterator[dict]:
    """One answer per line, classified in batches of up to BATCH lines. A batch is also answered as
    soon as no more input is waiting, so a caller that writes one line and waits for its answer is
    answered at once."""
    batch: list[tuple[object, str]] = []

    def flush() -> Iterator[dict]:
        if not batch:
            return
        results = classify_with(model, [text for _, text in batch], threshold)
        for (item_id, _), result in zip(batch, results):
            yield {"id": item_id, **result.as_dict()}
        batch.clear()

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item_id, text, error = parse_line(number, line)
        if error:
            yield from flush()
            yield {"id": item_id, "error": error}
            continue
        batch.append((item_id, text))
        if len(batch) >= BATCH or not input_waiting():
            yield from flush()
    yield from flush()


def load_model_and_threshold() -> tuple[Model, float]:
    """The live model and the routing threshold. The live model is read with the settings and a database
    connection alone (no app: half the start-up time); without one, the app finds or builds it."""
    from config import Config

    settings = Config()
    model = _stored_live_model(settings.DATABASE_URL)
    return (model or _model_from_app()), settings.ROUTING_CONFIDENCE_THRESHOLD


def _stored_live_model(database_url: str) -> Model | None:
    from sqlalchemy.exc import DBAPIError
    from sqlmodel import Session

    import db
    from routing import registry

    engine = db.make_engine(database_url)
    try:
        with Session(engine) as session:
            return registry.stored_live_model(session)
    except DBAPIError:
        return None
    finally:
        engine.dispose()


def _model_from_app() -> Model:
    """The live model through the app (it builds and publishes one when the database has none); with no
    database at all, one trained from the shipped corpus."""
    from sqlalchemy.exc import DBAPIError

    import db
    from routing import corpus, registry
    from routing.model import train
    from wsgi import create_app

    app = create_app()
    with app.app_context():
        try:
            return registry.live_model(db.session())
        except DBAPIError as exc:
            print(f"no model in the database ({exc.__class__.__name__}); training one from the shipped corpus",
                  file=sys.stderr)
            return train(corpus.seed_examples())


def input_waiting(stream: TextIO) -> Callable[[], bool]:
    """Whether more input can be read from the stream without blocking (end of input counts: it is
    read at once). A stream without a file descriptor (a StringIO) is always ready."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return lambda: True
    return lambda: bool(select.select([fd], [], [], 0)[0])


def main(stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    model, threshold = load_model_and_threshold()
    for out in answer(stdin, model, threshold, input_waiting(stdin)):
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

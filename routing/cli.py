"""`flask --app wsgi routing ...`: build, retrain, list, evaluate and roll back classifier versions."""
import json

import click
from flask import current_app
from flask.cli import AppGroup
from tqdm import tqdm

import db
from district_time import local
from routing import corpus, corrections, lifecycle, registry
from routing.evaluate import evaluate, format_report
from routing.model import Model

SHOWN = (
    ("category_macro_f1", "category macro-F1"),
    ("department_accuracy", "department accuracy"),
    ("safety_recall", "safety recall"),
    ("misroute_rate", "misroute rate"),
    ("triage_rate", "triage rate"),
)


routing_group = AppGroup("routing", help="The classifier: train, retrain on staff corrections, list, evaluate, roll back.")


def _progress_bar():
    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="step", leave=True)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return progress


@routing_group.command("train")
def train_command() -> None:
    """Train on the shipped corpus (its train split) and make the result the live model."""
    _, row = registry.train_from_corpus(db.session(), progress=_progress_bar())
    click.echo(f"model {row.version} is live ({row.training_size} texts)")
    click.echo(_scores_table({"model": row.metrics.get("evaluation", {})}))


@routing_group.command("retrain")
def retrain_command() -> None:
    """Train on the corpus + staff corrections; the result goes live only when it is not worse."""
    result = registry.retrain(db.session(), progress=_progress_bar())
    training = result.candidate.metrics["training"]
    click.echo(f"candidate {result.candidate.version}: {training['total']} texts "
               f"({training['seed']} from the corpus, {training['corrections']} staff corrections)")
    columns = {f"candidate {result.candidate.version}": result.scores}
    if result.previous_scores is not None:
        columns[f"live {result.previous}"] = result.previous_scores
    click.echo(_scores_table(columns))
    if not result.previous_comparable:
        click.echo(f"note: {result.previous} was trained on another split of the corpus; its scores may be flattering")
    if result.previous == result.candidate.version:
        click.echo(f"no change: {result.previous} (the same data, code and parameters) is already live")
    elif result.went_live:
        click.echo(f"{result.candidate.version} is live (not worse than {result.previous or 'nothing'})")
    else:
        click.echo(f"{result.previous} stays live; {result.candidate.version} is recorded but worse: " + "; ".join(result.worse))


def _scores_table(columns: dict[str, dict[str, dict]]) -> str:
    """Scores per evaluation set, one column per model."""
    names = list(columns)
    sets = list(dict.fromkeys(s for scores in columns.values() for s in scores))
    lines = [f"{'':<24}" + "".join(f"{n:>24}" for n in names)]
    for set_name in sets:
        sizes = {scores[set_name]["n"] for scores in columns.values() if set_name in scores}
        lines.append(f"{set_name} (n={'/'.join(str(s) for s in sorted(sizes))})")
        for key, label in SHOWN:
            cells = [columns[n].get(set_name, {}).get(key) for n in names]
            lines.append(f"  {label:<22}" + "".join(f"{c:>24.4f}" if c is not None else f"{'-':>24}" for c in cells))
    return "\n".join(lines)


# The independent eval sets in `routing models`, each with its column label.
EVAL_COLUMNS = (("realstyle_eval", "real"), ("seedstyle_eval", "sms"), ("longpost_eval", "long"), ("boardstyle_eval", "board"))


@routing_group.command("models")
def models_command() -> None:
    """List every model version with its training size and held-out scores (* = live)."""
    rows = registry.versions(db.session())
    if not rows:
        click.echo("no model versions yet: run `flask --app wsgi routing train`")
        return
    eval_columns = "".join(f"{f'{label} dep':>{len(label) + 5}}{f'{label} safe':>{len(label) + 6}}" for _, label in EVAL_COLUMNS)
    click.echo(f"  {'version':<13}{'created':<17}{'kind':<12}{'texts':>6}{'corr':>6}"
               f"{'cat F1':>8}{'dep acc':>8}{'safety':>8}{eval_columns}")
    for row in rows:
        training = row.metrics.get("training", {})
        evaluation = row.metrics.get("evaluation", {})
        held_out = evaluation.get("held_out", {})
        eval_cells = "".join(
            f"{_cell(evaluation.get(name, {}), 'department_accuracy', len(label) + 5)}"
            f"{_cell(evaluation.get(name, {}), 'safety_recall', len(label) + 6)}"
            for name, label in EVAL_COLUMNS
        )
        click.echo(
            f"{'*' if row.live else ' '} {row.version:<13}{local(row.created_at):%Y-%m-%d %H:%M}  "
            f"{row.metrics.get('kind', '?'):<12}{row.training_size:>6}{training.get('corrections', 0):>6}"
            f"{_cell(held_out, 'category_macro_f1', 8)}{_cell(held_out, 'department_accuracy', 8)}"
            f"{_cell(held_out, 'safety_recall', 8)}{eval_cells}"
        )
    sets = ", ".join(f"the {corpus.EVAL_KINDS[name]} eval set ({label} ...)" for name, label in EVAL_COLUMNS)
    click.echo(f"scores: held-out split of the corpus (cat F1, dep acc, safety), {sets}")


def _cell(scores: dict, key: str, width: int) -> str:
    value = scores.get(key)
    return f"{value:>{width}.3f}" if value is not None else f"{'-':>{width}}"


@routing_group.command("rollback")
@click.argument("version", required=False)
def rollback_command(version: str | None) -> None:
    """Make an earlier version live: VERSION (or a unique prefix), or the one live before the current one."""
    try:
        row = registry.rollback(db.session(), version)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"model {row.version} is live")


@routing_group.command("evaluate")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--version", "version", help="A stored version (default: the live one).")
@click.option("--threshold", type=float, help="Routing confidence threshold (default: the configured one).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def evaluate_command(file: str | None, version: str | None, threshold: float | None, as_json: bool) -> None:
    """Evaluate a stored model on FILE, or on the held-out split of the corpus no version trains on."""
    session = db.session()
    version = version or registry.live_version(session)
    if not version:
        raise click.ClickException("no model versions yet: run `flask --app wsgi routing train`")
    try:
        row = registry.find(session, version)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    if file:
        examples = corpus.load_jsonl(file)
    else:
        examples = lifecycle.training_data(corpus.seed_examples(), corrections.training_examples(session)).evaluation["held_out"]
    if not examples:
        raise click.ClickException("no labeled texts to evaluate on")
    report = evaluate(Model.from_bytes(row.artifact), examples,
                      threshold if threshold is not None else current_app.config["ROUTING_CONFIDENCE_THRESHOLD"])
    click.echo(json.dumps(report, ensure_ascii=False, indent=1, default=str) if as_json else format_report(report))

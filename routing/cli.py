"""`flask --app wsgi routing ...`: build and publish the classifier."""
import click
from tqdm import tqdm

import db
from routing import corpus, registry
from routing.model import train


@click.group("routing")
def routing_group() -> None:
    """The classifier: train and publish models."""


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
    """Train on the shipped corpus and make the result the live model."""
    model = train(corpus.seed_examples(), progress=_progress_bar())
    row = registry.publish(
        db.session(), model, metrics=model.metadata.get("evaluation", {}), training_size=model.metadata.get("trained_on", 0)
    )
    click.echo(f"model {row.version} is live ({row.training_size} texts)")

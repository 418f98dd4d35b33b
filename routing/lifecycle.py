"""How a model version is built and judged, before the registry stores it.

Every version trains on the train half of the shipped corpus (corpus.split) plus, for a retrain,
the staff corrections; none ever trains on the held-out half or on the real-style evaluation
file, so the scores of all versions are measured on texts they never saw and can be compared.
A correction overrides the corpus label of the same text, and its text is taken out of every
evaluation set (it is training data now).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from routing import corpus
from routing.evaluate import evaluate
from routing.model import Model, train

# The scores kept for every version and evaluation set (names as in the evaluate report's summary).
SCORE_KEYS = ("category_macro_f1", "department_accuracy", "safety_recall", "misroute_rate", "triage_rate")


@dataclass
class TrainingData:
    examples: list[dict]  # what the model trains on
    evaluation: dict[str, list[dict]]  # evaluation set name -> labeled texts no version trains on
    seed: int  # corpus texts among the examples
    corrections: int  # staff corrections among the examples
    held_out: str = field(default="")  # fingerprint of the held-out split, to tell comparable scores apart

    def describe(self) -> dict:
        return {"seed": self.seed, "corrections": self.corrections, "total": len(self.examples), "held_out": self.held_out}


def training_data(seed: list[dict], corrections: list[dict]) -> TrainingData:
    """Seed train split + corrections to train on; held-out split (+ the independent eval files) to judge by."""
    train_half, held_out = corpus.split(seed)
    corrected = {corpus.text_hash(c["text"]) for c in corrections}

    def without_corrected(examples: list[dict]) -> list[dict]:
        return [e for e in examples if corpus.text_hash(e["text"]) not in corrected]

    seed_part = without_corrected(train_half)
    evaluation = {"held_out": without_corrected(held_out)}
    for name, examples in corpus.evaluation_sets().items():
        evaluation[name] = without_corrected(examples)
    return TrainingData(
        examples=seed_part + corrections,
        evaluation=evaluation,
        seed=len(seed_part),
        corrections=len(corrections),
        held_out=_fingerprint(held_out),
    )


def _fingerprint(examples: list[dict]) -> str:
    digest = hashlib.sha256()
    for h in sorted(corpus.text_hash(e["text"]) for e in examples):
        digest.update(h.encode())
    return digest.hexdigest()[:12]


def build(data: TrainingData, *, params: dict | None = None, progress=None) -> Model:
    if params is None:
        return train(data.examples, progress=progress)
    return train(data.examples, progress=progress, params=params)


def scores(model: Model, evaluation: dict[str, list[dict]], threshold: float) -> dict[str, dict]:
    """The key scores of the model on each evaluation set, at the routing threshold."""
    out = {}
    for name, examples in evaluation.items():
        if not examples:
            continue
        report = evaluate(model, examples, threshold)
        summary = {
            "n": report["n"],
            "category_macro_f1": report["category"]["macro_f1"],
            "department_accuracy": report["department"]["accuracy"],
            "safety_recall": report["safety_recall"],
            "misroute_rate": report["misroute_rate"],
            "triage_rate": report["triage_rate"],
        }
        out[name] = {k: round(v, 4) if isinstance(v, float) else v for k, v in summary.items()}
    return out


# The set that decides whether a retrained model goes live. The independent eval sets are reported next
# to it but do not decide: choosing models by it would slowly fit them to it, and it must stay an
# honest figure of how the model does on writing it has never seen.
DECIDING_SET = "held_out"


def worse_than(candidate: dict[str, dict], live: dict[str, dict], tolerance: float) -> list[str]:
    """Why the candidate is worse than the live model on the deciding set (empty: it is not worse).

    Category macro-F1 and department accuracy may drop by the tolerance, and the misroute rate
    (texts sent to a wrong department: the 48-hour promise breaks) may rise by it; safety recall
    may not drop at all.
    """
    mine, theirs = candidate.get(DECIDING_SET), live.get(DECIDING_SET)
    if mine is None or theirs is None:
        return []
    reasons = []
    for key, slack in (("category_macro_f1", tolerance), ("department_accuracy", tolerance), ("safety_recall", 0.0)):
        if mine[key] < theirs[key] - slack - 1e-9:
            reasons.append(f"{DECIDING_SET} {key} {mine[key]:.4f} < {theirs[key]:.4f}")
    if mine["misroute_rate"] > theirs["misroute_rate"] + tolerance + 1e-9:
        reasons.append(f"{DECIDING_SET} misroute_rate {mine['misroute_rate']:.4f} > {theirs['misroute_rate']:.4f}")
    return reasons

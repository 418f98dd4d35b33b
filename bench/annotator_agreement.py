"""How far the classifier is from a careful reader on texts of the corpus's own style.

    .venv/bin/python bench/annotator_agreement.py

bench/data/second_annotator.jsonl holds a second annotator's labels for 300 training texts drawn at
random from the held-out split of 2026-11-30 (by corpus id). The annotator read only the taxonomy,
the labeling conventions and seed.jsonl, and saw neither the corpus labels nor any model output.
Prints, on the texts still in the corpus: the annotator against the corpus labels, and a model
trained on every other training text against both.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")

from routing import corpus  # noqa: E402
from routing.evaluate import accuracy, macro_f1  # noqa: E402
from routing.model import CATEGORIES, train  # noqa: E402

ANNOTATIONS = ROOT / "bench" / "data" / "second_annotator.jsonl"


def agreement(reference: list[dict], other: list[dict]) -> str:
    true_c, pred_c = [r["category"] for r in reference], [o["category"] for o in other]
    true_d, pred_d = [r["department"] for r in reference], [o["department"] for o in other]
    return (f"{macro_f1(true_c, pred_c, CATEGORIES):.3f} | {accuracy(true_c, pred_c):.3f} | "
            f"{accuracy(true_d, pred_d):.3f}")


def main() -> int:
    labels = {a["id"]: a for a in map(json.loads, ANNOTATIONS.read_text(encoding="utf-8").splitlines())}
    examples = corpus.seed_examples()
    annotated = [e for e in examples if e.get("id") in labels]
    second = [labels[e["id"]] for e in annotated]
    model = train([e for e in examples if e.get("id") not in labels])
    predicted = [{"category": p.category, "department": p.department}
                 for p in model.predict([e["text"] for e in annotated])]
    print(f"{len(annotated)} annotated texts still in the corpus\n")
    print("| compared | category macro-F1 | category accuracy | department accuracy |")
    print("|---|---|---|---|")
    print(f"| second annotator vs corpus labels | {agreement(annotated, second)} |")
    print(f"| model vs corpus labels | {agreement(annotated, predicted)} |")
    print(f"| model vs second annotator | {agreement(second, predicted)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

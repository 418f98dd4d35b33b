"""Classifier ablation: each feature set alone and together, on each evaluation set.

    .venv/bin/python bench/classifier_bench.py [--quick] [--out bench/out/classifier.json]

For every configuration:
  held-out: trained on the train split of routing.corpus.seed_examples(), evaluated on the held-out
            split, reported apart for each training file's texts (seed, realstyle, seedstyle);
  eval sets: trained on all the training data, evaluated on each independent file of
            routing.corpus.evaluation_sets() (real-style, seed-style and long-post; never trained or tuned on).
The routing threshold is the one recommended on the held-out split (lowest misroute with triage
<= 25%); the eval sets are scored at that same threshold (and their own recommendation is shown
for information only). Speed: texts per CPU-second through Model.predict (one core), batches of all held-out texts.
Prints a Markdown table (pasted into bench/CLASSIFIER.md) and writes the raw figures as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from routing import corpus  # noqa: E402
from routing.evaluate import evaluate, routing_rates  # noqa: E402
from routing.model import Model, train  # noqa: E402

DEFAULT = "char+nospace+stem+lex (default, lexicon weight 0.3)"
CONFIGS = [
    ("char (baseline features)", {"features": ["char"]}),
    ("nospace", {"features": ["nospace"]}),
    ("stem", {"features": ["stem"]}),
    ("lex", {"features": ["lex"]}),
    ("morph (kiwi)", {"features": ["morph"]}),
    ("char+stem", {"features": ["char", "stem"]}),
    ("char+lex", {"features": ["char", "lex"]}),
    ("char+stem+lex, lexicon weight 0.7 (previous default)", {"features": ["char", "stem", "lex"],
                                                             "block_weights": {"lex": 0.7}}),
    ("char+stem+lex", {"features": ["char", "stem", "lex"]}),
    ("char+nospace+stem", {"features": ["char", "nospace", "stem"]}),
    (DEFAULT, {}),
    ("default, lexicon weight 0.7", {"block_weights": {"lex": 0.7}}),
    ("default, no pseudo-examples", {"taxonomy_pseudo_examples": False}),
    ("default+morph", {"features": ["char", "nospace", "stem", "lex", "morph"]}),
    ("default+tail", {"features": ["char", "nospace", "stem", "lex", "tail"]}),
    ("default+word", {"features": ["char", "nospace", "stem", "lex", "word"]}),
    ("default, category head without the lexicon's department groups", {"category_exclude": ["lex:dep:"]}),
    ("default, category head without the lexicon", {"category_exclude": ["lex:"]}),
    ("default, confidence = P(department) only", {"confidence": "department"}),
    ("default, logistic regression heads", {"classifier": "lr", "C_category": 10.0, "C_department": 10.0}),
]
QUICK = {"char (baseline features)", DEFAULT, "default+morph"}


def speed(model: Model, texts: list[str]) -> float:
    model.predict(texts[:8])  # warm up (kiwi loads lazily)
    reps = max(1, 2000 // max(1, len(texts)))
    started = time.process_time()  # CPU time: one core, robust to other load on the machine
    for _ in range(reps):
        model.predict(texts)
    return reps * len(texts) / (time.process_time() - started)


SOURCES = {"seed": "held-out seed", "realstyle": "held-out real-style train", "seedstyle": "held-out seed-style train",
           "longpost": "held-out long-post train"}
EVAL_LABELS = {name: f"{kind} EVAL" for name, kind in corpus.EVAL_KINDS.items()}


def run(name: str, params: dict, train_split, held_out, all_train, eval_sets: dict[str, list[dict]]) -> dict:
    t0 = time.perf_counter()
    model = train(train_split, params=params)
    train_s = time.perf_counter() - t0
    full = evaluate(model, held_out, 0.5)
    threshold = full["recommended_threshold_fine"] or 0.5
    row = {"name": name, "params": params, "train_seconds": round(train_s, 1),
           "safety_threshold": model.safety_threshold, "threshold": threshold,
           "held_out": _figures(model, held_out, threshold),
           "texts_per_second": round(speed(model, [e["text"] for e in held_out]), 0)}
    for source in SOURCES:
        part = [e for e in held_out if e.get("source") == source]
        if part:
            row[f"held_out_{source}"] = _figures(model, part, threshold)
    if eval_sets:
        eval_hashes = {corpus.text_hash(e["text"]) for examples in eval_sets.values() for e in examples}
        model_all = train([e for e in all_train if corpus.text_hash(e["text"]) not in eval_hashes], params=params)
        for set_name, examples in eval_sets.items():
            row[set_name] = _figures(model_all, examples, threshold)
        row["cross_validation"] = model_all.metadata.get("cross_validation", {})
        blob = model_all.to_bytes()
        t0 = time.perf_counter()
        Model.from_bytes(blob)
        row["artifact_bytes"] = len(blob)
        row["load_seconds"] = round(time.perf_counter() - t0, 3)
    return row


def _figures(model, examples, threshold) -> dict:
    r = evaluate(model, examples, threshold)
    predictions = model.predict([e["text"] for e in examples])
    ko, en = r["by_lang"].get("ko", {}), r["by_lang"].get("en", {})
    return {
        "n": r["n"],
        "category_macro_f1": round(r["category"]["macro_f1"], 4),
        "department_accuracy": round(r["department"]["accuracy"], 4),
        "department_accuracy_ko": round(ko.get("department_accuracy", float("nan")), 4),
        "department_accuracy_en": round(en.get("department_accuracy", float("nan")), 4),
        "category_macro_f1_ko": round(ko.get("category_macro_f1", float("nan")), 4),
        "category_macro_f1_en": round(en.get("category_macro_f1", float("nan")), 4),
        "misroute": round(r["misroute_rate"], 4),
        "triage": round(r["triage_rate"], 4),
        "safety_recall": round(r["safety_recall"], 4),
        "safety_precision": round(r["safety_precision"], 4),
        "ece_routing": round(r["routing_confidence_ece"], 4),
        "own_recommended_threshold": r["recommended_threshold_fine"],
        "at_own_recommended": {k: round(v, 4) for k, v in routing_rates(
            [e["department"] if e["category"] not in ("gratitude", "other") else "communication" for e in examples],
            [p.department for p in predictions],
            [p.confidence for p in predictions],
            r["recommended_threshold_fine"] if r["recommended_threshold_fine"] is not None else threshold,
        ).items() if k in ("misroute", "triage")},
    }


def _pct(x):
    return f"{100 * x:.1f}" if x == x else "-"


def markdown(rows: list[dict]) -> str:
    out = []
    head = ("| configuration | set | n | cat macro-F1 | dept acc | dept acc ko / en | misroute % | triage % "
            "| safety recall (prec) | routing ECE |")
    out.append(head)
    out.append("|" + "---|" * 10)
    for r in rows:
        labels = {**{f"held_out_{source}": label for source, label in SOURCES.items()}, "held_out": "held-out all",
                  **EVAL_LABELS}
        for key, label in labels.items():
            f = r.get(key)
            if not f:
                continue
            out.append(
                f"| {r['name']} | {label} | {f['n']} | {f['category_macro_f1']:.3f} | {f['department_accuracy']:.3f} "
                f"| {f['department_accuracy_ko']:.3f} / {f['department_accuracy_en']:.3f} | {_pct(f['misroute'])} "
                f"| {_pct(f['triage'])} | {f['safety_recall']:.3f} ({f['safety_precision']:.2f}) | {f['ece_routing']:.3f} |")
    out.append("")
    out.append("| configuration | 5-fold CV, all training data: cat macro-F1 / dept acc / safety recall "
               "| routing threshold (held-out) | safety threshold | texts/s | train s | artifact KB | load s |")
    out.append("|---|---|---|---|---|---|---|---|")
    for r in rows:
        cv = r.get("cross_validation") or {}
        cv_text = (f"{cv['oof_category_macro_f1']:.3f} / {cv['oof_department_accuracy']:.3f} / {cv['oof_safety_recall']:.3f}"
                   if cv else "-")
        out.append(f"| {r['name']} | {cv_text} | {r['threshold']:.2f} | {r['safety_threshold']:.2f} "
                   f"| {r['texts_per_second']:.0f} | {r['train_seconds']} | {r.get('artifact_bytes', 0) / 1024:.0f} "
                   f"| {r.get('load_seconds', '-')} |")
    return "\n".join(out)


def safety_curve(train_split, held_out) -> str:
    """Held-out safety recall/precision and category macro-F1 across safety thresholds (default model)."""
    import numpy as np

    from routing.evaluate import macro_f1
    from routing.model import CATEGORIES, decide_category

    model = train(train_split)
    pc, _ = model.predict_proba([e["text"] for e in held_out])
    truth = np.array([e["category"] for e in held_out])
    lines = [f"default model, held-out split; the threshold chosen inside training (out-of-fold): "
             f"{model.safety_threshold:.2f}", "",
             "| safety threshold | safety recall | safety precision | category macro-F1 |", "|---|---|---|---|"]
    for t in (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 1.01):
        cats = np.array([decide_category(row, t)[0] for row in pc])
        flagged = cats == "safety"
        recall = flagged[truth == "safety"].mean()
        precision = (truth[flagged] == "safety").mean() if flagged.any() else float("nan")
        label = f"{t:.2f}" if t <= 1 else "argmax only"
        lines.append(f"| {label} | {recall:.3f} | {precision:.3f} | {macro_f1(list(truth), list(cats), CATEGORIES):.3f} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="only the baseline, the default and +morph")
    ap.add_argument("--only", help="comma-separated configuration names")
    ap.add_argument("--safety-curve", action="store_true", help="only the safety-threshold table")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "classifier.json"))
    args = ap.parse_args()
    examples = corpus.seed_examples()
    train_split, held_out = corpus.split(examples)
    eval_sets = corpus.evaluation_sets()
    print(f"corpus {len(examples)} ({corpus.count_by(examples, 'source')}), train split {len(train_split)}, "
          f"held-out {len(held_out)}, eval sets { {k: len(v) for k, v in eval_sets.items()} }", file=sys.stderr)
    if args.safety_curve:
        print(safety_curve(train_split, held_out))
        return 0
    rows = []
    for name, params in CONFIGS:
        if args.quick and name not in QUICK:
            continue
        if args.only and name not in args.only.split(","):
            continue
        print(f"... {name}", file=sys.stderr, flush=True)
        rows.append(run(name, params, train_split, held_out, examples, eval_sets))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(rows, ensure_ascii=False, indent=1))
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

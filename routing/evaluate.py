"""python -m routing.evaluate [FILE.jsonl] [--threshold T] [--json]: how good is the classifier.

With no FILE: trains on the train split of the shipped corpus (routing.corpus.seed_examples) and
evaluates on its held-out split. With FILE: trains on all the training data and evaluates on FILE
(e.g. routing/data/realstyle_eval.jsonl; it is never trained on).

Definitions (every rate is over all evaluated texts):
  routed department = the model's department when confidence >= threshold, else `communication`
  misroute  = routed to a non-communication department that is not the right one
  triage    = routed to `communication` because confidence < threshold although another
              department owns the text
  unowned   = the model itself chose `communication` (gratitude/other) although another department
              owns the text (also lands on the communication team, not counted as triage)
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Iterable

COMMUNICATION = "communication"
TRADEOFF_THRESHOLDS = tuple(round(0.1 * i, 1) for i in range(10))  # 0.0 .. 0.9
MAX_TRIAGE = 0.25


# ----------------------------------------------------------------------------- metric functions

def per_class(true: list[str], pred: list[str], labels: Iterable[str]) -> dict[str, dict]:
    """Precision, recall, F1 and support per label (0.0 where undefined)."""
    out = {}
    for c in labels:
        tp = sum(1 for t, p in zip(true, pred) if t == c and p == c)
        fp = sum(1 for t, p in zip(true, pred) if t != c and p == c)
        fn = sum(1 for t, p in zip(true, pred) if t == c and p != c)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[c] = {"precision": prec, "recall": rec, "f1": f1, "support": tp + fn, "predicted": tp + fp}
    return out


def macro_f1(true: list[str], pred: list[str], labels: Iterable[str] | None = None) -> float:
    """Mean F1 over the labels that occur in `true` or `pred` (labels absent from both are skipped)."""
    labels = list(labels) if labels is not None else sorted(set(true) | set(pred))
    stats = per_class(true, pred, labels)
    used = [s["f1"] for s in stats.values() if s["support"] or s["predicted"]]
    return sum(used) / len(used) if used else 0.0


def accuracy(true: list[str], pred: list[str]) -> float:
    return sum(1 for t, p in zip(true, pred) if t == p) / len(true) if true else 0.0


def routed_departments(departments: list[str], confidences: list[float], threshold: float) -> list[str]:
    return [d if c >= threshold else COMMUNICATION for d, c in zip(departments, confidences)]


def routing_rates(true_departments: list[str], model_departments: list[str], confidences: list[float],
                  threshold: float) -> dict:
    """Misroute, triage and unowned rates (over all texts) at one threshold."""
    n = len(true_departments)
    misroute = triage = unowned = correct = 0
    for t, d, c in zip(true_departments, model_departments, confidences):
        routed = d if c >= threshold else COMMUNICATION
        if routed == t:
            correct += 1
        elif routed != COMMUNICATION:
            misroute += 1
        elif t != COMMUNICATION:
            if d != COMMUNICATION:
                triage += 1
            else:
                unowned += 1
    div = n or 1
    return {"threshold": threshold, "misroute": misroute / div, "triage": triage / div,
            "unowned": unowned / div, "correct": correct / div, "n": n}


def tradeoff(true_departments, model_departments, confidences, thresholds=TRADEOFF_THRESHOLDS) -> list[dict]:
    return [routing_rates(true_departments, model_departments, confidences, t) for t in thresholds]


def recommend_threshold(table: list[dict], max_triage: float = MAX_TRIAGE) -> float | None:
    """The threshold with the lowest misroute rate among those with triage <= max_triage (ties: less triage)."""
    ok = [r for r in table if r["triage"] <= max_triage + 1e-12]
    if not ok:
        return None
    best = min(ok, key=lambda r: (round(r["misroute"], 10), round(r["triage"], 10), r["threshold"]))
    return best["threshold"]


def expected_calibration_error(confidences: list[float], correct: list[bool], bins: int = 10) -> float:
    """ECE: the bin-size-weighted mean |accuracy - confidence| over equal-width confidence bins."""
    n = len(confidences)
    if not n:
        return 0.0
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        idx = [i for i, c in enumerate(confidences) if (lo < c <= hi) or (b == 0 and c <= hi)]
        if idx:
            acc = sum(correct[i] for i in idx) / len(idx)
            conf = sum(confidences[i] for i in idx) / len(idx)
            total += len(idx) / n * abs(acc - conf)
    return total


def confusion(true: list[str], pred: list[str], labels: list[str]) -> list[list[int]]:
    """matrix[i][j] = texts of true label i predicted as label j."""
    index = {c: i for i, c in enumerate(labels)}
    m = [[0] * len(labels) for _ in labels]
    for t, p in zip(true, pred):
        if t in index and p in index:
            m[index[t]][index[p]] += 1
    return m


# ----------------------------------------------------------------------------- the report

def evaluate(model, examples: list[dict], threshold: float) -> dict:
    """Every figure of the report for `model` on labeled `examples` at routing `threshold`."""
    from routing.model import CATEGORIES, DEPARTMENTS

    texts = [e["text"] for e in examples]
    started = time.process_time()  # CPU seconds of this process: one core, not disturbed by other load
    predictions = model.predict(texts)
    elapsed = time.process_time() - started
    true_c = [e["category"] for e in examples]
    true_d = [COMMUNICATION if e["category"] in ("gratitude", "other") else e["department"] for e in examples]
    pred_c = [p.category for p in predictions]
    pred_d = [p.department for p in predictions]
    conf = [p.confidence for p in predictions]
    langs = [e.get("lang") or "unknown" for e in examples]

    def scores_of(group: list[str | None]) -> dict:
        """The headline figures for each value of a grouping (language, corpus source)."""
        scores = {}
        for value in sorted({g for g in group if g}):
            idx = [i for i, g in enumerate(group) if g == value]
            sub = lambda xs: [xs[i] for i in idx]  # noqa: E731
            scores[value] = {
                "n": len(idx),
                "category_macro_f1": macro_f1(sub(true_c), sub(pred_c), CATEGORIES),
                "department_accuracy": accuracy(sub(true_d), sub(pred_d)),
                **{k: v for k, v in routing_rates(sub(true_d), sub(pred_d), sub(conf), threshold).items()
                   if k in ("misroute", "triage")},
            }
        return scores

    by_lang = scores_of(langs)
    by_source = scores_of([e.get("source") for e in examples])

    category_stats = per_class(true_c, pred_c, CATEGORIES)
    table = tradeoff(true_d, pred_d, conf)
    fine_table = tradeoff(true_d, pred_d, conf, tuple(round(0.05 * i, 2) for i in range(20)))
    at = routing_rates(true_d, pred_d, conf, threshold)
    safety = category_stats["safety"]
    return {
        "n": len(examples),
        "model_version": getattr(model, "version", ""),
        "threshold": threshold,
        "category": {
            "per_class": category_stats,
            "macro_f1": macro_f1(true_c, pred_c, CATEGORIES),
            "accuracy": accuracy(true_c, pred_c),
            "confusion": {"labels": list(CATEGORIES), "matrix": confusion(true_c, pred_c, list(CATEGORIES))},
            "ece": expected_calibration_error([p.category_confidence for p in predictions],
                                              [a == b for a, b in zip(true_c, pred_c)]),
        },
        "department": {
            "per_class": per_class(true_d, pred_d, DEPARTMENTS),
            "accuracy": accuracy(true_d, pred_d),
            "macro_f1": macro_f1(true_d, pred_d, DEPARTMENTS),
            "confusion": {"labels": list(DEPARTMENTS), "matrix": confusion(true_d, pred_d, list(DEPARTMENTS))},
            "ece": expected_calibration_error([p.department_confidence for p in predictions],
                                              [a == b for a, b in zip(true_d, pred_d)]),
        },
        "routing_confidence_ece": expected_calibration_error(conf, [a == b for a, b in zip(true_d, pred_d)]),
        "by_lang": by_lang,
        "by_source": by_source,
        "safety_recall": safety["recall"],
        "safety_precision": safety["precision"],
        "safety_support": safety["support"],
        "safety_threshold": getattr(model, "safety_threshold", None),
        "at_threshold": at,
        "misroute_rate": at["misroute"],
        "triage_rate": at["triage"],
        "tradeoff": table,
        "recommended_threshold": recommend_threshold(table),
        "recommended_threshold_fine": recommend_threshold(fine_table),
        "tradeoff_fine": fine_table,
        "texts_per_second": len(texts) / elapsed if elapsed > 0 else float("inf"),
    }


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def _matrix(labels: list[str], matrix: list[list[int]], width: int = 5) -> list[str]:
    short = [lab[:width] for lab in labels]
    lines = [" " * 14 + " ".join(f"{s:>{width}}" for s in short) + "   <- predicted"]
    for lab, row in zip(labels, matrix):
        lines.append(f"{lab:>13} " + " ".join(f"{v:>{width}}" for v in row))
    return lines


def format_report(report: dict) -> str:
    """The report as text for a person."""
    r = report
    lines = [f"texts: {r['n']}   model: {r.get('model_version', '')}   threshold: {r['threshold']:.2f}"
             f"   safety threshold: {r.get('safety_threshold')}"]
    for head in ("category", "department"):
        h = r[head]
        lines += ["", f"== {head} ==", f"{'':>14}{'prec':>7}{'recall':>8}{'F1':>7}{'n':>6}"]
        for c, s in h["per_class"].items():
            if s["support"] or s["predicted"]:
                lines.append(f"{c:>14}{s['precision']:7.3f}{s['recall']:8.3f}{s['f1']:7.3f}{s['support']:6d}")
        lines.append(f"macro-F1 {h['macro_f1']:.4f}   accuracy {h['accuracy']:.4f}   ECE {h['ece']:.4f}")
        lines += ["confusion (rows: true):"] + _matrix(h["confusion"]["labels"], h["confusion"]["matrix"])
    lines += ["", "== by language =="]
    for lang, s in r["by_lang"].items():
        lines.append(f"{lang:>8}: n={s['n']:4d}  category macro-F1 {s['category_macro_f1']:.4f}  "
                     f"department accuracy {s['department_accuracy']:.4f}  misroute {_pct(s['misroute'])}  "
                     f"triage {_pct(s['triage'])}")
    if r.get("by_source"):
        lines += ["", "== by source =="]
        for src, s in r["by_source"].items():
            lines.append(f"{src:>10}: n={s['n']:4d}  category macro-F1 {s['category_macro_f1']:.4f}  "
                         f"department accuracy {s['department_accuracy']:.4f}  misroute {_pct(s['misroute'])}  "
                         f"triage {_pct(s['triage'])}")
    at = r["at_threshold"]
    lines += [
        "",
        f"== routing at threshold {r['threshold']:.2f} ==",
        f"misroute {_pct(at['misroute'])}   triage {_pct(at['triage'])}   unowned {_pct(at['unowned'])}   "
        f"correct {_pct(at['correct'])}",
        f"safety recall {r['safety_recall']:.4f} (n={r['safety_support']})   safety precision {r['safety_precision']:.4f}",
        f"routing-confidence ECE {r['routing_confidence_ece']:.4f}",
        "",
        "== triage trade-off ==",
        f"{'threshold':>10}{'triage':>9}{'misroute':>10}{'unowned':>9}",
    ]
    for row in r["tradeoff"]:
        lines.append(f"{row['threshold']:>10.1f}{_pct(row['triage']):>9}{_pct(row['misroute']):>10}{_pct(row['unowned']):>9}")
    rec = r["recommended_threshold"]
    lines.append(f"recommended threshold (lowest misroute with triage <= {int(MAX_TRIAGE * 100)}%): "
                 + (f"{rec:.1f}" if rec is not None else "none") +
                 (f"   (0.05 grid: {r['recommended_threshold_fine']:.2f})" if r.get("recommended_threshold_fine") is not None else ""))
    lines.append(f"speed: {r['texts_per_second']:.0f} texts/s (one batch, CPU time of one core)")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- CLI

def _default_threshold() -> float:
    try:
        from config import Config

        return float(Config().ROUTING_CONFIDENCE_THRESHOLD)
    except Exception:
        return 0.45


def _json_safe(x):
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_json_safe(v) for v in x]
    return x


def main(argv: list[str] | None = None) -> int:
    from routing import corpus
    from routing.model import train

    ap = argparse.ArgumentParser(prog="python -m routing.evaluate", description=__doc__.split("\n")[0])
    ap.add_argument("file", nargs="?", help="labeled JSONL to evaluate on (default: the held-out split)")
    ap.add_argument("--threshold", type=float, default=None, help="routing confidence threshold")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    args = ap.parse_args(argv)
    threshold = args.threshold if args.threshold is not None else _default_threshold()

    def progress(stage, i, n):
        print(f"  training: {stage} {i}/{n}", file=sys.stderr)

    examples = corpus.seed_examples()
    if args.file:
        train_set, eval_set = examples, corpus.load_jsonl(args.file)
        eval_hashes = {corpus.text_hash(e["text"]) for e in eval_set}
        train_set = [e for e in train_set if corpus.text_hash(e["text"]) not in eval_hashes]
        what = f"trained on all training data ({len(train_set)}), evaluated on {args.file}"
    else:
        train_set, eval_set = corpus.split(examples)
        what = f"trained on the train split ({len(train_set)}), evaluated on the held-out split"
    print(what, file=sys.stderr)
    model = train(train_set, progress=progress)
    report = evaluate(model, eval_set, threshold)
    report["trained_on"] = len(train_set)
    report["setup"] = what
    if args.json:
        print(json.dumps(_json_safe(report), ensure_ascii=False, indent=1))
    else:
        print(what)
        print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

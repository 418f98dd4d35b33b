"""The labeled corpus the classifier learns from, and the deterministic train/eval split.

- routing/data/seed.jsonl: the shipped seed corpus (short SMS-style texts, Korean and English;
  origin in routing/data/SEED.md).
- routing/data/realstyle_train.jsonl: real-style training texts (long formal posts, question-form
  complaints, bare titles, web-board petitions and structured proposals), used when present.
- routing/data/seedstyle_train.jsonl: more texts in the seed's SMS style, written where the model was
  weakest (roads/traffic, sanitation/environment/health, category borders, safety in every
  department, English for every department), used when present.
- routing/data/longpost_train.jsonl: long complaint-board posts, used when present.
- routing/data/*_eval.jsonl (EVAL_FILES) are independent evaluation sets: they are NEVER read here for
  training; `routing.evaluate` may be pointed at them.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).parent / "data"
SEED_PATH = DATA_DIR / "seed.jsonl"
REALSTYLE_TRAIN_PATH = DATA_DIR / "realstyle_train.jsonl"
SEEDSTYLE_TRAIN_PATH = DATA_DIR / "seedstyle_train.jsonl"
LONGPOST_TRAIN_PATH = DATA_DIR / "longpost_train.jsonl"
REALSTYLE_EVAL_PATH = DATA_DIR / "realstyle_eval.jsonl"  # evaluation only
SEEDSTYLE_EVAL_PATH = DATA_DIR / "seedstyle_eval.jsonl"  # evaluation only
LONGPOST_EVAL_PATH = DATA_DIR / "longpost_eval.jsonl"  # evaluation only
BOARDSTYLE_EVAL_PATH = DATA_DIR / "boardstyle_eval.jsonl"  # evaluation only
TRAINING_FILES = ((REALSTYLE_TRAIN_PATH, "realstyle"), (SEEDSTYLE_TRAIN_PATH, "seedstyle"),
                  (LONGPOST_TRAIN_PATH, "longpost"))
# each evaluation file with its name and the kind of writing it holds (how reports call it)
EVAL_FILES = ((REALSTYLE_EVAL_PATH, "realstyle_eval", "real-style"), (SEEDSTYLE_EVAL_PATH, "seedstyle_eval", "seed-style"),
              (LONGPOST_EVAL_PATH, "longpost_eval", "long-post"), (BOARDSTYLE_EVAL_PATH, "boardstyle_eval", "web-board"))
EVAL_KINDS = {name: kind for _, name, kind in EVAL_FILES}

REQUIRED = ("text", "category", "department")


def load_jsonl(path) -> list[dict]:
    """Every JSON object line of the file that has a text, a category and a department.

    Blank lines, non-JSON lines and objects without those keys are skipped (a file that is
    being written by someone else may end in a half line).
    """
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(item, dict) and all(isinstance(item.get(k), str) for k in REQUIRED):
                out.append(item)
    return out


def _tag(examples: list[dict], source: str) -> list[dict]:
    return [{**e, "source": e.get("source", source)} for e in examples]


def seed_examples() -> list[dict]:
    """The shipped seed corpus plus the other training files that are present (never an eval file)."""
    examples = _tag(load_jsonl(SEED_PATH), "seed")
    for path, source in TRAINING_FILES:
        if path.exists():
            examples += _tag(load_jsonl(path), source)
    return dedupe(examples)


def evaluation_sets() -> dict[str, list[dict]]:
    """The independent evaluation files that are present, by name (never trained on)."""
    return {name: load_jsonl(path) for path, name, _ in EVAL_FILES if path.exists()}


def count_by(examples: list[dict], key: str) -> dict:
    out: dict = {}
    for e in examples:
        out[e.get(key)] = out.get(e.get(key), 0) + 1
    return out


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def text_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def dedupe(examples: list[dict]) -> list[dict]:
    """Keeps the first example of every text (whitespace-normalised)."""
    seen, out = set(), []
    for e in examples:
        h = text_hash(e["text"])
        if h not in seen:
            seen.add(h)
            out.append(e)
    return out


def near_duplicates(texts: list[str], others: list[str], threshold: float = 0.5) -> list[tuple[int, int, float]]:
    """Pairs (i, j, similarity) where texts[i] and others[j] share more than `threshold` of their
    character 4-grams (Jaccard, after whitespace normalisation and lower-casing).

    Exact copies are what `dedupe` catches; a text rewritten by a few words teaches the model the
    answer just as well, so an evaluation text must not be this close to any training text.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer="char", ngram_range=(4, 4), binary=True,
                                 preprocessor=lambda t: normalise(t).lower())
    A = vectorizer.fit(texts + others).transform(texts)
    B = vectorizer.transform(others)
    shared = (A @ B.T).tocoo()
    size_a, size_b = np.asarray(A.sum(axis=1)).ravel(), np.asarray(B.sum(axis=1)).ravel()
    similarity = shared.data / np.maximum(size_a[shared.row] + size_b[shared.col] - shared.data, 1)
    close = similarity > threshold
    return [(int(i), int(j), float(s)) for i, j, s in zip(shared.row[close], shared.col[close], similarity[close])]


def split(examples: list[dict], eval_fraction: float = 0.2) -> tuple[list[dict], list[dict]]:
    """Deterministic train/eval split: deduplicated, stratified by (category, department).

    Within each (category, department) group the texts are ordered by the hash of their text and
    every k-th one (k = 1/eval_fraction, with a hash-chosen phase) goes to eval, so each group
    sends about eval_fraction of its texts to eval and the result does not depend on file order.
    A text never lands in both halves.
    """
    if not 0.0 <= eval_fraction < 1.0:
        raise ValueError("eval_fraction must be in [0, 1)")
    groups: dict[tuple[str, str], list[tuple[str, dict]]] = {}
    for e in dedupe(examples):
        groups.setdefault((e["category"], e["department"]), []).append((text_hash(e["text"]), e))
    train, held = [], []
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda p: p[0])
        # phase from the group key so small groups don't always lose their first member
        phase = int(hashlib.sha256(repr(key).encode()).hexdigest(), 16) % 1000 / 1000.0
        for i, (_, e) in enumerate(members):
            a = (i + phase) * eval_fraction
            b = (i + 1 + phase) * eval_fraction
            (held if int(b) > int(a) else train).append(e)
    return train, held

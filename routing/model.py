"""The learned text classifier: category and department heads over sparse text features.

Features (see bench/CLASSIFIER.md for the ablation that chose them):
  - "char":  character 1-4-grams inside word boundaries (char_wb), TF-IDF, sublinear tf
  - "nospace": character 2-4-grams of the text with all spaces removed (spacing-robust Korean)
  - "word":  word 1-2-grams
  - "tail":  character n-grams of the last sentences only (real posts put the request last)
  - "morph": kiwipiepy morphemes (nouns, verb/adjective stems, roots, foreign words); optional
Heads: multinomial logistic regression for category and for department, calibrated by
temperature scaling fitted on out-of-fold logits (k-fold inside `train`). The same out-of-fold
probabilities choose the LOWER decision threshold for `safety` (prefer a false alarm to a miss),
which is stored in the artifact.

Rules enforced at prediction time:
  - category `safety` whenever P(safety) >= safety_threshold (mixed texts: the one asking most);
  - gratitude and other go to department `communication`;
  - any input (empty, emoji-only, binary-looking, very long, control characters) gets an answer
    from the taxonomy and never raises: `other`/`communication` where nothing fits.
"""
from __future__ import annotations

import gzip
import hashlib
import inspect
import io
import json
import math
import pickle
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

CATEGORIES = ("complaint", "suggestion", "safety", "improvement", "gratitude", "other")
DEPARTMENTS = (
    "parks", "roads", "traffic", "sanitation", "environment", "safety", "welfare",
    "economy", "building", "health", "culture", "admin", "communication",
)
COMMUNICATION = "communication"
NO_OWNER = ("gratitude", "other")
# When a text mixes kinds, the category that asks the most of the office wins.
CATEGORY_PRIORITY = ("safety", "complaint", "improvement", "suggestion", "gratitude", "other")

ARTIFACT_FORMAT = 1
MAX_CHARS = 2000  # longer texts: the head and the tail are kept (the request is usually last)

DEFAULT_PARAMS = {
    "features": ["char", "nospace", "word", "tail"],
    "char_ngram": [1, 4],
    "nospace_ngram": [2, 4],
    "word_ngram": [1, 2],
    "tail_chars": 160,
    "min_df": 2,
    "C_category": 10.0,
    "C_department": 10.0,
    "class_weight": "balanced",
    "taxonomy_pseudo_examples": True,
    "folds": 5,
    "safety_target_recall": 0.98,
    "safety_threshold_bounds": [0.08, 0.5],
    "block_weights": {"char": 1.0, "nospace": 1.0, "word": 1.0, "tail": 0.7, "morph": 1.0},
    "confidence": "destination",
}

# Department descriptions from the taxonomy (Korean and English), used as extra pseudo-examples.
DEPARTMENT_DESCRIPTIONS = {
    "parks": ["공원녹지과 공원 가로수 녹지 놀이터 조경 가지치기 고사목 쓰러진 나무",
              "parks, street trees, green spaces, playground greenery, pruning, dead or fallen trees"],
    "roads": ["도로과 도로 보도 인도 포트홀 파손 가로등 도로표지판 빗물받이 도로 제설",
              "roads, sidewalks, potholes, street lights, road signs, drains on roads, snow removal on roads"],
    "traffic": ["교통행정과 불법주차 단속 공영주차장 버스정류장 승강장 택시 교통 흐름 과속방지턱",
                "illegal parking enforcement, public parking lots, bus stops and shelters, taxis, traffic flow, speed bumps"],
    "sanitation": ["청소행정과 생활쓰레기 수거 재활용 분리배출 무단투기 음식물쓰레기 거리 청소",
                   "household waste collection, recycling, illegal dumping, food waste, street cleaning"],
    "environment": ["환경과 소음 악취 대기오염 수질오염 공사장 비산먼지 공공장소 해충",
                    "noise, odour, air and water pollution, construction dust, pests in public places"],
    "safety": ["안전총괄과 재난 대응 침수 결빙 산사태 붕괴 위험 시설물 CCTV 비상벨 안전점검",
               "disaster response, flooding, ice, landslides, collapsing structures, CCTV, emergency bells, safety inspections"],
    "welfare": ["복지정책과 어르신 노인 장애인 기초생활수급 아동 가족 독거 1인가구 지원",
                "the elderly, disabled people, basic livelihood support, children and families, lone households"],
    "economy": ["일자리경제과 소상공인 골목상권 전통시장 상점가 일자리 창업",
                "small businesses, alley and traditional markets, shopping streets, jobs, start-ups"],
    "building": ["건축과 불법건축물 건축허가 빈집 주택 아파트 관리 불법 현수막 옥외광고물",
                 "illegal construction, building permits, empty houses, housing, apartment management issues, illegal banners, outdoor advertising"],
    "health": ["보건소 공중보건 흡연구역 금연 식품위생 유기동물 길고양이 모기 방역 소독 진료",
               "public health, smoking areas, food hygiene, stray animals, mosquito control and disinfection, clinics"],
    "culture": ["문화체육과 도서관 축제 체육시설 문화프로그램 관광",
                "libraries, festivals, sports facilities, cultural programmes, tourism"],
    "admin": ["자치행정과 구청 민원 절차 민원실 창구 공무원 친절 수수료 서류 발급 주민센터 행정복지센터",
              "district office procedures, civil-service counters, staff conduct, fees and documents, community centres"],
}


@dataclass(frozen=True)
class Prediction:
    category: str               # taxonomy key, after the safety threshold rule
    category_confidence: float  # calibrated probability of that category
    department: str             # the model's top department; gratitude/other -> "communication"
    department_confidence: float  # calibrated probability that the case's destination is right
    explanation: list[str] = field(default_factory=list)  # words that weighed most (department, then category)

    @property
    def confidence(self) -> float:
        """The routing confidence: the calibrated probability that the destination is right.

        The routing decision is the department (the destination desk); misroute/triage are about the
        destination, so the confidence is the department's calibrated probability. A text raised to
        `safety` by the low safety threshold keeps its department's confidence (a min() with the
        category's probability would send every such alarm to triage, the slow path).
        """
        return self.department_confidence


# ----------------------------------------------------------------------------- text handling

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff\ufffd]")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_URL = re.compile(r"https?://\S+|www\.\S+")
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?。？！])\s+|(?<=[요다죠까])[.!?~]*\s+|\n+")
_LETTER = re.compile(r"[A-Za-z\uac00-\ud7a3\u3131-\u318e]")


def clean(text) -> str:
    """Normalised text: NFKC, no control characters, digits folded to 0, lower case, bounded length."""
    if not isinstance(text, str):
        try:
            text = text.decode("utf-8", "replace") if isinstance(text, (bytes, bytearray)) else str(text)
        except Exception:
            return ""
    text = _ANSI.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    text = _URL.sub(" url ", text)
    text = _DIGITS.sub("0", text)
    text = _SPACE.sub(" ", text).strip().lower()
    if len(text) > MAX_CHARS:
        head = MAX_CHARS * 2 // 3
        text = text[:head] + " " + text[-(MAX_CHARS - head):]
    return text


def has_content(cleaned: str) -> bool:
    """True when the text has at least two letters (Hangul or Latin) to classify."""
    return len(_LETTER.findall(cleaned)) >= 2


def tail(cleaned: str, n_chars: int) -> str:
    """The last sentences of the text, about n_chars long."""
    if len(cleaned) <= n_chars:
        return cleaned
    parts = [p for p in _SENTENCE_END.split(cleaned) if p and p.strip()]
    out = ""
    for p in reversed(parts):
        out = (p + " " + out).strip()
        if len(out) >= n_chars:
            break
    return out[-(n_chars * 2):]


def _nospace(text: str) -> str:
    return text.replace(" ", "")


# ----------------------------------------------------------------------------- morphemes (optional)

_kiwi = None
_kiwi_lock = threading.Lock()
_MORPH_TAGS = {"NNG", "NNP", "VV", "VA", "XR", "SL", "SH", "VV-I", "VA-I", "VV-R", "VA-R"}


def _get_kiwi():
    global _kiwi
    with _kiwi_lock:
        if _kiwi is None:
            import warnings

            from kiwipiepy import Kiwi

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _kiwi = Kiwi(num_workers=-1)
        return _kiwi


def morphemes(text: str) -> str:
    """Content morphemes of the text joined by spaces (verb/adjective stems get 다)."""
    if not text:
        return ""
    try:
        tokens = _get_kiwi().tokenize(text)
    except Exception:
        return ""
    out = []
    for t in tokens:
        if t.tag in _MORPH_TAGS:
            form = t.form.lower()
            if t.tag.startswith(("VV", "VA")):
                form += "다"
            out.append(form.replace(" ", "_"))
    return " ".join(out)


def _identity(x):
    return x


# ----------------------------------------------------------------------------- feature blocks

def _make_vectorizer(name: str, params: dict) -> TfidfVectorizer:
    min_df = params["min_df"]
    common = dict(sublinear_tf=True, min_df=min_df, lowercase=False, dtype=np.float32)
    if name == "char":
        return TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(params["char_ngram"]), **common)
    if name == "nospace":
        return TfidfVectorizer(analyzer="char", ngram_range=tuple(params["nospace_ngram"]), **common)
    if name == "word":
        return TfidfVectorizer(analyzer="word", token_pattern=r"(?u)\b\w+\b",
                               ngram_range=tuple(params["word_ngram"]), **common)
    if name == "tail":
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), **common)
    if name == "morph":
        return TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), **common)
    raise ValueError(f"unknown feature block {name!r}")


def _block_input(name: str, cleaned: list[str], params: dict, morph_cache: list[str] | None = None) -> list[str]:
    if name in ("char", "word"):
        return cleaned
    if name == "nospace":
        return [_nospace(t) for t in cleaned]
    if name == "tail":
        return [tail(t, params["tail_chars"]) for t in cleaned]
    if name == "morph":
        return morph_cache if morph_cache is not None else [morphemes(t) for t in cleaned]
    raise ValueError(name)


class _Features:
    """Fitted feature blocks -> one sparse matrix (each block L2-normalised and weighted)."""

    def __init__(self, params: dict):
        self.params = params
        self.blocks = list(params["features"])
        self.vectorizers = {b: _make_vectorizer(b, params) for b in self.blocks}
        self.offsets: dict[str, int] = {}
        self.names: np.ndarray | None = None

    def fit_transform(self, cleaned: list[str], morph: list[str] | None = None):
        mats = []
        for b in self.blocks:
            m = self.vectorizers[b].fit_transform(_block_input(b, cleaned, self.params, morph))
            mats.append(m * self.params["block_weights"].get(b, 1.0))
        self._index()
        return sp.hstack(mats, format="csr", dtype=np.float32)

    def transform(self, cleaned: list[str], morph: list[str] | None = None):
        mats = [self.vectorizers[b].transform(_block_input(b, cleaned, self.params, morph))
                * self.params["block_weights"].get(b, 1.0) for b in self.blocks]
        return sp.hstack(mats, format="csr", dtype=np.float32)

    def _index(self):
        names, start = [], 0
        for b in self.blocks:
            v = self.vectorizers[b]
            v.stop_words_ = None  # sklearn keeps every pruned term otherwise: not needed, large
            n = len(v.vocabulary_)
            self.offsets[b] = start
            start += n
            names.extend(f"{b}:{t}" for t in v.get_feature_names_out())
        self.names = np.array(names, dtype=object)

    @property
    def n_features(self) -> int:
        return len(self.names)

    def keep(self, mask: np.ndarray) -> None:
        """Drops the features not in mask (after training: weights that are all ~0)."""
        start = 0
        for b in self.blocks:
            v = self.vectorizers[b]
            n = len(v.vocabulary_)
            sub = mask[start:start + n]
            old_terms = v.get_feature_names_out()
            kept_idx = np.flatnonzero(sub)
            v.vocabulary_ = {old_terms[i]: j for j, i in enumerate(kept_idx)}
            v.idf_ = v.idf_[kept_idx]
            start += n
        self._index()


# ----------------------------------------------------------------------------- the model

def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature T that minimises the log loss of softmax(logits / T) (golden-section search)."""
    def nll(log_t):
        p = _softmax(logits / math.exp(log_t))
        return -np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)))

    lo, hi = math.log(0.05), math.log(20.0)
    g = (math.sqrt(5) - 1) / 2
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = nll(a), nll(b)
    for _ in range(60):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = nll(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = nll(b)
    return float(math.exp((lo + hi) / 2))


@dataclass
class _Head:
    classes: tuple[str, ...]
    coef: np.ndarray        # (n_classes, n_features) float32
    intercept: np.ndarray   # (n_classes,)
    temperature: float = 1.0

    def logits(self, X) -> np.ndarray:
        return np.asarray(X @ self.coef.T) + self.intercept

    def proba(self, X) -> np.ndarray:
        return _softmax(self.logits(X) / self.temperature)


def _fit_head(X, y: list[str], classes: tuple[str, ...], C: float, class_weight, sample_weight=None) -> _Head:
    present = sorted(set(y), key=classes.index)
    clf = LogisticRegression(C=C, max_iter=3000, class_weight=class_weight, tol=1e-4)
    clf.fit(X, y, sample_weight=sample_weight)
    coef = np.zeros((len(classes), X.shape[1]), dtype=np.float32)
    intercept = np.full(len(classes), -30.0)  # a class never seen in training is never predicted
    if len(present) == 2:  # binary LR: one row of coefficients
        i0, i1 = classes.index(clf.classes_[0]), classes.index(clf.classes_[1])
        coef[i1] = clf.coef_[0] / 2
        coef[i0] = -clf.coef_[0] / 2
        intercept[i1], intercept[i0] = clf.intercept_[0] / 2, -clf.intercept_[0] / 2
    else:
        for row, c in enumerate(clf.classes_):
            coef[classes.index(c)] = clf.coef_[row]
            intercept[classes.index(c)] = clf.intercept_[row]
    return _Head(classes, coef, intercept)


class Model:
    """A trained classifier. `predict` never raises on bad input."""

    def __init__(self, features: _Features, category_head: _Head, department_head: _Head,
                 safety_threshold: float, params: dict, version: str, metadata: dict):
        self.features = features
        self.category_head = category_head
        self.department_head = department_head
        self.safety_threshold = float(safety_threshold)
        self.params = params
        self.version = version
        self.metadata = metadata

    # -- prediction

    def _probas(self, cleaned: list[str]):
        morph = [morphemes(t) for t in cleaned] if "morph" in self.features.blocks else None
        X = self.features.transform(cleaned, morph)
        return X, self.category_head.proba(X), self.department_head.proba(X)

    def predict_proba(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated (category, department) probability matrices, columns in CATEGORIES/DEPARTMENTS order."""
        cleaned = [clean(t) for t in texts]
        _, pc, pd = self._probas(cleaned)
        return pc, pd

    def predict(self, texts: list[str]) -> list[Prediction]:
        texts = list(texts)
        if not texts:
            return []
        try:
            return self._predict(texts)
        except Exception:  # never raise: fall back one by one, then to the no-owner answer
            out = []
            for t in texts:
                try:
                    out.extend(self._predict([t]))
                except Exception:
                    out.append(_fallback())
            return out

    def _predict(self, texts: list[str]) -> list[Prediction]:
        cleaned = [clean(t) for t in texts]
        X, pc, pd = self._probas(cleaned)
        cat_idx = {c: i for i, c in enumerate(CATEGORIES)}
        dep_idx = {d: i for i, d in enumerate(DEPARTMENTS)}
        out = []
        for i, text in enumerate(cleaned):
            if not has_content(text):
                out.append(_fallback())
                continue
            category, category_conf = decide_category(pc[i], self.safety_threshold)
            department, department_conf = decide_department(category, pc[i], pd[i])
            expl = self._explain(X, i, text, dep_idx[department], cat_idx[category])
            out.append(Prediction(category, category_conf, department, department_conf, expl))
        return out

    # -- explanation

    def _explain(self, X, i: int, text: str, dep_row: int, cat_row: int, k: int = 6) -> list[str]:
        """The words of the text whose features weighed most for the department (then the category)."""
        try:
            row = X.getrow(i)
            idx, vals = row.indices, row.data
            if len(idx) == 0:
                return []
            words = _words(text)
            dep = self._word_scores(idx, vals, self.department_head, dep_row, words)
            cat = self._word_scores(idx, vals, self.category_head, cat_row, words)
            chosen: list[str] = []
            for scores, quota in ((dep, 4), (cat, k)):
                for w, s in sorted(scores.items(), key=lambda kv: -kv[1]):
                    if len(chosen) >= k or quota == 0:
                        break
                    if s <= 0 or any(w in c or c in w for c in chosen):
                        continue
                    chosen.append(w)
                    quota -= 1
            return chosen
        except Exception:
            return []

    def _word_scores(self, idx, vals, head: _Head, row: int, words: list[str]) -> dict[str, float]:
        """Per word of the text: the summed contribution of the features that occur in it."""
        coef = head.coef[:, idx]
        contrib = vals * (coef[row] - coef.mean(axis=0))  # relative to the average class
        names = self.features.names[idx]
        scores: dict[str, float] = {}
        for name, c in zip(names, contrib):
            if c <= 0:
                continue
            block, term = name.split(":", 1)
            term = term.strip()
            if len(term) < 2 and block != "morph":
                continue
            if block == "morph":
                term = term.split(" ")[0]
                term = term[:-1] if term.endswith("다") and len(term) > 2 else term
            hits = [w for w in words if (term in w) or (block == "nospace" and term in w.replace(" ", ""))]
            if not hits:
                continue
            for w in hits:
                scores[w] = scores.get(w, 0.0) + c / len(hits)
        return scores

    # -- serialisation

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=6, mtime=0) as gz:
            pickle.dump({"format": ARTIFACT_FORMAT, "model": self}, gz, protocol=pickle.HIGHEST_PROTOCOL)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Model":
        payload = pickle.loads(gzip.decompress(data))
        if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
            raise ValueError("not a routing model artifact of this format")
        model = payload["model"]
        if not isinstance(model, cls):
            raise ValueError("artifact does not hold a routing Model")
        return model

    def __repr__(self) -> str:
        return f"<Model {self.version} features={self.features.blocks} safety_threshold={self.safety_threshold:.2f}>"


_WORD = re.compile(r"[\w']+")


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if len(w) >= 2 and not w.isdigit() and w != "0"]


def _fallback() -> Prediction:
    return Prediction("other", 1.0, COMMUNICATION, 1.0, [])


def decide_category(p_cat: np.ndarray, safety_threshold: float) -> tuple[str, float]:
    """The category: `safety` when its probability reaches the (low) safety threshold, else the argmax."""
    i_safety = CATEGORIES.index("safety")
    if p_cat[i_safety] >= safety_threshold:
        return "safety", float(p_cat[i_safety])
    j = int(np.argmax(p_cat))
    return CATEGORIES[j], float(p_cat[j])


def decide_department(category: str, p_cat: np.ndarray, p_dep: np.ndarray) -> tuple[str, float]:
    """The department and the calibrated probability that the destination is right.

    gratitude/other go to communication: its probability is the larger of the category head's
    P(gratitude or other) and the department head's P(communication). Otherwise the department
    head's top department that is not communication... unless communication is its clear top.
    """
    i_comm = DEPARTMENTS.index(COMMUNICATION)
    if category in NO_OWNER:
        p_no_owner = float(p_cat[CATEGORIES.index("gratitude")] + p_cat[CATEGORIES.index("other")])
        return COMMUNICATION, max(p_no_owner, float(p_dep[i_comm]))
    j = int(np.argmax(p_dep))
    return DEPARTMENTS[j], float(p_dep[j])


# ----------------------------------------------------------------------------- training

def _pseudo_examples() -> list[dict]:
    out = []
    for dep, texts in DEPARTMENT_DESCRIPTIONS.items():
        for t in texts:
            out.append({"text": t, "category": "complaint", "department": dep, "pseudo": True})
    return out


def _code_hash() -> str:
    try:
        src = inspect.getsource(inspect.getmodule(_code_hash))
    except Exception:
        src = ARTIFACT_FORMAT.__repr__()
    return hashlib.sha256(src.encode()).hexdigest()


def model_version(examples: list[dict], params: dict) -> str:
    h = hashlib.sha256()
    for e in examples:
        h.update(json.dumps([e["text"], e["category"], e["department"]], ensure_ascii=False).encode())
        h.update(b"\n")
    h.update(json.dumps(params, sort_keys=True).encode())
    h.update(_code_hash().encode())
    return h.hexdigest()[:12]


def _validate(examples: list[dict]) -> list[dict]:
    out, seen = [], set()
    for e in examples:
        if not isinstance(e, dict) or not isinstance(e.get("text"), str):
            continue
        if e.get("category") not in CATEGORIES or e.get("department") not in DEPARTMENTS:
            continue
        key = _SPACE.sub(" ", e["text"]).strip()
        if not key or key in seen:
            continue
        seen.add(key)
        e = dict(e)
        if e["category"] in NO_OWNER:
            e["department"] = COMMUNICATION
        out.append(e)
    return out


def choose_safety_threshold(p_safety: np.ndarray, is_safety: np.ndarray, target_recall: float,
                            bounds=(0.08, 0.5)) -> float:
    """The highest threshold (within bounds) whose recall of true safety texts is >= target_recall."""
    lo, hi = bounds
    if is_safety.sum() == 0:
        return hi
    best = lo
    for t in np.round(np.arange(lo, hi + 1e-9, 0.01), 2):
        if (p_safety[is_safety] >= t).mean() >= target_recall:
            best = float(t)
    return best


def train(examples: list[dict], *, progress: Callable[[str, int, int], None] | None = None,
          params: dict | None = None) -> Model:
    """Trains both heads on examples (dicts with "text", "category", "department")."""
    p = json.loads(json.dumps(DEFAULT_PARAMS))
    if params:
        p.update(params)
    started = time.perf_counter()
    report = progress or (lambda stage, i, n: None)

    examples = _validate(examples)
    if not examples:
        raise ValueError("no usable training examples")
    version = model_version(examples, p)
    real = examples
    if p["taxonomy_pseudo_examples"]:
        examples = examples + _pseudo_examples()
    folds = max(2, int(p["folds"]))
    steps = folds + 2
    report("features", 0, steps)

    cleaned = [clean(e["text"]) for e in examples]
    morph = [morphemes(t) for t in cleaned] if "morph" in p["features"] else None
    y_cat = np.array([e["category"] for e in examples])
    y_dep = np.array([e["department"] for e in examples])
    is_pseudo = np.array([bool(e.get("pseudo")) for e in examples])

    # Out-of-fold logits: temperature for calibration and the safety threshold.
    oof_cat = np.zeros((len(examples), len(CATEGORIES)))
    oof_dep = np.zeros((len(examples), len(DEPARTMENTS)))
    real_idx = np.flatnonzero(~is_pseudo)
    strat = y_cat[real_idx]
    n_splits = min(folds, max(2, int(min(np.unique(strat, return_counts=True)[1]))))
    skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0)
    for f, (tr, te) in enumerate(skf.split(real_idx, strat)):
        report("cross-validation", f + 1, steps)
        tr_idx = np.concatenate([real_idx[tr], np.flatnonzero(is_pseudo)])
        te_idx = real_idx[te]
        feats = _Features(p)
        Xtr = feats.fit_transform([cleaned[i] for i in tr_idx], [morph[i] for i in tr_idx] if morph else None)
        Xte = feats.transform([cleaned[i] for i in te_idx], [morph[i] for i in te_idx] if morph else None)
        ch = _fit_head(Xtr, list(y_cat[tr_idx]), CATEGORIES, p["C_category"], p["class_weight"])
        dh = _fit_head(Xtr, list(y_dep[tr_idx]), DEPARTMENTS, p["C_department"], p["class_weight"])
        oof_cat[te_idx] = ch.logits(Xte)
        oof_dep[te_idx] = dh.logits(Xte)

    yc = np.array([CATEGORIES.index(c) for c in y_cat[real_idx]])
    yd = np.array([DEPARTMENTS.index(d) for d in y_dep[real_idx]])
    t_cat = _fit_temperature(oof_cat[real_idx], yc)
    t_dep = _fit_temperature(oof_dep[real_idx], yd)
    pc_oof = _softmax(oof_cat[real_idx] / t_cat)
    pd_oof = _softmax(oof_dep[real_idx] / t_dep)
    is_safety = yc == CATEGORIES.index("safety")
    safety_threshold = choose_safety_threshold(pc_oof[:, CATEGORIES.index("safety")], is_safety,
                                               p["safety_target_recall"], tuple(p["safety_threshold_bounds"]))

    report("final model", folds + 1, steps)
    feats = _Features(p)
    X = feats.fit_transform(cleaned, morph)
    ch = _fit_head(X, list(y_cat), CATEGORIES, p["C_category"], p["class_weight"])
    dh = _fit_head(X, list(y_dep), DEPARTMENTS, p["C_department"], p["class_weight"])
    # prune features whose weights are negligible in both heads
    keep = (np.abs(ch.coef).max(axis=0) > 1e-4) | (np.abs(dh.coef).max(axis=0) > 1e-4)
    feats.keep(keep)
    ch.coef, dh.coef = ch.coef[:, keep], dh.coef[:, keep]
    ch.temperature, dh.temperature = t_cat, t_dep

    oof_metrics = _oof_metrics(pc_oof, pd_oof, yc, yd, safety_threshold)
    metadata = {
        "trained_on": len(real),
        "pseudo_examples": int(is_pseudo.sum()),
        "by_category": {c: int((y_cat[real_idx] == c).sum()) for c in CATEGORIES},
        "by_department": {d: int((y_dep[real_idx] == d).sum()) for d in DEPARTMENTS},
        "by_source": _count(e.get("source", "unknown") for e in real),
        "params": p,
        "n_features": int(keep.sum()),
        "temperature": {"category": t_cat, "department": t_dep},
        "safety_threshold": safety_threshold,
        "cross_validation": oof_metrics,
        "evaluation": oof_metrics,
        "train_seconds": round(time.perf_counter() - started, 2),
        "code": _code_hash()[:12],
    }
    report("done", steps, steps)
    return Model(feats, ch, dh, safety_threshold, p, version, metadata)


def _count(items) -> dict:
    out: dict = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return out


def _oof_metrics(pc, pd, yc, yd, safety_threshold) -> dict:
    """Out-of-fold figures on the training data (k-fold inside train)."""
    cats = [decide_category(row, safety_threshold)[0] for row in pc]
    deps = [decide_department(c, rc, rd)[0] for c, rc, rd in zip(cats, pc, pd)]
    true_c = [CATEGORIES[i] for i in yc]
    true_d = [DEPARTMENTS[i] for i in yd]
    f1s = []
    for c in CATEGORIES:
        tp = sum(a == c and b == c for a, b in zip(cats, true_c))
        fp = sum(a == c and b != c for a, b in zip(cats, true_c))
        fn = sum(a != c and b == c for a, b in zip(cats, true_c))
        if tp + fp + fn:
            f1s.append(2 * tp / (2 * tp + fp + fn))
    n_s = sum(b == "safety" for b in true_c)
    return {
        "oof_category_macro_f1": round(float(np.mean(f1s)), 4),
        "oof_department_accuracy": round(float(np.mean([a == b for a, b in zip(deps, true_d)])), 4),
        "oof_safety_recall": round(sum(a == "safety" and b == "safety" for a, b in zip(cats, true_c)) / n_s, 4) if n_s else None,
    }

"""Fitted TF-IDF feature blocks that transform texts without scikit-learn.

Training fits scikit-learn's TfidfVectorizer; the artifact keeps only what transforming needs (the
analyzer's settings, the vocabulary and the idf weights). Importing scikit-learn costs more than half
of a classifier process's start-up, and the vectorizer's own transform also re-validates the feature
count it saw in fit, which pruning the vocabulary after training changes. The analyzers below follow
scikit-learn's (`_char_wb_ngrams`, `_char_ngrams`, `_word_ngrams`, lowercase=False, no accent
stripping) token for token; tests/routing/test_ngrams.py holds them to it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

_WHITE_SPACES = re.compile(r"\s\s+")


def char_wb_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """Character n-grams inside words, each word padded with one space on both sides."""
    out = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        word = f" {word} "
        for n in range(lo, hi + 1):
            out.extend(word[i:i + n] for i in range(max(len(word) - n, 0) + 1))
            if len(word) <= n:  # a short word is counted once, at its full length
                break
    return out


def char_ngrams(text: str, lo: int, hi: int) -> list[str]:
    text = _WHITE_SPACES.sub(" ", text)
    out = []
    for n in range(lo, min(hi, len(text)) + 1):
        out.extend(text[i:i + n] for i in range(len(text) - n + 1))
    return out


def word_ngrams(tokens: list[str], lo: int, hi: int) -> list[str]:
    out = list(tokens) if lo == 1 else []
    for n in range(max(lo, 2), min(hi, len(tokens)) + 1):
        out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


@dataclass
class TfidfBlock:
    """A fitted TF-IDF block: sublinear tf * idf, each row L2-normalised."""

    analyzer: str                   # "char_wb", "char" or "word"
    ngram_range: tuple[int, int]
    token_pattern: str | None
    vocabulary_: dict[str, int]
    idf_: np.ndarray

    @classmethod
    def from_fitted(cls, vectorizer) -> "TfidfBlock":
        """The block of a fitted scikit-learn TfidfVectorizer (sublinear_tf, l2 norm, idf, no lowercasing)."""
        v = vectorizer
        if not (v.sublinear_tf and v.norm == "l2" and v.use_idf) or v.lowercase or v.strip_accents \
                or v.analyzer not in ("char_wb", "char", "word") or v.preprocessor or v.tokenizer or v.stop_words:
            raise ValueError("only sublinear, L2-normalised TF-IDF without preprocessing is supported")
        return cls(v.analyzer, tuple(v.ngram_range), v.token_pattern if v.analyzer == "word" else None,
                   dict(v.vocabulary_), np.asarray(v.idf_))

    def analyze(self, text: str) -> list[str]:
        lo, hi = self.ngram_range
        if self.analyzer == "char_wb":
            return char_wb_ngrams(text, lo, hi)
        if self.analyzer == "char":
            return char_ngrams(text, lo, hi)
        return word_ngrams(re.findall(self.token_pattern, text), lo, hi)

    def get_feature_names_out(self) -> np.ndarray:
        names = np.empty(len(self.vocabulary_), dtype=object)
        for term, j in self.vocabulary_.items():
            names[j] = term
        return names

    def transform(self, docs: list[str]) -> sp.csr_matrix:
        vocabulary = self.vocabulary_
        indptr, indices, counts = [0], [], []
        for doc in docs:
            row: dict[int, int] = {}
            for token in self.analyze(doc):
                j = vocabulary.get(token)
                if j is not None:
                    row[j] = row.get(j, 0) + 1
            keys = sorted(row)
            indices.extend(keys)
            counts.extend(row[k] for k in keys)
            indptr.append(len(indices))
        idx = np.asarray(indices, dtype=np.int32)
        data = (1.0 + np.log(np.asarray(counts, dtype=np.float64))) * self.idf_[idx]
        ptr = np.asarray(indptr, dtype=np.int32)
        lengths = np.diff(ptr)
        rows = np.repeat(np.arange(len(docs)), lengths)
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(docs)))
        data = data / np.repeat(np.where(norms > 0, norms, 1.0), lengths)
        return sp.csr_matrix((data.astype(np.float32), idx, ptr), shape=(len(docs), len(self.idf_)))

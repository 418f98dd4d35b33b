"""The TF-IDF blocks transform exactly as the scikit-learn vectorizers they were fitted as."""
import subprocess
import sys

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from routing import corpus
from routing.ngrams import TfidfBlock

TEXTS = [
    "가로등이 꺼졌어요", "  두 칸   띄어 쓴\n\n글과\t탭 ", "a", "", "Street light out on Haneul-ro 12, please fix",
    "ㅠㅠ 진짜 너무하당께잉 😡", "불법주차신고합니다차가인도를막고있어요", "x y z", "한 글자 a b 씩",
]
VECTORIZERS = {
    "char_wb 1-4": dict(analyzer="char_wb", ngram_range=(1, 4)),
    "char_wb 2-4": dict(analyzer="char_wb", ngram_range=(2, 4)),
    "char 1-4": dict(analyzer="char", ngram_range=(1, 4)),
    "char 2-4": dict(analyzer="char", ngram_range=(2, 4)),
    "word 1-2": dict(analyzer="word", token_pattern=r"(?u)\b\w+\b", ngram_range=(1, 2)),
    "word 2-3": dict(analyzer="word", token_pattern=r"\S+", ngram_range=(2, 3)),
    "word 1-1": dict(analyzer="word", token_pattern=r"\S+", ngram_range=(1, 1)),
}


@pytest.fixture(scope="module")
def documents():
    return TEXTS + [e["text"] for e in corpus.seed_examples()[:400]]


@pytest.mark.parametrize("name", VECTORIZERS)
def test_a_block_analyzes_and_transforms_as_the_vectorizer_it_was_fitted_as(name, documents):
    v = TfidfVectorizer(sublinear_tf=True, lowercase=False, dtype=np.float32, **VECTORIZERS[name]).fit(documents)
    block = TfidfBlock.from_fitted(v)
    analyze = v.build_analyzer()
    for doc in documents:
        assert block.analyze(doc) == analyze(doc)
    np.testing.assert_allclose(block.transform(documents).toarray(), v.transform(documents).toarray(), atol=1e-6)
    assert list(block.get_feature_names_out()) == list(v.get_feature_names_out())


def test_a_vectorizer_the_block_cannot_follow_is_refused():
    v = TfidfVectorizer(lowercase=True).fit(["road light", "light out"])
    with pytest.raises(ValueError):
        TfidfBlock.from_fitted(v)


def test_classifying_never_imports_scikit_learn(trained_model, tmp_path):
    artifact = tmp_path / "model.bin"
    artifact.write_bytes(trained_model.to_bytes())
    code = (
        "import sys; from routing.model import Model;"
        f"m = Model.from_bytes(open({str(artifact)!r}, 'rb').read());"
        "p = m.predict(['가로등이 꺼졌어요', 'Thank you']);"
        "print(p[0].department, any(n.startswith('sklearn') for n in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [trained_model.predict(["가로등이 꺼졌어요"])[0].department, "False"]

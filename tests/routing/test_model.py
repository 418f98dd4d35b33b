"""routing.model: the interface others code against, the taxonomy rules, robustness, serialisation."""
import dataclasses

import numpy as np
import pytest

from routing import corpus
from routing.model import (
    CATEGORIES,
    DEPARTMENTS,
    Model,
    Prediction,
    decide_category,
    decide_department,
    drop_features,
    train,
)
from routing.taxonomy import default

FAST = {"folds": 2}  # fewer cross-validation folds: the tests train in seconds


def _subset(n_per_group=12):
    """A small stratified slice of the seed corpus (every category and department present)."""
    seen, out = {}, []
    for e in corpus.load_jsonl(corpus.SEED_PATH):
        key = (e["category"], e["department"])
        if seen.get(key, 0) < n_per_group:
            seen[key] = seen.get(key, 0) + 1
            out.append(e)
    return out


@pytest.fixture(scope="module")
def examples():
    return _subset()


@pytest.fixture(scope="module")
def model(examples):
    return train(examples, params=FAST)


def test_keys_match_the_taxonomy():
    tax = default()
    assert set(CATEGORIES) == set(tax.category_keys)
    assert set(DEPARTMENTS) == set(tax.department_keys)
    assert len(DEPARTMENTS) == 13


def test_prediction_interface(model):
    [p] = model.predict(["공원 가로등이 고장났어요"])
    assert isinstance(p, Prediction)
    assert dataclasses.is_dataclass(p)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.category = "other"
    assert p.category in CATEGORIES and p.department in DEPARTMENTS
    assert 0.0 <= p.category_confidence <= 1.0 and 0.0 <= p.department_confidence <= 1.0
    assert 0.0 <= p.confidence <= 1.0
    assert p.confidence <= max(p.category_confidence, p.department_confidence) + 1e-9
    assert isinstance(p.explanation, list) and all(isinstance(w, str) for w in p.explanation)
    assert len(p.explanation) <= 6


def test_model_attributes(model, examples):
    assert isinstance(model.version, str) and len(model.version) == 12
    int(model.version, 16)
    assert model.metadata["trained_on"] == len(corpus.dedupe(examples))
    assert 0.0 < model.metadata["safety_threshold"] <= 0.5
    assert model.metadata["safety_threshold"] == model.safety_threshold
    assert model.predict([]) == []


def test_round_trip_gives_the_same_predictions(model):
    texts = ["쓰레기 무단투기 좀 단속해 주세요", "Thank you so much!", "The bus stop roof is broken", "",
             "도서관 운영시간을 늘려주세요"]
    data = model.to_bytes()
    assert isinstance(data, bytes) and len(data) < 50 * 1024 * 1024
    again = Model.from_bytes(data)
    assert again.version == model.version
    assert again.metadata == model.metadata
    assert again.predict(texts) == model.predict(texts)


def test_an_artifact_of_the_earlier_format_still_loads_and_predicts_the_same(monkeypatch, examples):
    """Format 1 pickled scikit-learn vectorizers; a version stored then can still be rolled back to."""
    import gzip
    import pickle

    from routing.model import LexiconVectorizer
    from routing.ngrams import TfidfBlock

    params = {**FAST, "features": ["char", "stem", "lex"]}
    current = train(examples, params=params)
    monkeypatch.setattr(TfidfBlock, "from_fitted", classmethod(lambda cls, v: v))  # keep the fitted vectorizers
    earlier = train(examples, params=params)
    monkeypatch.undo()
    assert not isinstance(earlier.features.vectorizers["char"], TfidfBlock)

    loaded = Model.from_bytes(gzip.compress(pickle.dumps({"format": 1, "model": earlier})))
    assert all(isinstance(v, (TfidfBlock, LexiconVectorizer)) for v in loaded.features.vectorizers.values())
    texts = ["쓰레기 무단투기 좀 단속해 주세요", "The bus stop roof is broken", "도서관 운영시간을 늘려주세요", ""]
    # The two models were trained apart (the earlier one's folds used scikit-learn's float32 transform):
    # the same decisions, probabilities equal to a few parts in a hundred thousand.
    np.testing.assert_allclose(loaded.predict_proba(texts)[0], current.predict_proba(texts)[0], atol=1e-3)
    for a, b in zip(loaded.predict(texts), current.predict(texts)):
        assert (a.category, a.department) == (b.category, b.department)
        assert a.confidence == pytest.approx(b.confidence, abs=1e-3)


def test_from_bytes_refuses_other_data():
    with pytest.raises(Exception):
        Model.from_bytes(b"not a model")


BAD = ["", "   ", "\n\t", "😀😀😀", "🙏", "가" * 1600, "x" * 5000, "\x00\x01\x02\x1b[31m", "ÿþ\x00\x00binary\ufffd",
       "Hello 안녕 مرحبا 你好", "?!?!...", "1234567890", "ㅋㅋㅋㅋ", "\u200b\u200b", "%PDF-1.4 \x89PNG\r\n\x1a\n",
       "a", "https://spam.example/win"]


def test_bad_input_always_gets_a_taxonomy_answer(model):
    out = model.predict(BAD)
    assert len(out) == len(BAD)
    for p in out:
        assert p.category in CATEGORIES and p.department in DEPARTMENTS
        assert 0.0 <= p.confidence <= 1.0
        if p.category in ("gratitude", "other"):
            assert p.department == "communication"


def test_non_string_input_does_not_raise(model):
    out = model.predict([None, 42, b"\xff\xfe bytes"])  # type: ignore[list-item]
    assert [p.category in CATEGORIES for p in out] == [True, True, True]


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "\x00\x01"])
def test_nothing_to_classify_is_other_for_communication(model, text):
    [p] = model.predict([text])
    assert (p.category, p.department) == ("other", "communication")


def test_gratitude_goes_to_communication(trained_model):
    out = trained_model.predict(["구청장님 항상 감사합니다. 수고 많으십니다!", "Thank you so much for your hard work, mayor!"])
    for p in out:
        assert p.category == "gratitude"
        assert p.department == "communication"


def test_clear_safety_text_is_safety(model):
    [p] = model.predict(["반지하에 물이 들어오고 있어요 침수 위험해요 빨리 와주세요"])
    assert p.category == "safety"


def test_explanation_names_words_of_the_text(model):
    text = "아파트 앞 음식물 쓰레기 수거가 일주일째 안 되고 있어요"
    [p] = model.predict([text])
    assert p.department == "sanitation"
    assert p.explanation
    assert all(w in text for w in p.explanation)


def test_explanation_words_keep_no_emoticon_jamo_typed_onto_them(model):
    text = "해오름공원 그네 줄이 끊어졌어요ㅠㅠ 놀이터 미끄럼틀도 부서졌어요ㅠㅠ 고쳐주세요ㅋㅋ"
    [p] = model.predict([text])
    assert p.explanation
    assert all(w in text for w in p.explanation)
    assert not any("ᅲ" in w or "ㅠ" in w or "ᄏ" in w for w in p.explanation)


def test_explanation_leaves_out_address_parts_and_form_field_names(model):
    [p] = model.predict(["Title: Streetlight out\nLocation: Guam-dong 5-gil\nRequest: please repair, it has been dark for a week"])
    assert p.department == "roads"
    assert p.explanation and not {"title", "location", "dong", "gil"} & set(p.explanation)


def test_version_changes_with_the_data_and_is_stable():
    small = _subset(3)
    a = train(small, params=FAST)
    b = train(small, params=FAST)
    c = train(small[:-5], params=FAST)
    assert a.version == b.version
    assert a.version != c.version


def test_the_same_texts_and_code_train_the_same_model(examples):
    a, b = train(examples, params=FAST), train(examples, params=FAST)
    assert a.safety_threshold == b.safety_threshold
    assert np.array_equal(a.category_head.coef, b.category_head.coef)
    assert np.array_equal(a.department_head.coef, b.department_head.coef)


def test_progress_is_reported():
    calls = []
    train(_subset(3), params=FAST, progress=lambda stage, i, n: calls.append((stage, i, n)))
    assert calls and calls[-1][1] == calls[-1][2]
    assert all(isinstance(s, str) and 0 <= i <= n for s, i, n in calls)


def test_training_ignores_unusable_examples():
    small = _subset(3)
    noisy = small + [{"text": "x", "category": "nope", "department": "roads"}, {"text": None}, "junk"]
    model = train(noisy, params=FAST)
    assert model.metadata["trained_on"] == len(corpus.dedupe(small))


def test_a_tiny_corpus_still_trains_and_predicts():
    tiny = [{"text": "가로등이 꺼졌어요", "category": "complaint", "department": "roads"},
            {"text": "감사합니다", "category": "gratitude", "department": "communication"},
            {"text": "침수 위험", "category": "safety", "department": "safety"}]
    model = train(tiny)
    [p] = model.predict(["가로등 고장"])
    assert p.category in CATEGORIES and p.department in DEPARTMENTS


def test_safety_threshold_rule():
    p = np.zeros(len(CATEGORIES))
    p[CATEGORIES.index("complaint")] = 0.75
    p[CATEGORIES.index("safety")] = 0.25
    assert decide_category(p, 0.2) == ("safety", 0.25)
    assert decide_category(p, 0.3)[0] == "complaint"


def test_a_text_read_as_thanks_or_spam_is_safety_only_when_safety_is_most_likely():
    p = np.zeros(len(CATEGORIES))
    p[CATEGORIES.index("gratitude")] = 0.8
    p[CATEGORIES.index("safety")] = 0.2
    assert decide_category(p, 0.05)[0] == "gratitude"
    p[CATEGORIES.index("gratitude")], p[CATEGORIES.index("safety")] = 0.4, 0.6
    assert decide_category(p, 0.05) == ("safety", 0.6)


def test_no_owner_categories_route_to_communication():
    pc = np.zeros(len(CATEGORIES))
    pc[CATEGORIES.index("gratitude")] = 0.7
    pc[CATEGORIES.index("complaint")] = 0.3
    pd = np.zeros(len(DEPARTMENTS))
    pd[DEPARTMENTS.index("roads")] = 1.0
    assert decide_department("gratitude", pc, pd) == ("communication", pytest.approx(0.7))
    dep, conf = decide_department("complaint", pc, pd)
    assert dep == "roads" and conf == pytest.approx(0.3)  # joint: P(owned) * P(roads | owned)


def test_every_block_the_model_fits_transforms_as_scikit_learn_does(examples):
    from routing.model import DEFAULT_PARAMS, _block_input, _make_vectorizer, clean
    from routing.ngrams import TfidfBlock

    fitted_on = [clean(e["text"]) for e in examples]
    docs = [clean(t) for t in ["가로등이 꺼졌어요", "", "zzz", "Thank you!", "가" * 1600, "쓰레기 쓰레기 쓰레기"]] * 8
    for block in ("char", "stem", "word", "nospace", "tail"):
        v = _make_vectorizer(block, DEFAULT_PARAMS)
        v.fit(_block_input(block, fitted_on, DEFAULT_PARAMS))
        texts = _block_input(block, docs, DEFAULT_PARAMS)
        fast = TfidfBlock.from_fitted(v).transform(texts)
        assert np.allclose(fast.toarray(), v.transform(texts).toarray(), atol=1e-6)


def test_a_pruned_model_predicts_a_batch_as_it_predicts_each_text(examples):
    pruned = train(examples, params=FAST)
    features = pruned.features
    mask = np.ones(features.n_features, dtype=bool)
    mask[features.offsets["char"]:features.offsets["char"] + 25] = False  # as training drops zero weights
    drop_features(features, (pruned.category_head, pruned.department_head), mask)
    texts = [e["text"] for e in examples[:40]]

    batch_category, batch_department = pruned.predict_proba(texts)  # 40 texts: one batch, no fallback

    one_by_one = [pruned.predict_proba([t]) for t in texts]
    assert np.allclose(batch_category, np.vstack([c for c, _ in one_by_one]), atol=1e-6)
    assert np.allclose(batch_department, np.vstack([d for _, d in one_by_one]), atol=1e-6)


def test_a_category_head_told_to_ignore_a_block_gives_it_no_weight(examples):
    model = train(examples, params={**FAST, "category_exclude": ["lex:dep:"]})
    names = model.features.names
    ignored = np.array([n.startswith("lex:dep:") for n in names])
    assert ignored.any()
    assert not np.abs(model.category_head.coef[:, ignored]).any()
    assert np.abs(model.department_head.coef[:, ignored]).any()
    assert np.abs(model.category_head.coef[:, ~ignored]).any()


def test_the_safety_lexicon_has_no_one_syllable_korean_keyword():
    from routing.model import LEXICON

    # a one-syllable keyword (있, 못) matches nearly every Korean text and says nothing
    ko_safety = LEXICON["cat:safety"][0].split()
    assert all(len(w) >= 2 for w in ko_safety)

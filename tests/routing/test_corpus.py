"""The shipped corpus: labels from the taxonomy, and no evaluation text among the training texts."""
from routing import corpus
from routing.taxonomy import default


def test_no_evaluation_text_is_in_the_training_data():
    training = {corpus.text_hash(e["text"]) for e in corpus.seed_examples()}
    sets = corpus.evaluation_sets()
    assert {"realstyle_eval", "seedstyle_eval", "longpost_eval", "boardstyle_eval"} <= set(sets)
    for name, examples in sets.items():
        shared = [e["id"] for e in examples if corpus.text_hash(e["text"]) in training]
        assert not shared, f"{name} texts also in training: {shared[:5]}"


def test_no_evaluation_text_is_a_light_rewrite_of_a_training_text():
    training = [e["text"] for e in corpus.seed_examples()]
    for name, examples in corpus.evaluation_sets().items():
        close = corpus.near_duplicates([e["text"] for e in examples], training)
        assert not close, f"{name}: {[(examples[i]['id'], training[j][:40], round(s, 2)) for i, j, s in close[:5]]}"


def test_near_duplicates_finds_a_text_rewritten_by_a_few_words_and_not_a_different_one():
    text = "버들로 37번길 가로등이 사흘째 꺼져 있어요 밤에 너무 어두워요"
    others = ["버들로 37번길 가로등이 나흘째 꺼져 있어요 밤에 너무 어두워요", "해오름공원 벤치가 부서졌어요"]
    assert [(i, j) for i, j, _ in corpus.near_duplicates([text], others)] == [(0, 0)]


def test_every_shipped_text_is_labeled_from_the_taxonomy():
    tax = default()
    every = corpus.seed_examples() + [e for examples in corpus.evaluation_sets().values() for e in examples]
    for e in every:
        assert e["category"] in tax.category_keys and e["department"] in tax.department_keys, e.get("id")
        if e["category"] in ("gratitude", "other"):
            assert e["department"] == "communication", e.get("id")
        else:
            assert e["department"] != "communication", e.get("id")


def test_the_training_data_includes_long_posts():
    long_posts = [e for e in corpus.seed_examples() if e["source"] == "longpost"]
    assert len(long_posts) >= 500 and min(len(e["text"]) for e in long_posts) >= 300


def test_the_training_data_includes_web_board_forms():
    forms = [e for e in corpus.seed_examples() if "개선방안" in e["text"] or "요청 사항" in e["text"]]
    assert len(forms) >= 20 and {"suggestion", "improvement", "complaint"} <= {e["category"] for e in forms}

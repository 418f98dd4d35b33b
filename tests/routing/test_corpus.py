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

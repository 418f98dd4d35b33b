"""routing.evaluate: the metric definitions on tiny hand-made examples with known answers."""
import json

import pytest

from routing import evaluate as ev
from routing.model import Prediction


def test_routing_rates_definitions():
    true = ["roads", "roads", "parks", "communication", "traffic", "admin"]
    model = ["roads", "parks", "parks", "roads", "traffic", "communication"]
    conf = [0.9, 0.8, 0.3, 0.9, 0.95, 0.99]
    r = ev.routing_rates(true, model, conf, 0.5)
    # 0 right; 1 misroute (parks for roads); 2 triage (parks under threshold, parks owns it);
    # 3 misroute (roads for a communication text); 4 right; 5 unowned (model chose communication)
    assert r["misroute"] == pytest.approx(2 / 6)
    assert r["triage"] == pytest.approx(1 / 6)
    assert r["unowned"] == pytest.approx(1 / 6)
    assert r["correct"] == pytest.approx(2 / 6)


def test_low_confidence_on_a_communication_text_is_not_triage():
    r = ev.routing_rates(["communication"], ["roads"], [0.1], 0.5)
    assert r["triage"] == 0 and r["misroute"] == 0 and r["correct"] == 1


def test_threshold_zero_routes_everything():
    r = ev.routing_rates(["roads", "parks"], ["parks", "parks"], [0.0, 0.0], 0.0)
    assert r["misroute"] == 0.5 and r["triage"] == 0.0


def test_macro_f1_and_per_class():
    true = ["a", "a", "b", "b", "c"]
    pred = ["a", "b", "b", "b", "a"]
    stats = ev.per_class(true, pred, ["a", "b", "c"])
    assert stats["a"]["precision"] == pytest.approx(0.5) and stats["a"]["recall"] == pytest.approx(0.5)
    assert stats["b"]["precision"] == pytest.approx(2 / 3) and stats["b"]["recall"] == pytest.approx(1.0)
    assert stats["c"]["f1"] == 0.0
    assert ev.macro_f1(true, pred, ["a", "b", "c"]) == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    # a label absent from both truth and predictions does not count
    assert ev.macro_f1(true, pred, ["a", "b", "c", "d"]) == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert ev.macro_f1(["x"], ["x"]) == 1.0


def test_accuracy_and_confusion():
    assert ev.accuracy(["a", "b"], ["a", "a"]) == 0.5
    assert ev.confusion(["a", "b", "b"], ["a", "a", "b"], ["a", "b"]) == [[1, 0], [1, 1]]


def test_expected_calibration_error():
    assert ev.expected_calibration_error([1.0, 1.0], [True, True]) == pytest.approx(0.0)
    assert ev.expected_calibration_error([0.9, 0.9], [False, False]) == pytest.approx(0.9)
    # half right at 0.75 confidence: |0.5 - 0.75|
    assert ev.expected_calibration_error([0.75] * 4, [True, False, True, False]) == pytest.approx(0.25)


def test_recommended_threshold_is_lowest_misroute_within_triage_budget():
    table = [
        {"threshold": 0.0, "misroute": 0.20, "triage": 0.00},
        {"threshold": 0.5, "misroute": 0.08, "triage": 0.20},
        {"threshold": 0.7, "misroute": 0.05, "triage": 0.25},
        {"threshold": 0.9, "misroute": 0.01, "triage": 0.40},
    ]
    assert ev.recommend_threshold(table) == 0.7
    assert ev.recommend_threshold(table, max_triage=0.1) == 0.0
    assert ev.recommend_threshold([{"threshold": 0.1, "misroute": 0.0, "triage": 0.5}]) is None


class StubModel:
    version = "abc123"
    safety_threshold = 0.2

    def __init__(self, answers):
        self.answers = answers

    def predict(self, texts):
        return [self.answers[t] for t in texts]


def _p(cat, dep, conf):
    return Prediction(cat, conf, dep, conf, ["word"])


def test_evaluate_report_and_format():
    examples = [
        {"text": "t1", "category": "complaint", "department": "roads", "lang": "ko"},
        {"text": "t2", "category": "safety", "department": "safety", "lang": "ko"},
        {"text": "t3", "category": "gratitude", "department": "communication", "lang": "en"},
        {"text": "t4", "category": "complaint", "department": "parks", "lang": "en"},
    ]
    model = StubModel({
        "t1": _p("complaint", "roads", 0.9),
        "t2": _p("complaint", "safety", 0.4),    # safety missed; right department but under threshold
        "t3": _p("gratitude", "communication", 0.95),
        "t4": _p("complaint", "roads", 0.8),     # misroute
    })
    r = ev.evaluate(model, examples, 0.5)
    assert r["n"] == 4
    assert r["misroute_rate"] == pytest.approx(0.25)
    assert r["triage_rate"] == pytest.approx(0.25)
    assert r["safety_recall"] == 0.0
    assert r["department"]["accuracy"] == pytest.approx(0.75)
    assert r["by_lang"]["en"]["department_accuracy"] == pytest.approx(0.5)
    assert [row["threshold"] for row in r["tradeoff"]] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert r["texts_per_second"] > 0
    text = ev.format_report(r)
    for needle in ("macro-F1", "misroute", "triage", "safety recall", "recommended threshold", "texts/s", "ECE"):
        assert needle in text
    json.dumps(ev._json_safe(r))

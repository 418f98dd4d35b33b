"""What "not worse" means for a retrained model."""
from routing.lifecycle import worse_than

LIVE = {"held_out": {"category_macro_f1": 0.94, "department_accuracy": 0.95, "safety_recall": 0.97, "misroute_rate": 0.03, "triage_rate": 0.1}}


def candidate(**changes) -> dict:
    return {"held_out": {**LIVE["held_out"], **changes}, "realstyle_eval": {**LIVE["held_out"], "department_accuracy": 0.1}}


def test_candidate_within_the_tolerance_on_every_score_is_not_worse():
    assert worse_than(candidate(category_macro_f1=0.936, department_accuracy=0.946, misroute_rate=0.034), LIVE, 0.005) == []


def test_a_drop_beyond_the_tolerance_makes_the_candidate_worse():
    assert worse_than(candidate(department_accuracy=0.94), LIVE, 0.005) == ["held_out department_accuracy 0.9400 < 0.9500"]
    assert worse_than(candidate(category_macro_f1=0.93), LIVE, 0.005) == ["held_out category_macro_f1 0.9300 < 0.9400"]
    assert worse_than(candidate(misroute_rate=0.04), LIVE, 0.005) == ["held_out misroute_rate 0.0400 > 0.0300"]


def test_any_loss_of_safety_recall_makes_the_candidate_worse():
    assert worse_than(candidate(safety_recall=0.969), LIVE, 0.005) == ["held_out safety_recall 0.9690 < 0.9700"]


def test_only_the_held_out_split_decides_not_the_real_style_set():
    live = {**LIVE, "realstyle_eval": {**LIVE["held_out"]}}
    assert worse_than(candidate(), live, 0.005) == []

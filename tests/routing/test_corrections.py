"""Staff corrections: stored with who and when, and learned at the next retrain."""
from sqlmodel import select

import db
from models import LabeledCorrection, ModelVersion, Staff
from routing import corpus, corrections, lifecycle, registry
from routing.model import Model
from tests.routing.conftest import make_case


def test_record_stores_the_cases_first_text_with_the_staff_member_and_the_time(app):
    with app.app_context():
        session = db.session()
        staff = Staff(email="kim@example.org", name="김주무관", role="communication")
        session.add(staff)
        case = make_case(session, "놀이터 그네 줄이 끊어졌어요")
        correction = corrections.record(session, case=case, category="complaint", department="parks", staff_id=staff.id)
        session.commit()
        stored = session.get(LabeledCorrection, correction.id)
        assert (stored.text, stored.category, stored.department, stored.staff_id) == ("놀이터 그네 줄이 끊어졌어요", "complaint", "parks", staff.id)
        assert stored.case_id == case.id and stored.created_at is not None


def test_latest_correction_of_a_text_wins_and_unusable_ones_are_left_out(sqlite_app):
    with sqlite_app.app_context():
        session = db.session()
        twice = make_case(session, "버스 정류장 의자가 부서졌어요")
        corrections.record(session, case=twice, category="complaint", department="roads", staff_id=None)
        corrections.record(session, case=twice, category="complaint", department="traffic", staff_id=None)
        corrections.record(session, case=make_case(session, "   "), category="complaint", department="roads", staff_id=None)
        corrections.record(session, case=make_case(session, "동네 축구 모임"), category="complaint", department="sports_club", staff_id=None)
        session.commit()
        assert corrections.training_examples(session) == [
            {"text": "버스 정류장 의자가 부서졌어요", "category": "complaint", "department": "traffic", "source": "correction"}
        ]


def test_a_correction_overrides_the_corpus_label_and_is_never_evaluated_on():
    seed = corpus.seed_examples()
    _, held_out = corpus.split(seed)
    moved = held_out[0]
    relabeled = {"text": moved["text"], "category": "complaint", "department": "culture", "source": "correction"}
    data = lifecycle.training_data(seed, [relabeled])
    evaluated = {corpus.text_hash(e["text"]) for examples in data.evaluation.values() for e in examples}
    assert corpus.text_hash(moved["text"]) not in evaluated
    same_text = [e for e in data.examples if corpus.text_hash(e["text"]) == corpus.text_hash(moved["text"])]
    assert same_text == [relabeled]
    assert data.corrections == 1 and data.seed == len(data.examples) - 1


def test_recorded_corrections_are_in_the_next_retrain_and_the_new_model_learns_them(app, small_training):
    small_training(app)
    with app.app_context():
        session = db.session()
        baseline, _ = registry.train_from_corpus(session)
        real_style = corpus.load_jsonl(corpus.REALSTYLE_EVAL_PATH)
        predictions = baseline.predict([e["text"] for e in real_style])
        wrong = [e for e, p in zip(real_style, predictions) if e["category"] == "complaint" and p.department != e["department"]][:6]
        assert len(wrong) == 6
        for e in wrong:
            corrections.record(session, case=make_case(session, e["text"]), category=e["category"], department=e["department"], staff_id=None)
        session.commit()

        result = registry.retrain(session)

        assert result.previous == baseline.version and result.candidate.version != baseline.version
        assert result.candidate.metrics["training"]["corrections"] == 6
        candidate = Model.from_bytes(session.exec(select(ModelVersion.artifact).where(ModelVersion.version == result.candidate.version)).one())
        assert [p.department for p in candidate.predict([e["text"] for e in wrong])] == [e["department"] for e in wrong]
        assert result.went_live == (not result.worse)

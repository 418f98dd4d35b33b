"""`flask --app wsgi routing train | retrain | models | rollback | evaluate`."""
from sqlmodel import select

import db
from models import ModelVersion
from routing import corpus, corrections, registry
from routing.lifecycle import build, training_data
from tests.routing.conftest import SMALL_CORPUS, SMALL_PARAMS, make_case


def invoke(app, *args):
    result = app.test_cli_runner().invoke(args=["routing", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_train_builds_from_the_corpus_shows_progress_and_publishes(app, small_training):
    small_training(app)
    result = invoke(app, "train")
    assert result.exit_code == 0
    with app.app_context():
        row = db.session().exec(select(ModelVersion).where(ModelVersion.live)).one()
    assert f"model {row.version} is live" in result.output
    assert "cross-validation" in result.output  # the progress bar's stages
    assert "held_out" in result.output and "department accuracy" in result.output
    assert row.metrics["kind"] == "train" and row.metrics["training"]["corrections"] == 0
    assert row.training_size == row.metrics["training"]["total"] < len(SMALL_CORPUS)  # the held-out texts are not trained on


def careless_corrections() -> list[dict]:
    in_small = {corpus.text_hash(e["text"]) for e in SMALL_CORPUS}
    return [e for e in corpus.load_jsonl(corpus.SEED_PATH)
            if e["department"] in ("parks", "roads", "traffic") and corpus.text_hash(e["text"]) not in in_small][:90]


def test_retrain_keeps_the_live_model_when_the_candidate_is_worse_and_records_it(app, small_training):
    small_training(app)
    invoke(app, "train")
    with app.app_context():
        session = db.session()
        live_before = registry.live_version(session)
        # A careless colleague files parks, roads and traffic texts (none of them evaluated on) under culture.
        for e in careless_corrections():
            corrections.record(session, case=make_case(session, e["text"]), category=e["category"], department="culture", staff_id=None)
        session.commit()

    result = invoke(app, "retrain")
    assert result.exit_code == 0
    assert f"{live_before} stays live" in result.output and "is recorded but worse: held_out" in result.output
    assert f"live {live_before}" in result.output  # the comparison table has both columns
    with app.app_context():
        session = db.session()
        assert registry.live_version(session) == live_before
        candidate = session.exec(select(ModelVersion).where(ModelVersion.version != live_before).order_by(ModelVersion.id.desc())).first()
        assert candidate.metrics["kind"] == "retrain" and not candidate.live
        assert candidate.metrics["compared_with"]["version"] == live_before and candidate.metrics["compared_with"]["worse"]
        theirs, mine = candidate.metrics["compared_with"]["scores"]["held_out"], candidate.metrics["evaluation"]["held_out"]
        assert (mine["department_accuracy"] < theirs["department_accuracy"] - 0.005
                or mine["misroute_rate"] > theirs["misroute_rate"] + 0.005)


def model_that_knows_nothing():
    """A live model any honest candidate beats: trained on the corpus texts with labels dealt out in turn."""
    labels = [("complaint", "admin"), ("suggestion", "culture")]
    examples = [{**e, "category": labels[i % 2][0], "department": labels[i % 2][1]} for i, e in enumerate(SMALL_CORPUS)]
    return build(training_data(examples, []), params=SMALL_PARAMS)


def test_retrain_makes_a_candidate_that_is_not_worse_live(app, small_training):
    small_training(app)
    with app.app_context():
        session = db.session()
        for text, department in (("공원 산책로 벤치 페인트가 다 벗겨졌어요", "parks"), ("The bus shelter roof on Main St leaks", "traffic")):
            corrections.record(session, case=make_case(session, text), category="complaint", department=department, staff_id=None)
        session.commit()
        registry.publish(session, model_that_knows_nothing(), metrics={}, training_size=0)

    result = invoke(app, "retrain")
    with app.app_context():
        session = db.session()
        row = session.exec(select(ModelVersion).where(ModelVersion.live)).one()
    assert row.metrics["kind"] == "retrain" and row.metrics["training"]["corrections"] == 2
    assert f"{row.version} is live (not worse than" in result.output


def test_models_lists_versions_with_size_scores_and_the_live_marker(app, small_training, trained_model):
    small_training(app)
    invoke(app, "train")
    result = invoke(app, "models")
    with app.app_context():
        live = registry.live_version(db.session())
    lines = result.output.splitlines()
    live_line = next(line for line in lines if live in line)
    assert live_line.startswith("*") and " train " in live_line
    assert any(trained_model.version in line and line.startswith(" ") for line in lines)
    assert "version" in lines[0] and "texts" in lines[0] and "dep acc" in lines[0]
    assert "real dep" in lines[0] and "sms dep" in lines[0] and "long dep" in lines[0] and "board dep" in lines[0]  # each independent eval set is scored
    with app.app_context():
        stored = db.session().exec(select(ModelVersion).where(ModelVersion.live)).one().metrics["evaluation"]
    assert {"held_out", "realstyle_eval", "seedstyle_eval"} <= set(stored)
    assert f"{stored['seedstyle_eval']['department_accuracy']:.3f}" in live_line


def test_rollback_makes_the_previous_or_a_named_version_live(app, small_training, trained_model):
    small_training(app)
    invoke(app, "train")
    with app.app_context():
        trained = registry.live_version(db.session())
    assert f"model {trained_model.version} is live" in invoke(app, "rollback").output
    assert f"model {trained} is live" in invoke(app, "rollback", trained[:8]).output
    with app.app_context():
        assert registry.live_version(db.session()) == trained


def test_rollback_to_an_unknown_version_says_so(app):
    result = invoke(app, "rollback", "ffffffffffff")
    assert result.exit_code == 1 and "no model version 'ffffffffffff'" in result.output


def test_evaluate_reports_on_the_live_model(app, trained_model, tmp_path):
    path = tmp_path / "few.jsonl"
    path.write_text('{"text": "가로등이 꺼졌어요", "category": "complaint", "department": "roads"}\n'
                    '{"text": "Thank you for fixing the bench", "category": "gratitude", "department": "communication"}\n',
                    encoding="utf-8")
    result = invoke(app, "evaluate", str(path))
    assert result.exit_code == 0
    assert f"model: {trained_model.version}" in result.output and "texts: 2" in result.output
    assert "triage trade-off" in result.output

"""python -m routing.classify: JSON lines in, one JSON line out per line in, errors per line."""
import io
import json

from routing.classify import answer, main
from routing.taxonomy import default


def run(lines, model, threshold=0.45):
    return list(answer(lines, model, threshold))


def test_one_answer_per_line_with_taxonomy_keys(trained_model):
    out = run(['{"id": 1, "text": "가로등이 꺼졌어요"}\n', '{"id": "b", "text": "Thank you mayor!"}\n'], trained_model)
    assert [o["id"] for o in out] == [1, "b"]
    tax = default()
    for o in out:
        assert o["category"] in tax.category_keys and o["department"] in tax.department_keys
        assert 0.0 <= o["confidence"] <= 1.0


def test_malformed_line_gets_an_error_for_its_line_and_the_rest_are_answered(trained_model):
    out = run(['{"id": 1, "text": "쓰레기"}', "not json", '{"id": 3}', "[1,2]", '{"id": 5, "text": "noise"}'], trained_model)
    assert [o["id"] for o in out] == [1, 2, 3, 4, 5]
    assert "error" in out[1] and "line 2" in out[1]["error"]
    assert "error" in out[2] and "error" in out[3]
    assert out[4]["category"] in default().category_keys


def test_low_confidence_goes_to_the_communication_team(trained_model):
    [o] = run(['{"id": 1, "text": "음"}'], trained_model, threshold=1.01)
    assert o["department"] == "communication"


def test_bad_texts_always_get_an_answer(trained_model):
    texts = ["", "   ", "😀😀😀", "가" * 1600, "\x00\x01\x02\x1b[31m", "ÿþ\x00\x00binary\ufffd", "Hello 안녕 مرحبا 你好"]
    out = run([json.dumps({"id": i, "text": t}) for i, t in enumerate(texts)], trained_model)
    assert len(out) == len(texts) and all("category" in o for o in out)


def test_main_reads_stdin_and_writes_stdout(app, monkeypatch):
    import routing.classify as cli

    with app.app_context():
        import db
        from routing import registry

        model = registry.live_model(db.session())
    monkeypatch.setattr(cli, "load_model_and_threshold", lambda: (model, 0.45))
    stdout = io.StringIO()
    assert main(io.StringIO('{"id": 7, "text": "불법 주차 신고합니다"}\n'), stdout) == 0
    line = json.loads(stdout.getvalue())
    assert line["id"] == 7 and set(line) >= {"id", "category", "department", "confidence"}


def test_a_line_is_answered_before_the_next_one_is_read_when_no_more_input_waits(trained_model):
    answers = []
    read_after_answers = []

    def lines():
        for i in range(3):
            read_after_answers.append(len(answers))
            yield json.dumps({"id": i, "text": "가로등이 꺼졌어요"})

    for out in answer(lines(), trained_model, 0.45, input_waiting=lambda: False):
        answers.append(out)
    assert read_after_answers == [0, 1, 2]
    assert [a["id"] for a in answers] == [0, 1, 2]


def test_input_waiting_follows_the_pipe():
    import os

    from routing.classify import input_waiting

    r, w = os.pipe()
    with os.fdopen(r, encoding="utf-8") as reader:
        waiting = input_waiting(reader)
        assert not waiting()
        os.write(w, b'{"id": 1, "text": "x"}\n')
        assert waiting()
        reader.readline()
        os.close(w)
        assert waiting()  # end of input is ready to be read
    assert input_waiting(io.StringIO(""))()


def test_the_live_model_is_read_from_the_database_the_settings_name_without_the_app(app, monkeypatch):
    import routing.classify as cli

    with app.app_context():
        import db
        from routing import registry

        live = registry.live_version(db.session())
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("ROUTING_CONFIDENCE_THRESHOLD", "0.77")

    def no_app():
        raise AssertionError("the app was created although the database holds a live model")

    monkeypatch.setattr(cli, "_model_from_app", no_app)
    model, threshold = cli.load_model_and_threshold()
    assert model.version == live and threshold == 0.77


def test_a_database_without_a_live_model_or_out_of_reach_leaves_the_model_to_the_app(tmp_path):
    from routing.classify import _stored_live_model

    assert _stored_live_model(f"sqlite:///{tmp_path / 'empty.db'}") is None  # no tables yet
    assert _stored_live_model("postgresql+psycopg://postgres@127.0.0.1:9/nowhere") is None

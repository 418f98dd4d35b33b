"""The resident's side on the embedded mode too: SQLite, the in-process queue and the phone simulator."""


def say(app, client, body: str) -> list[dict]:
    assert client.post("/simulator/send", json={"from": "010-5555-6666", "body": body}).status_code == 200
    app.extensions["jobqueue"].drain()
    return client.get("/simulator/thread?phone=01055556666").json["messages"]


def test_text_follow_up_status_and_stop_on_sqlite(sqlite_app):
    client = sqlite_app.test_client()
    receipt = say(sqlite_app, client, "청솔동 사거리 가로등이 사흘째 꺼져 있어요")[-1]["body"]
    assert "M1" in receipt and "도로과" in receipt
    assert len(say(sqlite_app, client, "아직도 안 고쳐졌어요")) == 3  # threaded: no second receipt
    status = say(sqlite_app, client, "M1")[-1]
    assert status["direction"] == "outbound" and "M1 도로과" in status["body"]
    stop = say(sqlite_app, client, "수신거부")[-1]
    assert stop["status"] == "delivered" and "수신거부되었습니다" in stop["body"]
    after = say(sqlite_app, client, "새 민원: 공원 벤치가 부서졌어요")
    assert after[-1]["status"] == "suppressed"

"""A local stand-in of Twilio's Messages REST endpoint, for the real twilio client to talk to.

It answers like Twilio: 201 with a Message resource, or an error body with Twilio's code.
Tests choose answers per destination number.
"""
import threading
import uuid
from dataclasses import dataclass, field

from flask import Flask, jsonify, request
from werkzeug.serving import make_server


@dataclass
class StandIn:
    base_url: str = ""
    received: list[dict] = field(default_factory=list)
    # destination number -> (http status, twilio error code); consumed in order, then success.
    failures: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    auth: list[str] = field(default_factory=list)

    def fail(self, to: str, http_status: int, code: int, times: int = 1) -> None:
        self.failures.setdefault(to, []).extend([(http_status, code)] * times)

    def bodies_to(self, to: str) -> list[str]:
        return [m["Body"] for m in self.received if m["To"] == to]


def _app(state: StandIn) -> Flask:
    app = Flask("twilio-standin")

    @app.post("/2010-04-01/Accounts/<account_sid>/Messages.json")
    def create_message(account_sid):
        state.auth.append(request.authorization.username if request.authorization else "")
        form = request.form.to_dict()
        planned = state.failures.get(form.get("To", ""), [])
        if planned:
            status, code = planned.pop(0)
            return jsonify(code=code, message=f"stand-in error {code}", more_info="", status=status), status
        state.received.append(form)
        sid = f"SM{uuid.uuid4().hex}"
        return jsonify(
            sid=sid,
            account_sid=account_sid,
            to=form.get("To"),
            from_=form.get("From"),
            body=form.get("Body"),
            status="queued",
            num_segments="1",
            error_code=None,
            error_message=None,
            uri=f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
        ), 201

    return app


def start() -> tuple[StandIn, object]:
    state = StandIn()
    server = make_server("127.0.0.1", 0, _app(state), threaded=True)
    state.base_url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server

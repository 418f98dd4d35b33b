"""A local stand-in of Twilio's media URLs: basic auth with the account SID and token, then a redirect
to a file store that must not see the credentials, as Twilio's answers do."""
import threading
from dataclasses import dataclass, field

from flask import Flask, Response, redirect, request
from werkzeug.serving import make_server


@dataclass
class MediaStandIn:
    base_url: str = ""
    account_sid: str = ""
    auth_token: str = ""
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # name -> (bytes, content type)
    store_auth: list[str | None] = field(default_factory=list)  # the Authorization header the file store saw

    def add(self, name: str, data: bytes, content_type: str) -> str:
        """Publishes a file; returns its Twilio-style media URL."""
        self.files[name] = (data, content_type)
        return f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages/MM1/Media/{name}"


def _app(state: MediaStandIn) -> Flask:
    app = Flask("media-standin")

    @app.get("/2010-04-01/Accounts/<account_sid>/Messages/<message_sid>/Media/<name>")
    def media(account_sid, message_sid, name):
        auth = request.authorization
        if not auth or (auth.username, auth.password) != (state.account_sid, state.auth_token):
            return Response("unauthorized", 401)
        if name not in state.files:
            return Response("not found", 404)
        # Twilio answers with a redirect to its file store; "localhost" stands for that other host.
        return redirect(state.base_url.replace("127.0.0.1", "localhost") + f"/store/{name}", 307)

    @app.get("/store/<name>")
    def store(name):
        state.store_auth.append(request.headers.get("Authorization"))
        data, content_type = state.files[name]
        return Response(data, mimetype=None, headers={"Content-Type": content_type})

    return app


def start(account_sid: str, auth_token: str) -> tuple[MediaStandIn, object]:
    state = MediaStandIn(account_sid=account_sid, auth_token=auth_token)
    server = make_server("127.0.0.1", 0, _app(state), threaded=True)
    state.base_url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server

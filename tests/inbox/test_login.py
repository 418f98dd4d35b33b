"""Sign-in: argon2 hashes, generic failures, rate limits, secure cookies, sessions that end, the role guard."""
from sqlmodel import select

import db
from inbox.auth import roles_required
from models import Staff
from tests.inbox.conftest import PASSWORD, add_staff, csrf_token, sign_in


def test_sign_in_stores_an_argon2_hash_and_opens_the_inbox(app, client, leader):
    with app.app_context():
        assert db.session().exec(select(Staff.password_hash)).one().startswith("$argon2id$")
    answer = sign_in(client, leader)
    assert answer.status_code == 302 and answer.location.endswith("/inbox")
    assert "도로과 민원함" in client.get("/inbox").get_data(as_text=True)


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client, leader):
    wrong = sign_in(client, leader, "wrong password!")
    unknown = sign_in(client, "nobody@gu.go.kr")
    assert wrong.status_code == unknown.status_code == 401
    assert "이메일 또는 비밀번호가 맞지 않습니다." in wrong.get_data(as_text=True)
    assert "이메일 또는 비밀번호가 맞지 않습니다." in unknown.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302


def test_login_without_csrf_token_is_refused(app, client, leader):
    answer = client.post("/login", data={"email": leader, "password": PASSWORD})
    assert answer.status_code == 400 and client.get("/inbox").status_code == 302


def test_sign_in_attempts_are_rate_limited(app, client, leader):
    for _ in range(10):
        assert sign_in(client, leader, "wrong password!").status_code == 401
    answer = sign_in(client, leader)
    assert answer.status_code == 429
    assert "로그인 시도가 너무 많습니다" in answer.get_data(as_text=True)


def test_session_cookie_is_secure_and_http_only_on_an_https_deployment(app, client, leader):
    assert app.config["PUBLIC_BASE_URL"].startswith("https://")
    cookie = sign_in(client, leader).headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_disabled_account_is_signed_out_and_cannot_sign_in(app, client, leader, runner):
    sign_in(client, leader)
    assert client.get("/inbox").status_code == 200
    assert runner.invoke(args=["staff", "disable", leader]).exit_code == 0
    assert client.get("/inbox").status_code == 302
    assert sign_in(client, leader).status_code == 401


def test_new_password_ends_other_sessions(app, client, leader, runner):
    sign_in(client, leader)
    result = runner.invoke(args=["staff", "set-password", leader], input="another good one\nanother good one\n")
    assert result.exit_code == 0, result.output
    assert client.get("/inbox").status_code == 302
    assert sign_in(client, leader, "another good one").status_code == 302


def test_sign_in_only_returns_to_paths_on_this_site(app, client, leader):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    answer = client.post("/login?next=//evil.example/x", data={"email": leader, "password": PASSWORD,
                                                                  "csrf_token": token})
    assert answer.location.endswith("/inbox")


def test_sign_out_ends_the_session(app, client, leader):
    sign_in(client, leader)
    token = csrf_token(client.get("/inbox").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/inbox").status_code == 302


def test_roles_required_lets_named_roles_in_refuses_others_and_sends_strangers_to_sign_in(app, client, leader):
    app.add_url_rule("/only-mayor", "only_mayor", roles_required("mayor", "communication")(lambda: "secret"))
    add_staff(app, "mayor@gu.go.kr", "mayor")
    assert "/login" in client.get("/only-mayor").location
    sign_in(client, leader)
    assert client.get("/only-mayor").status_code == 403
    mayor = app.test_client()
    sign_in(mayor, "mayor@gu.go.kr")
    assert mayor.get("/only-mayor").get_data(as_text=True) == "secret"

"""Staff accounts from the shell, and the demo sign-in that `make demo` prints."""
import re

from sqlmodel import select

import db
from models import Staff
from tests.inbox.conftest import sign_in


def _staff(app, email: str) -> Staff:
    with app.app_context():
        return db.session().exec(select(Staff).where(Staff.email == email)).one()


def test_staff_create_with_all_options(app, runner):
    result = runner.invoke(args=["staff", "create", "Kim@Gu.go.kr", "--role", "leader", "--department", "roads",
                                 "--phone", "010-2222-3333", "--password", "long enough pw", "--name", "김팀장"])
    assert result.exit_code == 0, result.output
    staff = _staff(app, "kim@gu.go.kr")
    assert (staff.role, staff.department_key, staff.phone, staff.name) == ("leader", "roads", "+821022223333", "김팀장")
    assert sign_in(app.test_client(), "kim@gu.go.kr", "long enough pw").status_code == 302


def test_staff_create_asks_for_the_password_when_not_given(app, runner):
    result = runner.invoke(args=["staff", "create", "comm@gu.go.kr", "--role", "communication"],
                           input="typed password\ntyped password\n")
    assert result.exit_code == 0, result.output
    assert sign_in(app.test_client(), "comm@gu.go.kr", "typed password").status_code == 302


def test_staff_create_refuses_bad_input_with_a_reason(app, runner):
    cases = [
        (["x@gu.go.kr", "--role", "leader", "--password", "long enough pw"], "needs --department"),
        (["x@gu.go.kr", "--role", "leader", "--department", "nowhere", "--password", "long enough pw"],
         "unknown department"),
        (["x@gu.go.kr", "--role", "king", "--password", "long enough pw"], "Invalid value for '--role'"),
        (["x@gu.go.kr", "--role", "mayor", "--password", "short"], "at least 10 characters"),
        (["x@gu.go.kr", "--role", "mayor", "--phone", "12", "--password", "long enough pw"], "not a valid phone"),
        (["not-an-email", "--role", "mayor", "--password", "long enough pw"], "not an e-mail address"),
    ]
    for args, reason in cases:
        result = runner.invoke(args=["staff", "create", *args])
        assert result.exit_code != 0 and reason in result.output, (args, result.output)
    runner.invoke(args=["staff", "create", "x@gu.go.kr", "--role", "mayor", "--password", "long enough pw"])
    again = runner.invoke(args=["staff", "create", "x@gu.go.kr", "--role", "mayor", "--password", "long enough pw"])
    assert again.exit_code != 0 and "already has an account" in again.output


def test_set_password_and_disable_name_an_unknown_account(app, runner):
    for args in (["set-password", "who@gu.go.kr", "--password", "long enough pw"], ["disable", "who@gu.go.kr"]):
        result = runner.invoke(args=["staff", *args])
        assert result.exit_code != 0 and "no staff account" in result.output


def test_demo_login_creates_accounts_that_sign_in_and_is_safe_to_run_again(sqlite_app):
    runner = sqlite_app.test_cli_runner()
    first = runner.invoke(args=["demo-login"])
    second = runner.invoke(args=["demo-login"])
    assert first.exit_code == second.exit_code == 0
    password = re.search(r"roads\.leader@demo\.baro\s+(\S+)", second.output).group(1)
    with sqlite_app.app_context():
        assert len(db.session().exec(select(Staff)).all()) == 3
    assert sign_in(sqlite_app.test_client(), "roads.leader@demo.baro", password).status_code == 302
    assert sign_in(sqlite_app.test_client(), "communication@demo.baro", password).status_code == 302


def test_demo_login_refuses_to_run_in_production(app, runner):
    result = runner.invoke(args=["demo-login"])
    assert result.exit_code != 0 and "never in production" in result.output

"""The staff web inbox: sign-in, roles, the case list and a case's thread and actions.

`inbox.init_app(app)` wires it all; `inbox.auth.roles_required(*roles)` guards other packages' pages.
"""
from datetime import timedelta
from pathlib import Path

from flask import Flask, session
from flask_babel import Babel
from flask_login import current_user

TRANSLATIONS = Path(__file__).parent / "translations"
SESSION_HOURS = 12


def init_app(app: Flask) -> None:
    from inbox import auth, cli, views

    https = app.config["PUBLIC_BASE_URL"].startswith("https://")
    app.config.update(
        SESSION_COOKIE_SECURE=https,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=https,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # A form stays valid as long as the session; the session's end is what expires it.
        WTF_CSRF_TIME_LIMIT=None,
        BABEL_DEFAULT_LOCALE="ko",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
    )
    auth.login_manager.init_app(app)
    auth.init_limiter(app)
    Babel(app, locale_selector=_locale, timezone_selector=lambda: app.config["TIMEZONE"])
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.staff_group)
    app.cli.add_command(cli.demo_login_command)


def _locale() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.locale
    return session.get("lang", "ko")

"""Staff sign-in: argon2 password hashes, the Flask-Login user, login rate limits, and the role guard other packages use."""
import logging
from dataclasses import dataclass
from functools import lru_cache, wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from flask_login import LoginManager, UserMixin, current_user
from sqlmodel import Session, select

import db
from inbox.permissions import ROLES
from models import Staff

_hasher = PasswordHasher()
login_manager = LoginManager()
login_manager.login_view = "inbox.login"
# Sign-in attempts per address and per e-mail address.
LOGIN_LIMITS = (("address", parse("10/minute")), ("email", parse("30/hour")))
log = logging.getLogger(__name__)


def init_limiter(app) -> None:
    """One limiter per app: Redis when the app has it, so every web process counts the same attempts, else this
    process's memory. Only sign-in is limited, so no hook runs on other requests (the webhook's included)."""
    storage = storage_from_string(app.config["REDIS_URL"]) if app.config["REDIS_URL"] else MemoryStorage()
    app.extensions["inbox_login_limiter"] = (FixedWindowRateLimiter(storage), FixedWindowRateLimiter(MemoryStorage()))


def login_attempt_allowed() -> bool:
    """Counts one sign-in attempt; False once the address or the e-mail address has had too many."""
    limiter, in_memory = current_app.extensions["inbox_login_limiter"]
    keys = {"address": request.remote_addr or "", "email": normalise_email(request.form.get("email", ""))}
    prefix = current_app.config["QUEUE_NAME"]
    try:
        return all(limiter.hit(limit, prefix, "login", kind, keys[kind]) for kind, limit in LOGIN_LIMITS)
    except Exception as exc:  # Redis down must not lock everyone out: count in this process meanwhile
        log.warning("login limits counted in memory: %s", exc)
        return all(in_memory.hit(limit, prefix, "login", kind, keys[kind]) for kind, limit in LOGIN_LIMITS)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class StaffUser(UserMixin):
    """The signed-in member of staff, as the views and templates see them."""

    id: int
    email: str
    name: str
    role: str
    department_key: str | None
    locale: str
    active: bool
    session_key: str  # part of the password hash: a new password signs out every other session

    @classmethod
    def of(cls, staff: Staff) -> "StaffUser":
        return cls(staff.id, staff.email, staff.name, staff.role, staff.department_key, staff.locale, staff.active,
                   staff.password_hash[-16:])

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def get_id(self) -> str:
        return f"{self.id}:{self.session_key}"


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified when the e-mail is unknown, so a wrong address takes as long as a wrong password. Made on
    first use: hashing at import cost every web, worker and CLI process half a second at start."""
    return _hasher.hash("not a password")


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    """The active member of staff with this e-mail and password, else None."""
    staff = session.exec(select(Staff).where(Staff.email == normalise_email(email))).first()
    if staff is None or not staff.password_hash:
        _verify(_dummy_hash(), password)
        return None
    if not _verify(staff.password_hash, password) or not staff.active or staff.role not in ROLES:
        return None
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
        session.commit()
    return StaffUser.of(staff)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


@login_manager.user_loader
def _load_user(user_id: str) -> StaffUser | None:
    staff_id, _sep, session_key = user_id.partition(":")
    if not staff_id.isdigit():
        return None
    staff = db.session().get(Staff, int(staff_id))
    if staff is None or not staff.active or staff.password_hash[-16:] != session_key:
        return None
    return StaffUser.of(staff)


@login_manager.unauthorized_handler
def _unauthorized():
    """Pollers get 401; a form posted after the session expired returns to its case (its text is kept as a draft)."""
    if request.headers.get("X-Requested-With") == "fetch":
        return jsonify(error=_("Your session has expired. Please sign in again.")), 401
    case_id = (request.view_args or {}).get("case_id")
    back = url_for("inbox.case_detail", case_id=case_id) if case_id and request.method != "GET" else request.full_path
    return redirect(url_for("inbox.login", next=back.rstrip("?"), expired=1 if request.method != "GET" else None))


def roles_required(*roles: str):
    """Signed in with one of these roles, else the login page (signed out) or 403 (signed in, other role)."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorate

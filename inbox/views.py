"""The inbox's pages: sign-in, the case list (and its polled fragment), a case with its thread and actions."""
from datetime import datetime, timedelta
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

import db
import district_time
from inbox import actions, permissions, queries
from inbox.auth import authenticate, login_attempt_allowed, roles_required
from inbox.display import HELPERS, is_english, when
from inbox.forms import ACTION_FORMS, LanguageForm, LoginForm, LogoutForm
from models import Case, CaseState, Media, Message, MessageStatus, Resident, Staff, utcnow
from routing import taxonomy

bp = Blueprint("inbox", __name__, template_folder="templates", static_folder="static",
               static_url_path="/inbox/static")
signed_in = roles_required(*permissions.ROLES)
LANGUAGES = ("ko", "en")


@bp.context_processor
def _helpers():
    return dict(HELPERS, now=utcnow(), is_english=is_english(), language_form=LanguageForm(formdata=None), logout_form=LogoutForm(formdata=None))


@bp.after_request
def _private(response):
    # Pages name residents: never cached, never framed.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so a crafted link cannot send someone elsewhere after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("inbox.case_list")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(_safe_next(request.args.get("next")))
        if request.args.get("expired"):
            flash(_("Your session has expired. Sign in again: the text you were writing is kept on this device."),
                  "warning")
        return render_template("inbox/login.html", form=form)
    if not login_attempt_allowed():
        flash(_("Too many sign-in attempts. Wait a minute and try again."), "error")
        return render_template("inbox/login.html", form=form), 429
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            flash(_("The sign-in form had expired. Please try again."), "error")
        return render_template("inbox/login.html", form=form), 400
    user = authenticate(db.session(), form.email.data, form.password.data)
    if user is None:
        flash(_("Wrong e-mail or password."), "error")
        return render_template("inbox/login.html", form=form), 401
    session.clear()
    login_user(user)
    session.permanent = True
    session["lang"] = user.locale
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    if LogoutForm().validate_on_submit():
        logout_user()
        session.clear()
        flash(_("You have signed out."), "info")
    return redirect(url_for("inbox.login"))


@bp.post("/language")
def language():
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in LANGUAGES:
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            staff = db.session().get(Staff, current_user.id)
            staff.locale = form.lang.data
            db.session().commit()
    return redirect(_safe_next(form.next.data))


def _filters() -> queries.Filters:
    return queries.Filters.from_args(request.args, taxonomy.default().category_keys,
                                     tuple(d.key for d in queries.departments(db.session())))


@bp.get("/inbox")
@signed_in
def case_list():
    filters = _filters()
    page = queries.case_page(db.session(), current_user, filters)
    return render_template("inbox/list.html", page=page, filters=filters, statuses=queries.STATUSES,
                           categories=taxonomy.default().category_keys, departments=queries.departments(db.session()),
                           sees_all=permissions.sees_all(current_user))


@bp.get("/inbox/rows")
@signed_in
def case_rows():
    """The list alone, polled every few seconds so new cases appear without a reload."""
    filters = _filters()
    page = queries.case_page(db.session(), current_user, filters)
    return render_template("inbox/_rows.html", page=page, filters=filters,
                           sees_all=permissions.sees_all(current_user))


def _case_or_404(case_id: int) -> Case:
    case = queries.visible_case(db.session(), current_user, case_id)
    if case is None:
        abort(404)
    return case


def _action_forms(case: Case, posted: tuple[str, object] | None = None) -> dict:
    forms = {}
    for action in sorted(permissions.allowed_actions(current_user, case)):
        if posted and posted[0] == action:
            form = posted[1]
        else:
            form = ACTION_FORMS[action](formdata=None, prefix=action, version=case.version)
        _fill_choices(action, form, case)
        forms[action] = form
    return forms


def _fill_choices(action: str, form, case: Case) -> None:
    if action == "reassign":
        form.department.choices = [("", "—")] + [
            (d.key, HELPERS["department_name"](d.key)) for d in queries.departments(db.session())
            if d.key != case.department_key]
    elif action == "category":
        form.category.choices = [(k, HELPERS["category_name"](k)) for k in taxonomy.default().category_keys]
        if form.category.data is None:
            form.category.data = case.category
    elif action == "extend" and form.deadline.data is None:
        form.deadline.data = _suggested_deadline(case)


def _suggested_deadline(case: Case) -> datetime:
    """A day after the current deadline (or from now, where there is none), on the hour, in district time."""
    base = max(filter(None, (queries.due_at(case), utcnow())))
    return (district_time.local(base) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0, tzinfo=None)


def _render_case(case: Case, posted=None, status: int = 200):
    session_ = db.session()
    resident = session_.get(Resident, case.resident_id)
    merged_into = session_.get(Case, case.merged_into_id) if case.merged_into_id else None
    return render_template(
        "inbox/detail.html",
        case=case,
        resident=resident,
        phone=queries.shown_phone(current_user, resident.phone),
        thread=queries.thread(session_, case),
        routing=queries.routing_facts(session_, case),
        due=queries.due_at(case),
        forms=_action_forms(case, posted) if case.state != CaseState.MERGED else {},
        merged_into=merged_into if merged_into and permissions.can_see(current_user, merged_into) else None,
        done=request.args.get("done", ""),
    ), status


@bp.get("/inbox/cases/<int:case_id>")
@signed_in
def case_detail(case_id: int):
    return _render_case(_case_or_404(case_id))


@bp.post("/inbox/cases/<int:case_id>/<action>")
@signed_in
def case_action(case_id: int, action: str):
    if action not in ACTION_FORMS:
        abort(404)
    case = _case_or_404(case_id)
    form = ACTION_FORMS[action](prefix=action)
    _fill_choices(action, form, case)
    if not permissions.can(current_user, action, case):
        abort(403)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            flash(_("The form had expired. Nothing was done; your text is kept below: send it again."), "error")
        form.version.data = str(case.version)
        return _render_case(case, (action, form), 400)
    fields = {name: field.data for name, field in form._fields.items()
              if name not in ("version", "form_token", "csrf_token")}
    try:
        done = actions.perform(current_user, case_id, action, seen_version=form.seen_version,
                               form_token=form.form_token.data, **fields)
    except actions.CaseNotFound:
        abort(404)
    except actions.Refused as refused:
        db.session().expire_all()
        fresh = _case_or_404(case_id)
        flash(refused.message, "error")
        form.version.data = str(fresh.version)
        form.form_token.data = form.form_token.default()
        return _render_case(fresh, (action, form), refused.status)
    _say_what_happened(action, done)
    db.session().expire_all()
    if not permissions.can_see(current_user, db.session().get(Case, case_id)):
        return redirect(url_for("inbox.case_list"))
    return redirect(url_for("inbox.case_detail", case_id=case_id, done=action) + "#thread-end")


def _say_what_happened(action: str, done: actions.Done) -> None:
    if done.duplicate:
        flash(_("This form had already been sent. Nothing was done twice."), "info")
        return
    message = done.message
    if message is not None and message.status == MessageStatus.SUPPRESSED:
        flash(_("Recorded, but not texted: the resident has opted out of texts (or is blocked)."), "warning")
        return
    if message is not None and message.status == MessageStatus.HELD:
        flash(_("Recorded. It is texted at %(when)s, when the quiet hours end.", when=when(message.send_after)), "info")
        return
    flash({
        "reply": _("Reply sent to the resident (%(count)d SMS).", count=message.segments if message else 0),
        "note": _("Internal note added."),
        "reassign": _("Case moved to another department."),
        "category": _("Category changed."),
        "resolve": _("Case resolved.") + (" " + _("The result was texted to the resident.") if message else ""),
        "reopen": _("Case reopened."),
        "extend": _("Deadline extended."),
    }[action], "success")


@bp.get("/inbox/media/<int:media_id>")
@signed_in
def media_file(media_id: int):
    """A resident's photo, to staff who may see its case; stored files only."""
    session_ = db.session()
    media = session_.get(Media, media_id)
    message = session_.get(Message, media.message_id) if media else None
    if message is None or message.case_id is None or queries.visible_case(session_, current_user, message.case_id) is None:
        abort(404)
    path = _stored_path(media)
    if path is None:
        abort(404)
    return send_file(path, mimetype=media.content_type or None, max_age=0)


def _stored_path(media: Media) -> Path | None:
    if not media.storage_path:
        return None
    root = Path(current_app.config["MEDIA_PATH"]).resolve()
    path = (root / media.storage_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path

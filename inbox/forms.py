"""The inbox's forms. Every action form carries the case version and a one-time token (see inbox.actions)."""
import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, EmailField, HiddenField, PasswordField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from replies import segments

# Twilio takes up to 1,600 characters; ten SMS (about 670 Korean characters) is already a letter.
MAX_TEXT_SEGMENTS = 10
MAX_NOTE_CHARS = 5000
MAX_REASON_CHARS = 500


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=200)])


class LanguageForm(FlaskForm):
    lang = HiddenField(validators=[DataRequired()])
    next = HiddenField()


class LogoutForm(FlaskForm):
    pass


def _fits_in_texts(form, field) -> None:
    counted = segments.count(field.data or "")
    if counted.count > MAX_TEXT_SEGMENTS:
        raise ValidationError(
            _l("This is %(count)d SMS (%(chars)d characters); a text can be at most %(max)d SMS. Shorten it.",
               count=counted.count, chars=len(field.data), max=MAX_TEXT_SEGMENTS)
        )


class CaseActionForm(FlaskForm):
    """What every action on a case carries: the version the writer saw, and a token naming this one submission."""

    version = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,9}$")])
    form_token = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")],
                             default=lambda: secrets.token_urlsafe(16))

    @property
    def seen_version(self) -> int:
        return int(self.version.data)


class ReplyForm(CaseActionForm):
    body = TextAreaField(_l("Reply to the resident"),
                         validators=[DataRequired(_l("Write the reply first.")), _fits_in_texts])
    question = BooleanField(_l("This asks the resident something: wait for the answer (the deadline pauses)"))


class NoteForm(CaseActionForm):
    body = TextAreaField(_l("Internal note"),
                         validators=[DataRequired(_l("Write the note first.")), Length(max=MAX_NOTE_CHARS)])


class ReassignForm(CaseActionForm):
    department = SelectField(_l("New department"), validators=[DataRequired()], validate_choice=True)
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Say why the case moves.")),
                                                     Length(max=MAX_REASON_CHARS)])


class CategoryForm(CaseActionForm):
    category = SelectField(_l("Category"), validators=[DataRequired()], validate_choice=True)


class ResolveForm(CaseActionForm):
    result = TextAreaField(_l("Result"), validators=[DataRequired(_l("Write the result first.")), _fits_in_texts])
    notify = BooleanField(_l("Text the result to the resident"), default=True)


class ReopenForm(CaseActionForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=MAX_REASON_CHARS)])


class ExtendForm(CaseActionForm):
    """A new deadline in district time, with the reason that will stand in the thread."""

    deadline = DateTimeLocalField(_l("New deadline"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired(_l("Choose the new deadline (date and time)."))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(_l("Say why the deadline moves.")),
                                                     Length(max=MAX_REASON_CHARS)])


ACTION_FORMS = {
    "reply": ReplyForm,
    "note": NoteForm,
    "reassign": ReassignForm,
    "category": CategoryForm,
    "resolve": ResolveForm,
    "reopen": ReopenForm,
    "extend": ExtendForm,
}

"""The participant's server-rendered forms (flask-wtf, so every one carries and checks a CSRF token).

Forms are built per request by functions, not declared at import time: their labels and messages come from
the study (in the participant's language) and from ``gettext``, which needs the request's locale.
Questions (qsort.models.Question) become fields named ``q<id>``; post-sort cards become ``comment_<id>`` and
``would_pay_<id>``.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms import widgets
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, StopValidation, ValidationError

from .flow import in_language
from .models import Question
from .questions import shown_choices
from .responses import MAX_COMMENT_LENGTH, Card

try:  # WTForms >= 3.3 wants SelectChoice objects; tuples are deprecated there
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)


def choices(pairs: list[tuple[str, str]]) -> list:
    """(value, label) pairs as the installed WTForms wants them."""
    return [SelectChoice(value, label) for value, label in pairs]


MAX_TEXT_ANSWER = 4000
NUMBER_PATTERN = re.compile(r"^-?\d+([.,]\d+)?$")


class CheckboxListField(SelectMultipleField):
    """Multiple choice shown as tick boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RequiredChoice:
    """Like DataRequired for choice fields (a missing choice), with our own message."""

    def __init__(self, message: str):
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form, field):
        if not field.data:
            field.errors[:] = []
            raise StopValidation(self.message)


def welcome_form(consent_label: str) -> FlaskForm:
    """Consent tick box and two buttons: "Start" (needs the tick) and "No, thank you" (ends politely)."""

    class WelcomeForm(FlaskForm):
        consent = BooleanField(consent_label, validators=[
            DataRequired(message=_("Please tick the box to take part, or choose “No, thank you”."))])
        agree = SubmitField(_("Start"))
        decline = SubmitField(_("No, thank you"))

    return WelcomeForm()


def continue_form() -> FlaskForm:
    """A page with nothing to fill in but a Continue button (the instructions)."""

    class ContinueForm(FlaskForm):
        submit = SubmitField(_("Continue"))

    return ContinueForm()


# A code starts with a letter or digit (any alphabet): it becomes a column name in CSV and xlsx exports, where a
# leading = + - @ would be read as a formula by a spreadsheet.
OPEN_LINK_CODE_PATTERN = re.compile(r"^\w[\w .-]*$")


def open_link_form() -> FlaskForm:
    """The open link asks for the participant's code before starting (or resuming) a sort."""

    class OpenLinkForm(FlaskForm):
        code = StringField(_("Your participant code"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                           validators=[DataRequired(message=_("Please enter your participant code.")),
                                       Length(max=100, message=_("A code has at most 100 characters.")),
                                       Regexp(OPEN_LINK_CODE_PATTERN, message=_(
                                           "A code starts with a letter or a digit and holds only letters, digits,"
                                           " spaces, dots, dashes and underscores."))])
        secret = StringField(_("Your resume secret"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                             validators=[Length(max=40, message=_("A resume secret has 8 letters and digits."))])
        submit = SubmitField(_("Start"))

    return OpenLinkForm()


def postsort_form(cards: list[Card], comments_required: bool, stored: dict[int, Any]) -> FlaskForm:
    """A "why?" box for each extreme card and, for the top ones, "would you pay more for this?"."""

    class PostsortForm(FlaskForm):
        submit = SubmitField(_("Continue"))
        back_to_grid = SubmitField(_("Change my sort"))

    pay_choices = [("yes", _("Yes")), ("no", _("No")), ("depends", _("It depends"))]
    for card in cards:
        sid = card.statement.id
        if card.ask_comment:
            validators = ([DataRequired(message=_("Please say why you placed this card here."))]
                          if comments_required else [Optional()])
            validators.append(Length(max=MAX_COMMENT_LENGTH, message=_("At most %(n)s characters, please.",
                                                                         n=MAX_COMMENT_LENGTH)))
            setattr(PostsortForm, f"comment_{sid}", TextAreaField(_("Why?"), validators=validators))
        if card.ask_would_pay:
            setattr(PostsortForm, f"would_pay_{sid}", RadioField(
                _("Would you pay more for this?"), choices=choices(pay_choices), validators=[Optional()],
                validate_choice=True))

    data = {}
    for sid, comment in stored.items():
        data[f"comment_{sid}"] = comment.text
        data[f"would_pay_{sid}"] = comment.would_pay
    return PostsortForm(data=data)


def postsort_entries(form: FlaskForm, cards: list[Card]) -> dict[int, dict[str, str | None]]:
    """The validated post-sort form as ``{statement_id: {"text", "would_pay"}}``."""
    entries = {}
    for card in cards:
        sid = card.statement.id
        comment_field = getattr(form, f"comment_{sid}", None)
        pay_field = getattr(form, f"would_pay_{sid}", None)
        entries[sid] = {"text": comment_field.data if comment_field else "",
                        "would_pay": pay_field.data if pay_field else None}
    return entries


MAX_NUMBER_DIGITS = 15  # every number of up to 15 digits is stored exactly (as an integer or a float)


def _number_validator(settings: dict) -> Any:
    minimum, maximum = settings.get("min"), settings.get("max")
    integer = settings.get("integer", True)

    def check(form, field):
        raw = (field.data or "").strip()
        if not raw:
            return
        if not NUMBER_PATTERN.match(raw) or (integer and not re.match(r"^-?\d+$", raw)):
            raise ValidationError(_("Please enter a whole number, for example 5.") if integer
                                  else _("Please enter a number, for example 2.5."))
        if sum(c.isdigit() for c in raw) > MAX_NUMBER_DIGITS:
            # Beyond 15 digits a float no longer holds the number exactly (a 40-digit answer came back as
            # 1.0e+40) and beyond 4,300 Python refuses to read it at all: refuse it here, with the limit.
            raise ValidationError(_("Please enter a number of at most %(n)s digits.", n=MAX_NUMBER_DIGITS))
        value = float(raw.replace(",", "."))
        if minimum is not None and value < minimum:
            raise ValidationError(_("Please enter a number of at least %(min)s.", min=minimum))
        if maximum is not None and value > maximum:
            raise ValidationError(_("Please enter a number of at most %(max)s.", max=maximum))

    return check


def _question_field(question: Question, language: str, fallback: str) -> Field:
    label = in_language(question.prompt, language, fallback)
    settings = question.settings or {}
    missing = _("Please answer this question.")
    if question.kind in ("single", "likert", "multiple"):
        pairs = shown_choices(question, language, fallback)
        validators = [RequiredChoice(missing)] if question.required else [Optional()]
        if question.kind == "multiple":
            return CheckboxListField(label, choices=choices(pairs), validators=validators)
        return RadioField(label, choices=choices(pairs), validators=validators)
    if question.kind == "number":
        validators = [InputRequired(message=missing)] if question.required else [Optional()]
        return StringField(label, validators=[*validators, _number_validator(settings)])
    validators = [DataRequired(message=missing)] if question.required else [Optional()]
    validators.append(Length(max=MAX_TEXT_ANSWER, message=_("At most %(n)s characters, please.",
                                                            n=MAX_TEXT_ANSWER)))
    return TextAreaField(label, validators=validators)


def questions_form(questions: list[Question], language: str, fallback: str, stored: dict[int, Any]) -> FlaskForm:
    """One field per question (``q<id>``), filled with the stored answers when the participant comes back."""

    class QuestionsForm(FlaskForm):
        submit = SubmitField(_("Continue"))
        back_to_grid = SubmitField(_("Change my sort"))  # shown after the sort only

    data = {}
    for question in questions:
        setattr(QuestionsForm, f"q{question.id}", _question_field(question, language, fallback))
        if question.id in stored and stored[question.id] is not None:
            value = stored[question.id]
            data[f"q{question.id}"] = ([str(v) for v in value] if isinstance(value, list) else str(value))
    return QuestionsForm(data=data)


def answer_values(form: FlaskForm, questions: list[Question]) -> dict[int, Any]:
    """The validated form as ``{question_id: value}``: text, an option value, a list, an int/float, or None."""
    values = {}
    for question in questions:
        raw = getattr(form, f"q{question.id}").data
        if question.kind == "multiple":
            value = list(raw or []) or None
        elif question.kind == "likert":
            value = int(raw) if raw else None
        elif question.kind == "number":
            text = (raw or "").strip().replace(",", ".")
            value = (int(text) if re.match(r"^-?\d+$", text) else float(text)) if text else None
        else:
            value = (raw or "").strip() or None
        values[question.id] = value
    return values

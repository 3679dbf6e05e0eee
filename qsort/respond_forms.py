"""The participant's server-rendered forms. Every one carries a CSRF token, which CSRFProtect checks on every POST.

The forms of the flow (welcome, instructions, post-sort, questions) are plain data (:class:`ParticipantForm`, see
below), built per request: their labels and messages come from the study (in the participant's language) and from
``gettext``, which needs the request's locale. Questions become fields named ``q<id>``; post-sort cards
``comment_<id>`` and ``would_pay_<id>``. The open link's form is a flask-wtf form.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from werkzeug.datastructures import MultiDict
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from .flow import in_language
from .questions import shown_choices
from .responses import MAX_COMMENT_LENGTH, Card

try:  # WTForms >= 3.3 wants SelectChoice objects; tuples are deprecated there
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)


def choices(pairs: list[tuple[str, str]]) -> list:
    """(value, label) pairs as the installed WTForms wants them (the studio's choice fields)."""
    return [SelectChoice(value, label) for value, label in pairs]


MAX_TEXT_ANSWER = 4000
NUMBER_PATTERN = re.compile(r"^-?\d+([.,]\d+)?$")


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


# ---------------------------------------------------------------------------------------------------------------
# The forms of the flow: plain data, no WTForms
# ---------------------------------------------------------------------------------------------------------------
# The post-sort and questions pages hold a field per card or question. With WTForms each request built a form
# class and each widget call cost about ten times a template macro: they were the heaviest pages of the flow. Here
# a field is plain data, filled from the stored answers or the request, checked by the explicit functions below
# (the messages WTForms' validators gave for the same input; tests/app/test_participant_forms.py), and written by
# the macros in templates/respond/_inputs.html (the HTML WTForms' widgets wrote). The CSRF token of every POST is
# checked by CSRFProtect before any view runs (qsort/security.py); the pages write it with ``csrf_token()``.

# A field's kind: the question kinds (models.QUESTION_KINDS), the post-sort's two and the consent. Text areas
# ("text", "comment"), a text input ("number") and a tick box ("consent") are written by their own macros.
RADIO_KINDS = ("single", "likert", "would_pay")
CHECKBOX_KINDS = ("multiple",)


@dataclass(frozen=True)
class Label:
    """A field's label as the shared templates read it (``field.label.text``, as for a WTForms field)."""

    text: str


@dataclass(frozen=True)
class Option:
    """One radio button or tick box of a choice field."""

    id: str
    name: str
    value: str
    label: str
    checked: bool
    required: bool
    input_type: str


@dataclass
class FormField:
    """One field of a participant's form: what its input shows, what was sent, what is wrong with it.

    ``data`` is what the input shows: the stored answer on a GET, what was sent on a POST (a field the POST
    lacks keeps the stored answer, tick boxes excepted: none ticked is an answer). ``raw`` is what the browser
    sent for the field (None on a GET)."""

    name: str  # the input's name and id: q<question id>, comment_<statement id>, would_pay_<statement id>
    label: Label
    kind: str  # a question kind, "comment", "would_pay" or "consent"
    required: bool = False
    choices: list[tuple[str, str]] = dataclass_field(default_factory=list)  # (value, label) of a choice field
    settings: dict[str, Any] = dataclass_field(default_factory=dict)  # a number question's min, max, integer
    max_length: int | None = None
    data: Any = None
    raw: list[str] | None = None
    errors: list[str] = dataclass_field(default_factory=list)

    @property
    def id(self) -> str:
        return self.name

    @property
    def value(self) -> str:
        """A text input's or text area's content."""
        return str(self.data) if self.data is not None else ""

    def options(self) -> list[Option]:
        """The radio buttons or tick boxes, ticked as ``data`` says."""
        multiple = self.kind in CHECKBOX_KINDS
        chosen = self.data or () if multiple else (self.data,)
        input_type = "checkbox" if multiple else "radio"
        return [Option(f"{self.name}-{index}", self.name, value, label, value in chosen, self.required, input_type)
                for index, (value, label) in enumerate(self.choices)]


@dataclass(frozen=True)
class Button:
    """A submit button, as the shared macro reads it (``submit_input`` in templates/respond/_inputs.html)."""

    name: str
    label: Label

    @property
    def id(self) -> str:
        return self.name


class ParticipantForm:
    """The fields of one post-sort or questions page, in the order they show (and their errors are listed), and
    its two buttons."""

    def __init__(self, fields: list[FormField]):
        self.fields = {field.name: field for field in fields}

    @property
    def submit(self) -> Button:
        return Button("submit", Label(_("Continue")))

    @property
    def back_to_grid(self) -> Button:
        """Shown after the sort only, while the grid may still change."""
        return Button("back_to_grid", Label(_("Change my sort")))

    def __getitem__(self, name: str) -> FormField:
        return self.fields[name]

    def __contains__(self, name: str) -> bool:
        return name in self.fields

    @property
    def errors(self) -> dict[str, list[str]]:
        return {name: field.errors for name, field in self.fields.items() if field.errors}

    def fill(self, stored: dict[str, Any], sent: MultiDict | None) -> None:
        """Fill the fields with the stored answers (by field name), then with what the browser ``sent`` (a POST's
        form; None on a GET)."""
        for field in self.fields.values():
            field.data = _shown_value(field.kind, stored.get(field.name))
            if sent is not None:
                field.raw = sent.getlist(field.name)
                if field.kind in CHECKBOX_KINDS:
                    field.data = list(field.raw)
                elif field.raw:
                    field.data = field.raw[0]

    def validate(self) -> bool:
        """Check every field (after :meth:`fill` with a POST's form); True when none has an error."""
        for field in self.fields.values():
            field.errors = field_errors(field)
        return not self.errors


def _shown_value(kind: str, value: Any) -> Any:
    """A stored answer as its input shows it: text, or a list of texts for tick boxes."""
    if value is None:
        return None
    if kind in CHECKBOX_KINDS:
        return [str(item) for item in value] if isinstance(value, list) else None
    return str(value)


def field_errors(field: FormField) -> list[str]:
    """What is wrong with a sent field: required and missing, not one of its choices, too long, not a number."""
    errors = _choice_errors(field)
    if field.required:
        if _missing(field):
            return [_missing_message(field.kind)]
    elif _nothing_sent(field.raw):
        return []  # an optional field left empty: nothing else to check
    if field.max_length is not None and field.data and len(field.data) > field.max_length:
        errors.append(_("At most %(n)s characters, please.", n=field.max_length))
    if field.kind == "number":
        errors.extend(filter(None, [number_error(field.data, field.settings)]))
    return errors


def _missing(field: FormField) -> bool:
    """A required field without an answer: a number with nothing typed, no choice made, a blank text."""
    if field.kind == "number":
        return not (field.raw and field.raw[0])
    if field.kind in RADIO_KINDS or field.kind in CHECKBOX_KINDS:
        return not field.data
    return not field.data or (isinstance(field.data, str) and not field.data.strip())


def _nothing_sent(raw: list[str] | None) -> bool:
    """Nothing, or only blanks, sent for a field (for tick boxes: the first one sent is blank)."""
    return not raw or not raw[0].strip()


def _missing_message(kind: str) -> str:
    if kind == "comment":
        return _("Please say why you placed this card here.")
    return _("Please answer this question.")


# WTForms' own messages for a value that is not one of a choice field's choices, translated by WTForms' catalogue
# (flask_wtf.i18n), as its fields gave them: names, not literals, so our catalogue does not collect them.
NOT_A_CHOICE = "Not a valid choice."
NOT_CHOICES = ("'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field.")


def _choice_errors(field: FormField) -> list[str]:
    """A choice field whose sent value is not one of its choices."""
    values = [value for value, _label in field.choices]
    if field.kind in RADIO_KINDS and field.data not in values:
        return [wtforms_translations.gettext(NOT_A_CHOICE)]
    if field.kind in CHECKBOX_KINDS and field.data and any(item not in values for item in field.data):
        unknown = [str(item) for item in set(field.data) if item not in values]
        message = wtforms_translations.ngettext(*NOT_CHOICES, len(unknown))
        return [message % {"value": "', '".join(unknown)}]
    return []


def pressed(button: str) -> bool:
    """Whether the form was sent with the submit button named ``button`` (its value non-empty, as WTForms'
    SubmitField reads it)."""
    return request.method == "POST" and _sent_as_on(request.form.get(button))


def _sent_as_on(value: str | None) -> bool:
    """WTForms' reading of a sent button or tick box: on unless missing, empty or "false"."""
    return value not in (None, "", "false")


class WelcomeForm(ParticipantForm):
    """The consent tick box and two buttons: "Start" (needs the tick) and "No, thank you" (ends politely)."""

    def __init__(self, consent_label: str, given: bool):
        self.consent = FormField("consent", Label(consent_label), "consent", required=True, data=given)
        super().__init__([self.consent])
        if request.method == "POST":
            self.consent.raw = request.form.getlist("consent")
            self.consent.data = bool(self.consent.raw) and _sent_as_on(self.consent.raw[0])

    @property
    def agree(self) -> Button:
        return Button("agree", Label(_("Start")))

    @property
    def decline(self) -> Button:
        return Button("decline", Label(_("No, thank you")))

    def validate(self) -> bool:
        self.consent.errors = [] if self.consent.data else [
            _("Please tick the box to take part, or choose “No, thank you”.")]
        return not self.consent.errors


def continue_form() -> ParticipantForm:
    """A page with nothing to fill in but a Continue button (the instructions): sent, it is valid (its CSRF
    token is checked before the view, as every POST's)."""
    return ParticipantForm([])


def postsort_form(cards: list[Card], comments_required: bool) -> ParticipantForm:
    """A "why?" box for each extreme card and, for the top ones, "would you pay more for this?", filled with the
    stored answers; then with the request's form on a POST."""
    # each text translated once per page, not once per card: a translation lookup is not free
    why, would_pay = Label(_("Why?")), Label(_("Would you pay more for this?"))
    pay_choices = [("yes", _("Yes")), ("no", _("No")), ("depends", _("It depends"))] \
        if any(card.ask_would_pay for card in cards) else []
    fields, stored = [], {}
    for card in cards:
        if card.ask_comment:
            fields.append(FormField(f"comment_{card.statement_id}", why, "comment", required=comments_required,
                                    max_length=MAX_COMMENT_LENGTH))
            stored[f"comment_{card.statement_id}"] = card.comment
        if card.ask_would_pay:
            fields.append(FormField(f"would_pay_{card.statement_id}", would_pay, "would_pay", choices=pay_choices))
            stored[f"would_pay_{card.statement_id}"] = card.would_pay
    form = ParticipantForm(fields)
    form.fill(stored, request.form if request.method == "POST" else None)
    return form


def postsort_entries(form: ParticipantForm, cards: list[Card]) -> dict[int, dict[str, str | None]]:
    """The checked post-sort form as ``{statement_id: {"text", "would_pay"}}``."""
    entries = {}
    for card in cards:
        comment_field = form.fields.get(f"comment_{card.statement_id}")
        pay_field = form.fields.get(f"would_pay_{card.statement_id}")
        entries[card.statement_id] = {"text": comment_field.data if comment_field else "",
                                      "would_pay": pay_field.data if pay_field else None}
    return entries


MAX_NUMBER_DIGITS = 15  # every number of up to 15 digits is stored exactly (as an integer or a float)


def number_error(data: str | None, settings: dict) -> str | None:
    """What is wrong with a number question's answer (None: nothing; an empty answer is checked elsewhere)."""
    minimum, maximum = settings.get("min"), settings.get("max")
    integer = settings.get("integer", True)
    raw = (data or "").strip()
    if not raw:
        return None
    if not NUMBER_PATTERN.match(raw) or (integer and not re.match(r"^-?\d+$", raw)):
        return (_("Please enter a whole number, for example 5.") if integer
                else _("Please enter a number, for example 2.5."))
    if sum(c.isdigit() for c in raw) > MAX_NUMBER_DIGITS:
        # Beyond 15 digits a float no longer holds the number exactly (a 40-digit answer came back as
        # 1.0e+40) and beyond 4,300 Python refuses to read it at all: refuse it here, with the limit.
        return _("Please enter a number of at most %(n)s digits.", n=MAX_NUMBER_DIGITS)
    value = float(raw.replace(",", "."))
    if minimum is not None and value < minimum:
        return _("Please enter a number of at least %(min)s.", min=minimum)
    if maximum is not None and value > maximum:
        return _("Please enter a number of at most %(max)s.", max=maximum)
    return None


def question_field(question: Any, language: str, fallback: str) -> FormField:
    """The field of a question (a Question, or a row with its columns: id, kind, prompt, options, settings,
    required)."""
    return FormField(f"q{question.id}", Label(in_language(question.prompt, language, fallback)), question.kind,
                     required=bool(question.required), choices=shown_choices(question, language, fallback),
                     settings=question.settings or {},
                     max_length=MAX_TEXT_ANSWER if question.kind == "text" else None)


def questions_form(questions: list[Any], language: str, fallback: str, stored: dict[int, Any]) -> ParticipantForm:
    """One field per question (``q<id>``), filled with the ``stored`` answers (question id -> value) when the
    participant comes back; then with the request's form on a POST."""
    form = ParticipantForm([question_field(question, language, fallback) for question in questions])
    form.fill({f"q{question_id}": value for question_id, value in stored.items()},
              request.form if request.method == "POST" else None)
    return form


def answer_values(form: ParticipantForm, questions: list[Any]) -> dict[int, Any]:
    """The checked form as ``{question_id: value}``: text, an option value, a list, an int/float, or None."""
    return {question.id: answer_value(question.kind, form[f"q{question.id}"].data) for question in questions}


def answer_value(kind: str, raw: Any) -> Any:
    """One field's data as stored: a list of option values, a Likert point, a number, a text, or None."""
    if kind == "multiple":
        return list(raw or []) or None
    if kind == "likert":
        return int(raw) if raw else None
    if kind == "number":
        text = (raw or "").strip().replace(",", ".")
        return (int(text) if re.match(r"^-?\d+$", text) else float(text)) if text else None
    return (raw or "").strip() or None

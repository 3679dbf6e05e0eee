"""The studio's forms (flask-wtf: every one carries and checks a CSRF token), and the translated names their
choices show. Forms whose fields depend on the study (one per study language) are built by functions."""
from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, EmailField, IntegerField, RadioField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ... import flow
from ...models import COMMENT_MODES, Study
from ...respond_forms import choices
from ...statements import SPLIT_TAGS, parse_tags
from .blueprint import language_name

def text_titles() -> dict[str, str]:
    return {
        "title": _("Title participants see (empty: the study's title)"),
        "welcome": _("Welcome"), "consent": _("Consent"), "instruction": _("Instruction (condition of instruction)"),
        "presort_instruction": _("Pre-sort instruction"), "sort_instruction": _("Sorting instruction"),
        "postsort_instruction": _("Comment instruction"), "thank_you": _("Thank you"),
        "declined": _("When someone declines to take part"),
    }

def label_titles() -> dict[str, str]:
    return {"most": _("Most important end of the grid"), "least": _("Least important end of the grid"),
            "agree": _("Pile: more important"), "neutral": _("Pile: neutral"),
            "disagree": _("Pile: less important")}

def kind_labels() -> dict[str, str]:
    return {"text": _("Free text"), "single": _("One choice"), "multiple": _("Several choices"),
            "number": _("Number"), "likert": _("Likert scale")}

def comment_labels() -> dict[str, str]:
    return {"off": _("Off"), "optional": _("Optional"), "required": _("Required")}


# -- forms -------------------------------------------------------------------------------------------------------

class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def language_choices():
    return choices([(code, name) for code, name in current_app.config["LANGUAGES"].items()
                    if code in flow.LANGUAGES])


class BasicsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    languages = MultiCheckboxField(_l("Languages"))
    default_language = SelectField(_l("Default language"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages.choices = language_choices()
        self.default_language.choices = language_choices()


class SettingsForm(BasicsForm):
    extreme_comments = RadioField(_l("Comments on the cards at both extremes"),
                                  choices=choices(list(zip(COMMENT_MODES, COMMENT_MODES))))
    ask_would_pay = BooleanField(_l("Ask \"Would you pay more for this?\" about the most important cards"))
    would_pay_excluded = StringField(_l("Never ask it about statements with these tags (comma separated)"),
                                     validators=[Optional(), Length(max=300)])
    show_statement_numbers = BooleanField(
        _l("Show participants neutral statement numbers (1, 2, 3 …) on the cards"))
    redirect_url = StringField(_l("Send participants to this address when they finish (optional)"),
                               validators=[Optional(), Length(max=1000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extreme_comments.choices = choices(list(comment_labels().items()))


class ConfirmForm(FlaskForm):
    """A form of just a CSRF token (a button)."""


def per_language_form(study: Study, base: type = FlaskForm, fields: dict | None = None) -> type:
    """A form class with a field ``<name>_<language>`` per study language for each
    ``name: (label, max_length, field_class)`` in ``fields``."""
    attributes = {}
    for name, (label, max_length, field_class) in (fields or {}).items():
        for language in study.languages:
            attributes[f"{name}_{language}"] = field_class(f"{label} ({language})",
                                                           validators=[Optional(), Length(max=max_length)])
    return type("PerLanguageForm", (base,), attributes)


class StatementForm(FlaskForm):
    text = TextAreaField(_l("Statement"), validators=[DataRequired(), Length(max=2000)])
    code = StringField(_l("Code"), validators=[Optional(), Length(max=40)])
    tags = MultiCheckboxField(_l("Archetype"), choices=[], validate_choice=False)
    other_tags = StringField(_l("Other tags (comma separated)"), validators=[Optional(), Length(max=300)])

    def all_tags(self) -> list[str]:
        return parse_tags(list(self.tags.data or []) + SPLIT_TAGS.split(self.other_tags.data or ""))


def statement_form_class(study: Study) -> type:
    """StatementForm plus a ``text_<language>`` translation field per non-default study language."""
    attributes = {f"text_{language}": TextAreaField(language_name(language),
                                                    validators=[Optional(), Length(max=2000)])
                  for language in study.languages if language != study.default_language}
    return type("StudyStatementForm", (StatementForm,), attributes)


class BulkForm(FlaskForm):
    bulk = TextAreaField(_l("Statements, one per line"), validators=[DataRequired()])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class GridForm(FlaskForm):
    min_score = IntegerField(_l("Lowest score"), validators=[InputRequired(message=_l("Give the lowest score."))])
    max_score = IntegerField(_l("Highest score"), validators=[InputRequired(message=_l("Give the highest score."))])
    free_distribution = BooleanField(_l("Free distribution: participants may put any number of cards in a column"))


class ShareForm(FlaskForm):
    email = EmailField(_l("Colleague's email"), validators=[DataRequired(), Length(max=254)])


class DeleteForm(FlaskForm):
    confirm_title = StringField(_l("Type the study's title to confirm"), validators=[DataRequired()])


def question_form_class(study: Study) -> type:
    attributes = {
        "phase": RadioField(_l("When"), choices=choices([("pre", _("Before the sort")), ("post", _("After the sort"))]),
                            default="post"),
        "kind": SelectField(_l("Type"), choices=choices(list(kind_labels().items())), default="text"),
        "required": BooleanField(_l("An answer is required")),
        "min": StringField(_l("Smallest number"), validators=[Optional(), Length(max=12)]),
        "max": StringField(_l("Largest number"), validators=[Optional(), Length(max=12)]),
        "points": StringField(_l("Points on the scale"), validators=[Optional(), Length(max=3)], default="5"),
    }
    for language in study.languages:
        attributes[f"prompt_{language}"] = TextAreaField(f"{_('Question')} ({language})",
                                                         validators=[Optional(), Length(max=1000)])
        attributes[f"options_{language}"] = TextAreaField(f"{_('Options, one per line')} ({language})",
                                                          validators=[Optional(), Length(max=5000)])
    return type("QuestionForm", (FlaskForm,), attributes)


def translations_form_class(study: Study) -> type:
    """A ``t_<statement id>`` text box per statement: the statements' translations into one language."""
    return type("TranslationsForm", (FlaskForm,), {
        f"t_{statement.id}": TextAreaField(statement.code, validators=[Optional(), Length(max=2000)])
        for statement in study.statements})

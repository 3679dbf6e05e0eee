"""The questions of a study, asked before or after the sort: creating and changing them (wording per language,
options, number ranges, Likert scales), deleting and ordering them. No Flask here: the studio's question views
(qsort/blueprints/studio/questions.py) parse forms and call these functions; the participant's form reads the
same shapes (qsort/respond_forms.py).

A change is refused with :class:`qsort.studies.StudyError` (nothing changed).
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from .flow import in_language
from .models import QUESTION_KINDS, Answer, Question, Study
from .studies import StudyError, clean_by_language

QUESTION_PHASES = ("pre", "post")

def set_question(study: Study, question: Question | None, *, phase: str, kind: str,
                 prompts: dict[str, str], options: dict[str, str], required: bool,
                 settings: dict[str, str], answered: bool = False) -> Question:
    """Create (question None) or change a question. ``options`` maps a language to its option lines (one per line,
    the same order in every language); ``settings`` holds min/max for numbers, points for Likert.

    ``answered``: the question already has answers. Its wording may still change, but not its type, its phase
    or the number of its options or points, because the stored answers refer to those.
    """
    if phase not in QUESTION_PHASES:
        raise StudyError(_("Ask the question before or after the sort."), "phase")
    if kind not in QUESTION_KINDS:
        raise StudyError(_("Choose a question type."), "kind")
    prompt = clean_by_language(prompts, study.languages)
    if not prompt.get(study.default_language):
        raise StudyError(_("Write the question in the study's default language."), f"prompt_{study.default_language}")
    stored_options: list[dict] = []
    stored_settings: dict = {}
    if kind in ("single", "multiple"):
        stored_options = _parse_options(study, options)
    elif kind == "number":
        stored_settings = _number_settings(settings)
    elif kind == "likert":
        stored_settings, stored_options = _likert(study, settings, options)
    if question is not None and answered:
        if (kind, phase) != (question.kind, question.phase):
            raise StudyError(_("This question has answers: its type and when it is asked cannot change. "
                               "Copy the study to ask it differently."), "kind")
        if len(stored_options) != len(question.options or []) or \
                stored_settings.get("points") != (question.settings or {}).get("points"):
            raise StudyError(_("This question has answers: the number of options cannot change, only their "
                               "wording."), f"options_{study.default_language}")
    if question is None:
        question = Question(position=max((q.position for q in study.questions), default=-1) + 1)
        study.questions.append(question)
    question.phase, question.kind, question.prompt = phase, kind, prompt
    question.options, question.settings, question.required = stored_options, stored_settings, bool(required)
    return question


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _parse_options(study: Study, options: dict[str, str]) -> list[dict]:
    base = _lines(options.get(study.default_language))
    if len(base) < 2:
        raise StudyError(_("Give at least two options, one per line."), f"options_{study.default_language}")
    if len({line.lower() for line in base}) != len(base):
        raise StudyError(_("Two options are the same."), f"options_{study.default_language}")
    result = [{"value": str(index + 1), "label": {study.default_language: line}} for index, line in enumerate(base)]
    for language in study.languages:
        if language == study.default_language:
            continue
        translated = _lines(options.get(language))
        if translated and len(translated) != len(base):
            raise StudyError(_("Give the options in %(lang)s in the same number and order (%(n)s lines), or none.",
                               lang=language, n=len(base)), f"options_{language}")
        for option, label in zip(result, translated):
            option["label"][language] = label
    return result


def _int_setting(settings: dict, name: str) -> int | None:
    value = (settings.get(name) or "").strip() if isinstance(settings.get(name), str) else settings.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise StudyError(_("%(name)s must be a whole number.", name=name), name) from None


def _number_settings(settings: dict) -> dict:
    low, high = _int_setting(settings, "min"), _int_setting(settings, "max")
    if low is not None and high is not None and low >= high:
        raise StudyError(_("The smallest allowed number must be below the largest."), "min")
    return {key: value for key, value in (("min", low), ("max", high)) if value is not None}


LIKERT_POINTS = 5  # a new Likert item's scale: 1..5


def likert_labels(settings: dict | None) -> list[dict[str, str]]:
    """The label of each point of a Likert item, lowest first: ``{language: text}``, ``{}`` for a point without
    one. The one shape is ``settings = {"points": n, "labels": [one per point]}``; items stored before it
    (``low`` and ``high`` for the two ends, as old demo studies and study exports have them) read the same.
    """
    settings = settings or {}
    points = int(settings.get("points") or LIKERT_POINTS)
    labels = settings.get("labels")
    if isinstance(labels, list) and len(labels) == points:
        return [dict(label) if isinstance(label, dict) else {} for label in labels]
    result: list[dict[str, str]] = [{} for _point in range(points)]
    for index, end in ((0, "low"), (-1, "high")):
        if isinstance(settings.get(end), dict):
            result[index] = dict(settings[end])
    return result


def likert_lines(settings: dict | None, language: str) -> list[str]:
    """A Likert item's labels in ``language`` as the studio's option lines: one per point when every point has
    one, the two ends when only they have one, else none (what :func:`_likert` reads back unchanged)."""
    texts = [label.get(language, "") for label in likert_labels(settings)]
    if all(texts):
        return texts
    if texts[0] and texts[-1] and not any(texts[1:-1]):
        return [texts[0], texts[-1]]
    return []


def likert_points(question: Question, language: str, fallback: str) -> list[tuple[str, str]]:
    """The scale of a Likert item as (value, label) pairs, 1..points (labels: :func:`likert_labels`).

    When every point has a label, the label alone ("Agree"); else the number, with the label where a point has
    one ("1 · Strongly disagree", "2", ...).
    """
    texts = [in_language(label, language, fallback) for label in likert_labels(question.settings)]
    labelled = all(texts)
    return [(str(point), text if labelled else (f"{point} · {text}" if text else str(point)))
            for point, text in enumerate(texts, start=1)]


def shown_choices(question: Question, language: str, fallback: str) -> list[tuple[str, str]]:
    """The choices of a single, multiple or Likert question as participants see them in ``language`` (else
    ``fallback``): (stored value, label) pairs in order; ``[]`` for the other kinds. The participant's form and
    the exports both read this, so the label in a spreadsheet is the one that was on the screen."""
    if question.kind == "likert":
        return likert_points(question, language, fallback)
    if question.kind not in ("single", "multiple"):
        return []
    return [(str(o["value"]), in_language(o.get("label"), language, fallback) or str(o["value"]))
            for o in question.options or []]


def answer_label(question: Question, value, language: str, fallback: str) -> str:
    """The label(s) of a stored choice answer as the participant saw them ("; " between several); "" for an
    answer that is not a choice, or a value no option has (an option changed after answering)."""
    labels = dict(shown_choices(question, language, fallback))
    values = value if isinstance(value, list) else [value]
    return "; ".join(labels[str(v)] for v in values if v is not None and str(v) in labels)


def _likert(study: Study, settings: dict, options: dict[str, str]) -> tuple[dict, list[dict]]:
    """A Likert item: answers 1..``points`` (3-11). Option lines, when given, are the labels: one per point,
    or two for the lowest and the highest point.

    Stored as the respond pages read it (:func:`likert_labels`): ``settings = {"points": n, "labels":
    [{language: text}, ...]}`` (labels only when given; ``{}`` for an unlabelled point) and no options.
    """
    points = _int_setting(settings, "points") or LIKERT_POINTS
    if not 3 <= points <= 11:
        raise StudyError(_("A Likert scale has 3 to 11 points."), "points")
    labels: list[dict] = [{} for _point in range(points)]
    for language in study.languages:
        lines = _lines(options.get(language))
        if len(lines) == 2:
            labels[0][language], labels[-1][language] = lines
        elif lines and len(lines) != points:
            raise StudyError(_("Give one label per point (%(n)s lines), two for the lowest and the highest point, "
                               "or none.", n=points), f"options_{language}")
        else:
            for label, line in zip(labels, lines):
                label[language] = line
    stored = {"points": points}
    if any(labels):
        stored["labels"] = labels
    return stored, []


def question_has_answers(db: Session, question: Question) -> bool:
    return bool(db.scalar(select(exists().where(Answer.question_id == question.id))))


def delete_question(db: Session, study: Study, question: Question) -> None:
    """Delete a question; refused once participants answered it (their answers would be lost)."""
    if question_has_answers(db, question):
        raise StudyError(_("This question has answers and cannot be deleted. Copy the study to change it."),
                         "question")
    study.questions.remove(question)
    for position, item in enumerate(study.questions):
        item.position = position


def move_question(study: Study, question: Question, direction: str) -> None:
    ordered = list(study.questions)
    index = ordered.index(question)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
    study.questions.sort(key=lambda q: q.position)

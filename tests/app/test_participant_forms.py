"""The post-sort and questions forms are plain data checked by explicit functions (qsort/respond_forms.py), no
longer WTForms fields: each check gives the message WTForms' validators gave for the same input (WTForms' own
messages in WTForms' translations), and a POST reads fields as WTForms did (a field the POST lacks keeps its
stored answer; tick boxes none of which is ticked are an answer)."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from qsort.models import Participant
from qsort.respond_forms import FormField, Label, ParticipantForm, answer_value, field_errors
from tests.factories import Respondent, make_study, sort_to_grid

CHOICES = [("a", "A"), ("b", "B")]


def sent(kind: str, values: list[str], required: bool = False, **fields) -> FormField:
    """A field of ``kind`` after a POST that sent ``values`` for it."""
    field = FormField("q1", Label("Question"), kind, required=required, **fields)
    ParticipantForm([field]).fill({}, MultiDict([("q1", value) for value in values]))
    return field


@pytest.mark.parametrize("kind, values, required, fields, errors", [
    # radio buttons: not one of the choices, unless nothing (or blanks) was sent for an optional one
    ("single", ["c"], False, {"choices": CHOICES}, ["Not a valid choice."]),
    ("single", [], False, {"choices": CHOICES}, []),
    ("single", ["  "], False, {"choices": CHOICES}, []),
    ("single", [], True, {"choices": CHOICES}, ["Please answer this question."]),
    ("single", ["c"], True, {"choices": CHOICES}, ["Not a valid choice."]),
    ("likert", ["b", "a"], True, {"choices": CHOICES}, []),  # the first value sent counts
    ("would_pay", ["maybe"], False, {"choices": [("yes", "Yes")]}, ["Not a valid choice."]),
    # tick boxes
    ("multiple", ["a", "c"], False, {"choices": CHOICES}, ["'c' is not a valid choice for this field."]),
    ("multiple", [], True, {"choices": CHOICES}, ["Please answer this question."]),
    ("multiple", ["", "c"], False, {"choices": CHOICES}, []),  # the first one blank: as WTForms' Optional
    # numbers: typed at all (required), then the format and the range
    ("number", [" "], True, {}, []),
    ("number", [""], True, {}, ["Please answer this question."]),
    ("number", ["1,5"], False, {}, ["Please enter a whole number, for example 5."]),
    ("number", ["1.5.1"], False, {"settings": {"integer": False}}, ["Please enter a number, for example 2.5."]),
    ("number", ["1234567890123456"], False, {}, ["Please enter a number of at most 15 digits."]),
    ("number", ["0"], False, {"settings": {"min": 1, "max": 9}}, ["Please enter a number of at least 1."]),
    ("number", ["10"], False, {"settings": {"min": 1, "max": 9}}, ["Please enter a number of at most 9."]),
    # texts: blank is missing, then the length
    ("text", ["   "], True, {"max_length": 4}, ["Please answer this question."]),
    ("text", ["abcde"], False, {"max_length": 4}, ["At most 4 characters, please."]),
    ("comment", [""], True, {"max_length": 4}, ["Please say why you placed this card here."]),
    ("comment", ["  "], False, {"max_length": 4}, []),
])
def test_each_kind_of_field_is_checked_as_before(app, kind, values, required, fields, errors):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert field_errors(sent(kind, values, required, **fields)) == errors


def test_two_unknown_choices_are_named_in_one_message(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        [message] = field_errors(sent("multiple", ["x", "y"], choices=CHOICES))
    assert message in ("'x', 'y' are not valid choices for this field.",
                       "'y', 'x' are not valid choices for this field.")  # in set order, as WTForms


@pytest.mark.parametrize("language, single, multiple", [
    ("nl", "Ongeldige keuze.", "'c' is een ongeldige keuze voor dit veld."),
    # WTForms' Norwegian catalogue has this one marked fuzzy (not compiled): WTForms gave it in English too
    ("nb", "Ikke et gyldig valg", "'c' is not a valid choice for this field."),
])
def test_wtforms_messages_come_in_wtforms_translations(app, language, single, multiple):
    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert field_errors(sent("single", ["c"], choices=CHOICES)) == [single]
        assert field_errors(sent("multiple", ["c"], choices=CHOICES)) == [multiple]


@pytest.mark.parametrize("kind, raw, value", [
    ("multiple", ["a", "b"], ["a", "b"]), ("multiple", [], None), ("likert", "4", 4), ("likert", "", None),
    ("number", " 12 ", 12), ("number", "-0,5", -0.5), ("number", "", None), ("single", " a ", "a"),
    ("text", "  Fast  ", "Fast"), ("text", "   ", None),
])
def test_answers_are_stored_as_before(kind, raw, value):
    assert answer_value(kind, raw) == value


def test_a_field_the_post_lacks_keeps_its_stored_answer_but_tick_boxes_are_an_answer(client, session):
    """As WTForms read a form: a radio button or a comment not sent keeps what was stored; tick boxes of which
    none is ticked send nothing, which is the answer "none"."""
    study, token = make_study(session)
    respondent = Respondent(client, token)
    sort_to_grid(respondent, study)
    top, bottom = study.statements[-1], study.statements[0]
    respondent.get("/postsort")
    response = respondent.post("/postsort", {"back_to_grid": "Change my sort", f"comment_{top.id}": "Because",
                                             f"would_pay_{top.id}": "yes", f"comment_{bottom.id}": "Too dear"})
    assert response.headers["Location"].endswith("/sort")
    sort_to_grid(respondent, study)
    page = respondent.get("/postsort").get_data(as_text=True)
    assert "\r\nBecause</textarea>" in page and "\r\nToo dear</textarea>" in page
    assert f'<input checked id="would_pay_{top.id}-0" name="would_pay_{top.id}" type="radio" value="yes">' in page
    respondent.post("/postsort", {f"comment_{bottom.id}": "Far too dear"})  # the top card's fields not sent
    role, years, buys, likert, free = study.questions
    respondent.get("/questions")
    respondent.post("/questions", {"back_to_grid": "Change my sort", f"q{role.id}": "adviser",
                                   f"q{buys.id}": ["goods", "services"], f"q{years.id}": "many"})
    sort_to_grid(respondent, study)
    respondent.post("/postsort", {})
    page = respondent.get("/questions").get_data(as_text=True)
    assert f'<input checked id="q{role.id}-1" name="q{role.id}" required type="radio" value="adviser">' in page
    assert f'<input checked id="q{buys.id}-1" name="q{buys.id}" type="checkbox" value="services">' in page
    assert 'value="many"' not in page  # an answer with an error is not kept when going back
    response = respondent.post("/questions", {f"q{years.id}": "3"})  # role not sent: the stored one stands
    assert response.status_code == 302
    session.expire_all()
    participant = session.scalar(select(Participant).where(Participant.token == token))
    comments = {c.statement_id: (c.text, c.would_pay) for c in participant.sort.comments}
    assert comments == {top.id: ("Because", "yes"), bottom.id: ("Far too dear", None)}
    answers = {a.question_id: a.value for a in participant.sort.answers}
    assert answers[role.id] == "adviser" and answers[years.id] == 3 and answers[buys.id] is None

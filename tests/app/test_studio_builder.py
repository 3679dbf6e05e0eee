"""The study builder: studies, texts, statements (paste, CSV, reorder), grid, questions, settings, preview,
locking once responses exist, copying, the lifecycle, sharing and deleting."""
from __future__ import annotations

import io
import re

import pytest

from qsort.models import Answer, Participant, Placement, Question, Sort, Statement, Study
from tests.factories import PASSWORD, csrf_from, login, make_user


@pytest.fixture
def ana(researcher):
    return researcher


@pytest.fixture
def bob(session):
    return make_user(session, "bob@example.com", "Bob")


@pytest.fixture
def logged_in(auth, ana):
    return auth.login("ana@example.com")


class Studio:
    """A logged-in test client that knows the CSRF token."""

    def __init__(self, client):
        self.client = client
        self.token = csrf_from(client.get("/studio/"))

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kwargs)

    def new_study(self, title="Value study", languages=("en",), default="en") -> int:
        response = self.post("/studio/new", {"title": title, "languages": list(languages), "default_language": default})
        assert response.status_code == 302, response.get_data(as_text=True)
        return int(re.search(r"/studio/(\d+)/", response.headers["Location"]).group(1))

    def paste(self, study_id, lines) -> None:
        response = self.post(f"/studio/{study_id}/statements/bulk", {"bulk": "\n".join(lines)})
        assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def studio(logged_in):
    return Studio(logged_in)


def text(response) -> str:
    return response.get_data(as_text=True)


def statements_of(session, study_id):
    session.expire_all()
    return session.get(Study, study_id).statements


def add_response(session, study_id, *, source="invite", state="started", placed=False):
    """A participant of the study with a sort in ``state`` (and one placement when ``placed``)."""
    study = session.get(Study, study_id)
    participant = Participant(study=study, source=source, sort=Sort(state=state))   # the sort joins the session too
    session.add(participant)
    if placed:
        participant.sort.placements.append(Placement(statement_id=study.statements[0].id, score=0))
    session.commit()
    return participant


# --------------------------------------------------------------------------------------------- studies

def test_new_study_and_list_with_counts(studio, session):
    study_id = studio.new_study("Supplier value 2026", languages=("en", "nl"), default="nl")
    study = session.get(Study, study_id)
    assert (study.title, study.languages, study.default_language, study.status) == (
        "Supplier value 2026", ["en", "nl"], "nl", "draft")
    studio.paste(study_id, ["Low price", "Fast delivery", "Account manager"])
    add_response(session, study_id, state="submitted")
    add_response(session, study_id, source="preview", state="submitted")
    page = text(studio.get("/studio/"))
    assert "Supplier value 2026" in page and "Draft" in page
    row = re.search(r"Supplier value 2026.*?</tr>", page, re.S).group(0)
    # statements 3, participants 1 (preview left out), completed 1
    assert re.findall(r'class="num[^"]*">(\d+)</td>', row) == ["3", "1", "1"]


def test_new_study_validation_names_the_field(studio):
    response = studio.post("/studio/new", {"title": "", "languages": ["en"], "default_language": "en"})
    assert response.status_code == 400 and "field-error" in text(response)
    response = studio.post("/studio/new", {"title": "X", "languages": ["en"], "default_language": "nb"})
    assert response.status_code == 400
    assert "default language must be one of the study&#39;s languages" in text(response)
    response = studio.post("/studio/new", {"title": "X", "default_language": "en"})
    assert response.status_code == 400 and "at least one language" in text(response)


def test_forms_need_csrf(studio):
    study_id = studio.new_study()
    response = studio.client.post(f"/studio/{study_id}/statements/bulk", data={"bulk": "A\nB"})
    assert response.status_code == 400
    response = studio.client.post(f"/studio/{study_id}/statements/reorder", json={"order": []})
    assert response.status_code == 400


def test_overview_pages_render(studio):
    study_id = studio.new_study()
    for page in ("", "/texts", "/statements", "/grid", "/questions", "/settings", "/share", "/delete"):
        response = studio.get(f"/studio/{study_id}{page}")
        assert response.status_code == 200, page
        assert 'aria-current="page"' in text(response)
    assert "Add at least 3 statements" in text(studio.get(f"/studio/{study_id}"))


# --------------------------------------------------------------------------------------------- texts and settings

def test_texts_per_language(studio, session):
    study_id = studio.new_study(languages=("en", "nb"))
    response = studio.post(f"/studio/{study_id}/texts", {
        "welcome_en": "Welcome!", "welcome_nb": "Velkommen!", "consent_en": "I agree", "thank_you_nb": " Takk ",
        "label_most_en": "Most important", "label_least_nb": "Minst viktig", "instruction_nl": "ignored",
    })
    assert response.status_code == 302
    session.expire_all()
    study = session.get(Study, study_id)
    assert study.texts["welcome"] == {"en": "Welcome!", "nb": "Velkommen!"}
    assert study.texts["thank_you"] == {"nb": "Takk"}
    assert study.texts["instruction"] == {}
    assert study.labels["most"] == {"en": "Most important"} and study.labels["least"] == {"nb": "Minst viktig"}
    assert study.text("welcome", "nb") == "Velkommen!"
    assert 'Velkommen!' in text(studio.get(f"/studio/{study_id}/texts"))


def test_settings_and_redirect_url_validation(studio, session):
    study_id = studio.new_study()
    base = {"title": "Renamed", "languages": ["en", "nl"], "default_language": "en", "extreme_comments": "required"}
    response = studio.post(f"/studio/{study_id}/settings", {**base, "redirect_url": "javascript:alert(1)"})
    assert response.status_code == 400 and "redirect URL must start with http" in text(response)
    session.expire_all()
    assert session.get(Study, study_id).title == "Value study"  # nothing saved
    response = studio.post(f"/studio/{study_id}/settings", {**base, "redirect_url": "https://panel.example.com/done"})
    assert response.status_code == 302
    session.expire_all()
    study = session.get(Study, study_id)
    assert (study.title, study.languages, study.extreme_comments, study.ask_would_pay, study.redirect_url) == (
        "Renamed", ["en", "nl"], "required", False, "https://panel.example.com/done")
    response = studio.post(f"/studio/{study_id}/settings", {**base, "extreme_comments": "sometimes"})
    assert response.status_code == 400


# --------------------------------------------------------------------------------------------- statements

def test_bulk_paste_with_codes_and_auto_codes(studio, session):
    study_id = studio.new_study()
    studio.paste(study_id, ["P07\tLowest price", "", "Q2;Delivery on time; every time", "Price; and more words",
                            "A supplier that thinks along"])
    statements = statements_of(session, study_id)
    assert [(s.code, s.text) for s in statements] == [
        ("P07", "Lowest price"), ("Q2", "Delivery on time; every time"), ("S01", "Price; and more words"),
        ("S02", "A supplier that thinks along")]
    assert [s.position for s in statements] == [0, 1, 2, 3]


def test_bulk_paste_is_all_or_nothing(studio, session):
    study_id = studio.new_study()
    studio.paste(study_id, ["P01\tLow price"])
    response = studio.post(f"/studio/{study_id}/statements/bulk", {"bulk": "Good service\nP01\tDuplicate code"})
    assert response.status_code == 400
    assert "Line 2" in text(response) and "P01" in text(response) and "already used" in text(response)
    assert len(statements_of(session, study_id)) == 1


def test_add_edit_delete_statement_with_tags_and_translations(studio, session):
    study_id = studio.new_study(languages=("en", "nl"))
    response = studio.post(f"/studio/{study_id}/statements", {
        "text": "Low price", "code": "", "tags": ["price"], "other_tags": "Cost, price", "text_nl": "Lage prijs"})
    assert response.status_code == 302
    statement = statements_of(session, study_id)[0]
    assert (statement.code, statement.tags, statement.translations) == ("S01", ["price", "cost"], {"nl": "Lage prijs"})
    assert statement.text_in("nl") == "Lage prijs"
    url = f"/studio/{study_id}/statements/{statement.id}"
    assert "Lage prijs" in text(studio.get(url))
    summary = re.search(r'id="tag-summary".*?</p>', text(studio.get(f"/studio/{study_id}/statements")), re.S).group(0)
    assert re.findall(r'badge tag">([\w-]+ \d+)<', summary) == ["price 1", "added-value 0", "strategy 0", "cost 1"]
    response = studio.post(url, {"text": "Lowest price", "code": "P1", "tags": ["strategy"], "text_nl": ""})
    assert response.status_code == 302
    statement = statements_of(session, study_id)[0]
    assert (statement.text, statement.code, statement.tags, statement.translations) == (
        "Lowest price", "P1", ["strategy"], {})
    response = studio.post(url, {"text": "  ", "code": "P1"})
    assert response.status_code == 400 and "field-error" in text(response)
    response = studio.post(url, {"text": "x", "code": "bad code!"})
    assert response.status_code == 400 and "may only hold letters" in text(response)
    assert studio.post(url + "/delete").status_code == 302
    assert statements_of(session, study_id) == []


def test_translate_all_statements_at_once(studio, session):
    study_id = studio.new_study(languages=("en", "nl", "nb"))
    studio.paste(study_id, ["Low price", "Good advice"])
    low, advice = statements_of(session, study_id)
    url = f"/studio/{study_id}/statements/translate/nl"
    assert "Low price" in text(studio.get(url))
    assert studio.get(f"/studio/{study_id}/statements/translate/en").status_code == 404  # the default language
    assert studio.get(f"/studio/{study_id}/statements/translate/de").status_code == 404
    response = studio.post(url, {f"t_{low.id}": "Lage prijs", f"t_{advice.id}": ""})
    assert response.status_code == 302
    studio.post(f"/studio/{study_id}/statements/translate/nb", {f"t_{low.id}": "Lav pris"})
    low, advice = statements_of(session, study_id)
    assert low.translations == {"nl": "Lage prijs", "nb": "Lav pris"} and advice.translations == {}
    links = re.sub(r"\s+", " ", text(studio.get(f"/studio/{study_id}/statements")))
    assert "Nederlands <span class=\"muted\">1 of 2</span>" in links
    studio.post(url, {f"t_{low.id}": " ", f"t_{advice.id}": "Goed advies"})
    low, advice = statements_of(session, study_id)
    assert low.translations == {"nb": "Lav pris"} and advice.text_in("nl") == "Goed advies"


def test_statement_of_another_study_is_404(studio, session):
    first = studio.new_study("A")
    second = studio.new_study("B")
    studio.paste(first, ["One"])
    statement_id = statements_of(session, first)[0].id
    assert studio.get(f"/studio/{second}/statements/{statement_id}").status_code == 404
    assert studio.post(f"/studio/{second}/statements/{statement_id}/delete").status_code == 404


def test_reorder_with_buttons_and_json(studio, session):
    study_id = studio.new_study()
    studio.paste(study_id, ["A", "B", "C"])
    a, b, c = statements_of(session, study_id)
    assert studio.post(f"/studio/{study_id}/statements/{c.id}/move", {"direction": "up"}).status_code == 302
    assert [s.text for s in statements_of(session, study_id)] == ["A", "C", "B"]
    studio.post(f"/studio/{study_id}/statements/{a.id}/move", {"direction": "up"})  # already first: no change
    assert [s.text for s in statements_of(session, study_id)] == ["A", "C", "B"]
    response = studio.client.post(f"/studio/{study_id}/statements/reorder", json={"order": [b.id, a.id, c.id]},
                                  headers={"X-CSRFToken": studio.token})
    assert response.status_code == 200 and response.json["order"] == [b.id, a.id, c.id]
    assert [s.text for s in statements_of(session, study_id)] == ["B", "A", "C"]
    response = studio.client.post(f"/studio/{study_id}/statements/reorder", json={"order": [b.id, a.id]},
                                  headers={"X-CSRFToken": studio.token})
    assert response.status_code == 400 and response.json["field"] == "order"


def test_csv_import(studio, session):
    study_id = studio.new_study(languages=("en", "nl"))
    csv_text = "code;text;tags;text_nl\nP01;Low price;price;Lage prijs\n;Good advice;added-value, strategy;\n"
    response = studio.post(f"/studio/{study_id}/statements/import",
                           {"file": (io.BytesIO(csv_text.encode("utf-8-sig")), "statements.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, text(response)
    statements = statements_of(session, study_id)
    assert [(s.code, s.text, s.tags, s.translations) for s in statements] == [
        ("P01", "Low price", ["price"], {"nl": "Lage prijs"}),
        ("S01", "Good advice", ["added-value", "strategy"], {})]


def test_statements_csv_round_trip(studio, session):
    source = studio.new_study("Source", languages=("en", "nl"))
    studio.post(f"/studio/{source}/statements", {"text": 'Price, "all-in"', "code": "P1", "tags": ["price"],
                                                 "other_tags": "cost", "text_nl": "Prijs, alles inbegrepen"})
    studio.paste(source, ["Advice; on site", "Ré-use"])
    response = studio.get(f"/studio/{source}/statements.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="Source-statements.csv"' in response.headers["Content-Disposition"]
    assert response.data.decode("utf-8").splitlines()[0] == "\ufeffcode,text,tags,text_nl"
    target = studio.new_study("Target", languages=("en", "nl"))
    imported = studio.post(f"/studio/{target}/statements/import",
                           {"file": (io.BytesIO(response.data), "s.csv")}, content_type="multipart/form-data")
    assert imported.status_code == 302, text(imported)

    def content(study_id):
        return [(s.code, s.text, s.tags, s.translations) for s in statements_of(session, study_id)]

    assert content(target) == content(source)
    assert content(source)[0] == ("P1", 'Price, "all-in"', ["price", "cost"], {"nl": "Prijs, alles inbegrepen"})


@pytest.mark.parametrize("csv_text, message", [
    ("code,text\nX1,Fine\nX2,\n", "Line 3, column 2 (text)"),
    ("code,text\nX1,Fine\nX1,Again\n", "Line 3, column 1 (code)"),
    ("words\nA\n", "Line 1: the header has no"),
    ("text,colour\nA,red\n", "Line 1, column 2: unknown column"),
    ("text,text_nb\nA,B\n", "language this study does not use"),
    ("text\n", "no statements"),
])
def test_csv_import_errors_are_all_or_nothing(studio, session, csv_text, message):
    study_id = studio.new_study(languages=("en", "nl"))
    response = studio.post(f"/studio/{study_id}/statements/import",
                           {"file": (io.BytesIO(csv_text.encode()), "s.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in text(response).replace("&#34;", '"')
    assert statements_of(session, study_id) == []


# --------------------------------------------------------------------------------------------- grid

def test_grid_must_sum_to_the_statements(studio, session):
    study_id = studio.new_study()
    studio.paste(study_id, [f"Statement {i}" for i in range(9)])
    heights = {"height_-2": 1, "height_-1": 2, "height_0": 3, "height_1": 2, "height_2": 2}
    response = studio.post(f"/studio/{study_id}/grid", {"action": "save", "min_score": -2, "max_score": 2, **heights})
    assert response.status_code == 400
    assert "add up to 10, but the study has 9 statements" in text(response)
    session.expire_all()
    assert session.get(Study, study_id).grid_scores == []
    heights["height_2"] = 1
    response = studio.post(f"/studio/{study_id}/grid", {"action": "save", "min_score": -2, "max_score": 2, **heights})
    assert response.status_code == 302
    session.expire_all()
    study = session.get(Study, study_id)
    assert (study.grid_scores, study.grid_heights) == ([-2, -1, 0, 1, 2], [1, 2, 3, 2, 1])
    page = text(studio.get(f"/studio/{study_id}/grid"))
    assert page.count('class="cell"') == 9  # the picture without JavaScript


def test_grid_validation_messages(studio):
    study_id = studio.new_study()
    studio.paste(study_id, ["A", "B", "C"])
    url = f"/studio/{study_id}/grid"
    response = studio.post(url, {"action": "save", "min_score": 2, "max_score": 1})
    assert response.status_code == 400 and "lowest first" in text(response)
    response = studio.post(url, {"action": "save", "min_score": -1, "max_score": 1, "height_-1": "x",
                                 "height_0": 1, "height_1": 1})
    assert response.status_code == 400 and "Column -1: the height must be a whole number" in text(response)
    response = studio.post(url, {"action": "save", "min_score": -1, "max_score": 1, "height_-1": 0,
                                 "height_0": 3, "height_1": 0})
    assert response.status_code == 400 and "at least one card" in text(response)
    # Update columns only re-renders with the new range, keeping typed heights.
    response = studio.post(url, {"action": "columns", "min_score": -3, "max_score": 3, "height_0": 5})
    assert response.status_code == 200 and 'name="height_-3" value="1"' in text(response)
    assert 'name="height_0" value="5"' in text(response)


def test_free_distribution_needs_no_exact_sum(studio, session):
    study_id = studio.new_study()
    studio.paste(study_id, ["A", "B", "C", "D"])
    response = studio.post(f"/studio/{study_id}/grid", {"action": "save", "min_score": -1, "max_score": 1,
                                                        "height_-1": 4, "height_0": 4, "height_1": 4,
                                                        "free_distribution": "y"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Study, study_id).free_distribution is True


def test_quasi_normal_suggestion(studio, session):
    study_id = studio.new_study()
    studio.paste(study_id, [f"Statement {i}" for i in range(33)])
    page = text(studio.get(f"/studio/{study_id}/grid"))
    assert "2, 3, 4, 5, 5, 5, 4, 3, 2" in page
    assert studio.post(f"/studio/{study_id}/grid", {"action": "suggest"}).status_code == 302
    session.expire_all()
    study = session.get(Study, study_id)
    assert study.grid_scores == list(range(-4, 5)) and sum(study.grid_heights) == 33


# --------------------------------------------------------------------------------------------- questions

def test_questions_each_kind(studio, session):
    study_id = studio.new_study(languages=("en", "nl"))
    url = f"/studio/{study_id}/questions"
    assert studio.post(url, {"phase": "pre", "kind": "text", "prompt_en": "Your role?", "prompt_nl": "Uw rol?",
                             "required": "y"}).status_code == 302
    assert studio.post(url, {"phase": "post", "kind": "single", "prompt_en": "Size?",
                             "options_en": "Small\nLarge", "options_nl": "Klein\nGroot"}).status_code == 302
    assert studio.post(url, {"phase": "post", "kind": "number", "prompt_en": "Years?", "min": "0",
                             "max": "80"}).status_code == 302
    assert studio.post(url, {"phase": "post", "kind": "likert", "prompt_en": "Satisfied?",
                             "points": "7"}).status_code == 302
    assert studio.post(url, {"phase": "post", "kind": "likert", "prompt_en": "Agree?", "points": "3",
                             "options_en": "No\nMaybe\nYes"}).status_code == 302
    assert studio.post(url, {"phase": "post", "kind": "multiple", "prompt_en": "Channels?",
                             "options_en": "Web\nPhone\nVisit"}).status_code == 302
    assert studio.post(url, {"phase": "post", "kind": "likert", "prompt_en": "Happy?", "points": "5",
                             "options_en": "Not at all\nVery", "options_nl": "Helemaal niet\nZeer"}).status_code == 302
    session.expire_all()
    questions = session.get(Study, study_id).questions
    assert [(q.phase, q.kind, q.required) for q in questions] == [
        ("pre", "text", True), ("post", "single", False), ("post", "number", False), ("post", "likert", False),
        ("post", "likert", False), ("post", "multiple", False), ("post", "likert", False)]
    assert questions[0].prompt == {"en": "Your role?", "nl": "Uw rol?"}
    assert questions[1].options == [{"value": "1", "label": {"en": "Small", "nl": "Klein"}},
                                    {"value": "2", "label": {"en": "Large", "nl": "Groot"}}]
    assert questions[2].settings == {"min": 0, "max": 80}
    assert questions[3].settings == {"points": 7} and questions[3].options == []
    assert questions[4].settings == {"points": 3, "labels": [{"en": "No"}, {"en": "Maybe"}, {"en": "Yes"}]}
    assert "Maybe" in text(studio.get(f"{url}/{questions[4].id}"))
    assert questions[6].settings == {"points": 5, "labels": [{"en": "Not at all", "nl": "Helemaal niet"}, {}, {}, {},
                                                             {"en": "Very", "nl": "Zeer"}]}
    page = text(studio.get(url))
    assert "Your role?" in page and "Small · Large" in page


@pytest.mark.parametrize("data, message", [
    ({"phase": "post", "kind": "text", "prompt_en": ""}, "default language"),
    ({"phase": "post", "kind": "single", "prompt_en": "Q", "options_en": "Only one"}, "at least two options"),
    ({"phase": "post", "kind": "single", "prompt_en": "Q", "options_en": "A\nB", "options_nl": "A"},
     "same number and order"),
    ({"phase": "post", "kind": "number", "prompt_en": "Q", "min": "9", "max": "1"}, "below the largest"),
    ({"phase": "post", "kind": "number", "prompt_en": "Q", "min": "one"}, "whole number"),
    ({"phase": "post", "kind": "likert", "prompt_en": "Q", "points": "2"}, "3 to 11"),
    ({"phase": "post", "kind": "likert", "prompt_en": "Q", "points": "5", "options_en": "A\nB\nC"},
     "two for the lowest and the highest"),
])
def test_question_validation(studio, session, data, message):
    study_id = studio.new_study(languages=("en", "nl"))
    response = studio.post(f"/studio/{study_id}/questions", data)
    assert response.status_code == 400 and message in text(response)
    session.expire_all()
    assert session.get(Study, study_id).questions == []


def test_edit_move_and_delete_question(studio, session):
    study_id = studio.new_study()
    url = f"/studio/{study_id}/questions"
    studio.post(url, {"phase": "post", "kind": "text", "prompt_en": "First"})
    studio.post(url, {"phase": "post", "kind": "text", "prompt_en": "Second"})
    session.expire_all()
    first, second = session.get(Study, study_id).questions
    assert "First" in text(studio.get(f"{url}/{first.id}"))
    assert studio.post(f"{url}/{first.id}", {"phase": "pre", "kind": "text", "prompt_en": "Changed"}).status_code == 302
    studio.post(f"{url}/{second.id}/move", {"direction": "up"})
    session.expire_all()
    assert [q.prompt["en"] for q in session.get(Study, study_id).questions] == ["Second", "Changed"]
    assert studio.post(f"{url}/{first.id}/delete").status_code == 302
    session.expire_all()
    assert [q.prompt["en"] for q in session.get(Study, study_id).questions] == ["Second"]


def test_answered_question_keeps_its_shape(studio, session):
    study_id = studio.new_study()
    url = f"/studio/{study_id}/questions"
    studio.post(url, {"phase": "post", "kind": "single", "prompt_en": "Size?", "options_en": "Small\nLarge"})
    participant = add_response(session, study_id, state="submitted")
    question = session.get(Study, study_id).questions[0]
    participant.sort.answers.append(Answer(question=question, value="1"))
    session.commit()
    response = studio.post(f"{url}/{question.id}", {"phase": "post", "kind": "text", "prompt_en": "Size?"})
    assert response.status_code == 400 and "type and when it is asked cannot change" in text(response)
    response = studio.post(f"{url}/{question.id}", {"phase": "post", "kind": "single", "prompt_en": "Size?",
                                                    "options_en": "Small\nMedium\nLarge"})
    assert response.status_code == 400 and "number of options cannot change" in text(response)
    response = studio.post(f"{url}/{question.id}", {"phase": "post", "kind": "single", "prompt_en": "Company size?",
                                                    "options_en": "Small (<50)\nLarge"})
    assert response.status_code == 302
    response = studio.post(f"{url}/{question.id}/delete", follow_redirects=True)
    assert "has answers and cannot be deleted" in text(response)
    session.expire_all()
    question = session.get(Study, study_id).questions[0]
    assert question.prompt == {"en": "Company size?"} and question.options[0]["label"] == {"en": "Small (<50)"}


# --------------------------------------------------------------------------------------------- locking and copy

def ready_study(studio, session, n=5) -> int:
    study_id = studio.new_study()
    studio.paste(study_id, [f"Statement {i}" for i in range(n)])
    assert studio.post(f"/studio/{study_id}/grid", {"action": "suggest"}).status_code == 302
    assert studio.post(f"/studio/{study_id}/texts", {"welcome_en": "Welcome."}).status_code == 302
    return study_id


@pytest.mark.parametrize("source, state, placed, locked", [
    ("invite", "started", False, False),
    ("invite", "started", True, True),
    ("open", "presorted", False, True),
    ("invite", "submitted", False, True),
    ("preview", "submitted", True, False),
])
def test_lock_once_real_responses_exist(studio, session, source, state, placed, locked):
    study_id = ready_study(studio, session)
    add_response(session, study_id, source=source, state=state, placed=placed)
    first = statements_of(session, study_id)[0]
    responses = [
        studio.post(f"/studio/{study_id}/statements/bulk", {"bulk": "New one"}),
        studio.post(f"/studio/{study_id}/statements/{first.id}", {"text": "Changed", "code": first.code}),
        studio.post(f"/studio/{study_id}/statements/{first.id}/delete"),
        studio.post(f"/studio/{study_id}/grid", {"action": "suggest"}),
    ]
    if locked:
        assert [r.status_code for r in responses] == [400, 400, 400, 400]
        assert all("locked because this study has responses" in text(r) for r in responses)
        assert len(statements_of(session, study_id)) == 5
        assert statements_of(session, study_id)[0].text == "Statement 0"
        page = text(studio.get(f"/studio/{study_id}/statements"))
        assert 'id="locked-notice"' in page and "Add statements" not in page
        assert 'id="locked-notice"' in text(studio.get(f"/studio/{study_id}/grid"))
        response = studio.client.post(f"/studio/{study_id}/statements/reorder",
                                      json={"order": [s.id for s in statements_of(session, study_id)][::-1]},
                                      headers={"X-CSRFToken": studio.token})
        assert response.status_code == 409
    else:
        assert [r.status_code for r in responses] == [302, 302, 302, 302]


def test_open_study_keeps_its_shape_but_wording_can_change(studio, session):
    study_id = ready_study(studio, session)
    assert studio.post(f"/studio/{study_id}/status", {"status": "open"}).status_code == 302
    first = statements_of(session, study_id)[0]
    refused = [
        studio.post(f"/studio/{study_id}/statements/bulk", {"bulk": "One more"}),
        studio.post(f"/studio/{study_id}/statements/{first.id}/delete"),
        studio.post(f"/studio/{study_id}/grid", {"action": "suggest"}),
    ]
    assert [r.status_code for r in refused] == [400, 400, 400]
    assert all("The study is open" in text(r) for r in refused)
    assert 'id="open-notice"' in text(studio.get(f"/studio/{study_id}/statements"))
    assert 'id="open-notice"' in text(studio.get(f"/studio/{study_id}/grid"))
    # A typo may still be corrected, and the order changed.
    response = studio.post(f"/studio/{study_id}/statements/{first.id}", {"text": "Statement zero", "code": first.code})
    assert response.status_code == 302
    assert studio.post(f"/studio/{study_id}/statements/{first.id}/move", {"direction": "down"}).status_code == 302
    assert [s.text for s in statements_of(session, study_id)][:2] == ["Statement 1", "Statement zero"]
    # Closed: the shape may change again (and opening checks it again).
    studio.post(f"/studio/{study_id}/status", {"status": "closed"})
    studio.paste(study_id, ["One more"])
    response = studio.post(f"/studio/{study_id}/status", {"status": "open"}, follow_redirects=True)
    assert "add up to 5, but the study has 6 statements" in text(response)


def test_copy_makes_an_editable_draft(studio, session):
    study_id = ready_study(studio, session)
    studio.post(f"/studio/{study_id}/texts", {"welcome_en": "Hello"})
    studio.post(f"/studio/{study_id}/questions", {"phase": "post", "kind": "single", "prompt_en": "Size?",
                                                  "options_en": "S\nL"})
    studio.post(f"/studio/{study_id}/status", {"status": "open"})
    add_response(session, study_id, state="submitted")
    response = studio.post(f"/studio/{study_id}/copy")
    assert response.status_code == 302
    copy_id = int(re.search(r"/studio/(\d+)", response.headers["Location"]).group(1))
    session.expire_all()
    original, copy = session.get(Study, study_id), session.get(Study, copy_id)
    assert copy.title == "Copy of Value study" and copy.status == "draft"
    assert [(s.code, s.text) for s in copy.statements] == [(s.code, s.text) for s in original.statements]
    assert {s.id for s in copy.statements}.isdisjoint({s.id for s in original.statements})
    assert (copy.grid_scores, copy.grid_heights) == (original.grid_scores, original.grid_heights)
    assert copy.texts["welcome"] == {"en": "Hello"} and copy.questions[0].options == original.questions[0].options
    assert copy.participants == [] and copy.open_link_token != original.open_link_token
    studio.paste(copy_id, ["Editable again"])  # the copy is not locked
    assert len(statements_of(session, copy_id)) == 6


# --------------------------------------------------------------------------------------------- lifecycle, preview

def test_an_open_study_keeps_its_welcome_text(studio, session):
    """Opening needs a welcome text, and an open study cannot lose it afterwards: the Texts page refuses,
    says why beside the field, and keeps the stored text."""
    study_id = studio.new_study()
    studio.paste(study_id, ["A", "B", "C", "D"])
    studio.post(f"/studio/{study_id}/grid", {"action": "suggest"})
    studio.post(f"/studio/{study_id}/texts", {"welcome_en": "Welcome, and thank you."})
    studio.post(f"/studio/{study_id}/status", {"status": "open"})
    session.expire_all()
    assert session.get(Study, study_id).status == "open"
    response = studio.post(f"/studio/{study_id}/texts", {"welcome_en": "   ", "consent_en": "I agree."})
    assert response.status_code == 400
    assert "cannot be empty" in text(response)
    session.expire_all()
    stored = session.get(Study, study_id)
    assert stored.texts["welcome"] == {"en": "Welcome, and thank you."} and not stored.texts.get("consent")
    studio.post(f"/studio/{study_id}/status", {"status": "closed"})  # closed, it may be emptied again
    assert studio.post(f"/studio/{study_id}/texts", {"welcome_en": ""}).status_code == 302


def test_lifecycle(studio, session):
    study_id = studio.new_study()
    response = studio.post(f"/studio/{study_id}/status", {"status": "open"}, follow_redirects=True)
    assert "cannot open yet" in text(response) and "Add at least 3 statements" in text(response)
    session.expire_all()
    assert session.get(Study, study_id).status == "draft"
    studio.paste(study_id, ["A", "B", "C", "D"])
    response = studio.post(f"/studio/{study_id}/status", {"status": "open"}, follow_redirects=True)
    assert "The grid has no columns yet" in text(response)
    studio.post(f"/studio/{study_id}/grid", {"action": "suggest"})
    response = studio.post(f"/studio/{study_id}/status", {"status": "open"}, follow_redirects=True)
    assert "Write the welcome text" in text(response)  # "I have read the information above" needs some above
    session.expire_all()
    assert session.get(Study, study_id).status == "draft"
    studio.post(f"/studio/{study_id}/texts", {"welcome_en": "Welcome, and thank you."})
    for status in ("open", "closed", "open"):
        studio.post(f"/studio/{study_id}/status", {"status": status})
        session.expire_all()
        assert session.get(Study, study_id).status == status
    studio.post(f"/studio/{study_id}/status", {"status": "draft"})
    session.expire_all()
    assert session.get(Study, study_id).status == "open"
    draft_id = studio.new_study("Another")
    response = studio.post(f"/studio/{draft_id}/status", {"status": "closed"}, follow_redirects=True)
    assert "Only an open study can be closed" in text(response)


def test_preview_creates_reuses_and_resets(studio, session):
    study_id = ready_study(studio, session)
    first = studio.post(f"/studio/{study_id}/preview")
    assert first.status_code == 302 and re.fullmatch(r"/s/[\w-]+", first.headers["Location"])
    # The participant's own pages, although the study is still a draft.
    welcome = studio.get(first.headers["Location"], follow_redirects=True)
    assert welcome.status_code == 200 and "not accepting responses" not in text(welcome)
    again = studio.post(f"/studio/{study_id}/preview")
    assert again.headers["Location"] == first.headers["Location"]
    session.expire_all()
    previews = session.get(Study, study_id).participants
    assert [p.source for p in previews] == ["preview"]
    assert studio.post(f"/studio/{study_id}/preview/reset").status_code == 302
    session.expire_all()
    assert session.get(Study, study_id).participants == []
    assert studio.post(f"/studio/{study_id}/preview").headers["Location"] != first.headers["Location"]


# --------------------------------------------------------------------------------------------- sharing, deleting

def test_sharing_lets_a_colleague_see_and_edit(studio, session, bob, app):
    study_id = studio.new_study("Shared study")
    response = studio.post(f"/studio/{study_id}/share", {"email": "nobody@example.com"})
    assert response.status_code == 400 and "No researcher account" in text(response)
    assert studio.post(f"/studio/{study_id}/share", {"email": "BOB@example.com"}).status_code == 302
    response = studio.post(f"/studio/{study_id}/share", {"email": "bob@example.com"})
    assert response.status_code == 400 and "already shared" in text(response)

    colleague = app.test_client()
    login(colleague, "bob@example.com", PASSWORD)
    bob_studio = Studio(colleague)
    assert "Shared study" in text(bob_studio.get("/studio/"))
    bob_studio.paste(study_id, ["Added by Bob"])
    assert [s.text for s in statements_of(session, study_id)] == ["Added by Bob"]
    assert bob_studio.get(f"/studio/{study_id}/delete").status_code == 403
    assert bob_studio.post(f"/studio/{study_id}/share", {"email": "ana@example.com"}).status_code == 403

    session.expire_all()
    share_id = session.get(Study, study_id).shares[0].id
    assert studio.post(f"/studio/{study_id}/share/{share_id}/remove").status_code == 302
    assert bob_studio.get(f"/studio/{study_id}").status_code == 404


def test_delete_needs_the_title_and_offers_export(studio, session):
    study_id = ready_study(studio, session)
    page = text(studio.get(f"/studio/{study_id}/delete"))
    assert f"/studio/{study_id}/data" in page
    response = studio.post(f"/studio/{study_id}/delete", {"confirm_title": "Value"})
    assert response.status_code == 400 and "Type the study" in text(response)
    assert session.get(Study, study_id) is not None
    assert studio.post(f"/studio/{study_id}/delete", {"confirm_title": "Value study"}).status_code == 302
    session.expire_all()
    assert session.get(Study, study_id) is None
    assert session.query(Statement).count() == 0 and session.query(Question).count() == 0


# --------------------------------------------------------------------------------------------- the rules on their own

def test_parse_bulk_lines():
    from qsort.statements import parse_bulk

    pasted = "P01\tLow price\r\n\r\n  Good advice  \nQ-7;Fast;delivery\nPrice; service and more\nA\tB\tC\n"
    assert [(item["line"], item["code"], item["text"]) for item in parse_bulk(pasted)] == [
        (1, "P01", "Low price"), (3, "", "Good advice"), (4, "Q-7", "Fast;delivery"),
        (5, "", "Price; service and more"), (6, "A", "B\tC")]


def test_codes_are_unique_and_fill_gaps(app, session, ana):
    from qsort.statements import next_codes

    study = Study(owner=ana, title="t")
    study.statements = [Statement(code="S01", text="a"), Statement(code="s03", text="b")]
    with app.test_request_context():
        assert next_codes(study, 3) == ["S02", "S04", "S05"]
        assert next_codes(study, 2, taken={"S02"}) == ["S04", "S05"]


def test_empty_text_after_a_code_names_the_line(studio, session):
    study_id = studio.new_study()
    response = studio.post(f"/studio/{study_id}/statements/bulk", {"bulk": "Fine\nP02\t   \n"})
    assert response.status_code == 400 and "Line 2: The statement text is empty." in text(response)
    assert statements_of(session, study_id) == []


def test_statement_limit(studio, session, monkeypatch):
    monkeypatch.setattr("qsort.statements.MAX_STATEMENTS", 3)
    study_id = studio.new_study()
    response = studio.post(f"/studio/{study_id}/statements/bulk", {"bulk": "a\nb\nc\nd"})
    assert response.status_code == 400 and "at most 3 statements" in text(response)
    assert statements_of(session, study_id) == []


@pytest.mark.parametrize("raw", [b'{"order": [Infinity]}', b'{"order": [1e400]}', b'{"order": [NaN, 1.5, true]}',
                                 b'{"order": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", b'{"order": ["\\udc80"]}'])
def test_reorder_refuses_numbers_that_are_no_ids_and_deep_json_with_400(studio, session, raw):
    study_id = studio.new_study()
    studio.paste(study_id, ["A", "B"])
    response = studio.client.post(f"/studio/{study_id}/statements/reorder", data=raw,
                                  content_type="application/json", headers={"X-CSRFToken": studio.token})
    assert response.status_code == 400 and response.json["field"] == "order" and response.json["error"]
    assert [s.text for s in statements_of(session, study_id)] == ["A", "B"]


def test_a_statements_csv_with_a_field_over_128_kib_is_refused_with_its_line(studio, session):
    study_id = studio.new_study()
    csv_text = "code,text\nA1,Short\nA2," + "x" * 140_000 + "\n"
    response = studio.post(f"/studio/{study_id}/statements/import",
                           {"file": (io.BytesIO(csv_text.encode()), "statements.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Line 3" in text(response) and "128 KiB" in text(response)
    assert statements_of(session, study_id) == []

"""The participant's flow step by step with the Flask test client: every page, its form, what is stored."""
from __future__ import annotations

from sqlalchemy import select

from qsort.models import CardComment, Move, Participant
from tests.factories import Respondent, make_study, sort_to_grid


def stored(session, token) -> Participant:
    session.expire_all()
    return session.scalar(select(Participant).where(Participant.token == token))


def test_link_redirects_to_welcome_then_to_the_current_step(respondent):
    response = respondent.get("")
    assert response.status_code == 302 and response.headers["Location"].endswith("/welcome")
    respondent.consent()
    assert respondent.get("").headers["Location"].endswith("/instructions")


def test_welcome_shows_study_text_consent_and_language_switch(respondent):
    page = respondent.get("/welcome").get_data(as_text=True)
    assert "Welcome to the test study." in page
    assert "I agree to take part." in page
    assert 'name="consent"' in page and 'name="decline"' in page
    assert "?lang=nl" in page and "?lang=nb" in page


def test_consent_is_required_and_the_error_is_shown_at_the_box(respondent, session):
    respondent.get("/welcome")
    response = respondent.post("/welcome", {"agree": "Start"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="field-error" id="consent-error"' in page
    assert "Please tick the box to take part" in page
    assert 'href="#consent"' in page  # the error summary links to the field
    participant = stored(session, respondent.token)
    assert participant.consent is None and participant.sort is None


def test_consent_starts_the_sort_and_records_time(respondent, session):
    response = respondent.consent()
    assert response.status_code == 302 and response.headers["Location"].endswith("/instructions")
    participant = stored(session, respondent.token)
    assert participant.consent == "given" and participant.consent_at is not None
    assert participant.language == "en"
    assert participant.sort.state == "started" and participant.sort.step == "instructions"
    assert "welcome" in participant.sort.step_seconds


def test_instructions_show_the_condition_of_instruction_and_lead_to_the_sort(respondent, session):
    respondent.consent()
    page = respondent.get("/instructions").get_data(as_text=True)
    assert "Sort the statements by importance." in page
    response = respondent.post("/instructions", {"submit": "Continue"})
    assert response.headers["Location"].endswith("/sort")
    assert stored(session, respondent.token).sort.step == "presort"


def test_sort_page_gets_the_api_urls(respondent):
    respondent.through_instructions()
    response = respondent.get("/sort")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for url in ("/api/state", "/api/draft", "/api/submit", "/postsort"):
        assert f"/s/{respondent.token}{url}" in page


def test_postsort_asks_why_for_extreme_cards_and_would_pay_for_the_top(respondent, small_study, session):
    study, _ = small_study
    response = sort_to_grid(respondent, study)
    assert response.json["next"].endswith("/postsort")
    page = respondent.get("/postsort").get_data(as_text=True)
    top, bottom = study.statements[-1], study.statements[0]  # valid_placements fills from the lowest column
    assert f'name="comment_{top.id}"' in page and f'name="comment_{bottom.id}"' in page
    assert f'name="would_pay_{top.id}"' in page and f'name="would_pay_{bottom.id}"' not in page
    assert f'name="comment_{study.statements[4].id}"' not in page  # a middle card
    response = respondent.post("/postsort", {f"comment_{top.id}": "Saves us money", f"would_pay_{top.id}": "yes"})
    assert response.headers["Location"].endswith("/questions")
    comments = {c.statement_id: c for c in stored(session, respondent.token).sort.comments}
    assert comments[top.id].text == "Saves us money" and comments[top.id].would_pay == "yes"
    assert comments[bottom.id].text == "" and comments[bottom.id].would_pay is None


def test_required_comments_and_invalid_would_pay_are_refused(client, session):

    study, token = make_study(session, extreme_comments="required")
    respondent = Respondent(client, token)
    sort_to_grid(respondent, study)
    top = study.statements[-1]
    response = respondent.post("/postsort", {f"would_pay_{top.id}": "maybe"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please say why you placed this card here." in page
    assert f'id="comment_{top.id}-error"' in page
    assert "Not a valid choice" in page
    session.expire_all()
    assert session.scalar(select(CardComment)) is None


def test_questions_validate_every_kind_and_store_answers(respondent, small_study, session):
    study, _ = small_study
    sort_to_grid(respondent, study)
    respondent.get("/postsort")
    respondent.post("/postsort", {})
    role, years, buys, likert, free = study.questions
    page = respondent.get("/questions").get_data(as_text=True)
    assert "Your role in the buying decision" in page and "I would recommend this supplier" in page
    response = respondent.post("/questions", {f"q{years.id}": "many", f"q{likert.id}": "9"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="q{role.id}-error"' in page and "Please answer this question." in page
    assert f'id="q{years.id}-error"' in page and "whole number" in page
    assert f'id="q{likert.id}-error"' in page
    response = respondent.post("/questions", {f"q{years.id}": "120", f"q{role.id}": "decider"})
    assert "at most 100" in response.get_data(as_text=True)
    response = respondent.post("/questions", {
        f"q{role.id}": "decider", f"q{years.id}": "7", f"q{buys.id}": ["goods", "services"],
        f"q{likert.id}": "4", f"q{free.id}": "  Fast answers  "})
    assert response.status_code == 302 and response.headers["Location"].endswith("/done")
    participant = stored(session, respondent.token)
    answers = {a.question_id: a.value for a in participant.sort.answers}
    assert answers == {role.id: "decider", years.id: 7, buys.id: ["goods", "services"], likert.id: 4,
                       free.id: "Fast answers"}
    assert participant.sort.state == "submitted" and participant.sort.submitted_at is not None
    assert set(participant.sort.step_seconds) >= {"welcome", "instructions", "postsort", "questions"}


def test_done_shows_thank_you_and_a_safe_redirect(client, session):

    study, token = make_study(session, questions=[], redirect_url="https://example.com/after")
    respondent = Respondent(client, token)
    sort_to_grid(respondent, study)
    response = respondent.post("/postsort", {})
    assert response.headers["Location"].endswith("/done")
    page = respondent.get("/done").get_data(as_text=True)
    assert "Thanks a lot." in page and "https://example.com/after" in page
    study.redirect_url = "javascript:alert(1)"
    session.commit()
    assert "javascript:" not in respondent.get("/done").get_data(as_text=True)


def test_pre_questions_come_between_welcome_and_instructions(client, session):

    study, token = make_study(session, pre_questions=True)
    respondent = Respondent(client, token)
    assert respondent.consent().headers["Location"].endswith("/questions/pre")
    assert respondent.get("/instructions").headers["Location"].endswith("/questions/pre")
    question = study.questions[0]
    assert respondent.post("/questions/pre", {}).status_code == 422
    response = respondent.post("/questions/pre", {f"q{question.id}": "Acme"})
    assert response.headers["Location"].endswith("/instructions")


def test_a_study_without_postsort_or_questions_completes_at_the_grid(client, session):

    study, token = make_study(session, questions=[], extreme_comments="off", ask_would_pay=False)
    respondent = Respondent(client, token)
    response = sort_to_grid(respondent, study)
    assert response.json["next"].endswith("/done")
    assert stored(session, token).sort.state == "submitted"


def test_moves_are_logged_with_card_from_to_and_time(respondent, small_study, session):
    study, _ = small_study
    respondent.through_instructions()
    card = study.statements[0].id
    moves = [{"statement_id": card, "from": "deck", "to": "pile:agree", "t": 1_700_000_000_000, "seq": 1},
             {"statement_id": card, "from": "pile:agree", "to": "grid:2", "t": 1_700_000_005_000, "seq": 2}]
    respondent.post_json("/api/draft", {"revision": 2, "step": "grid", "moves": moves})
    respondent.post_json("/api/draft", {"revision": 3, "step": "grid", "moves": moves})  # a resend
    session.expire_all()
    logged = session.scalars(select(Move).order_by(Move.id)).all()
    assert [(m.statement_id, m.from_place, m.to_place, m.client_seq) for m in logged] == [
        (card, "deck", "pile:agree", 1), (card, "pile:agree", "grid:2", 2)]
    assert logged[1].client_time.year == 2023


def test_a_number_answer_has_at_most_15_digits_so_it_is_stored_exactly(respondent, small_study, session):
    study, _ = small_study
    sort_to_grid(respondent, study)
    respondent.get("/postsort")
    respondent.post("/postsort", {})
    role, years, *_ = study.questions
    for digits in ("9" * 4301, "1" * 40, "-" + "1" * 16):
        response = respondent.post("/questions", {f"q{role.id}": "decider", f"q{years.id}": digits})
        assert response.status_code == 422 and "at most 15 digits" in response.get_data(as_text=True)
    assert not stored(session, respondent.token).sort.answers

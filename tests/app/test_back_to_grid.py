"""Going back to the grid after it was submitted, until the final submit (issue 11): the comments and answers
typed so far are kept, the grid is a draft again until it is submitted again, a finished sort stays locked."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from qsort.models import Participant
from tests.factories import Respondent, make_study, sort_to_grid, valid_placements


def _sort(session, token):
    session.expire_all()
    return session.scalar(select(Participant).where(Participant.token == token)).sort


def _ends(study, placements):
    top, bottom = max(study.grid_scores), min(study.grid_scores)
    return [p["statement_id"] for p in placements if p["score"] in (top, bottom)]


def test_from_the_comments_back_to_the_grid_keeps_the_comments_and_reopens_the_grid(client, session):
    study, token = make_study(session)
    respondent = Respondent(client, token)
    sort_to_grid(respondent, study)
    assert respondent.get("/postsort").status_code == 200
    assert "Change my sort" in respondent.get("/postsort").get_data(as_text=True)
    placements = valid_placements(study)
    top_card, bottom_card = _ends(study, placements)[-1], _ends(study, placements)[0]
    response = respondent.post("/postsort", {f"comment_{top_card}": "Matters most.",
                                             f"would_pay_{top_card}": "yes",
                                             f"comment_{bottom_card}": "Not for us.",
                                             "back_to_grid": "Change my sort"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/sort")
    sort = _sort(session, token)
    assert (sort.state, sort.step) == ("presorted", "grid")  # a draft again: not a complete sort
    comments = {c.statement_id: (c.text, c.would_pay) for c in sort.comments}
    assert comments == {top_card: ("Matters most.", "yes"), bottom_card: ("Not for us.", None)}
    # The grid is open for drafts; the comments page waits for the grid again.
    assert respondent.get("/api/state").json["state"]["locked"] is False
    assert respondent.get("/postsort").status_code == 302
    # Swap the top card with one from the middle and submit again.
    middle = next(p for p in placements if p["score"] == 0)
    moved = [dict(p) for p in placements]
    for p in moved:
        if p["statement_id"] == top_card:
            p["score"], p["slot"] = 0, middle["slot"]
        elif p["statement_id"] == middle["statement_id"]:
            p["score"], p["slot"] = max(study.grid_scores), 0
    assert respondent.post_json("/api/draft", {"revision": 20, "base_revision": sort.revision, "step": "grid",
                                               "placements": moved}).status_code == 200
    response = respondent.post_json("/api/submit", {"revision": 21, "placements": moved})
    assert response.status_code == 200 and response.json["next"].endswith("/postsort")
    sort = _sort(session, token)
    assert sort.state == "sorted"
    assert sort.scores() == {p["statement_id"]: p["score"] for p in moved}
    # The comment on the card still at an end is kept (and shown again); the one that left the ends is gone.
    assert {c.statement_id: c.text for c in sort.comments} == {bottom_card: "Not for us."}
    page = respondent.get("/postsort").get_data(as_text=True)
    assert "Not for us." in page


def test_from_the_questions_back_to_the_grid_keeps_the_valid_answers(client, session):
    study, token = make_study(session, extreme_comments="off", ask_would_pay=False)
    respondent = Respondent(client, token)
    sort_to_grid(respondent, study)
    page = respondent.get("/questions").get_data(as_text=True)
    assert "Change my sort" in page
    role, years, *_ = study.questions
    # the required question left open and a number that is not one: neither stops going back
    response = respondent.post("/questions", {f"q{years.id}": "twelve", "back_to_grid": "Change my sort"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/sort")
    sort = _sort(session, token)
    assert sort.state == "presorted" and {a.question_id: a.value for a in sort.answers}.get(years.id) is None
    respondent.post_json("/api/submit", {"revision": 30, "placements": valid_placements(study)})
    response = respondent.post("/questions", {f"q{years.id}": "12", "back_to_grid": "Change my sort"})
    assert response.status_code == 302
    assert {a.question_id: a.value for a in _sort(session, token).answers}[years.id] == 12
    respondent.post_json("/api/submit", {"revision": 40, "placements": valid_placements(study)})
    assert 'value="12"' in respondent.get("/questions").get_data(as_text=True)


def test_a_finished_sort_stays_locked(client, session):
    study, token = make_study(session, extreme_comments="off", ask_would_pay=False, questions=[])
    respondent = Respondent(client, token)
    sort_to_grid(respondent, study)
    sort = _sort(session, token)
    assert sort.state == "submitted"  # no step after the grid: the submit was the final one
    for path in ("/postsort", "/questions"):
        response = respondent.post(path, {"back_to_grid": "Change my sort"})
        assert response.status_code in (200, 302)
    sort = _sort(session, token)
    assert (sort.state, sort.step) == ("submitted", "done")
    assert respondent.post_json("/api/draft", {"revision": 50, "step": "grid",
                                               "placements": valid_placements(study)}).status_code == 409


def test_going_back_needs_the_csrf_token_and_stays_before_the_final_submit(client, session):
    study, token = make_study(session)
    respondent = Respondent(client, token)
    sort_to_grid(respondent, study)
    response = client.post(f"/s/{token}/postsort", data={"back_to_grid": "Change my sort"})
    assert response.status_code in (400, 422)
    assert _sort(session, token).state == "sorted"
    # Through the last step: completed, and going back is refused from then on.
    respondent.post("/postsort", {"submit": "Continue"})
    role = study.questions[0]
    respondent.get("/questions")
    assert respondent.post("/questions", {f"q{role.id}": "decider", "submit": "Continue"}).status_code == 302
    assert _sort(session, token).state == "submitted"
    response = respondent.post("/questions", {"back_to_grid": "Change my sort"})
    assert _sort(session, token).state == "submitted"
    assert "Change my sort" not in response.get_data(as_text=True)


# ----- the sorting page says when a sort was sent before ----------------------------------------------------------

NOTICE = 'id="resubmit-notice"'
SENT_BEFORE = "You sent this sort before."


def _notice(page: str) -> str:
    """The notice's text as the sorting page holds it (the script shows it when the state says so)."""
    match = re.search(r'<p id="resubmit-notice"[^>]*>(.*?)</p>', page, re.S)
    assert match, "no notice on the page"
    return " ".join(match.group(1).split())


def test_the_state_says_whether_the_sort_was_sent_before(client, session):
    study, token = make_study(session)
    respondent = Respondent(client, token)
    respondent.through_instructions()
    state = respondent.get("/api/state").json["state"]
    assert (state["step"], state["submitted_before"], state["locked"]) == ("presort", False, False)
    presort = {str(s.id): "agree" for s in study.statements}
    respondent.post_json("/api/draft", {"revision": 1, "step": "grid", "presort": presort})
    state = respondent.get("/api/state").json["state"]
    assert (state["step"], state["submitted_before"]) == ("grid", False)  # a first sort on its grid: no notice
    # The page holds the notice (hidden, for the script), whatever the state.
    page = respondent.get("/sort").get_data(as_text=True)
    assert re.search(r'<p id="resubmit-notice" class="resubmit-notice" role="status" hidden>', page)

    placements = valid_placements(study)
    respondent.post_json("/api/submit", {"revision": 2, "placements": placements})
    first = _sort(session, token).grid_submitted_at
    assert first is not None and _sort(session, token).submitted_at is None  # the grid sent; not completed
    state = respondent.get("/api/state").json["state"]
    assert state["locked"] is True and state["submitted_before"] is True  # the page moves on (locked)
    respondent.post_json("/api/submit", {"revision": 3, "placements": placements})  # a double click: no change
    assert _sort(session, token).grid_submitted_at == first

    response = respondent.post("/postsort", {"back_to_grid": "Change my sort"})
    assert response.headers["Location"].endswith("/sort")
    state = respondent.get("/api/state").json["state"]
    assert (state["step"], state["locked"], state["submitted_before"]) == ("grid", False, True)
    # What the notice says is kept matches this study: comments at the ends, answers to the questions after.
    assert _notice(respondent.get("/sort").get_data(as_text=True)) == (
        "You sent this sort before. Change what you like, then press Continue to send it again. "
        "Your comments on cards that stay in the end columns are kept. Your answers to the questions are kept.")

    # Sent again (changed), then finished: locked and completed as before, and the time of the second sending kept.
    moved = [dict(p) for p in placements]
    moved[0]["score"], moved[-1]["score"] = moved[-1]["score"], moved[0]["score"]
    response = respondent.post_json("/api/submit", {"revision": 10, "placements": moved})
    assert response.status_code == 200 and response.json["next"].endswith("/postsort")
    sort = _sort(session, token)
    assert sort.state == "sorted" and sort.grid_submitted_at > first
    assert sort.scores() == {p["statement_id"]: p["score"] for p in moved}
    assert respondent.get("/api/state").json["state"]["locked"] is True
    respondent.get("/postsort")
    assert respondent.post("/postsort", {"submit": "Continue"}).status_code == 302
    respondent.get("/questions")
    assert respondent.post("/questions", {f"q{study.questions[0].id}": "decider", "submit": "Continue"}) \
        .status_code == 302
    assert _sort(session, token).state == "submitted"
    response = respondent.get("/api/state")
    assert response.status_code == 409 and "submitted_before" not in response.get_data(as_text=True)
    page = respondent.get("/sort").get_data(as_text=True)
    assert NOTICE not in page and SENT_BEFORE not in page  # the completed page, no grid


@pytest.mark.parametrize("comments, would_pay, questions, kept", [
    ("optional", True, None, ["Your comments on cards that stay in the end columns are kept.",
                              "Your answers to the questions are kept."]),
    ("required", False, [], ["Your comments on cards that stay in the end columns are kept."]),
    ("off", True, [], ["Your answers about cards that stay in the highest column are kept."]),
    ("off", False, None, ["Your answers to the questions are kept."]),
])
def test_the_notice_names_only_what_this_study_keeps(client, session, comments, would_pay, questions, kept):
    study, token = make_study(session, extreme_comments=comments, ask_would_pay=would_pay, questions=questions)
    respondent = Respondent(client, token)
    sort_to_grid(respondent, study)
    page = "/postsort" if comments != "off" or would_pay else "/questions"
    respondent.get(page)
    assert respondent.post(page, {"back_to_grid": "Change my sort"}).headers["Location"].endswith("/sort")
    assert respondent.get("/api/state").json["state"]["submitted_before"] is True
    assert _notice(respondent.get("/sort").get_data(as_text=True)) == " ".join([
        "You sent this sort before. Change what you like, then press Continue to send it again.", *kept])


def test_the_notice_is_in_the_participants_language(client, session):
    study, token = make_study(session, extreme_comments="off", ask_would_pay=False)
    respondent = Respondent(client, token)
    sort_to_grid(respondent, study)
    respondent.post("/questions", {"back_to_grid": "Change my sort"})
    assert _notice(respondent.get("/sort?lang=nl").get_data(as_text=True)) == (
        "U hebt deze sortering al eens verstuurd. Verander wat u wilt en druk dan op Verder om de sortering opnieuw "
        "te versturen. Uw antwoorden op de vragen worden bewaard.")
    assert _notice(respondent.get("/sort?lang=nb").get_data(as_text=True)) == (
        "Du har sendt denne sorteringen før. Endre det du vil, og trykk så på Fortsett for å sende den på nytt. "
        "Svarene dine på spørsmålene tas vare på.")


def test_an_interview_customer_sent_before_gets_the_notice_too(app, client, session):
    """The customer's device of an interview uses the same sorting page: its sort (an interview's, written through
    the ORM for the interview's timers) records the sending too, and the state says so under the customer link."""
    from qsort.accounts import create_account
    from qsort.models import InterviewerAssignment, InterviewSession
    from tests.factories import PASSWORD, csrf_from, login

    study, _token = make_study(session)
    ivan = create_account(session, email="ivan@example.com", password=PASSWORD, name="Ivan", role="interviewer")
    study.interviewers.append(InterviewerAssignment(user=ivan))
    session.commit()
    login(client, "ivan@example.com", PASSWORD)
    csrf = csrf_from(client.get("/interview/"))
    client.post(f"/interview/studies/{study.id}", data={"csrf_token": csrf, "who": "new", "code": "C-7",
                                                        "name": "Kari", "mode": "two"})
    interview = session.scalar(select(InterviewSession))
    customer = Respondent(app.test_client(), interview.customer_key)
    sort_to_grid(customer, study)
    assert customer.get("/api/state").json["state"]["submitted_before"] is True
    customer.get("/postsort")
    customer.post("/postsort", {"back_to_grid": "Change my sort"})
    state = customer.get("/api/state").json["state"]
    assert (state["locked"], state["submitted_before"]) == (False, True)
    sort = _sort(session, interview.participant.token)
    assert sort.source == "interview" and sort.grid_submitted_at is not None

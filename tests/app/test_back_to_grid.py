"""Going back to the grid after it was submitted, until the final submit (issue 11): the comments and answers
typed so far are kept, the grid is a draft again until it is submitted again, a finished sort stays locked."""
from __future__ import annotations

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

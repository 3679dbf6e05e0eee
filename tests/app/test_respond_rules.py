"""Who may see what: tokens, step order, used links, declining, the open link, closed studies, languages."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from qsort.models import Answer, Move, Participant, Placement, Sort
from tests.factories import Respondent, add_participant, csrf_from, make_study, sort_to_grid, valid_placements


@pytest.mark.parametrize("path", ["", "/welcome", "/instructions", "/sort", "/postsort", "/questions", "/done",
                                  "/questions/pre", "/api/state"])
@pytest.mark.parametrize("token", ["A" * 43, "not a token", "x", "%00%ff", "a" * 300, "..%2F..%2Fetc"])
def test_foreign_or_malformed_token_is_404_not_500(client, small_study, token, path):
    response = client.get(f"/s/{token}{path}")
    assert response.status_code == 404


def test_404_page_is_friendly_html_and_json_under_api(client, small_study):
    page = client.get("/s/" + "B" * 43)
    assert b"This link is not valid" in page.data and page.mimetype == "text/html"
    api = client.get("/s/" + "B" * 43 + "/api/state")
    assert api.json == {"ok": False, "error": "Not found."}
    client.get("/")  # a session with a CSRF token
    response = client.post("/s/" + "B" * 43 + "/api/draft", json={})
    assert response.status_code in (400, 404)  # CSRF is checked first; never a 500


def test_a_token_of_another_study_sees_only_its_own_study(client, session):
    study_a, token_a = make_study(session, title="Study A")
    study_b, token_b = make_study(session, title="Study B")
    respondent = Respondent(client, token_a)
    respondent.through_instructions()
    foreign = study_b.statements[0].id
    response = respondent.post_json("/api/draft",
                                    {"revision": 1, "step": "presort", "presort": {str(foreign): "agree"}})
    assert response.status_code == 400
    assert "Study A" in respondent.get("/welcome").get_data(as_text=True)


def test_no_jumping_ahead(respondent):
    for path in ("/instructions", "/sort", "/postsort", "/questions", "/done"):
        response = respondent.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/welcome"), path
    respondent.consent()
    assert respondent.get("/postsort").headers["Location"].endswith("/instructions")
    assert respondent.post("/questions", {}).headers["Location"].endswith("/instructions")
    assert respondent.post_json("/api/submit", {"revision": 1, "placements": []}).status_code == 409


def test_going_back_is_allowed_until_the_grid_is_submitted(respondent, small_study, session):
    study, token = small_study
    respondent.through_instructions()
    assert respondent.get("/welcome").status_code == 200
    assert respondent.get("/instructions").status_code == 200
    respondent.post("/instructions", {"submit": "Continue"})  # again: does not move the participant back
    session.expire_all()
    assert session.scalar(select(Sort)).step == "presort"
    respondent.post_json("/api/submit", {"revision": 1, "placements": valid_placements(study)})
    assert respondent.get("/welcome").headers["Location"].endswith("/postsort")
    respondent.get("/postsort")
    respondent.post("/postsort", {})
    assert respondent.get("/postsort").status_code == 200  # a post-sort step stays open until the end


def test_a_used_link_says_already_completed(respondent, small_study, session):
    study, token = small_study
    sort_to_grid(respondent, study)
    respondent.post("/postsort", {})
    respondent.post("/questions", {f"q{study.questions[0].id}": "adviser"})
    for path in ("", "/welcome", "/sort", "/postsort", "/questions"):
        response = respondent.get(path)
        assert response.status_code == 200 and b"Already completed" in response.data, path
    assert b"Thanks a lot." in respondent.get("/done").data
    again = respondent.post("/questions", {f"q{study.questions[0].id}": "decider"})
    assert b"Already completed" in again.data
    late = respondent.post_json("/api/submit", {"revision": 9, "placements": valid_placements(study)})
    assert late.status_code == 409
    session.expire_all()
    assert session.scalar(select(Answer)).value == "adviser"


def test_declining_stores_only_the_refusal(respondent, session):
    respondent.get("/welcome")
    response = respondent.post("/welcome", {"decline": "No, thank you"})
    assert response.status_code == 200 and b"You chose not to take part" in response.data
    session.expire_all()
    participant = session.scalar(select(Participant).where(Participant.token == respondent.token))
    assert participant.consent == "declined" and participant.consent_at is not None
    assert participant.language is None
    for table in (Sort, Placement, Move, Answer):
        assert session.scalar(select(func.count()).select_from(table)) == 0
    assert b"You chose not to take part" in respondent.get("").data
    assert respondent.get("/instructions").status_code == 200  # the declined page, not the step


def test_declining_after_starting_deletes_what_was_saved(respondent, small_study, session):
    study, _ = small_study
    respondent.through_instructions()
    respondent.post_json("/api/draft", {"revision": 1, "step": "presort",
                                        "presort": {str(study.statements[0].id): "agree"}})
    respondent.get("/welcome")
    respondent.post("/welcome", {"decline": "No, thank you"})
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Sort)) == 0
    assert respondent.consent().headers["Location"].endswith("/instructions")  # changed their mind


def test_open_link_asks_for_a_code_and_resumes_it(client, small_study, session):
    study, _ = small_study
    url = f"/s/open/{study.open_link_token}"
    page = client.get(url)
    assert page.status_code == 200 and b"participant code" in page.data
    csrf = csrf_from(page)
    empty = client.post(url, data={"csrf_token": csrf, "code": "   "})
    assert empty.status_code == 422 and b"Please enter your participant code." in empty.data
    first = client.post(url, data={"csrf_token": csrf, "code": " ACME-7 "})
    assert first.status_code == 302
    session.expire_all()
    participant = session.scalar(select(Participant).where(Participant.code == "ACME-7"))
    assert participant.source == "open" and first.headers["Location"].endswith(f"/s/{participant.token}")
    again = client.post(url, data={"csrf_token": csrf, "code": "ACME-7"})
    assert again.headers["Location"] == first.headers["Location"]
    assert session.scalar(select(func.count()).select_from(Participant).where(Participant.study_id == study.id)) == 2


def test_open_link_code_cannot_start_like_a_spreadsheet_formula(client, small_study, session):
    """The code becomes a column name in CSV/xlsx exports: "=HYPERLINK(...)" must never get there."""
    study, _ = small_study
    url = f"/s/open/{study.open_link_token}"
    csrf = csrf_from(client.get(url))
    for code in ("=1+1", "+47 123", "-x", "@sum"):
        response = client.post(url, data={"csrf_token": csrf, "code": code})
        assert response.status_code == 422 and b"starts with a letter or a digit" in response.data, code
    assert client.post(url, data={"csrf_token": csrf, "code": "Bjørn Ås 3"}).status_code == 302
    session.expire_all()
    codes = set(session.scalars(select(Participant.code).where(Participant.study_id == study.id)))
    assert "Bjørn Ås 3" in codes and not any(c and c[0] in "=+-@" for c in codes)


def test_open_link_with_a_completed_code_says_already_completed(client, small_study, session):
    study, _ = small_study
    url = f"/s/open/{study.open_link_token}"
    started = client.post(url, data={"csrf_token": csrf_from(client.get(url)), "code": "ACME-9"})
    token = started.headers["Location"].rsplit("/", 1)[1]
    respondent = Respondent(client, token)
    sort_to_grid(respondent, study)
    respondent.post("/postsort", {})
    respondent.post("/questions", {f"q{study.questions[0].id}": "adviser"})
    response = client.post(url, data={"csrf_token": csrf_from(client.get(url)), "code": "ACME-9"})
    assert response.status_code == 200 and b"Already completed" in response.data


def test_open_link_off_or_unknown_is_404(client, session):
    study, _ = make_study(session, open_link=False)
    assert client.get(f"/s/open/{study.open_link_token}").status_code == 404
    assert client.get("/s/open/nonsense-token-value").status_code == 404


def test_a_closed_or_draft_study_accepts_no_responses(client, session):
    study, token = make_study(session, status="closed")
    respondent = Respondent(client, token)
    assert b"This study is closed" in respondent.get("").data
    assert b"This study is closed" in respondent.get("/welcome").data
    respondent.post("/welcome", {"consent": "y", "agree": "Start"})
    session.expire_all()
    assert session.scalar(select(Participant).where(Participant.token == token)).consent is None
    draft_study, draft_token = make_study(session, status="draft")
    assert b"This study is closed" in client.get(f"/s/{draft_token}/welcome").data
    preview = add_participant(session, draft_study, source="preview")
    assert client.get(f"/s/{preview}/welcome").status_code == 200
    assert b"This study is closed" not in client.get(f"/s/{preview}/welcome").data


def test_a_study_closed_during_the_sort_refuses_drafts(respondent, small_study, session):
    study, _ = small_study
    respondent.through_instructions()
    study.status = "closed"
    session.commit()
    response = respondent.post_json("/api/draft", {"revision": 1, "step": "presort"})
    assert response.status_code == 409 and "closed" in response.json["error"] and "revision" not in response.json


def test_a_dutch_browser_sees_dutch(client, token):
    response = client.get(f"/s/{token}/welcome", headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.5"})
    page = response.get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "Welkom bij het testonderzoek." in page  # the study's own text in Dutch
    assert "Nee, dank u" in page  # the UI's decline button
    assert "Stap 1 van" in page


def test_language_switch_and_statements_in_their_translation(client, small_study):
    study, token = small_study
    respondent = Respondent(client, token)
    respondent.through_instructions()
    page = respondent.get("/instructions?lang=nb").get_data(as_text=True)
    assert '<html lang="nb">' in page and "Sorter påstandene." in page
    state = respondent.get("/api/state").json  # remembered in the session
    assert state["study"]["language"] == "nb"
    assert state["statements"][0]["text"] == "Påstand nummer 1"
    assert state["study"]["labels"]["agree"] == "Viktigere"
    english = respondent.get("/api/state?lang=en").json
    assert english["statements"][0]["text"] == "Statement number 1"


def test_step_time_is_measured_from_page_view_to_post(respondent, session, monkeypatch):
    import qsort.responses as responses

    clock = [1_000_000.0]
    monkeypatch.setattr(responses.time, "time", lambda: clock[0])
    respondent.get("/welcome")
    clock[0] += 42.0
    respondent.get("/welcome")  # a reload keeps the first view
    clock[0] += 3.0
    respondent.post("/welcome", {"consent": "y", "agree": "Start"})
    session.expire_all()
    assert session.scalar(select(Sort)).step_seconds["welcome"] == 45.0


def test_open_link_never_opens_an_invited_participants_sort(client, small_study, session):
    study, token = small_study
    invited_code = session.scalar(select(Participant.code).where(Participant.token == token))
    url = f"/s/open/{study.open_link_token}"
    response = client.post(url, data={"csrf_token": csrf_from(client.get(url)), "code": invited_code})
    assert response.status_code == 422 and b"personal invitation" in response.data
    assert token.encode() not in response.data
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Participant)) == 1

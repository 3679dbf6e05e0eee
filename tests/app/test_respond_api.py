"""The sorting page's JSON API: state, drafts (revisions, validation, concurrency), submission, CSRF."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from qsort.models import Move, Participant, Placement, Sort
from tests.factories import Respondent, make_study, valid_placements


def sort_of(session, token) -> Sort:
    session.expire_all()
    return session.scalar(select(Participant).where(Participant.token == token)).sort


def test_state_has_the_contract_shape(respondent, small_study):
    study, _ = small_study
    respondent.through_instructions()
    state = respondent.get("/api/state").json
    assert state["study"]["grid"] == [{"score": s, "height": h} for s, h in zip([-2, -1, 0, 1, 2], [1, 2, 3, 2, 1])]
    assert state["study"]["free_distribution"] is False and state["study"]["language"] == "en"
    assert set(state["study"]["labels"]) == {"most", "least", "agree", "neutral", "disagree"}
    assert set(state["study"]["texts"]) == {"presort_instruction", "sort_instruction"}
    assert all("code" not in s for s in state["statements"])  # codes reveal the categories (issue 11)
    assert state["state"]["step"] == "presort" and state["state"]["revision"] == 0
    assert state["state"]["presort"] == {} and state["state"]["placements"] == []
    assert state["csrf_token"]


def test_state_before_the_instructions_is_refused(respondent):
    respondent.consent()
    response = respondent.get("/api/state")
    assert response.status_code == 409 and "revision" not in response.json


def test_draft_saves_and_resumes_from_another_device(respondent, small_study, client, app):
    study, token = small_study
    respondent.through_instructions()
    ids = [s.id for s in study.statements]
    body = {"revision": 5, "step": "grid", "presort": {str(i): "neutral" for i in ids},
            "placements": [{"statement_id": ids[0], "score": 2, "slot": 0},
                           {"statement_id": ids[1], "score": 2, "slot": 1}],  # over-full for a moment: fine
            "seconds": {"presort": 40.5, "grid": 3}}
    response = respondent.post_json("/api/draft", body)
    assert response.status_code == 200 and response.json == {"ok": True, "revision": 5}
    other_device = app.test_client()  # no cookies: a phone opening the same link
    state = other_device.get(f"/s/{token}/api/state").json["state"]
    assert state["step"] == "grid" and state["revision"] == 5
    assert state["presort"] == {str(i): "neutral" for i in ids}
    assert state["placements"] == body["placements"]
    assert state["seconds"]["presort"] == 40.5 and state["seconds"]["grid"] == 3
    assert other_device.get(f"/s/{token}").headers["Location"].endswith("/sort")


def test_stale_draft_with_a_conflicting_move_changes_nothing_but_the_move_is_kept(respondent, small_study, session):
    study, token = small_study
    respondent.through_instructions()
    first = study.statements[0].id
    respondent.post_json("/api/draft", {"revision": 8, "step": "presort", "presort": {str(first): "agree"}})
    response = respondent.post_json("/api/draft", {  # built on nothing (base 0), its card is no longer in the deck
        "revision": 9, "step": "presort", "presort": {str(first): "disagree"},
        "moves": [{"statement_id": first, "from": "deck", "to": "pile:disagree", "t": 1_700_000_000_000, "seq": 7}],
        "seconds": {"presort": 999}})
    assert response.status_code == 409 and response.json["conflict"] is True
    assert response.json["ok"] is False and response.json["revision"] == 8 and response.json["error"]
    assert response.json["state"]["presort"] == {str(first): "agree"}
    sort = sort_of(session, token)
    assert sort.presort == {str(first): "agree"} and sort.revision == 8
    assert "presort" not in sort.step_seconds
    assert session.scalar(select(func.count()).select_from(Move)) == 1


def test_seconds_keep_the_larger_running_total(respondent, small_study, session):
    study, token = small_study
    respondent.through_instructions()
    respondent.post_json("/api/draft", {"revision": 1, "step": "presort", "seconds": {"presort": 50}})
    respondent.post_json("/api/draft", {"revision": 2, "step": "presort", "seconds": {"presort": 20}})
    assert sort_of(session, token).step_seconds["presort"] == 50


def test_invalid_drafts_are_refused_with_the_field(respondent, small_study, session):
    study, token = small_study
    respondent.through_instructions()
    foreign_study, _ = make_study(session, title="Someone else's")
    foreign_id = foreign_study.statements[0].id
    first = study.statements[0].id
    cases = [
        ([1, 2], "body"),
        ({"step": "presort"}, "revision"),
        ({"revision": "7", "step": "presort"}, "revision"),
        ({"revision": True, "step": "presort"}, "revision"),
        ({"revision": 1, "step": "done"}, "step"),
        ({"revision": 1, "step": "grid", "placements": [{"statement_id": foreign_id, "score": 0}]},
         "placements[0].statement_id"),
        ({"revision": 1, "step": "grid", "placements": [{"statement_id": first, "score": 3}]}, "placements[0].score"),
        ({"revision": 1, "step": "grid", "placements": [{"statement_id": first, "score": 0},
                                                        {"statement_id": first, "score": 1}]},
         "placements[1].statement_id"),
        ({"revision": 1, "step": "grid", "placements": "all"}, "placements"),
        ({"revision": 1, "step": "presort", "presort": {str(first): "maybe"}}, f"presort.{first}"),
        ({"revision": 1, "step": "presort", "presort": {"abc": "agree"}}, "presort.abc"),
        ({"revision": 1, "step": "presort", "moves": [{"statement_id": first, "from": "deck", "to": "x" * 31,
                                                        "seq": 1}]}, "moves[0].to"),
        ({"revision": 1, "step": "presort", "moves": [{"statement_id": first, "seq": -1}]}, "moves[0].seq"),
        ({"revision": 1, "step": "presort", "moves": [{"statement_id": first, "seq": 1, "t": "now"}]},
         "moves[0].t"),
        ({"revision": 1, "step": "presort", "seconds": {"presort": -4}}, "seconds.presort"),
    ]
    for body, field in cases:
        response = respondent.post_json("/api/draft", body)
        assert response.status_code == 400, (body, response.json)
        assert response.json["ok"] is False and response.json["field"] == field, (body, response.json)
        assert response.json["error"]
    malformed = respondent.client.post(respondent.url("/api/draft"), data="{not json",
                                       headers={"X-CSRFToken": respondent.csrf, "Content-Type": "application/json"})
    assert malformed.status_code == 400 and malformed.json["field"] == "body"
    assert sort_of(session, token).revision == 0


def test_json_posts_need_the_csrf_token(respondent, small_study):
    study, _ = small_study
    respondent.through_instructions()
    page = respondent.get("/sort")
    assert 'name="csrf-token"' in page.get_data(as_text=True)
    without = respondent.post_json("/api/draft", {"revision": 1, "step": "presort"}, csrf=False)
    assert without.status_code == 400 and "CSRF" in without.json["error"]
    submit = respondent.post_json("/api/submit", {"revision": 1, "placements": valid_placements(study)}, csrf=False)
    assert submit.status_code == 400 and "CSRF" in submit.json["error"]
    wrong = respondent.client.post(respondent.url("/api/draft"), json={"revision": 1, "step": "presort"},
                                   headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    assert respondent.post_json("/api/draft", {"revision": 1, "step": "presort"}).status_code == 200


def test_forms_need_the_csrf_token(client, token):
    client.get(f"/s/{token}/welcome")
    response = client.post(f"/s/{token}/welcome", data={"consent": "y", "agree": "Start"})
    assert response.status_code == 400 and b"reload the page" in response.data


def test_submit_refuses_an_invalid_grid_and_keeps_the_draft(respondent, small_study, session):
    study, token = small_study
    respondent.through_instructions()
    draft = valid_placements(study)[:3]
    respondent.post_json("/api/draft", {"revision": 3, "step": "grid", "placements": draft})
    incomplete = respondent.post_json("/api/submit", {"revision": 3, "placements": valid_placements(study)[:7]})
    assert incomplete.status_code == 422
    assert incomplete.json["error"] == "2 statements are not placed yet: “Statement number 8”, “Statement number 9”."
    wrong_heights = [dict(p, score=2) if i == 0 else p for i, p in enumerate(valid_placements(study))]
    response = respondent.post_json("/api/submit", {"revision": 3, "placements": wrong_heights})
    assert response.status_code == 422 and response.json["ok"] is False
    assert response.json["problems"] == ["Column -2 holds 0 cards; it takes 1.", "Column +2 holds 2 cards; it takes 1."]
    bad_score = respondent.post_json("/api/submit", {"revision": 3, "placements": [{"statement_id": 1, "score": 9}]})
    assert bad_score.status_code == 400 and bad_score.json["field"] == "placements[0].score"
    sort = sort_of(session, token)
    assert sort.state == "presorted" and sort.revision == 3
    assert sorted((p.statement_id, p.score) for p in sort.placements) == sorted(
        (p["statement_id"], p["score"]) for p in draft)


def test_submit_is_idempotent_and_then_locks_the_grid(respondent, small_study, session):
    study, token = small_study
    respondent.through_instructions()
    placements = valid_placements(study)
    first = respondent.post_json("/api/submit", {"revision": 4, "placements": placements})
    again = respondent.post_json("/api/submit", {"revision": 4, "placements": list(reversed(placements))})
    assert first.status_code == again.status_code == 200 and first.json["next"] == again.json["next"]
    swapped = [dict(p) for p in placements]
    swapped[0]["score"], swapped[-1]["score"] = swapped[-1]["score"], swapped[0]["score"]
    changed = respondent.post_json("/api/submit", {"revision": 5, "placements": swapped})
    assert changed.status_code == 409 and "revision" not in changed.json
    late_draft = respondent.post_json("/api/draft", {"revision": 99, "step": "grid", "placements": []})
    assert late_draft.status_code == 409 and "revision" not in late_draft.json
    sort = sort_of(session, token)
    assert sort.state == "sorted" and sort.step == "postsort"
    assert session.scalar(select(func.count()).select_from(Placement)) == 9
    assert respondent.get("/sort").headers["Location"].endswith("/postsort")
    assert respondent.get("/instructions").headers["Location"].endswith("/postsort")


def test_submit_from_two_tabs_at_once_gives_one_sort(app, small_study, session):
    study, token = small_study

    respondent = Respondent(app.test_client(), token)
    respondent.through_instructions()
    placements = valid_placements(study)
    results = []

    def submit():
        tab = app.test_client()
        with respondent.client.session_transaction() as browser_session:
            saved = dict(browser_session)
        with tab.session_transaction() as tab_session:
            tab_session.update(saved)
        results.append(tab.post(f"/s/{token}/api/submit", json={"revision": 1, "placements": placements},
                                headers={"X-CSRFToken": respondent.csrf}).status_code)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200, 200, 200, 200]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Placement)) == 9
    assert session.scalar(select(func.count()).select_from(Sort)) == 1


def test_concurrent_drafts_are_serialised_and_keep_every_move(app, small_study, session):
    study, token = small_study

    respondent = Respondent(app.test_client(), token)
    respondent.through_instructions()
    ids = [s.id for s in study.statements]
    statuses = {}

    def save(revision):
        tab = app.test_client()
        with respondent.client.session_transaction() as browser_session:
            saved = dict(browser_session)
        with tab.session_transaction() as tab_session:
            tab_session.update(saved)
        body = {"revision": revision, "step": "presort",
                "presort": {str(ids[0]): ["agree", "neutral", "disagree"][revision % 3]},
                "moves": [{"statement_id": ids[0], "from": "deck", "to": "pile:x", "t": revision, "seq": revision}]}
        statuses[revision] = tab.post(f"/s/{token}/api/draft", json=body,
                                      headers={"X-CSRFToken": respondent.csrf}).status_code

    threads = [threading.Thread(target=save, args=(revision,)) for revision in range(1, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses.values()) <= {200, 409} and statuses  # never a 500 ("database is locked")
    # All 20 were built on revision 0: the first to get the lock is stored as sent; the others come after it
    # and their moves (to no real place) cannot be merged: refused, their moves logged all the same.
    sort = sort_of(session, token)
    first = [revision for revision, status in statuses.items() if status == 200]
    assert len(first) == 1 and sort.revision == first[0]
    assert sort.presort == {str(ids[0]): ["agree", "neutral", "disagree"][first[0] % 3]}
    assert session.scalar(select(func.count()).select_from(Move)) == 20


def test_free_distribution_accepts_any_column_counts(client, session):

    study, token = make_study(session, free_distribution=True)
    respondent = Respondent(client, token)
    respondent.through_instructions()
    placements = [{"statement_id": s.id, "score": 0, "slot": i} for i, s in enumerate(study.statements)]
    assert respondent.post_json("/api/submit", {"revision": 1, "placements": placements}).status_code == 200


def test_a_study_without_a_grid_refuses_a_submission_without_crashing(client, session):

    study, token = make_study(session, n_statements=3, scores=[], heights=[])
    respondent = Respondent(client, token)
    respondent.through_instructions()
    assert respondent.get("/api/state").json["study"]["grid"] == []
    response = respondent.post_json("/api/submit", {"revision": 1, "placements": []})
    assert response.status_code == 422 and "grid" in response.json["error"]

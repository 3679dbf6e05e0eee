"""Every URL of the interview blueprint, found in app.url_map, for every role: anonymous visitors go to the login
page; a researcher who neither owns nor shares the study and an interviewer not assigned to it get 404; an
assigned interviewer reaches the study's interviewing pages and their own sessions, but gets 404 for another
interviewer's session and 403 (a styled page) for the researcher's pages; the owner reaches everything. No
refused request changes anything, and an interviewer reads other interviewers' notes only when allowed."""
from __future__ import annotations

import re

import pytest

from qsort.accounts import create_account
from qsort.models import (InterviewerAssignment, InterviewSession, Note, Participant, Sort, Statement, Study,
                          StudyShare)
from tests.factories import (INTERVIEW_URL_ARGUMENTS, PASSWORD, assert_sent_to_login, blueprint_rules, csrf_from, login,
                             url_map_requests, visible_text)

RESEARCHER_ONLY = {"interview.team", "interview.team_remove", "interview.guide"}


@pytest.fixture
def world(session):
    """Ana owns an open study; Carol shares it; Ivan and Ina are its interviewers, each with a session and a
    note; Ian is an interviewer of nothing; Bob another researcher."""
    ana = create_account(session, email="ana@example.com", password=PASSWORD, name="Ana")
    create_account(session, email="bob@example.com", password=PASSWORD, name="Bob")
    carol = create_account(session, email="carol@example.com", password=PASSWORD, name="Carol")
    ivan = create_account(session, email="ivan@example.com", password=PASSWORD, name="Ivan", role="interviewer")
    ina = create_account(session, email="ina@example.com", password=PASSWORD, name="Ina", role="interviewer")
    create_account(session, email="ian@example.com", password=PASSWORD, name="Ian", role="interviewer")
    study = Study(owner=ana, title="Ana's study", status="open", grid_scores=[-1, 0, 1], grid_heights=[1, 1, 1],
                  languages=["en", "nl"], interview_guide=[{"en": "Why?"}])
    study.statements = [Statement(code=f"S0{i}", text=f"Statement {i}", position=i) for i in range(3)]
    study.shares = [StudyShare(user=carol)]
    study.interviewers = [InterviewerAssignment(user=ivan), InterviewerAssignment(user=ina)]
    people = []
    for code, who, text in (("P1", ivan, "Ivan's note"), ("P2", ina, "Ina's note")):
        person = Participant(code=code, source="interview")
        person.sort = Sort(state="started", source="interview", entered_by_id=who.id)
        person.sort.notes = [Note(text=text, author_id=who.id, client_id=f"client-{code}-0001")]
        people.append(person)
    study.participants = people + [Participant(code="P3", source="invite")]
    session.add(study)
    session.flush()
    for person, who, code in ((people[0], ivan, "AAAAAA"), (people[1], ina, "BBBBBB")):
        session.add(InterviewSession(study=study, participant=person, interviewer=who, pairing_code=code,
                                     step_times={}))
    session.commit()
    return study


def interview_rules(app):
    rules = blueprint_rules(app, "interview.")
    assert len(rules) >= 15
    return rules


def url_arguments(rule, study, session_of="P1") -> dict:
    sessions = {s.participant.code: s for s in _sessions(study)}
    ids = {"study_id": study.id, "session_id": sessions[session_of].id, "assignment_id": study.interviewers[1].id}
    return {name: ids.get(name, INTERVIEW_URL_ARGUMENTS.get(name, 1)) for name in rule.arguments}


def _sessions(study):
    from sqlalchemy import select
    from sqlalchemy.orm import object_session

    return object_session(study).scalars(select(InterviewSession).where(InterviewSession.study_id == study.id))


def requests_for(app, study, session_of="P1"):
    return url_map_requests(app, interview_rules(app), lambda rule: url_arguments(rule, study, session_of))


def send(client, method, url, token):
    if method == "GET":
        return client.get(url)
    if url.endswith("/api/notes"):
        return client.post(url, json={"notes": [{"client_id": "intruder-0001", "text": "x"}]},
                           headers={"X-CSRFToken": token})
    return client.open(url, method=method, data={"csrf_token": token, "email": "ian@example.com", "code": "Z1",
                                                 "who": "new", "mode": "two", "guide_en": "Changed?",
                                                 "buying_role": "decider", "column0": "1"})


def snapshot(session, study_id):
    session.expire_all()
    study = session.get(Study, study_id)
    return ([(p.id, p.code, dict(p.attributes or {}), p.sort and p.sort.state) for p in study.participants],
            sorted((n.id, n.text) for p in study.participants if p.sort for n in p.sort.notes),
            sorted((a.user_id, a.sees_all_notes) for a in study.interviewers), study.interview_guide,
            sorted((s.id, s.ended_at) for s in _sessions(study)))


def test_anonymous_is_sent_to_login(client, app, world, session):
    before = snapshot(session, world.id)
    assert_sent_to_login(client, requests_for(app, world), send)
    assert snapshot(session, world.id) == before


@pytest.mark.parametrize("email", ["bob@example.com", "ian@example.com"])
def test_outsiders_get_404_for_every_url_of_the_study(client, app, world, session, email):
    before = snapshot(session, world.id)
    login(client, email, PASSWORD)
    token = csrf_from(client.get("/interview/"))
    checked = 0
    for method, url, rule in requests_for(app, world):
        if not {"study_id", "session_id"} & set(rule.arguments):
            continue
        response = send(client, method, url, token)
        assert response.status_code == 404, (email, method, url, response.status_code)
        checked += 1
    assert checked >= 14
    assert snapshot(session, world.id) == before
    home = visible_text(client.get("/interview/").get_data(as_text=True))
    assert "Ana's study" not in home and not re.search(r"\bP1\b", home)
    # the pairing code of someone else's session opens nothing either
    response = client.post("/interview/pair", data={"csrf_token": token, "code": "AAA-AAA"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/interview/")


def test_assigned_interviewer_sees_the_study_and_own_sessions_only(client, app, world, session):
    before = snapshot(session, world.id)
    login(client, "ivan@example.com", PASSWORD)
    token = csrf_from(client.get("/interview/"))
    for method, url, rule in requests_for(app, world):
        if method != "GET":
            continue
        response = client.get(url)
        expected = 403 if rule.endpoint in RESEARCHER_ONLY else 200
        assert response.status_code == expected, (url, response.status_code)
        if expected == 403:
            assert "Not allowed" in response.get_data(as_text=True)  # the styled page, not Werkzeug's
    for method, url, rule in requests_for(app, world, session_of="P2"):  # Ina's session
        if "session_id" in rule.arguments:
            assert send(client, method, url, token).status_code == 404, (method, url)
    for method, url, rule in requests_for(app, world):
        if rule.endpoint in RESEARCHER_ONLY and method == "POST":
            assert send(client, method, url, token).status_code == 403, url
    assert snapshot(session, world.id) == before
    home = visible_text(client.get("/interview/").get_data(as_text=True))
    assert "Ana's study" in home and re.search(r"\bP1\b", home) and not re.search(r"\bP2\b", home)
    # no other interviewer's notes ...
    live = client.get(_url(app, "interview.api_live", session_id=_session(world, "P1").id)).get_json()
    assert [n["text"] for n in live["notes"]] == ["Ivan's note"]
    # ... unless the researcher allows it
    session.get(InterviewerAssignment, world.interviewers[0].id).sees_all_notes = True
    session.commit()
    replay = client.get(_url(app, "interview.replay", session_id=_session(world, "P1").id)).get_data(as_text=True)
    assert "Ivan&#39;s note" in replay
    # the studio stays closed: a styled 403 with a way home
    response = client.get("/studio/")
    assert response.status_code == 403 and "/interview/" in response.get_data(as_text=True)
    assert client.get(f"/studio/{world.id}").status_code == 403


def test_interviewer_lands_on_their_studies_after_login(client, world):
    response = login(client, "ivan@example.com", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/interview/"


def test_owner_and_colleague_reach_every_page(app, world):
    for email in ("ana@example.com", "carol@example.com"):
        client = app.test_client()
        login(client, email, PASSWORD)
        for session_of in ("P1", "P2"):
            for method, url, rule in requests_for(app, world, session_of):
                if method == "GET":
                    assert client.get(url).status_code == 200, (email, url)


def test_researcher_assigns_an_interviewer_and_writes_the_guide(client, app, world, session):
    login(client, "ana@example.com", PASSWORD)
    token = csrf_from(client.get(f"/interview/studies/{world.id}/team"))
    response = client.post(f"/interview/studies/{world.id}/team", data={"csrf_token": token,
                                                                        "email": "bob@example.com"})
    assert response.status_code == 400 and "not an interviewer" in response.get_data(as_text=True)
    response = client.post(f"/interview/studies/{world.id}/team", data={"csrf_token": token,
                                                                        "email": "IAN@example.com ",
                                                                        "sees_all_notes": "on"})
    assert response.status_code == 303
    response = client.post(f"/interview/studies/{world.id}/guide", data={
        "csrf_token": token, "guide_en": "What matters?\nWould you pay?", "guide_nl": "Wat telt?\nZou u betalen?"})
    assert response.status_code == 303
    session.expire_all()
    study = session.get(Study, world.id)
    assert {a.user.email: a.sees_all_notes for a in study.interviewers}["ian@example.com"] is True
    assert study.interview_guide == [{"en": "What matters?", "nl": "Wat telt?"},
                                     {"en": "Would you pay?", "nl": "Zou u betalen?"}]


def _session(study, code):
    return next(s for s in _sessions(study) if s.participant.code == code)


def _url(app, endpoint, **values):
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)

"""Every URL of the studio blueprint, found in app.url_map (so new pages are covered without editing this file):
anonymous visitors are sent to the login page, another researcher gets 404 for a study they neither own nor
share, an interviewer gets 403 or 404, and none of those requests changes anything."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from qsort.accounts import create_account
from qsort.models import MailMessage, MailText, Participant, Question, Sort, Statement, Study, StudyShare
from tests.factories import (INTERVIEW_URL_ARGUMENTS, PASSWORD, assert_sent_to_login, blueprint_rules, csrf_from, login,
                             url_map_requests)

# A value for each string argument a studio URL may take (for int arguments see ``url_arguments``).
STRING_ARGUMENTS = {"fmt": "csv", "language": "nl", "viewpoint_id": "1", "batch": "batch-id-of-sixteen-chars"}


@pytest.fixture
def world(session):
    """Ana owns a study with one of everything; Bob is another researcher; Ivan an interviewer."""
    ana = create_account(session, email="ana@example.com", password=PASSWORD, name="Ana")
    create_account(session, email="bob@example.com", password=PASSWORD, name="Bob")
    carol = create_account(session, email="carol@example.com", password=PASSWORD, name="Carol")
    create_account(session, email="ivan@example.com", password=PASSWORD, name="Ivan", role="interviewer")
    study = Study(owner=ana, title="Ana's study", status="open", grid_scores=[-1, 0, 1], grid_heights=[1, 1, 1],
                  languages=["en", "nl"])
    study.statements = [Statement(code=f"S0{i}", text=f"Statement {i}", position=i) for i in range(3)]
    study.questions = [Question(phase="post", kind="text", prompt={"en": "Why?"})]
    participant = Participant(code="P1", source="invite")
    participant.sort = Sort(state="started")
    study.participants = [participant]
    study.shares = [StudyShare(user=carol)]
    session.add(study)
    session.commit()
    return study


def studio_rules(app):
    # The results pages live under the study too (/studio/<study_id>/results/...) and follow the same rules.
    rules = blueprint_rules(app, "studio.", "results.")
    assert len(rules) > 20  # the builder's own pages alone are more than that
    return rules


def url_arguments(rule, study) -> dict:
    """Fill the rule's arguments with the ids of ``study``'s own objects (so only the study decides access)."""
    ids = {
        "study_id": study.id, "statement_id": study.statements[0].id, "question_id": study.questions[0].id,
        "participant_id": study.participants[0].id, "share_id": study.shares[0].id,
    }
    values = {}
    for name in rule.arguments:
        if name in ids:
            values[name] = ids[name]
        elif name in STRING_ARGUMENTS:
            values[name] = STRING_ARGUMENTS[name]
        else:
            values[name] = 1  # an argument this test does not know yet: any id will do, the study is checked first
    return values


def requests_for(app, study):
    """(method, url, rule) for every studio rule and each of its methods."""
    return url_map_requests(app, studio_rules(app), lambda rule: url_arguments(rule, study))


def send(client, method, url, token):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": token})


def snapshot(session, study_id):
    session.expire_all()
    study = session.get(Study, study_id)
    return (study.title, study.status, [(s.id, s.text, s.position) for s in study.statements],
            [q.id for q in study.questions], [p.id for p in study.participants], [s.user_id for s in study.shares],
            study.grid_heights, study.open_link_enabled,
            session.scalar(select(func.count()).select_from(MailText)),
            session.scalar(select(func.count()).select_from(MailMessage)))


def test_anonymous_is_sent_to_login(client, app, world, session):
    before = snapshot(session, world.id)
    assert_sent_to_login(client, requests_for(app, world), send)
    assert snapshot(session, world.id) == before


def test_another_researcher_gets_404_for_every_url_of_the_study(client, app, world, session):
    before = snapshot(session, world.id)
    login(client, "bob@example.com", PASSWORD)
    token = csrf_from(client.get("/studio/"))
    checked = 0
    for method, url, rule in requests_for(app, world):
        if "study_id" not in rule.arguments:
            continue
        response = send(client, method, url, token)
        assert response.status_code == 404, (method, url, response.status_code)
        checked += 1
    assert checked > 25
    assert snapshot(session, world.id) == before
    assert "Ana&#39;s study" not in client.get("/studio/").get_data(as_text=True)


def test_interviewer_is_refused_everywhere(client, app, world, session):
    before = snapshot(session, world.id)
    login(client, "ivan@example.com", PASSWORD)
    token = csrf_from(client.get("/auth/login"))
    for method, url, _rule in requests_for(app, world):
        response = send(client, method, url, token)
        assert response.status_code in (403, 404), (method, url, response.status_code)
    assert snapshot(session, world.id) == before


def test_owner_and_colleague_reach_every_page(app, world):
    """The same URLs work for the owner and for the colleague the study is shared with (so the 404s above
    come from the access rule, not from wrongly filled URLs)."""
    for email in ("ana@example.com", "carol@example.com"):
        client = app.test_client()
        login(client, email, PASSWORD)
        for method, url, rule in requests_for(app, world):
            if method != "GET":
                continue
            response = client.get(url)
            assert response.status_code < 500, (email, url, response.status_code)
            if set(rule.arguments) <= {"study_id", "statement_id", "question_id", "participant_id", "share_id"}:
                expected = (403,) if email == "carol@example.com" and rule.endpoint == "studio.delete" else (200,)
                assert response.status_code in expected, (email, url, response.status_code)


# URLs outside the studio that anyone may open without logging in: may they start a session (cookie)?
PUBLIC_ENDPOINTS = {"main.index": True, "main.healthz": False}


def test_public_urls_need_no_login_and_take_no_posts(client, app):
    """The front page and the health check (for load balancers and monitoring, so no session cookie): anonymous
    GET works, and nothing else is accepted on them."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint in PUBLIC_ENDPOINTS]
    assert {rule.endpoint for rule in rules} == set(PUBLIC_ENDPOINTS)
    for rule in rules:
        assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, rule.endpoint
        response = client.get(rule.rule)
        assert response.status_code == 200, rule.rule
        if not PUBLIC_ENDPOINTS[rule.endpoint]:
            assert "Set-Cookie" not in response.headers, rule.rule
        assert client.post(rule.rule).status_code == 405, rule.rule
    assert client.get("/healthz").is_json


# The interview blueprint's URLs (tests/app/test_interview_access.py checks them for every role in depth): an
# anonymous visitor is sent to the login page, and a researcher of another study gets 404, like the studio's.
def test_interview_urls_anonymous_and_another_researcher(client, app, world, session):
    rules = blueprint_rules(app, "interview.")
    assert rules
    urls = list(url_map_requests(app, rules, lambda rule: {
        name: world.id if name == "study_id" else INTERVIEW_URL_ARGUMENTS.get(name, 1) for name in rule.arguments}))
    before = snapshot(session, world.id)
    assert_sent_to_login(client, urls, send)
    login(client, "bob@example.com", PASSWORD)
    token = csrf_from(client.get("/interview/"))
    for method, url, rule in urls:
        if "study_id" in rule.arguments or "session_id" in rule.arguments:
            assert send(client, method, url, token).status_code == 404, (method, url)
    assert snapshot(session, world.id) == before

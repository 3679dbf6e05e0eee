"""The open link's codes are no credential on their own (issue 10, item 16): an existing participant is resumed in
the browser that started them (a signed cookie) or, elsewhere, with the resume secret shown on their pages; wrong
secrets are rate-limited (qsort/open_link.py)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from qsort import open_link
from qsort.models import Participant, utcnow
from tests.factories import Respondent, csrf_from


def open_url(study) -> str:
    return f"/s/open/{study.open_link_token}"


def post_code(client, study, code, secret=None):
    data = {"csrf_token": csrf_from(client.get(open_url(study))), "code": code}
    if secret is not None:
        data["secret"] = secret
    return client.post(open_url(study), data=data)


def start(app, study, code="OPEN01"):
    """A participant starts in their own browser and places a card; returns (browser, participant)."""
    browser = app.test_client()
    response = post_code(browser, study, code)
    assert response.status_code == 302
    token = response.headers["Location"].rsplit("/", 1)[1]
    respondent = Respondent(browser, token)
    respondent.through_instructions()
    first = study.statements[0].id
    saved = respondent.post_json("/api/draft", {"revision": 1, "base_revision": 0, "step": "presort",
                                                "presort": {str(first): "agree"}})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    return browser, token


def test_another_browser_with_only_the_code_is_refused_and_learns_nothing(app, small_study, session):
    study, _ = small_study
    _own, token = start(app, study)
    stranger = app.test_client()
    response = post_code(stranger, study, "OPEN01")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already in use" in page and 'name="secret"' in page
    assert token not in page and "Location" not in response.headers
    # Typing the code in other spellings does not help either.
    for secret in ("", "   ", "ABCD-EFGH"):
        refused = post_code(stranger, study, "OPEN01", secret)
        assert refused.status_code == 422 and token not in refused.get_data(as_text=True)
    session.expire_all()
    participant = session.scalar(select(Participant).where(Participant.code == "OPEN01"))
    assert participant.sort.presort == {str(study.statements[0].id): "agree"}  # untouched
    assert session.scalar(select(func.count(Participant.id)).where(Participant.study_id == study.id)) == 2


def test_the_same_browser_resumes_silently(app, small_study):
    study, _ = small_study
    own, token = start(app, study)
    again = post_code(own, study, "OPEN01")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/s/{token}")


def test_the_secret_resumes_in_another_browser_which_is_then_remembered(app, small_study, session):
    study, _ = small_study
    _own, token = start(app, study)
    session.expire_all()
    secret = session.scalar(select(Participant.resume_secret).where(Participant.code == "OPEN01"))
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", secret)
    phone = app.test_client()
    typed = f" {secret[:4].lower()} {secret[4:].lower()} "  # as read aloud and typed on a phone
    resumed = post_code(phone, study, "OPEN01", typed)
    assert resumed.status_code == 302 and resumed.headers["Location"].endswith(f"/s/{token}")
    state = Respondent(phone, token).get("/api/state").json
    assert state["state"]["presort"] == {str(study.statements[0].id): "agree"}
    assert post_code(phone, study, "OPEN01").status_code == 302  # this browser is now known


def test_the_secret_is_shown_on_the_participants_pages_and_not_to_invited_ones(app, small_study, session, client):
    study, invite_token = small_study
    own, token = start(app, study)
    session.expire_all()
    secret = session.scalar(select(Participant.resume_secret).where(Participant.code == "OPEN01"))
    shown = f"{secret[:4]}-{secret[4:]}"
    for path in ("/instructions", "/sort"):
        page = own.get(f"/s/{token}{path}").get_data(as_text=True)
        assert shown in page and "<strong>OPEN01</strong>" in page, path
    dutch = own.get(f"/s/{token}/sort?lang=nl").get_data(as_text=True)
    assert shown in dutch and "hervattingscode" in dutch
    invited = client.get(f"/s/{invite_token}/welcome").get_data(as_text=True)
    assert "resume-note" not in invited


def test_wrong_secrets_are_rate_limited_per_code(app, small_study, session, monkeypatch):
    study, _ = small_study
    _own, token = start(app, study)
    session.expire_all()
    secret = session.scalar(select(Participant.resume_secret).where(Participant.code == "OPEN01"))
    clock = [utcnow()]
    monkeypatch.setattr(open_link, "utcnow", lambda: clock[0])
    attacker = app.test_client()
    for attempt in range(open_link.RESUME_FAILURES_ALLOWED - 1):
        response = post_code(attacker, study, "OPEN01", "WRONG" + "ABC"[attempt % 3] * 3)
        assert response.status_code == 422 and "does not belong to this code" in response.get_data(as_text=True)
    locked = post_code(attacker, study, "OPEN01", "WRONGXYZ")
    assert locked.status_code == 429 and "Try again in 15 minutes" in locked.get_data(as_text=True)
    # Locked: even the right secret waits, and nothing is revealed.
    clock[0] += timedelta(minutes=5)
    refused = post_code(app.test_client(), study, "OPEN01", secret)
    assert refused.status_code == 429 and "10 minutes" in refused.get_data(as_text=True)
    assert token not in refused.get_data(as_text=True)
    clock[0] += timedelta(minutes=11)
    resumed = post_code(app.test_client(), study, "OPEN01", secret)
    assert resumed.status_code == 302 and resumed.headers["Location"].endswith(f"/s/{token}")
    session.expire_all()
    assert session.scalar(select(Participant.resume_failures).where(Participant.code == "OPEN01")) == 0


def test_a_forged_or_foreign_cookie_does_not_resume(app, small_study, session):
    study, _ = small_study
    _own, token = start(app, study)
    session.expire_all()
    participant_id = session.scalar(select(Participant.id).where(Participant.code == "OPEN01"))
    from itsdangerous import URLSafeTimedSerializer

    stranger = app.test_client()
    for value in (f"[{participant_id}]", URLSafeTimedSerializer("another key", salt="open-link-resume")
                  .dumps([participant_id]), "garbage"):
        stranger.set_cookie("qsort_open", value, path="/s/open/")
        response = post_code(stranger, study, "OPEN01")
        assert response.status_code == 422 and token not in response.get_data(as_text=True), value


def test_a_moved_study_keeps_the_secrets_of_its_open_link_participants(app, small_study, session):
    from qsort import exchange
    from qsort.models import Study

    study, _ = small_study
    start(app, study)
    document = exchange.study_to_json(session, study)
    [row] = [p for p in document["participants"] if p["code"] == "OPEN01"]
    secret = row["resume_secret"]
    copy = exchange.study_from_json(session, document, study.owner).study
    session.expire_all()
    moved = {p.code: p for p in session.get(Study, copy.id).participants}
    assert moved["OPEN01"].resume_secret == secret and moved["OPEN01"].source == "open"
    row["resume_secret"] = "0OIl"
    with pytest.raises(exchange.ExchangeError, match=r"participants\[\d\]\.resume_secret"):
        exchange.study_from_json(session, document, study.owner)


def test_the_same_new_code_from_two_browsers_at_once_starts_one_participant(app, small_study, session, monkeypatch):
    """The second browser's look-up ran before the first one's insert: its insert fails on the unique code and it
    is asked for the secret like any other browser (no 500, no second participant)."""
    study, _ = small_study
    first = open_link.participant_for_code(session, study, "RACE1")
    assert first.created
    real_scalar = session.scalar
    monkeypatch.setattr(session, "scalar", lambda *a, **k: None)  # "not there yet", as the other request saw it
    second = open_link.participant_for_code(session, study, "RACE1")
    monkeypatch.setattr(session, "scalar", real_scalar)
    assert second.participant is None and second.refusal == "secret_needed"
    assert session.scalar(select(func.count(Participant.id)).where(Participant.code == "RACE1")) == 1

"""What a participant sees (issue 11): no statement codes (unless the study shows neutral numbers), the study
title in the participant's language, only the study's languages in the switch, no "would you pay more?" about
excluded statements, a preview banner in preview; and the researcher's side: a styled Forbidden page, clean
login redirects, no opening without a welcome text."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from qsort import responses, sorting
from qsort.models import Participant, Placement, Sort, Study
from tests.factories import add_participant, make_study, valid_placements


def test_the_sort_state_never_carries_codes(respondent, small_study, session):
    study, _token = small_study
    respondent.through_instructions()
    body = respondent.get("/api/state").get_json()
    assert all(set(s) == {"id", "text"} for s in body["statements"])
    raw = respondent.get("/api/state").get_data(as_text=True)
    assert [s.code for s in study.statements if s.code in raw] == []
    # with neutral numbers: 1..n in the study's order, still no codes
    study.show_statement_numbers = True
    session.commit()
    body = respondent.get("/api/state").get_json()
    assert [s["number"] for s in body["statements"]] == list(range(1, len(study.statements) + 1))
    assert [s["id"] for s in body["statements"]] == [s.id for s in study.statements]
    raw = respondent.get("/api/state").get_data(as_text=True)
    assert [s.code for s in study.statements if s.code in raw] == []


def test_submit_problems_name_statements_without_codes(small_study):
    study, _token = small_study
    some = valid_placements(study)[:-2]
    problems = sorting.grid_problems(study, some)
    text = " ".join(problems)
    assert "2 statements are not placed yet" in text
    assert [s.code for s in study.statements if s.code in text] == []
    assert f"“{' '.join(study.statements[-1].text.split()[:6])}" in text


def test_title_per_language_and_only_the_studys_languages(client, session):
    study, token = make_study(session)
    study.texts = {**study.texts, "title": {"en": "What do you value?", "nl": "Wat vindt u belangrijk?"}}
    study.languages = ["en", "nl"]
    session.commit()
    page = client.get(f"/s/{token}/welcome?lang=nl").get_data(as_text=True)
    assert "Wat vindt u belangrijk?" in page and "What do you value?" not in page
    switch = re.search(r'<nav class="language-switch".*?</nav>', page, re.S).group(0)
    assert "lang=en" in switch and "lang=nb" not in switch and "Norsk" not in switch
    page = client.get(f"/s/{token}/welcome?lang=en").get_data(as_text=True)
    assert "What do you value?" in page
    # no participant title: the study's own
    study.texts = {k: v for k, v in study.texts.items() if k != "title"}
    session.commit()
    assert study.title in client.get(f"/s/{token}/welcome?lang=nl").get_data(as_text=True)


def test_excluded_tags_are_not_asked_would_pay(session):
    study, token = make_study(session)
    top = max(study.grid_scores)
    placements = valid_placements(study)
    top_ids = [p["statement_id"] for p in placements if p["score"] == top]
    for statement in study.statements:
        statement.tags = ["price"] if statement.id == top_ids[0] else ["strategy"]
    study.would_pay_excluded_tags = ["price"]
    session.commit()
    participant = session.scalar(select(Participant).where(Participant.token == token))
    sort = participant.sort or Sort(participant=participant)
    sort.placements = [Placement(statement_id=p["statement_id"], score=p["score"], slot=p["slot"])
                       for p in placements]
    session.add(sort)
    session.commit()
    cards = {c.statement_id: c.ask_would_pay for c in responses.extreme_cards(participant, "en")}
    assert cards[top_ids[0]] is False
    assert all(cards[i] for i in top_ids[1:])


def test_demo_excludes_its_price_statements():
    from qsort.demo import build_study
    from qsort.models import User

    study = build_study(User(email="x@example.com", name="x", password_hash="x"))
    assert study.would_pay_excluded_tags == ["price"]
    price = [s for s in study.statements if "price" in s.tags]
    assert price and not any(s.asks_would_pay for s in price)
    assert study.participant_title("nl") == "Wat waardeert u in een leverancier?"


def test_preview_shows_a_banner(client, session):
    study, token = make_study(session)
    preview = add_participant(session, study, source="preview")
    assert "preview-banner" in client.get(f"/s/{preview}/welcome").get_data(as_text=True)
    assert "preview-banner" not in client.get(f"/s/{token}/welcome").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/studio/999", "/studio/999/results/", "/interview/", "/interview/studies/999"])
def test_login_redirect_has_no_stray_question_mark(client, path):
    """Every blueprint behind the login sends the page back as next= without the "?" of an empty query string,
    and keeps a real query string."""
    def next_of(response) -> list[str]:
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert location.path == "/auth/login"
        return parse_qs(location.query)["next"]

    assert next_of(client.get(path)) == [path]
    assert next_of(client.get(path + "?status=completed")) == [path + "?status=completed"]


def test_forbidden_page_is_styled(app):
    from flask import abort

    @app.route("/_test_forbidden")
    def _forbidden():
        abort(403)

    page = app.test_client().get("/_test_forbidden")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "<h1>Not allowed</h1>" in html and 'rel="stylesheet"' in html


def test_study_settings_store_exclusions_and_numbers(session):
    from qsort import studies

    study, _token = make_study(session)
    studies.set_settings(study, extreme_comments="optional", ask_would_pay=True, redirect_url="",
                         would_pay_excluded="Price, cost", show_statement_numbers=True)
    assert study.would_pay_excluded_tags == ["price", "cost"] and study.show_statement_numbers
    studies.set_settings(study, extreme_comments="optional", ask_would_pay=True, redirect_url="")
    assert study.would_pay_excluded_tags == ["price", "cost"] and study.show_statement_numbers
    assert isinstance(session.get(Study, study.id), Study)

"""The demo study: its content, translations and grid, idempotent install, and `qsort init-db --demo`."""
from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import func, select

from qsort.accounts import find_user_by_email, verify_password
from qsort.demo import DEFAULT_PASSWORD, DEMO_EMAIL, content, install_demo
from qsort.models import Participant, Question, Study
from qsort.questions import likert_points
from qsort.questions import likert_labels
from tests.factories import csrf_from, form_values, login


def test_content_covers_the_value_elements_in_three_languages():
    codes = [code for code, *_ in content.STATEMENTS]
    assert 36 <= len(codes) <= 44 and len(set(codes)) == len(codes)
    tags = Counter(tag for _, tag, *_ in content.STATEMENTS)
    assert set(tags) == {"price", "added-value", "strategy"} and min(tags.values()) >= 7
    assert {code[:2] for code in codes} == {"PC", "EF", "RQ", "EM", "TA", "SP"}
    for code, _, en, nl, nb in content.STATEMENTS:
        assert en and nl and nb and len({en, nl, nb}) == 3, code
    for name, texts in content.TEXTS.items():
        assert set(texts) == {"en", "nl", "nb"}, name
    for question in content.QUESTIONS:
        assert set(question["prompt"]) == {"en", "nl", "nb"}
        for option in question.get("options", []):
            assert set(option["label"]) == {"en", "nl", "nb"}
    assert {q["kind"] for q in content.QUESTIONS} == {"single", "number", "likert", "text"}


def test_install_creates_once_and_prints_working_links(app, session, client):
    lines = install_demo(session, "http://localhost:5000/")
    again = install_demo(session, "http://localhost:5000")
    assert session.scalar(select(func.count()).select_from(Study)) == 1
    study = session.scalar(select(Study))
    assert study.status == "open" and study.open_link_enabled and study.ask_would_pay
    assert study.grid_scores == list(range(-4, 5)) and sum(study.grid_heights) == len(study.statements) == 40
    assert study.grid_heights == study.grid_heights[::-1]
    assert verify_password(find_user_by_email(session, DEMO_EMAIL), DEFAULT_PASSWORD)
    participant_link = next(line for line in lines if line.startswith("Participant link"))
    assert participant_link == next(line for line in again if line.startswith("Participant link"))  # unused yet
    path = re.search(r"http://localhost:5000(/s/\S+)", participant_link).group(1)
    welcome = client.get(path, follow_redirects=True)
    assert welcome.status_code == 200 and b"What do you value in a supplier?" in welcome.data
    open_line = next(line for line in lines if line.startswith("Open link"))
    open_path = re.search(r"http://localhost:5000(/s/open/\S+)", open_line).group(1)
    assert client.get(open_path).status_code == 200


def test_a_used_invite_gets_a_new_one_on_the_next_install(app, session, client):
    first = install_demo(session, "http://x")
    token = re.search(r"/s/(\S+)", first[2]).group(1)
    client.get(f"/s/{token}/welcome")
    csrf = csrf_from(client.get(f"/s/{token}/welcome"))
    client.post(f"/s/{token}/welcome", data={"csrf_token": csrf, "consent": "y", "agree": "Start"})
    second = install_demo(session, "http://x")
    assert second[2] != first[2]
    assert session.scalar(select(func.count()).select_from(Participant).where(Participant.source != "demo")) == 2


def test_demo_is_shown_in_dutch_and_norwegian(app, session, client):
    lines = install_demo(session, "http://x")
    token = re.search(r"/s/(\S+)", lines[2]).group(1)
    dutch = client.get(f"/s/{token}/welcome", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Bedankt dat u meedoet" in dutch
    norwegian = client.get(f"/s/{token}/welcome?lang=nb").get_data(as_text=True)
    assert "Takk for at du deltar" in norwegian


def test_init_db_demo_command(empty_database_url, monkeypatch):
    from click.testing import CliRunner

    from qsort.cli import main

    monkeypatch.setenv("QSORT_DATABASE_URL", empty_database_url)
    monkeypatch.setenv("QSORT_SECRET_KEY", "test")
    result = CliRunner().invoke(main, ["init-db", "--demo"])
    assert result.exit_code == 0, result.output
    assert "Participant link: http://127.0.0.1:5000/s/" in result.output
    assert "Open link" in result.output and DEMO_EMAIL in result.output


def _open_and_save_unchanged(client, question):
    """Open the studio's edit page of ``question`` and submit its form as the page fills it in."""
    url = f"/studio/{question.study_id}/questions/{question.id}"
    values = form_values(client.get(url), "prompt_en")
    response = client.post(url, data=values)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return values


ENDS = ({"en": "Strongly disagree", "nl": "Helemaal oneens", "nb": "Helt uenig"},
        {"en": "Strongly agree", "nl": "Helemaal eens", "nb": "Helt enig"})


def test_demo_likert_question_saved_unchanged_keeps_its_end_labels(app, session, client):
    install_demo(session, "http://x")
    study = session.scalar(select(Study))
    likert = next(q for q in study.questions if q.kind == "likert")
    before = dict(likert.settings)
    assert login(client, DEMO_EMAIL, DEFAULT_PASSWORD).status_code == 302

    values = _open_and_save_unchanged(client, likert)
    assert values["options_en"] == ["Strongly disagree\nStrongly agree"]   # the two ends, as the form shows them
    assert values["points"] == ["5"]
    session.expire_all()
    after = session.get(Question, likert.id).settings
    assert after == before
    labels = likert_labels(after)
    assert (labels[0], labels[-1]) == ENDS and labels[1:-1] == [{}, {}, {}]
    scale = likert_points(session.get(Question, likert.id), "nl", "en")
    assert scale == [("1", "1 · Helemaal oneens"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5 · Helemaal eens")]


def test_likert_stored_with_low_and_high_still_shows_and_keeps_its_labels(app, session, client):
    """Items saved before labels were one list per point (``low``/``high``) read the same, and a save turns
    them into the one shape without losing a label."""
    install_demo(session, "http://x")
    study = session.scalar(select(Study))
    likert = next(q for q in study.questions if q.kind == "likert")
    likert.settings = {"points": 5, "low": ENDS[0], "high": ENDS[1]}
    session.commit()
    scale = likert_points(likert, "nb", "en")
    assert (scale[0], scale[2], scale[4]) == (("1", "1 · Helt uenig"), ("3", "3"), ("5", "5 · Helt enig"))
    assert login(client, DEMO_EMAIL, DEFAULT_PASSWORD).status_code == 302

    _open_and_save_unchanged(client, likert)
    session.expire_all()
    after = session.get(Question, likert.id).settings
    assert after == {"points": 5, "labels": [ENDS[0], {}, {}, {}, ENDS[1]]}

"""Participants in the studio: invites one by one and from a CSV, links, the open link, progress states."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from qsort import progress
from qsort.invites import InviteError, parse_invite_csv
from qsort.models import Participant

from tests.factories import (SORT_A, SORT_B, columns_of, csrf_from, make_participant, make_supplier_study,
                             make_user, shown_columns, stored_columns)


@pytest.fixture
def study(session):
    return make_supplier_study(session, make_user(session))


@pytest.fixture
def ana(auth, study):
    return auth.login("ana@example.com")


def participants_of(session, study):
    session.expire_all()
    return session.scalars(select(Participant).where(Participant.study_id == study.id)
                           .order_by(Participant.id)).all()


def invite(client, study, **fields):
    token = csrf_from(client.get(f"/studio/{study.id}/participants"))
    return client.post(f"/studio/{study.id}/participants/invite", data={"csrf_token": token, **fields})


def upload(client, study, content: str | bytes, filename="invites.csv"):
    token = csrf_from(client.get(f"/studio/{study.id}/participants/import"))
    data = content.encode() if isinstance(content, str) else content
    return client.post(f"/studio/{study.id}/participants/import",
                       data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_invite_one_with_all_fields(ana, study, session):
    response = invite(ana, study, name="Ann Smith", email="ann@acme.example", account="Acme Ltd", crm_id="CRM-17",
                      relationship_stage="customer", revenue_band="A", code="C01")
    assert response.status_code == 302
    [person] = participants_of(session, study)
    assert (person.code, person.name, person.email, person.source) == ("C01", "Ann Smith", "ann@acme.example",
                                                                     "invite")
    assert person.attributes == {"account": "Acme Ltd", "crm_id": "CRM-17", "relationship_stage": "customer",
                                 "revenue_band": "A"}
    page = ana.get(f"/studio/{study.id}/participants").get_data(as_text=True)
    assert f"http://localhost/s/{person.token}" in page and "Ann Smith" in page


def test_invite_without_code_gets_next_free_code(ana, study, session):
    invite(ana, study, code="P001")
    invite(ana, study, name="No code")
    assert [p.code for p in participants_of(session, study)] == ["P001", "P002"]


def test_invite_validates_on_the_server(ana, study, session):
    assert invite(ana, study, email="not-an-email").status_code == 400
    assert invite(ana, study, code="has space").status_code == 400
    invite(ana, study, code="C01")
    response = invite(ana, study, code="c01")  # codes are compared without case
    assert response.status_code == 400 and "already used" in response.get_data(as_text=True)
    assert len(participants_of(session, study)) == 1


def test_invite_needs_csrf(ana, study, session):
    response = ana.post(f"/studio/{study.id}/participants/invite", data={"name": "X"})
    assert response.status_code == 400 and participants_of(session, study) == []


def test_links_are_unique_and_unguessable(ana, study, session):
    for i in range(20):
        invite(ana, study, name=f"Person {i}")
    tokens = [p.token for p in participants_of(session, study)]
    assert len(set(tokens)) == 20
    assert all(len(token) >= 40 for token in tokens)  # 32 random bytes, base64url
    assert study.open_link_token not in tokens


def test_public_url_config_is_used_for_links(ana, study, session, app):
    app.config["PUBLIC_URL"] = "https://survey.example.com/"
    invite(ana, study, code="C01")
    [person] = participants_of(session, study)
    page = ana.get(f"/studio/{study.id}/participants").get_data(as_text=True)
    assert f"https://survey.example.com/s/{person.token}" in page


CSV_OK = ("Participant code;Contact name;Email;Customer account;CRM id;Relationship stage;Revenue band;Region;Segment\n"
          "C01;Ann Smith;ann@acme.example;Acme Ltd;17;customer;A;North;OEM\n"
          "C02;Bo Jensen;bo@birch.example;Birch AS;18;prospect;B;West;\n"
          "\n"
          ";Cy Doe;;Cedar Inc;;;;South;Retail\n")


def test_csv_import_with_extra_columns_as_attributes(ana, study, session):
    response = upload(ana, study, "\ufeff" + CSV_OK)
    assert response.status_code == 302
    people = participants_of(session, study)
    assert [p.code for p in people] == ["C01", "C02", "P001"]
    assert people[0].attributes == {"account": "Acme Ltd", "crm_id": "17", "relationship_stage": "customer",
                                    "revenue_band": "A", "Region": "North", "Segment": "OEM"}
    assert people[1].attributes["Region"] == "West" and "Segment" not in people[1].attributes
    assert people[2].name == "Cy Doe" and people[2].email == ""


def test_csv_errors_name_line_and_column_and_import_nothing(ana, study, session):
    invite(ana, study, code="C09")
    content = ("code,name,email,region\n"
               "C01,Ann,ann@acme.example,North\n"
               "C02,Bo,bo-at-birch,West\n"           # line 3: bad email
               "C01,Cy,cy@cedar.example,South\n"     # line 4: duplicate code within the file
               "C09,Di,di@d.example,East\n"          # line 5: code taken in the study
               "C05,Ed,ed@e.example,East,extra\n")   # line 6: too many fields
    response = upload(ana, study, content)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "line 3, column email" in page
    assert "line 4, column code" in page and "line 5, column code" in page
    assert "line 6: 5 fields" in page
    assert [p.code for p in participants_of(session, study)] == ["C09"]


@pytest.mark.parametrize("data, problem", [
    (b"", "empty"),
    ("region,segment\nNorth,OEM\n", "line 1: no code, name or email column"),
    ("email,Email\na@b.cd,a@b.cd\n", "line 1, column Email: the same column"),
    ("name\n".encode() + "Bjørn".encode("latin-1"), "line 2: the file is not UTF-8"),
    ("name,email\n", "no participants"),
])
def test_csv_reader_errors(data, problem):
    """Problems in the file itself, by line and column (the study's own codes are checked later)."""
    try:
        invitees, problems = parse_invite_csv(data)
    except InviteError as error:  # a file that cannot be read at all
        invitees, problems = [], error.problems
    assert invitees == [] and any(problem in p for p in problems), problems


def test_csv_upload_without_file_is_refused(ana, study):
    token = csrf_from(ana.get(f"/studio/{study.id}/participants/import"))
    response = ana.post(f"/studio/{study.id}/participants/import", data={"csrf_token": token})
    assert response.status_code == 400


def test_download_links_csv(ana, study, session):
    upload(ana, study, CSV_OK)
    make_participant(session, study, "OPEN1", source="open")
    response = ana.get(f"/studio/{study.id}/participants/links.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["code"] for r in rows] == ["C01", "C02", "P001"]  # invites only
    people = {p.code: p for p in participants_of(session, study)}
    assert rows[0]["link"] == f"http://localhost/s/{people['C01'].token}"
    assert rows[0]["account"] == "Acme Ltd" and rows[0]["Region"] == "North" and rows[0]["Segment"] == "OEM"
    assert list(rows[0])[:4] == ["code", "name", "email", "link"]


def test_open_link_on_and_off(ana, study, session):
    page = ana.get(f"/studio/{study.id}/participants").get_data(as_text=True)
    assert f"/s/open/{study.open_link_token}" not in page
    token = csrf_from(ana.get(f"/studio/{study.id}/participants"))
    ana.post(f"/studio/{study.id}/participants/open-link", data={"csrf_token": token, "enabled": "y"})
    session.expire_all()
    assert session.get(type(study), study.id).open_link_enabled
    page = ana.get(f"/studio/{study.id}/participants").get_data(as_text=True)
    assert f"http://localhost/s/open/{study.open_link_token}" in page
    ana.post(f"/studio/{study.id}/participants/open-link", data={"csrf_token": token})
    session.expire_all()
    assert not session.get(type(study), study.id).open_link_enabled
    assert ana.post(f"/studio/{study.id}/participants/open-link", data={"enabled": "y"}).status_code == 400


def test_progress_states_and_durations(session, study):
    make_participant(session, study, "N1")
    make_participant(session, study, "I1", state="started")
    make_participant(session, study, "I2", state="presorted", scores=SORT_A, with_extras=False)
    make_participant(session, study, "S1", state="sorted", scores=SORT_B)
    make_participant(session, study, "C1", state="submitted", scores=SORT_A, minutes=12)
    make_participant(session, study, "C2", state="submitted", scores=SORT_B, minutes=20)
    make_participant(session, study, "PREVIEW", state="submitted", scores=SORT_A, source="preview")
    declined = make_participant(session, study, "D1")
    declined.consent = "declined"
    session.commit()

    rows = {row.participant.code: row for row in progress.progress_rows(session, study)}
    assert "PREVIEW" not in rows
    assert {code: row.status for code, row in rows.items()} == {
        "N1": "not_started", "I1": "in_progress", "I2": "in_progress", "S1": "in_progress",
        "C1": "completed", "C2": "completed", "D1": "declined"}
    assert (rows["I1"].step, rows["I2"].step, rows["S1"].step) == ("instructions", "grid", "postsort")
    assert rows["C1"].step is None
    assert rows["C1"].total_seconds == pytest.approx(12 * 60)
    assert rows["C2"].total_seconds == pytest.approx(20 * 60)
    assert rows["C1"].active_seconds == pytest.approx(420)
    assert rows["I2"].last_activity is not None and rows["N1"].last_activity is None
    assert progress.status_counts(list(rows.values())) == {"not_started": 1, "in_progress": 3, "completed": 2,
                                                          "declined": 1}
    assert progress.median([r.total_seconds for r in rows.values() if r.status == "completed"]) == 16 * 60
    assert progress.format_duration(3725) == "1 h 02 min" and progress.format_duration(75) == "1 min 15 s"


def test_progress_table_and_filter(ana, study, session):
    make_participant(session, study, "N1")
    make_participant(session, study, "I1", state="started")
    make_participant(session, study, "C1", state="submitted", scores=SORT_A)
    make_participant(session, study, "PREVIEW", state="submitted", scores=SORT_A, source="preview")
    page = ana.get(f"/studio/{study.id}/participants").get_data(as_text=True)
    assert page.count('data-status="') == 3 and "PREVIEW" not in page
    page = ana.get(f"/studio/{study.id}/participants?status=completed").get_data(as_text=True)
    assert page.count('data-status="completed"') == 1 and 'data-status="not_started"' not in page
    assert ana.get(f"/studio/{study.id}/participants?status=bogus").status_code == 400


def test_finished_sort_shows_grid_comments_answers_notes(ana, study, session):
    person = make_participant(session, study, "C1", state="submitted", scores=SORT_A)
    response = ana.get(f"/studio/{study.id}/participants/{person.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    session.expire_all()
    stored = session.get(Participant, person.id).sort
    # Which card is in which column, in the participant's order: as stored, and as the sort was given.
    assert shown_columns(page) == stored_columns(stored, study.grid_scores) == columns_of(SORT_A)
    assert shown_columns(page)[2] == ["S01"] and shown_columns(page)[0] == ["S04", "S05", "S06"]
    assert page.count('<li class="sorted-card') == 9
    assert "C1 needs lowest price" in page and "Not relevant for us" in page   # why? comments
    assert "Would pay more:" in page                                            # would-pay on the top card
    assert "Your role?" in page and "Buyer" in page                             # answer shown by its label
    assert "Notes from C1" in page and "Interview note for C1" in page
    assert "3 moves of 3 cards" in page


def test_preview_and_foreign_participants_are_404(ana, study, session):
    preview = make_participant(session, study, "PV", state="submitted", scores=SORT_A, source="preview")
    assert ana.get(f"/studio/{study.id}/participants/{preview.id}").status_code == 404
    other = make_supplier_study(session, make_user(session, "bob@example.com", "Bob"), title="Bob's")
    theirs = make_participant(session, other, "B1")
    assert ana.get(f"/studio/{study.id}/participants/{theirs.id}").status_code == 404
    assert ana.get(f"/studio/{other.id}/participants").status_code == 404
    assert ana.get(f"/studio/{other.id}/participants/links.csv").status_code == 404
    token = csrf_from(ana.get(f"/studio/{study.id}/participants"))
    assert ana.post(f"/studio/{other.id}/participants/invite",
                    data={"csrf_token": token, "name": "x"}).status_code == 404


def test_anonymous_is_sent_to_login(client, study):
    for url in (f"/studio/{study.id}/participants", f"/studio/{study.id}/participants/import",
                f"/studio/{study.id}/participants/links.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_withdraw_an_unused_invite_only(ana, study, session):
    unused = make_participant(session, study, "N1")
    started = make_participant(session, study, "I1", state="started")
    page = ana.get(f"/studio/{study.id}/participants/{unused.id}").get_data(as_text=True)
    token = csrf_from(ana.get(f"/studio/{study.id}/participants"))
    assert "Withdraw this invite" in page
    assert ana.post(f"/studio/{study.id}/participants/{unused.id}/delete").status_code == 400  # no CSRF
    response = ana.post(f"/studio/{study.id}/participants/{started.id}/delete", data={"csrf_token": token},
                        follow_redirects=True)
    assert "their data stays" in response.get_data(as_text=True)
    ana.post(f"/studio/{study.id}/participants/{unused.id}/delete", data={"csrf_token": token})
    assert [p.code for p in participants_of(session, study)] == ["I1"]


def test_participant_page_renders_in_every_state(ana, study, session):
    people = [make_participant(session, study, "N1"),
              make_participant(session, study, "I1", state="started"),
              make_participant(session, study, "I2", state="presorted", scores=SORT_A, with_extras=False),
              make_participant(session, study, "S1", state="sorted", scores=SORT_B)]
    pages = [ana.get(f"/studio/{study.id}/participants/{p.id}") for p in people]
    assert [r.status_code for r in pages] == [200] * 4
    texts = [r.get_data(as_text=True) for r in pages]
    assert "Not started yet." in texts[0]
    assert "Now at" in texts[1] and "Instructions" in texts[1]
    assert "Draft: the participant has not submitted the grid yet." in texts[2]
    assert texts[3].count('<li class="sorted-card') == 9 and "Draft:" not in texts[3]
    session.expire_all()
    assert shown_columns(texts[3]) == stored_columns(session.get(Participant, people[3].id).sort,
                                                     study.grid_scores) == columns_of(SORT_B)
    # A draft (grid not submitted) is drawn as it stands too.
    assert shown_columns(texts[2]) == stored_columns(session.get(Participant, people[2].id).sort, study.grid_scores)


def test_median_time_counts_only_timed_online_sorts(ana, study, session):
    """One real 8 s sort plus two imported ones (start = submit) and a paper, a demo and an interview sort:
    the median is the real sort's 8 s, and the page says what it counted."""
    from datetime import timedelta

    real = make_participant(session, study, "REAL", state="submitted", scores=SORT_A)
    real.sort.submitted_at = real.sort.started_at + timedelta(seconds=8)
    for code in ("IMP1", "IMP2"):
        imported = make_participant(session, study, code, state="submitted", scores=SORT_B, source="import",
                                    with_extras=False)
        imported.sort.submitted_at = imported.sort.started_at  # how qsort/exchange/imports.py stores them
    make_participant(session, study, "DEMO1", state="submitted", scores=SORT_B, source="demo", minutes=20)
    paper = make_participant(session, study, "PAP1", state="submitted", scores=SORT_B, minutes=30)
    paper.sort.source = "paper"
    led = make_participant(session, study, "INT1", state="submitted", scores=SORT_B, minutes=90)
    led.sort.source = "interview"
    session.commit()

    rows = progress.progress_rows(session, study)
    assert sum(row.status == "completed" for row in rows) == 6
    assert [row.participant.code for row in rows if progress.is_timed(row)] == ["REAL"]
    assert progress.median_completion(rows) == (8.0, 1)

    page = ana.get(f"/studio/{study.id}/participants").get_data(as_text=True)
    assert "<strong>8 s</strong>" in page
    assert "median of 1 online sort<" in page


def test_median_time_without_timed_sorts_shows_a_dash(ana, study, session):
    imported = make_participant(session, study, "IMP1", state="submitted", scores=SORT_B, source="import")
    imported.sort.submitted_at = imported.sort.started_at
    session.commit()
    assert progress.median_completion(progress.progress_rows(session, study)) == (None, 0)
    page = ana.get(f"/studio/{study.id}/participants").get_data(as_text=True)
    assert "<strong>–</strong>" in page and "median of 0 online sorts<" in page


def test_participant_view_shows_choice_and_likert_answers_by_their_labels(ana, study, session):
    from qsort.models import Answer, Question

    likert = Question(position=10, phase="post", kind="likert", prompt={"en": "Satisfied?"},
                      settings={"points": 5, "labels": [{"en": "Not at all"}, {}, {}, {}, {"en": "Fully"}]})
    several = Question(position=11, phase="post", kind="multiple", prompt={"en": "You buy?"},
                       options=[{"value": "g", "label": {"en": "Goods"}}, {"value": "s", "label": {"en": "Services"}}])
    study.questions.extend([likert, several])
    session.commit()
    person = make_participant(session, study, "C1", state="submitted", scores=SORT_A, with_extras=False)
    person.sort.answers.extend([Answer(question_id=likert.id, value=1), Answer(question_id=several.id,
                                                                               value=["g", "s"])])
    session.commit()
    page = ana.get(f"/studio/{study.id}/participants/{person.id}").get_data(as_text=True)
    assert "<td>1 · Not at all</td>" in page and "<td>Goods; Services</td>" in page


# -- the participant's language: their invitation's, and the one their link opens in -------------------------

def language_options(client, study) -> list[str]:
    page = client.get(f"/studio/{study.id}/participants").get_data(as_text=True)
    select = page.split('name="language"')[1].split("</select>")[0]
    return re.findall(r'<option[^>]*value="([^"]*)"', select)


def test_invite_with_a_language_gives_a_link_in_that_language(ana, study, session):
    assert language_options(ana, study) == ["", "en", "nl"]  # the study's languages, or the browser's
    assert invite(ana, study, code="C01", language="nl").status_code == 302
    assert invite(ana, study, code="C02").status_code == 302
    dutch, unset = participants_of(session, study)
    assert (dutch.language, unset.language) == ("nl", None)
    page = ana.get(f"/studio/{study.id}/participants").get_data(as_text=True)
    assert f'data-copy="http://localhost/s/{dutch.token}?lang=nl"' in page
    assert f'data-copy="http://localhost/s/{unset.token}"' in page
    assert "Language: Nederlands" in page.split(f'id="p-{dutch.id}"')[1].split("</tr>")[0]
    assert "Language:" not in page.split(f'id="p-{unset.id}"')[1].split("</tr>")[0]


def test_invite_refuses_a_language_the_study_lacks(ana, study, session):
    response = invite(ana, study, code="C01", language="nb")  # the study is in en and nl
    assert response.status_code == 400
    assert participants_of(session, study) == []


def test_the_link_opens_in_the_participants_language_whatever_the_browser(ana, study, session, app):
    invite(ana, study, code="C01", language="nl")
    [dutch] = participants_of(session, study)
    link = ana.get(f"/studio/{study.id}/participants/links.csv").get_data(as_text=True).splitlines()[1].split(",")[3]
    assert link == f"http://localhost/s/{dutch.token}?lang=nl"
    customer = app.test_client()
    page = customer.get(link.removeprefix("http://localhost"), headers={"Accept-Language": "en"},
                        follow_redirects=True).get_data(as_text=True)
    assert '<html lang="nl"' in page and "Welkom" in page
    # ... and they can still switch
    english = customer.get(f"/s/{dutch.token}/welcome?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in english and "Welcome" in english


CSV_LANGUAGES = ("code,name,language\n"
                 "C01,Ann,nl\n"
                 "C02,Bo,Dutch\n"
                 "C03,Cy,\n"
                 "C04,Di,EN\n"
                 "C05,Ed,Nederlands\n")


def test_csv_language_column_by_code_or_name(ana, study, session):
    assert upload(ana, study, CSV_LANGUAGES).status_code == 302
    assert [(p.code, p.language) for p in participants_of(session, study)] == [
        ("C01", "nl"), ("C02", "nl"), ("C03", None), ("C04", "en"), ("C05", "nl")]
    rows = list(csv.DictReader(io.StringIO(ana.get(f"/studio/{study.id}/participants/links.csv")
                                           .get_data(as_text=True))))
    assert list(rows[0])[:5] == ["code", "name", "email", "link", "language"]
    assert [r["language"] for r in rows] == ["nl", "nl", "", "en", "nl"]
    assert rows[0]["link"].endswith("?lang=nl") and "?" not in rows[2]["link"]


def test_csv_language_errors_name_line_and_column_and_import_nothing(ana, study, session):
    content = ("Contact name;Taal\n"
               "Ann;nl\n"
               "Bo;Deutsch\n"      # line 3: not a language we know
               "Cy;nb\n")          # line 4: a language the study lacks
    response = upload(ana, study, content)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "line 3, column language: &#39;Deutsch&#39; is not one of this study&#39;s languages (en, nl)" in page
    assert "line 4, column language: &#39;nb&#39; is not one of this study&#39;s languages (en, nl)" in page
    assert participants_of(session, study) == []

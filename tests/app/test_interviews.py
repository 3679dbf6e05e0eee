"""Interview rules through the HTTP layer: starting sessions, the live state and prompts, notes that autosave by
client id, paper-sort entry (each kind of mistake, all shown at once, checked on the server), and the notes in
the participant page and the xlsx and JSON exports."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from qsort import interviews
from qsort.accounts import create_account, set_password
from qsort.models import (InterviewerAssignment, InterviewSession, Move, Note, Participant, Placement, Study,
                          utcnow)
from tests.factories import PASSWORD, csrf_from, login
from tests.factories import make_study


@pytest.fixture
def setup(session):
    """A 9-statement open study (grid -2..2, heights 1,2,3,2,1) with its guide, and Ivan assigned to it."""
    study, _token = make_study(session)
    study.interview_guide = [{"en": "What would you pay for?", "nl": "Waarvoor zou u betalen?"}]
    ivan = create_account(session, email="ivan@example.com", password=PASSWORD, name="Ivan", role="interviewer")
    study.interviewers.append(InterviewerAssignment(user=ivan))
    session.commit()
    return study


@pytest.fixture
def ivan(client, setup):
    login(client, "ivan@example.com", PASSWORD)
    return csrf_from(client.get("/interview/"))


def start(client, token, study, **fields):
    data = {"csrf_token": token, "who": "new", "code": "C-7", "name": "Kari", "account": "Acme",
            "buying_role": "decider", "mode": "two", **fields}
    return client.post(f"/interview/studies/{study.id}", data=data)


def test_start_a_session_on_the_spot(client, ivan, setup, session):
    response = start(client, ivan, setup)
    assert response.status_code == 303
    interview = session.scalar(select(InterviewSession))
    assert response.headers["Location"].endswith(f"/interview/sessions/{interview.id}/customer")
    person = interview.participant
    assert (person.code, person.name, person.source) == ("C-7", "Kari", "interview")
    assert person.attributes == {"account": "Acme", "buying_role": "decider"}
    assert person.sort.source == "interview" and person.sort.entered_by_id == interview.interviewer_id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert interview.pairing_code[:3] in page and "<svg" in page and f"/s/{interview.customer_key}" in page
    assert person.token not in page  # the customer link stands in for the participant's own token
    # the same code again is refused, saying why, and nothing more is stored
    response = start(client, ivan, setup)
    assert response.status_code == 400 and "C-7 is taken" in response.get_data(as_text=True)
    assert len(session.scalars(select(InterviewSession)).all()) == 1


def test_start_a_session_with_an_invited_participant(client, ivan, setup, session):
    invited = setup.participants[0]
    response = start(client, ivan, setup, who="invited", participant=str(invited.id), mode="one")
    assert response.status_code == 303 and response.headers["Location"].endswith("/interview/sessions/1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    interview = session.scalar(select(InterviewSession))
    assert f"/s/{interview.customer_key}" in page and "What would you pay for?" in page  # the frame and the guide
    assert invited.token not in page


def test_the_customer_link_opens_that_participants_flow_only_while_the_session_runs(app, client, ivan, setup,
                                                                                  session):
    start(client, ivan, setup)
    interview = session.scalar(select(InterviewSession))
    key, person = interview.customer_key, interview.participant
    other = setup.participants[0]
    customer = app.test_client()  # the customer's device: no login
    response = customer.get(f"/s/{key}")
    assert response.status_code == 302 and response.headers["Location"] == f"/s/{key}/welcome"
    welcome = customer.get(f"/s/{key}/welcome")
    page = welcome.get_data(as_text=True)
    assert f'action="/s/{key}/welcome"' in page and person.token not in page
    response = customer.post(f"/s/{key}/welcome", data={"csrf_token": csrf_from(welcome), "consent": "y"})
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/s/{key}/")
    session.expire_all()
    assert person.consent == "given" and other.consent is None  # it reached that participant, no one else
    response = customer.post(response.headers["Location"], data={"csrf_token": csrf_from(welcome)})
    assert response.status_code == 302 and response.headers["Location"] == f"/s/{key}/sort"  # past instructions
    state = customer.get(f"/s/{key}/api/state")
    assert state.status_code == 200 and person.token not in state.get_data(as_text=True)
    # nothing of the interviewer's: their pages want a login
    assert customer.get("/interview/").status_code == 302
    assert customer.get(f"/interview/sessions/{interview.id}/api/live").status_code == 302
    # a key that is one character off opens nothing
    assert customer.get(f"/s/{key[:-1]}{'A' if key[-1] != 'A' else 'B'}").status_code == 404
    # the session ends: the link says so, and neither the pages nor the API answer any more
    client.post(f"/interview/sessions/{interview.id}/end", data={"csrf_token": ivan})
    response = customer.get(f"/s/{key}/welcome")
    assert response.status_code == 410 and "This interview session has ended" in response.get_data(as_text=True)
    assert customer.get(f"/s/{key}/api/state").status_code == 410
    assert customer.post(f"/s/{key}/api/draft", json={}, headers={"X-CSRFToken": csrf_from(welcome)}).status_code == 410
    # the participant's own invitation link is unchanged
    assert customer.get(f"/s/{person.token}").status_code == 302


def test_the_short_customer_code_leads_to_the_customer_link_while_the_session_runs(app, client, ivan, setup,
                                                                                  session):
    start(client, ivan, setup)
    interview = session.scalar(select(InterviewSession))
    code = interview.customer_code
    assert len(code) == 8 and set(code) <= set(interviews.PAIRING_ALPHABET)
    page = client.get(f"/interview/sessions/{interview.id}/customer").get_data(as_text=True)
    assert f"{code[:4]}&#8239;{code[4:]}" in page and "/s/join" in page
    customer = app.test_client()
    form = customer.get("/s/join")
    assert form.status_code == 200
    token = csrf_from(form)
    typed = f" {code[:4].lower()}-{code[4:]} "  # as read aloud and typed: any case, spaces, a dash
    response = customer.post("/s/join", data={"csrf_token": token, "code": typed})
    assert response.status_code == 302 and response.headers["Location"] == f"/s/{interview.customer_key}"
    other = "ABCDEFGH" if code != "ABCDEFGH" else "BCDEFGHJ"
    wrong = customer.post("/s/join", data={"csrf_token": token, "code": other})
    assert wrong.status_code == 422 and "No running interview has this code" in wrong.get_data(as_text=True)
    assert customer.post("/s/join", data={"code": code}).status_code == 400  # CSRF
    client.post(f"/interview/sessions/{interview.id}/end", data={"csrf_token": ivan})
    assert customer.post("/s/join", data={"csrf_token": token, "code": code}).status_code == 422


def test_step_times_are_recorded_as_the_customer_moves_on_with_no_panel_open(app, client, ivan, setup, session):
    """The timer per step must not depend on the interviewer's panel polling: the server records when the
    customer reaches each step, from the flow itself."""
    before = utcnow().replace(microsecond=0)
    start(client, ivan, setup)
    interview = session.scalar(select(InterviewSession))
    customer = app.test_client()
    welcome = customer.get(f"/s/{interview.customer_key}/welcome")
    token = csrf_from(welcome)
    customer.post(f"/s/{interview.customer_key}/welcome", data={"csrf_token": token, "consent": "y"})
    customer.post(f"/s/{interview.customer_key}/instructions", data={"csrf_token": token})
    session.expire_all()
    times = {step: datetime.fromisoformat(at) for step, at in interview.step_times.items()}
    assert list(times) == ["welcome", "instructions", "presort"]  # no poll of the panel in between
    assert before <= times["welcome"] <= times["instructions"] <= times["presort"] <= utcnow()
    assert times["welcome"] == interview.started_at
    # the panel's JSON carries the server's clock, which the timers count by
    live = client.get(f"/interview/sessions/{interview.id}/api/live").get_json()
    assert datetime.fromisoformat(live["now"]) >= times["presort"] and live["step"] == "presort"
    # an ended session records nothing more
    client.post(f"/interview/sessions/{interview.id}/end", data={"csrf_token": ivan})
    interview.participant.sort.step = "grid"
    session.commit()
    assert "grid" not in interview.step_times


def test_pairing_code_opens_the_panel(client, ivan, setup, session):
    start(client, ivan, setup)
    interview = session.scalar(select(InterviewSession))
    code = interview.pairing_code
    response = client.post("/interview/pair", data={"csrf_token": ivan, "code": f" {code[:3].lower()}-{code[3:]} "})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/sessions/{interview.id}")


def test_live_state_follows_the_sort_and_prompts_follow_it(client, ivan, setup, session):
    start(client, ivan, setup)
    interview = session.scalar(select(InterviewSession))
    sort = interview.participant.sort
    ids = [s.id for s in setup.statements]
    sort.step = "grid"
    sort.placements = [Placement(statement_id=ids[0], score=2, slot=0),
                       Placement(statement_id=ids[1], score=-2, slot=0),
                       Placement(statement_id=ids[2], score=1, slot=0)]
    t0 = datetime(2026, 1, 1, 10, 0, 0)
    sort.moves = [Move(statement_id=ids[2], from_place=a, to_place=b, client_seq=k,
                       client_time=t0 + timedelta(seconds=k))
                  for k, (a, b) in enumerate([("deck", "grid:2"), ("grid:2", "grid:-1"), ("grid:-1", "grid:1")])]
    session.commit()
    live = client.get(f"/interview/sessions/{interview.id}/api/live").get_json()
    assert live["step"] == "grid" and {(p["statement_id"], p["score"]) for p in live["placements"]} == {
        (ids[0], 2), (ids[1], -2), (ids[2], 1)}
    kinds = {(p["kind"], p["number"]) for p in live["prompts"]}
    assert {("most", 1), ("least", 2), ("moved", 3), ("pay", 1), ("pay", 3)} <= kinds
    assert "grid" in live["step_times"]
    replay = client.get(f"/interview/sessions/{interview.id}/replay").get_data(as_text=True)
    assert replay.count('data-statement="%d"' % ids[2]) == 3 and "Column -1 → Column +1" in replay


def test_notes_autosave_idempotently_and_refuse_bad_input(client, ivan, setup, session):
    start(client, ivan, setup)
    interview = session.scalar(select(InterviewSession))
    url = f"/interview/sessions/{interview.id}/api/notes"
    card = setup.statements[4].id
    body = {"notes": [{"client_id": "note-aaaa-0001", "text": "Price is all", "statement_id": card},
                      {"client_id": "note-aaaa-0002", "text": "Talks about the account manager"}]}
    for _attempt in range(2):  # a retried save changes nothing
        response = client.post(url, json=body, headers={"X-CSRFToken": ivan})
        assert response.status_code == 200 and response.get_json()["saved"] == ["note-aaaa-0001", "note-aaaa-0002"]
    body["notes"][0]["text"] = "Price is all, but delivery too"
    assert client.post(url, json=body, headers={"X-CSRFToken": ivan}).status_code == 200
    notes = session.scalars(select(Note).order_by(Note.id)).all()
    assert [(n.text, n.kind, n.statement_id) for n in notes] == [
        ("Price is all, but delivery too", "card", card), ("Talks about the account manager", "general", None)]
    for bad, field in (({"notes": "x"}, "notes"),
                       ({"notes": [{"client_id": "short", "text": ""}]}, "notes[0].client_id"),
                       ({"notes": [{"client_id": "note-aaaa-0003", "text": 5}]}, "notes[0].text"),
                       ({"notes": [{"client_id": "note-aaaa-0003", "text": "x", "statement_id": 99999}]},
                        "notes[0].statement_id")):
        response = client.post(url, json=bad, headers={"X-CSRFToken": ivan})
        assert response.status_code == 400 and response.get_json()["field"] == field
    assert client.post(url, json=body).status_code == 400  # no CSRF token
    assert len(session.scalars(select(Note)).all()) == 2


def test_relationship_context_is_stored_as_attributes(client, ivan, setup, session):
    start(client, ivan, setup)
    interview = session.scalar(select(InterviewSession))
    url = f"/interview/sessions/{interview.id}/context"
    client.post(url, data={"csrf_token": ivan, "buying_role": "influencer", "relationship_stage": "partners"})
    response = client.post(url, data={"csrf_token": ivan, "buying_role": "boss", "relationship_stage": ""})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Participant, interview.participant_id).attributes == {
        "account": "Acme", "buying_role": "influencer", "relationship_stage": "partners"}


# -- paper -----------------------------------------------------------------------------------------------------

def paper(client, token, study, columns: dict[int, str], **fields):
    data = {"csrf_token": token, "who": "new", "code": "PAPER-1", **fields}
    data.update({f"column{score}": text for score, text in columns.items()})
    return client.post(f"/interview/studies/{study.id}/paper", data=data)


GOOD = {-2: "9", -1: "7 8", 0: "4 5 6", 1: "2 3", 2: "1"}


@pytest.mark.parametrize("columns, kind, message", [
    ({**GOOD, 0: "4 5 6 9"}, "duplicate", "Statement 9 is in column -2 and again in column 0."),
    ({**GOOD, -2: ""}, "missing", "Statement 9 is in no column."),
    ({**GOOD, 2: "12"}, "unknown", "Column +2: there is no statement 12 (the numbers go from 1 to 9)."),
    ({**GOOD, 1: "2 3 1", 2: ""}, "overfull", "Column +1 holds 3 cards, but has room for 2."),
    ({**GOOD, 1: "2"}, "underfull", "Column +1 holds 1 cards, but has room for 2."),
    ({**GOOD, 2: "x1"}, "notanumber", "Column +2: &#39;x1&#39; is not a number."),
])
def test_paper_entry_names_each_kind_of_mistake(client, ivan, setup, session, columns, kind, message):
    response = paper(client, ivan, setup, columns)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'data-kind="{kind}"' in page and message in page
    assert session.scalar(select(Participant).where(Participant.code == "PAPER-1")) is None


def test_paper_entry_shows_every_mistake_at_once(setup):
    check = interviews.check_paper_sort(setup, {-2: ["9", "9"], -1: ["7"], 0: ["4", "5", "6"], 1: ["2", "30"],
                                                2: ["1"]})
    assert sorted(p.kind for p in check.problems) == ["duplicate", "missing", "missing", "overfull",
                                                      "underfull", "unknown"]  # 3 and 8 missing


def test_paper_sort_is_stored_as_a_submitted_sort(client, ivan, setup, session, app):
    response = paper(client, ivan, setup, GOOD, name="Ola", account="Nordic AS",
                     **{"comment-1": "Would pay for this", "comment-9": "  "})
    assert response.status_code == 303
    person = session.scalar(select(Participant).where(Participant.code == "PAPER-1"))
    sort = person.sort
    assert (person.source, sort.source, sort.state) == ("paper", "paper", "submitted")
    assert sort.entered_by_id == session.scalar(select(InterviewerAssignment)).user_id
    number = {s.id: k + 1 for k, s in enumerate(setup.statements)}
    assert {number[p.statement_id]: p.score for p in sort.placements} == {
        9: -2, 7: -1, 8: -1, 4: 0, 5: 0, 6: 0, 2: 1, 3: 1, 1: 2}
    assert [(number[c.statement_id], c.text) for c in sort.comments] == [(1, "Would pay for this")]
    # an invited participant whose sort is stored cannot get a second one
    response = paper(client, ivan, setup, GOOD, who="invited", participant=str(person.id))
    assert response.status_code == 400


def test_notes_reach_participant_page_and_exports(client, ivan, setup, session, app):
    start(client, ivan, setup)
    interview = session.scalar(select(InterviewSession))
    card = setup.statements[0].id
    client.post(f"/interview/sessions/{interview.id}/api/notes", headers={"X-CSRFToken": ivan},
                json={"notes": [{"client_id": "note-bbbb-0001", "text": "=HYPERLINK(\"x\") pays for speed",
                                 "statement_id": card}]})
    # the sort is submitted (as the customer would)
    sort = interview.participant.sort
    ids = [s.id for s in setup.statements]
    sort.placements = [Placement(statement_id=i, score=s, slot=0) for i, s in zip(ids, [2, 1, 1, 0, 0, 0, -1, -1, -2])]
    sort.state = "sorted"
    session.commit()
    owner = session.get(Study, setup.id).owner
    set_password(session, owner, PASSWORD)
    session.commit()
    researcher = app.test_client()
    login(researcher, owner.email, PASSWORD)
    page = researcher.get(f"/studio/{setup.id}/participants/{interview.participant_id}").get_data(as_text=True)
    assert "pays for speed" in page and "Statement number 1" in page and "Ivan" in page
    book = load_workbook(io.BytesIO(researcher.get(f"/studio/{setup.id}/data/export/xlsx").data))
    rows = list(book["notes"].iter_rows(values_only=True))
    assert rows[0] == ("participant", "statement", "text", "note", "written", "author", "sort_source")
    assert rows[1][:4] == ("C-7", "S01", "Statement number 1", '=HYPERLINK("x") pays for speed')
    assert book["notes"]["D2"].data_type == "s"  # text, never a formula that runs when opened
    assert rows[1][5:] == ("Ivan", "interview")
    document = researcher.get(f"/studio/{setup.id}/data/export/json").get_json()
    exported = next(p for p in document["participants"] if p["code"] == "C-7")
    assert exported["sort"]["source"] == "interview"
    assert [(n["text"].endswith("pays for speed"), n["kind"], n["author"]) for n in exported["sort"]["notes"]] == [
        (True, "card", "ivan@example.com")]
    assert document["study"]["interview_guide"] == setup.interview_guide


def test_demo_study_has_an_interview_guide_in_three_languages():
    from qsort.demo import content

    assert len(content.INTERVIEW_GUIDE) >= 5
    assert all(set(item) == {"en", "nl", "nb"} and all(item.values()) for item in content.INTERVIEW_GUIDE)
    words = " ".join(item["en"] for item in content.INTERVIEW_GUIDE).lower()
    assert "value for you" in words and "value of you" in words and "pay" in words


@pytest.mark.parametrize("lang, words", [
    ("nl", ["De sortering van de klant, live", "Algemene notitie", "Relatiefase, zoals de klant die ziet",
            "Waarvoor zou u betalen?"]),
    ("nb", ["Kundens sortering, direkte", "Generelt notat", "Relasjonsfase, slik kunden ser den",
            "What would you pay for?"]),  # the guide has no Norwegian text: the study's default language
])
def test_the_panel_speaks_dutch_and_norwegian(client, ivan, setup, session, lang, words):
    start(client, ivan, setup, mode="one")
    interview = session.scalar(select(InterviewSession))
    page = client.get(f"/interview/sessions/{interview.id}?lang={lang}").get_data(as_text=True)
    for word in words:
        assert word in page, word
    live = client.get(f"/interview/sessions/{interview.id}/api/live").get_json()
    assert live["statements"][0]["text"] == {"nl": "Stelling nummer 1", "nb": "Påstand nummer 1"}[lang]


@pytest.mark.parametrize("key", ["%00%ff" * 8, "x", "a" * 65])
def test_a_malformed_customer_key_is_404(client, key):
    assert client.get(f"/s/{key}").status_code == 404
    assert client.post(f"/s/{key}/api/draft", json={}).status_code in (400, 404)

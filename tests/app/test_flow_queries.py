"""A guard on the SQL each request of a participant's flow sends (benchmarks/flow_cpu.py prints the figures and the
CPU time): the pages load the participant, study, sort and the study's question phases in one query; the submit
and the form steps write with few statements. A new lazy load or a query per card shows up here as a failure."""
from __future__ import annotations

import re

from sqlalchemy import select

from qsort.models import Participant, Question
from tests.factories import csrf_from, make_study, statements_sent, valid_placements

# What each request sends, in order (the first word of each statement; COMMIT is no statement here).
FIND = ["SELECT"]  # participant + study + sort + whether the study asks questions before / after the sort
LOCK = ["UPDATE"]  # qsort.responses.lock_sort_row: the write lock on the sort row, RETURNING the row


def test_every_request_of_the_flow_sends_the_statements_it_needs(app, client, small_study):
    study, token = small_study
    base = f"/s/{token}"
    placements = valid_placements(study)

    def sends(method, path, expected, status=200, **kwargs):
        with statements_sent(app) as sent:
            response = client.open(base + path, method=method, **kwargs)
        assert response.status_code == status, response.get_data(as_text=True)[:500]
        assert sent == expected, f"{method} {path}"
        return response

    sends("GET", "", FIND, 302)
    page = sends("GET", "/welcome", FIND)
    # consent stored (UPDATE participant: the lock), no sort yet (the sort row's lock finds none), the sort created
    sends("POST", "/welcome", FIND + ["UPDATE"] + LOCK + ["INSERT"], 302,
          data={"csrf_token": csrf_from(page), "consent": "y", "agree": "Start"})
    page = sends("GET", "/instructions", FIND)
    sends("POST", "/instructions", FIND + LOCK + ["UPDATE"], 302,
          data={"csrf_token": csrf_from(page), "submit": "Continue"})
    sends("GET", "/sort", FIND)
    # the last move's seq, the statements, the placements: Core statements, one each
    state = sends("GET", "/api/state", FIND + ["SELECT", "SELECT", "SELECT"]).json
    csrf = {"X-CSRFToken": state["csrf_token"]}
    presort = {str(s["id"]): "agree" for s in state["statements"]}
    sends("POST", "/api/draft", _any, 200, json={"revision": 1, "step": "presort", "presort": presort},
          headers=csrf)
    # the lock (UPDATE ... RETURNING the sort), the stored placements (none: the drafts were on the piles), all
    # of them inserted, comments on cards no longer at the ends dropped, the sort row; the statement ids come from
    # the cache of open studies
    sends("POST", "/api/submit", FIND + ["UPDATE", "SELECT", "INSERT", "DELETE", "UPDATE"],
          json={"revision": 2, "placements": placements}, headers=csrf)
    with statements_sent(app) as sent:  # the double click: the lock, the stored placements to compare, nothing else
        again = client.post(base + "/api/submit", json={"revision": 2, "placements": placements}, headers=csrf)
    assert again.status_code == 200 and sent == FIND + ["UPDATE", "SELECT"]
    # the end columns' placements with their statements and stored comments: one Core query
    page = sends("GET", "/postsort", FIND + ["SELECT"])
    ends = [p["statement_id"] for p in placements if p["score"] in (-2, 2)]
    # the cards again, then one INSERT ... ON CONFLICT DO UPDATE for all the comments, the sort row
    sends("POST", "/postsort", FIND + ["SELECT"] + LOCK + ["INSERT", "UPDATE"], 302,
          data={"csrf_token": csrf_from(page), "submit": "Continue",
                **{f"comment_{sid}": f"Because {sid}" for sid in ends}})
    # the questions with the stored answers: one Core query
    page = sends("GET", "/questions", FIND + ["SELECT"])
    kinds = {q.kind: q.id for q in study.questions}
    sends("POST", "/questions", FIND + ["SELECT"] + LOCK + ["INSERT", "UPDATE"], 302,
          data={"csrf_token": csrf_from(page), "submit": "Continue", f"q{kinds['single']}": "decider",
                f"q{kinds['number']}": "12"})
    sends("GET", "/done", FIND)


def steps_shown(page) -> int:
    return int(re.search(r"Step 1 of (\d+)", page.get_data(as_text=True)).group(1))


class _Any:
    """Matches any list of statements (the draft save has its own guard: tests/app/test_save_path.py)."""

    def __eq__(self, other):
        return True


_any = _Any()


def test_a_question_added_to_an_open_study_changes_the_steps_at_the_next_request(app, client, session, respondent):
    """The question phases are read with the participant on every request (no cache): a pre-sort question the
    researcher adds shows up at once."""
    study, token = make_study(session, questions=[])
    respondent.token = token
    steps = steps_shown(respondent.get("/welcome"))  # welcome, instructions, sort, post-sort comments
    study.questions.append(Question(phase="pre", kind="text", prompt={"en": "Your company?"}))
    session.commit()

    assert steps_shown(respondent.get("/welcome")) == steps + 1
    response = respondent.post("/welcome", {"consent": "y", "agree": "Start"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/s/{token}/questions/pre")
    participant = session.scalar(select(Participant).where(Participant.token == token))
    session.refresh(participant)
    assert participant.sort.step == "pre_questions"

"""Helpers for the studio participants/data tests: a logged-in researcher, a small study, and sorts in any
state made directly with the models (no participant flow needed)."""
from __future__ import annotations

import re
from datetime import timedelta

from qsort.accounts import create_account
from qsort.models import (Answer, CardComment, Move, Note, Participant, Placement, Question, Sort, Statement,
                          Study, utcnow)

PASSWORD = "correct horse battery"
# A 9-statement study, grid -2..2 with heights 1,2,3,2,1.
GRID_SCORES = [-2, -1, 0, 1, 2]
GRID_HEIGHTS = [1, 2, 3, 2, 1]
TEXTS = ["Lowest price", "Fast delivery", "Technical advice", "Long-term partnership", "Flexible payment terms",
         "Innovation together", "Reliable quality", "Personal contact", "Sustainability"]
TAGS = [["price"], ["added-value"], ["added-value"], ["strategy"], ["price"], ["strategy"], ["added-value"],
        ["added-value"], ["strategy"]]


def csrf_from(response) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', response.get_data(as_text=True)).group(1)


def login(client, email, password=PASSWORD):
    token = csrf_from(client.get("/auth/login"))
    response = client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def make_user(session, email="ana@example.com", name="Ana"):
    return create_account(session, email=email, password=PASSWORD, name=name)


def make_study(session, owner, title="Supplier value study", status="open", n_questions=2) -> Study:
    study = Study(owner=owner, title=title, status=status, languages=["en", "nl"], default_language="en",
                  texts={"welcome": {"en": "Welcome", "nl": "Welkom"}, "thank_you": {"en": "Thanks"}},
                  labels={"most": {"en": "Most important"}, "least": {"en": "Least important"}},
                  grid_scores=list(GRID_SCORES), grid_heights=list(GRID_HEIGHTS), extreme_comments="optional",
                  ask_would_pay=True)
    for position, (text, tags) in enumerate(zip(TEXTS, TAGS)):
        study.statements.append(Statement(position=position, code=f"S{position + 1:02d}", text=text, tags=tags,
                                          translations={"nl": f"{text} (nl)"}))
    if n_questions:
        study.questions.append(Question(position=0, phase="pre", kind="single", prompt={"en": "Your role?"},
                                        options=[{"value": "buyer", "label": {"en": "Buyer"}},
                                                 {"value": "engineer", "label": {"en": "Engineer"}}]))
        study.questions.append(Question(position=1, phase="post", kind="text",
                                        prompt={"en": "Anything to add?"}))
    session.add(study)
    session.commit()
    return study


# Sorts that fit the 1,2,3,2,1 grid: one score per statement, in statement order.
SORT_A = [2, 1, 1, 0, 0, 0, -1, -1, -2]
SORT_B = [-2, -1, -1, 0, 0, 0, 1, 1, 2]
SORT_C = [0, 2, 1, -1, 0, 1, -2, 0, -1]


def make_participant(session, study, code, state=None, scores=None, *, source="invite", name="", minutes=12,
                     attributes=None, with_extras=True) -> Participant:
    """A participant with a sort in ``state`` (None: not started). Complete sorts get placements from
    ``scores``; with_extras adds comments, answers, a note and moves."""
    participant = Participant(study=study, code=code, name=name or f"Contact {code}", email=f"{code.lower()}@ex.com",
                              source=source, attributes=attributes or {"account": f"Account {code}"})
    session.add(participant)
    if state is not None:
        started = utcnow() - timedelta(minutes=minutes + 5)
        sort = Sort(participant=participant, state=state, started_at=started,
                    step={"started": "instructions", "presorted": "grid", "sorted": "postsort",
                          "submitted": "done"}[state],
                    step_seconds={"welcome": 20.0, "presort": 100.0, "grid": 300.0})
        participant.consent = "given"
        statements = study.statements
        if scores is not None:
            slots: dict[int, int] = {}
            for statement, score in zip(statements, scores):
                sort.placements.append(Placement(statement=statement, score=score, slot=slots.get(score, 0)))
                slots[score] = slots.get(score, 0) + 1
        if state == "submitted":
            sort.submitted_at = started + timedelta(minutes=minutes)
        if with_extras and scores is not None:
            top = [s for s, v in zip(statements, scores) if v == max(scores)]
            bottom = [s for s, v in zip(statements, scores) if v == min(scores)]
            for st in top:
                sort.comments.append(CardComment(statement_id=st.id, text=f"{code} needs {st.text.lower()}",
                                                 would_pay="yes"))
            for st in bottom:
                sort.comments.append(CardComment(statement_id=st.id, text="Not relevant for us"))
            questions = study.questions
            if questions:
                sort.answers.append(Answer(question_id=questions[0].id, value="buyer"))
                if len(questions) > 1:
                    sort.answers.append(Answer(question_id=questions[1].id, value=f"Notes from {code}"))
            sort.notes.append(Note(statement_id=None, text=f"Interview note for {code}"))
            for seq, statement in enumerate(statements[:3]):
                sort.moves.append(Move(statement_id=statement.id, from_place="deck", to_place="pile:agree",
                                       client_seq=seq, client_time=started + timedelta(seconds=seq * 10)))
        session.add(sort)
    session.commit()
    return participant

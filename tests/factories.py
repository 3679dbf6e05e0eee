"""The tests' one module of test data and page helpers, used by app tests and browser tests alike (test modules
import helpers from here or get them as fixtures from a conftest, never from one another).

>>> study, token = make_study(session)                 # 9 statements, grid -2..2 with heights 1,2,3,2,1
>>> client.get(f"/s/{token}")                           # the participant's link
>>> study = make_supplier_study(session, make_user(session))   # a researcher's study with real value elements
>>> make_participant(session, study, "C01", state="submitted", scores=SORT_A)
>>> login(client, "ana@example.com")                   # through the login form, CSRF included
"""
from __future__ import annotations

import re
import secrets
from contextlib import contextmanager
from datetime import timedelta
from html.parser import HTMLParser
from itertools import count

from sqlalchemy.orm import Session

from qsort.accounts import create_account
from qsort.models import (Answer, CardComment, Move, Note, Participant, Placement, Question, Sort, Statement, Study,
                          User, utcnow)

_numbers = count(1)
# Owners' e-mails are unique per process too: a benchmark may fill a database that an earlier run filled.
_RUN = secrets.token_hex(3)

SMALL_GRID = ([-2, -1, 0, 1, 2], [1, 2, 3, 2, 1])


def default_questions() -> list[Question]:
    """Post-sort questions of each kind the flow supports (the first one required)."""
    return [
        Question(phase="post", kind="single", required=True,
                 prompt={"en": "Your role in the buying decision", "nl": "Uw rol in de aankoopbeslissing"},
                 options=[{"value": "decider", "label": {"en": "I decide", "nl": "Ik beslis"}},
                          {"value": "adviser", "label": {"en": "I advise", "nl": "Ik adviseer"}}]),
        Question(phase="post", kind="number", prompt={"en": "Years as a customer"}, settings={"min": 0, "max": 100}),
        Question(phase="post", kind="multiple", prompt={"en": "What do you buy?"},
                 options=[{"value": "goods", "label": {"en": "Goods"}},
                          {"value": "services", "label": {"en": "Services"}}]),
        Question(phase="post", kind="likert", prompt={"en": "I would recommend this supplier"},
                 settings={"points": 5, "labels": [{"en": "Disagree"}, {}, {}, {}, {"en": "Agree"}]}),
        Question(phase="post", kind="text", prompt={"en": "What else matters to you?"}),
    ]


def make_study(session: Session, n_statements: int = 9, *, scores: list[int] | None = None,
               heights: list[int] | None = None, status: str = "open", free_distribution: bool = False,
               extreme_comments: str = "optional", ask_would_pay: bool = True, questions: list[Question] | None = None,
               pre_questions: bool = False, open_link: bool = True, redirect_url: str | None = None,
               title: str = "Test study") -> tuple[Study, str]:
    """A study with ``n_statements`` statements (codes S01.., Dutch and Norwegian translations), its grid,
    post-sort questions (``default_questions()`` unless given; ``[]`` for none) and one invited participant.

    The grid defaults to -2..2 with heights 1,2,3,2,1 for 9 statements, else analysis' quasi-normal grid.
    Returns ``(study, participant_token)``; everything is committed.
    """
    number = next(_numbers)
    if scores is None or heights is None:
        if n_statements == 9:
            scores, heights = SMALL_GRID
        else:
            from analysis.grid import quasi_normal_grid

            grid = quasi_normal_grid(n_statements)
            scores, heights = list(grid.scores), list(grid.heights)
    owner = User(email=f"owner{number}-{_RUN}@example.com", name="Owner", password_hash="not-a-login")
    study = Study(
        owner=owner, title=title, status=status, languages=["en", "nl", "nb"], default_language="en",
        grid_scores=list(scores), grid_heights=list(heights), free_distribution=free_distribution,
        extreme_comments=extreme_comments, ask_would_pay=ask_would_pay, redirect_url=redirect_url,
        open_link_enabled=open_link,
        texts={
            "welcome": {"en": "Welcome to the test study.", "nl": "Welkom bij het testonderzoek.",
                        "nb": "Velkommen til testundersøkelsen."},
            "consent": {"en": "I agree to take part.", "nl": "Ik doe mee.", "nb": "Jeg vil delta."},
            "instruction": {"en": "Sort the statements by importance.", "nl": "Sorteer de stellingen.",
                            "nb": "Sorter påstandene."},
            "thank_you": {"en": "Thanks a lot.", "nl": "Hartelijk dank.", "nb": "Tusen takk."},
        },
    )
    for i in range(1, n_statements + 1):
        study.statements.append(Statement(
            position=i, code=f"S{i:02d}", text=f"Statement number {i}", tags=["price"],
            translations={"nl": f"Stelling nummer {i}", "nb": f"Påstand nummer {i}"}))
    chosen = default_questions() if questions is None else questions
    if pre_questions:
        chosen = [Question(phase="pre", kind="text", required=True, prompt={"en": "Your company"}), *chosen]
    for position, question in enumerate(chosen):
        question.position = position
        study.questions.append(question)
    participant = Participant(study=study, code=f"P{number}", source="invite")
    session.add_all([owner, study, participant])
    session.commit()
    return study, participant.token


def add_participant(session: Session, study: Study, **fields) -> str:
    """Another invited participant of ``study``; returns the token."""
    participant = Participant(study=study, **fields)
    session.add(participant)
    session.commit()
    return participant.token


def valid_placements(study: Study) -> list[dict[str, int]]:
    """A complete sort that fits the grid: statements in study order fill the columns from the lowest score."""
    placements, statements = [], list(study.statements)
    for score, height in zip(study.grid_scores, study.grid_heights):
        for slot in range(height):
            if statements:
                placements.append({"statement_id": statements.pop(0).id, "score": score, "slot": slot})
    return placements


def csrf_from(response) -> str:
    """The CSRF token from a page's <meta name="csrf-token">."""
    match = re.search(r'name="csrf-token" content="([^"]+)"', response.get_data(as_text=True))
    assert match, "no csrf-token meta tag in the page"
    return match.group(1)


# -- walking a blueprint's URLs (the access tests) ------------------------------------------------------------

def blueprint_rules(app, *prefixes: str) -> list:
    """Every rule of ``app.url_map`` whose endpoint starts with one of ``prefixes`` ("studio.", "interview.")."""
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(prefixes)]


# A value for each string argument of an interview URL (the ids are filled per test).
INTERVIEW_URL_ARGUMENTS = {"what": "cards", "code": "ABCDEF"}


def url_map_requests(app, rules, arguments):
    """(method, url, rule) for each of ``rules`` and each of its methods (HEAD and OPTIONS aside);
    ``arguments(rule)`` fills the rule's arguments. So a new URL is covered without editing the tests."""
    with app.test_request_context():
        from flask import url_for

        requests = [(method, url_for(rule.endpoint, **arguments(rule)), rule) for rule in rules
                    for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    yield from requests


def assert_sent_to_login(client, requests, send) -> None:
    """Every request of an anonymous ``client`` is answered with a redirect to the login page;
    ``send(client, method, url, csrf_token)`` sends one."""
    token = csrf_from(client.get("/auth/login"))
    for method, url, _rule in requests:
        response = send(client, method, url, token)
        assert response.status_code == 302, (method, url, response.status_code)
        assert response.headers["Location"].startswith("/auth/login"), (method, url)


# -- a researcher's study with sorts in any state --------------------------------------------------------------

# Nine value elements and their archetypes; the grid is SMALL_GRID.
SUPPLIER_TEXTS = ["Lowest price", "Fast delivery", "Technical advice", "Long-term partnership",
                  "Flexible payment terms", "Innovation together", "Reliable quality", "Personal contact",
                  "Sustainability"]
SUPPLIER_TAGS = [["price"], ["added-value"], ["added-value"], ["strategy"], ["price"], ["strategy"],
                 ["added-value"], ["added-value"], ["strategy"]]


def make_supplier_study(session, owner, title="Supplier value study", status="open", n_questions=2) -> Study:
    """A researcher's study of nine supplier value elements (real texts and archetype tags, en + nl), grid -2..2
    with heights 1,2,3,2,1, a question before the sort and one after (``n_questions=0``: none)."""
    study = Study(owner=owner, title=title, status=status, languages=["en", "nl"], default_language="en",
                  texts={"welcome": {"en": "Welcome", "nl": "Welkom"}, "thank_you": {"en": "Thanks"}},
                  labels={"most": {"en": "Most important"}, "least": {"en": "Least important"}},
                  grid_scores=list(SMALL_GRID[0]), grid_heights=list(SMALL_GRID[1]), extreme_comments="optional",
                  ask_would_pay=True)
    for position, (text, tags) in enumerate(zip(SUPPLIER_TEXTS, SUPPLIER_TAGS)):
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
        if state in ("sorted", "submitted"):
            sort.grid_submitted_at = started + timedelta(minutes=minutes - 1)
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


# -- a participant going through the flow ----------------------------------------------------------------------

class Respondent:
    """Walks a participant through the flow with the test client, carrying the CSRF token like a browser."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token
        self.csrf = None

    def url(self, path: str = "") -> str:
        return f"/s/{self.token}{path}"

    def get(self, path: str = "", **kwargs):
        response = self.client.get(self.url(path), **kwargs)
        if b'name="csrf-token"' in response.data:
            self.csrf = csrf_from(response)
        return response

    def post(self, path: str, data: dict | None = None, **kwargs):
        if self.csrf is None:
            self.get("/welcome")
        return self.client.post(self.url(path), data={"csrf_token": self.csrf, **(data or {})}, **kwargs)

    def post_json(self, path: str, body, csrf: bool = True):
        if self.csrf is None:
            self.get("/welcome")
        headers = {"X-CSRFToken": self.csrf} if csrf else {}
        return self.client.post(self.url(path), json=body, headers=headers)

    def consent(self):
        self.get("/welcome")
        return self.post("/welcome", {"consent": "y", "agree": "Start"})

    def through_instructions(self):
        self.consent()
        self.get("/instructions")
        return self.post("/instructions", {"submit": "Continue"})


def sort_to_grid(respondent, study):
    """Through the instructions, a presort draft, then a valid submitted grid."""
    respondent.through_instructions()
    presort = {str(s.id): "agree" for s in study.statements}
    assert respondent.post_json("/api/draft", {"revision": 1, "step": "presort", "presort": presort}).status_code == 200
    response = respondent.post_json("/api/submit", {"revision": 2, "placements": valid_placements(study)})
    assert response.status_code == 200, response.json
    return response


# -- logging in and reading pages ------------------------------------------------------------------------------

PASSWORD = "correct horse battery"


def make_user(session: Session, email: str = "ana@example.com", name: str = "Ana", role: str = "researcher") -> User:
    """An account that can log in with :data:`PASSWORD`."""
    return create_account(session, email=email, password=PASSWORD, name=name, role=role)


def login(client, email: str, password: str = PASSWORD):
    """Log ``client`` in through the login form (with its CSRF token); returns the response: 302 when it worked,
    401 or 429 when not (the ``auth`` fixture's ``auth.login`` asserts that it worked)."""
    token = csrf_from(client.get("/auth/login"))
    return client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token})


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a person reads on a page: no tags, no attributes (where random tokens live), entities decoded.
    Check for a name or code here, not in the raw HTML: a CSRF token may hold "P1" by chance."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


class _Forms(HTMLParser):
    """Collects what a browser would send for each <form> of a page, as the page fills it in."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, list[str]]] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def _add(self, name: str | None, value: str) -> None:
        if name and self.forms:
            self.forms[-1].setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(attrs.get("name"), attrs.get("value") or "on")
            elif kind not in ("submit", "button", "file", "reset", "image"):
                self._add(attrs.get("name"), attrs.get("value") or "")
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self._add(self._textarea, "")
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and "selected" in attrs:
            self._add(self._select, attrs.get("value", ""))

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1][self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def form_values(response, field: str) -> dict[str, list[str]]:
    """The values the page's form holding ``field`` sends when submitted unchanged (``{name: [values]}``).
    A textarea's leading newline is dropped, as browsers do."""
    parser = _Forms()
    parser.feed(response.get_data(as_text=True))
    form = next((form for form in parser.forms if field in form), None)
    assert form is not None, f"no form with a field {field!r} on the page"
    return {name: [value.removeprefix("\r").removeprefix("\n") for value in values]
            for name, values in form.items()}


def shown_columns(html: str) -> dict[int, list[str]]:
    """The studio's drawing of one sort (templates/studio/participant.html): score -> the card codes in each
    column, top to bottom."""
    columns = {}
    for part in html.split('<section class="sort-column')[1:]:
        score = re.search(r'<h3 class="column-score">([^<]*)</h3>', part).group(1).strip()
        columns[int(score)] = re.findall(r'<span class="card-code">([^<]*)</span>', part.split("</section>")[0])
    return columns


def stored_columns(sort: Sort, scores: list[int]) -> dict[int, list[str]]:
    """What the database holds for ``sort``: score -> the codes of the statements placed there, in slot order,
    for every column in ``scores`` (empty ones too)."""
    columns: dict[int, list[str]] = {score: [] for score in scores}
    for placement in sorted(sort.placements, key=lambda p: (p.score, p.slot, p.statement.position)):
        columns.setdefault(placement.score, []).append(placement.statement.code)
    return columns


def columns_of(scores: list[int]) -> dict[int, list[str]]:
    """The columns a sort given as one score per statement (S01, S02, ... in order) should have."""
    columns: dict[int, list[str]] = {score: [] for score in sorted(set(scores))}
    for number, score in enumerate(scores, start=1):
        columns[score].append(f"S{number:02d}")
    return columns


# -- SQL sent by a request ---------------------------------------------------------------------------------------

@contextmanager
def statements_sent(app):
    """The SQL statements the app sends meanwhile, by their first word (COMMIT is no statement here)."""
    from sqlalchemy import event

    sent: list[str] = []
    engine = app.extensions["qsort_engine"]

    def note(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement.split(None, 1)[0].upper())

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)

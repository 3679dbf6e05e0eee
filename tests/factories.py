"""Test data: a small study with a participant, usable from app tests and browser tests alike.

>>> study, token = make_study(session)                 # 9 statements, grid -2..2 with heights 1,2,3,2,1
>>> client.get(f"/s/{token}")                           # the participant's link
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from itertools import count

from sqlalchemy.orm import Session

from qsort.models import Participant, Question, Statement, Study, User

_numbers = count(1)

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
    owner = User(email=f"owner{number}@example.com", name="Owner", password_hash="not-a-login")
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


# -- logging in and reading pages ------------------------------------------------------------------------------

PASSWORD = "correct horse battery"


def login(client, email: str, password: str = PASSWORD):
    """Log ``client`` in through the login form (with its CSRF token); returns the response (302 on success)."""
    token = csrf_from(client.get("/auth/login"))
    return client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token})


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

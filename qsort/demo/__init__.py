"""The demo study "What do you value in a supplier?" and its researcher account, for ``qsort init-db --demo``.

``install_demo(session, base_url)`` creates what is missing (the account demo@example.com, the study, an unused
invite) and returns the lines to print: the researcher login, a participant link and the open link. Running it
again creates nothing new except an invite when the last one has been used. The content (statements with
their translations, texts, questions) is in :mod:`qsort.demo.content`.

The demo account's password is ``QSORT_DEMO_PASSWORD`` from the environment, else the documented default
:data:`DEFAULT_PASSWORD`. It is for local demos only: never run ``--demo`` on a public server.
"""
from __future__ import annotations

import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts import create_account, find_user_by_email
from ..flow import DEFAULT_GRID_SCORES, LANGUAGES
from ..models import Participant, Question, Statement, Study, User
from . import content
from .sorts import DEMO_SOURCE, add_demo_sorts

DEMO_EMAIL = "demo@example.com"
DEFAULT_PASSWORD = "qsort-demo-password"  # documented in README; demo only


def demo_password() -> str:
    return os.environ.get("QSORT_DEMO_PASSWORD") or DEFAULT_PASSWORD


def build_study(owner: User) -> Study:
    """The demo study (not yet added to a session): 40 statements, grid -4..+4 fitted to them, questions."""
    from analysis.grid import quasi_normal_grid

    grid = quasi_normal_grid(len(content.STATEMENTS), max_score=DEFAULT_GRID_SCORES[-1])
    study = Study(
        owner=owner, title=content.TITLE, status="open", languages=list(LANGUAGES), default_language="en",
        texts=content.TEXTS, labels=content.LABELS, grid_scores=list(grid.scores), grid_heights=list(grid.heights),
        free_distribution=False, extreme_comments="optional", ask_would_pay=True, open_link_enabled=True,
        interview_guide=content.INTERVIEW_GUIDE,
        would_pay_excluded_tags=["price"],  # "would you pay more for the lowest price?" makes no sense
    )
    for position, (code, tag, en, nl, nb) in enumerate(content.STATEMENTS):
        study.statements.append(Statement(position=position, code=code, text=en, tags=[tag],
                                          translations={"nl": nl, "nb": nb}))
    for position, question in enumerate(content.QUESTIONS):
        study.questions.append(Question(position=position, phase="post", kind=question["kind"],
                                        required=question.get("required", False), prompt=question["prompt"],
                                        options=question.get("options", []), settings=question.get("settings", {})))
    return study


def find_demo_study(session: Session) -> Study | None:
    owner = find_user_by_email(session, DEMO_EMAIL)
    if owner is None:
        return None
    return session.scalar(select(Study).where(Study.owner_id == owner.id, Study.title == content.TITLE)
                          .order_by(Study.id))


def unused_invite(session: Session, study: Study) -> Participant:
    """An invited participant who has not opened the link yet (created when there is none)."""
    participant = session.scalar(
        select(Participant).where(Participant.study_id == study.id, Participant.source == "invite",
                                  Participant.consent.is_(None), ~Participant.sort.has())
        .order_by(Participant.id))
    if participant is None:
        participant = Participant(study=study, source="invite", name="Demo customer")
        session.add(participant)
        session.commit()
    return participant


def install_demo(session: Session, base_url: str) -> list[str]:
    """Create the demo account and study when absent; return the lines to print (login and links)."""
    owner = find_user_by_email(session, DEMO_EMAIL)
    if owner is None:
        owner = create_account(session, email=DEMO_EMAIL, password=demo_password(), name="Demo researcher")
    study = find_demo_study(session)
    if study is None:
        study = build_study(owner)
        session.add(study)
        session.commit()
    add_demo_sorts(session, study)  # simulated, marked source "demo": a first analysis has something to find
    invite = unused_invite(session, study)
    base = base_url.rstrip("/")
    return [
        f"Demo study: {study.title} ({len(study.statements)} statements, "
        f"grid {study.grid_scores[0]:+d}..{study.grid_scores[-1]:+d}; "
        f"{sum(p.source == DEMO_SOURCE for p in study.participants)} simulated demo sorts to analyse)",
        f"Researcher login: {base}/auth/login  {DEMO_EMAIL} / {demo_password()}  (demo only)",
        f"Participant link: {base}/s/{invite.token}",
        f"Open link (asks for a participant code): {base}/s/open/{study.open_link_token}",
    ]

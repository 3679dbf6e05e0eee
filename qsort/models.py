"""All database tables, as SQLAlchemy 2 ORM models. Change a model, then add a migration (see README).

A Study owns Statements, Questions and Participants; a Participant has at most one Sort; a Sort holds
Placements (where each card is now), Moves (how it got there), CardComments, Answers and interviewer Notes.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        exists)
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column, relationship

from .flow import SORT_STATES, in_language  # noqa: F401 (SORT_STATES: the values of Sort.state)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_token() -> str:
    """An unguessable URL-safe token (256 bits) for invite and open links."""
    return secrets.token_urlsafe(32)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    """A researcher or an interviewer (role), logging in with email and password (stored hashed)."""

    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="researcher")  # researcher | interviewer | admin
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Stored in each login session too; raised on logout and password change, which ends every session
    # (a copied cookie stops working), since Flask's sessions live in the cookie, not on the server.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    studies: Mapped[list["Study"]] = relationship(back_populates="owner")


STUDY_STATES = ("draft", "open", "closed")
COMMENT_MODES = ("off", "optional", "required")


class Study(Base):
    """A Q-study: its texts, statements, grid, questions and participants.

    ``texts`` maps a text name (welcome, consent, instruction, presort_instruction, sort_instruction,
    postsort_instruction, thank_you, declined) to ``{language: text}``. ``grid_scores`` and ``grid_heights``
    are the columns of the forced distribution, e.g. [-4..4] and [2,3,4,5,6,5,4,3,2]; the heights sum to the
    number of statements unless ``free_distribution`` is set.
    """

    __tablename__ = "study"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="draft")  # one of STUDY_STATES
    languages: Mapped[list[Any]] = mapped_column(default=lambda: ["en"])
    default_language: Mapped[str] = mapped_column(String(10), default="en")
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    grid_scores: Mapped[list[Any]] = mapped_column(default=list)
    grid_heights: Mapped[list[Any]] = mapped_column(default=list)
    free_distribution: Mapped[bool] = mapped_column(Boolean, default=False)
    # Labels of the grid's two ends and the three pre-sort piles, per language: {"most": {"en": ...}, ...}
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    extreme_comments: Mapped[str] = mapped_column(String(20), default="optional")  # one of COMMENT_MODES
    ask_would_pay: Mapped[bool] = mapped_column(Boolean, default=True)
    # Statements with any of these tags are never asked "would you pay more?" (e.g. ["price"]: asking whether
    # someone pays more for the lowest price makes no sense)
    would_pay_excluded_tags: Mapped[list[Any]] = mapped_column(default=list)
    # Participants see neutral numbers (1..n in the study's order) on the cards, for paper sorts; never the codes,
    # which reveal the category scheme (PC = price ...) and bias the sort
    show_statement_numbers: Mapped[bool] = mapped_column(Boolean, default=False)
    redirect_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    open_link_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    open_link_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship(back_populates="studies")
    statements: Mapped[list["Statement"]] = relationship(
        back_populates="study", order_by="Statement.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list["Question"]] = relationship(
        back_populates="study", order_by="Question.position", cascade="all, delete-orphan"
    )
    participants: Mapped[list["Participant"]] = relationship(back_populates="study", cascade="all, delete-orphan")
    shares: Mapped[list["StudyShare"]] = relationship(back_populates="study", cascade="all, delete-orphan")
    analysis_runs: Mapped[list["AnalysisRun"]] = relationship(back_populates="study", cascade="all, delete-orphan")
    # The interview guide: questions the interviewer may ask, [{"en": ..., "nl": ...}, ...] (qsort/interviews.py).
    interview_guide: Mapped[list[Any]] = mapped_column(default=list)
    interviewers: Mapped[list["InterviewerAssignment"]] = relationship(back_populates="study",
                                                                       cascade="all, delete-orphan")

    @property
    def grid(self) -> list[tuple[int, int]]:
        """The columns as (score, height) pairs, lowest score first."""
        return list(zip(self.grid_scores, self.grid_heights))

    def text(self, name: str, language: str) -> str:
        """A configurable study text in ``language``, falling back to the study's default language (then any)."""
        return in_language((self.texts or {}).get(name), language, self.default_language)

    def participant_title(self, language: str) -> str:
        """The title participants see: the "title" study text in ``language`` (or the default language), else
        the researcher's own title of the study."""
        return self.text("title", language) or self.title

    def has_text(self, name: str, language: str) -> bool:
        """Whether the study text ``name`` is written in ``language`` itself (no fallback)."""
        return bool(((self.texts or {}).get(name) or {}).get(language))


class StudyShare(Base):
    """A colleague the owner shared a study with (they see and edit it like the owner)."""

    __tablename__ = "study_share"
    __table_args__ = (UniqueConstraint("study_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))

    study: Mapped[Study] = relationship(back_populates="shares")
    user: Mapped[User] = relationship()


class Statement(Base):
    """A card of the Q-set. ``tags`` holds e.g. the buyer archetype (price, added-value, strategy);
    ``translations`` maps a language to the text in that language."""

    __tablename__ = "statement"
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(40), default="")
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict)

    study: Mapped[Study] = relationship(back_populates="statements")

    def text_in(self, language: str) -> str:
        return (self.translations or {}).get(language) or self.text

    @property
    def asks_would_pay(self) -> bool:
        """Whether the study may ask "would you pay more?" about this statement (its tags are not excluded)."""
        return not set(self.tags or []) & set(self.study.would_pay_excluded_tags or [])


QUESTION_KINDS = ("text", "single", "multiple", "number", "likert")


class Question(Base):
    """A researcher-defined question asked before (phase 'pre') or after ('post') the sort.

    ``prompt`` is ``{language: text}``; ``options`` a list of ``{"value": str, "label": {language: text}}``
    for single/multiple choice; ``settings`` holds e.g. min/max for numbers and the scale for Likert items.
    """

    __tablename__ = "question"
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    phase: Mapped[str] = mapped_column(String(10), default="post")
    kind: Mapped[str] = mapped_column(String(20), default="text")  # one of QUESTION_KINDS
    prompt: Mapped[dict[str, Any]] = mapped_column(default=dict)
    options: Mapped[list[Any]] = mapped_column(default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    required: Mapped[bool] = mapped_column(Boolean, default=False)

    study: Mapped[Study] = relationship(back_populates="questions")


def _asks_questions(phase: str):
    """Whether a study has questions of ``phase``: a deferred SQL expression, no column. The participant's flow
    reads both in the query that finds the participant (qsort.responses.find_participant) to know the steps
    without loading the questions themselves."""
    return column_property(exists().where(Question.study_id == Study.id, Question.phase == phase),
                           deferred=True, group="question_phases")


Study.asks_pre_questions = _asks_questions("pre")
Study.asks_post_questions = _asks_questions("post")


class Participant(Base):
    """Someone who sorts: from an invite (single-use ``token``), the open link, an import or an interview.

    ``attributes`` holds whatever the researcher knows about the customer (account, revenue band, CRM id...).
    """

    __tablename__ = "participant"
    __table_args__ = (UniqueConstraint("study_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    code: Mapped[str | None] = mapped_column(String(100), nullable=True)  # participant id shown in analysis
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source: Mapped[str] = mapped_column(String(20), default="invite")  # invite | open | import | interview
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)
    consent: Mapped[str | None] = mapped_column(String(10), nullable=True)  # None | given | declined
    consent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The open link's resume secret (source "open"): shown on the participant's pages, asked when their code is
    # typed in another browser; wrong ones are counted to stop guessing (qsort/responses.py participant_for_code).
    resume_secret: Mapped[str | None] = mapped_column(String(16), nullable=True)
    resume_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resume_failed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    study: Mapped[Study] = relationship(back_populates="participants")
    sort: Mapped["Sort | None"] = relationship(back_populates="participant", cascade="all, delete-orphan")

    @property
    def label(self) -> str:
        return self.code or self.name or f"P{self.id}"


class Sort(Base):
    """One participant's Q-sort, from first visit to submission.

    ``step`` is where the participant is in the flow (welcome, instructions, presort, grid, postsort,
    questions, done); ``presort`` maps statement id (as text) to a pile (agree/neutral/disagree);
    ``step_seconds`` accumulates time spent per step; ``revision`` orders draft saves so that a late,
    stale save never overwrites a newer one.
    """

    __tablename__ = "sort"
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="started")  # one of SORT_STATES
    step: Mapped[str] = mapped_column(String(20), default="welcome")
    presort: Mapped[dict[str, Any]] = mapped_column(default=dict)
    step_seconds: Mapped[dict[str, Any]] = mapped_column(default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)  # interviewer
    source: Mapped[str] = mapped_column(String(20), default="online", server_default="online")  # SORT_SOURCES
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # When the grid was last submitted on the sorting page (qsort.sorting.submit_sort); kept when the participant
    # goes back to change it, so the page can say the sort was sent before. None: never (paper, imports).
    grid_submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    participant: Mapped[Participant] = relationship(back_populates="sort")
    placements: Mapped[list["Placement"]] = relationship(back_populates="sort", cascade="all, delete-orphan")
    moves: Mapped[list["Move"]] = relationship(back_populates="sort", order_by="Move.id", cascade="all, delete-orphan")
    comments: Mapped[list["CardComment"]] = relationship(back_populates="sort", cascade="all, delete-orphan")
    answers: Mapped[list["Answer"]] = relationship(back_populates="sort", cascade="all, delete-orphan")
    notes: Mapped[list["Note"]] = relationship(back_populates="sort", cascade="all, delete-orphan")

    def scores(self) -> dict[int, int]:
        """statement id -> score, for the cards placed in the grid."""
        return {p.statement_id: p.score for p in self.placements if p.score is not None}


class Placement(Base):
    """Where a card is in a sort: its grid column score, and its slot (order) within the column."""

    __tablename__ = "placement"
    __table_args__ = (UniqueConstraint("sort_id", "statement_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sort_id: Mapped[int] = mapped_column(ForeignKey("sort.id", ondelete="CASCADE"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    slot: Mapped[int] = mapped_column(Integer, default=0)

    sort: Mapped[Sort] = relationship(back_populates="placements")
    statement: Mapped[Statement] = relationship()


class Move(Base):
    """One step of the move log: a card went from one place to another ("pile:agree", "grid:3", "deck")."""

    __tablename__ = "move"
    # A draft save looks its moves up by seq (qsort/draft_sql.py MOVES_AMONG); the index serves sort_id alone too.
    __table_args__ = (Index("ix_move_sort_id_client_seq", "sort_id", "client_seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sort_id: Mapped[int] = mapped_column(ForeignKey("sort.id", ondelete="CASCADE"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    from_place: Mapped[str] = mapped_column(String(30))
    to_place: Mapped[str] = mapped_column(String(30))
    client_time: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    client_seq: Mapped[int] = mapped_column(Integer, default=0)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    sort: Mapped[Sort] = relationship(back_populates="moves")


WOULD_PAY_CHOICES = ("yes", "no", "depends")


class CardComment(Base):
    """The participant's "why?" for a card at an extreme, and for the top cards "would you pay more for this?"."""

    __tablename__ = "card_comment"
    __table_args__ = (UniqueConstraint("sort_id", "statement_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sort_id: Mapped[int] = mapped_column(ForeignKey("sort.id", ondelete="CASCADE"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    would_pay: Mapped[str | None] = mapped_column(String(10), nullable=True)  # one of WOULD_PAY_CHOICES

    sort: Mapped[Sort] = relationship(back_populates="comments")
    statement: Mapped[Statement] = relationship()


class Answer(Base):
    """An answer to a Question; ``value`` is a string, a number or a list of option values."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("sort_id", "question_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sort_id: Mapped[int] = mapped_column(ForeignKey("sort.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)

    sort: Mapped[Sort] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


NOTE_KINDS = ("general", "card")
SORT_SOURCES = ("online", "interview", "paper")  # how a sort was made (Sort.source)


class Note(Base):
    """An interviewer's note during a session, on one card or (statement_id None) on the sort as a whole.

    ``client_id`` is the id the interviewer's page gave the note, so a save sent twice (a retry after a lost
    answer) updates one note instead of writing two; ``kind`` is "card" when it is about ``statement_id``.
    """

    __tablename__ = "note"
    id: Mapped[int] = mapped_column(primary_key=True)
    sort_id: Mapped[int] = mapped_column(ForeignKey("sort.id", ondelete="CASCADE"), index=True)
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"), nullable=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(10), default="general", server_default="general")  # NOTE_KINDS
    client_id: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    sort: Mapped[Sort] = relationship(back_populates="notes")
    author: Mapped["User | None"] = relationship()


class InterviewerAssignment(Base):
    """An interviewer the researcher assigned to a study: they may run sessions and enter paper sorts for it.
    ``sees_all_notes``: whether they may read the notes other interviewers wrote in this study."""

    __tablename__ = "interviewer_assignment"
    __table_args__ = (UniqueConstraint("study_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    sees_all_notes: Mapped[bool] = mapped_column(Boolean, default=False)

    study: Mapped[Study] = relationship(back_populates="interviewers")
    user: Mapped[User] = relationship()


INTERVIEW_MODES = ("two", "one")  # two devices (customer + interviewer) or one shared tablet


class InterviewSession(Base):
    """One interview: an interviewer with one participant. ``pairing_code`` is the short code for another
    device of the interviewer's own; ``customer_key`` the customer link's; ``step_times`` maps a step to when
    the customer reached it (ISO time, recorded as the sort's step changes: qsort/interviews.py), for the
    interviewer's timer per step."""

    __tablename__ = "interview_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    pairing_code: Mapped[str] = mapped_column(String(12), unique=True)
    mode: Mapped[str] = mapped_column(String(10), default="two")  # one of INTERVIEW_MODES
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    step_times: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The customer link (/s/<customer_key>): the participant's sorting flow on the customer's device, with no
    # login there and without the participant's own token; it works only while the session runs.
    customer_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True, nullable=True,
                                                     default=new_token)
    # The same for a device without a camera: /s/join and this short code (qsort/interviews.py makes it).
    customer_code: Mapped[str | None] = mapped_column(String(12), unique=True, index=True, nullable=True)

    study: Mapped[Study] = relationship()
    participant: Mapped[Participant] = relationship()
    interviewer: Mapped[User] = relationship()


class AnalysisRun(Base):
    """A saved analysis: the parameters it was run with and its result (the ``qsort analyze`` JSON),
    so a report can be reproduced; ``factor_names`` names factors as buyer types."""

    __tablename__ = "analysis_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    factor_names: Mapped[list[Any]] = mapped_column(default=list)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    # The results pages (qsort/runs.py): a name, the sorts as they were when the run was made (matrix, ids,
    # sort ids), the manual flag changes in order (undo pops the last), viewpoint id -> {name, colour}.
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    steps: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    viewpoint_names: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, default=utcnow, onupdate=utcnow)

    study: Mapped[Study] = relationship(back_populates="analysis_runs")


class LoginAttempt(Base):
    """Failed logins per email and address, for rate limiting."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


MAIL_KINDS = ("invite", "reminder")
MAIL_STATUSES = ("queued", "sent", "failed", "skipped")


class MailText(Base):
    """A study's own invite or reminder mail in one language (qsort/mail.py has the built-in defaults and the
    placeholders ``{name}``, ``{link}``, ``{study}``)."""

    __tablename__ = "mail_text"
    __table_args__ = (UniqueConstraint("study_id", "kind", "language"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # one of MAIL_KINDS
    language: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class MailMessage(Base):
    """One mail to one participant: the send queue and, once sent, its log.

    The request that sends a batch writes the rows (``queued``, subject and body already rendered, so what is
    sent is what was previewed); a sender (``qsort send-mail`` or a thread after the request) claims one row at a
    time (``claimed_by``/``claimed_at``, a lease a dead sender's rows are retried after) and marks it ``sent`` or
    ``failed`` with the reason. ``batch`` is the send form's one-time id: the same form posted twice (a double
    click) finds its rows and queues nothing more. Participants that get no mail are ``skipped`` with the reason.
    """

    __tablename__ = "mail_message"
    __table_args__ = (UniqueConstraint("batch", "participant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    batch: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # one of MAIL_KINDS
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)  # one of MAIL_STATUSES
    language: Mapped[str] = mapped_column(String(10), default="en")
    to_address: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    attempted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)  # the rate limit's
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    participant: Mapped[Participant] = relationship()

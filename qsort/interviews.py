"""Interviews and paper sorts, the rules (no Flask): who may interview for which study, starting a session,
pairing the interviewer's device, what the interviewer's screen shows (the live sort, prompts, the guide),
notes that autosave, the replay of the move log, and paper sorts typed in column by column.

The ``interview`` blueprint (qsort/blueprints/interview.py) is a thin HTTP layer over this module.

Statement *numbers* are the statements' positions in the study, counted from 1 (what the printed cards show
and what an interviewer types when entering a paper sort).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session, object_session

from .flow import in_language
from .responses import TOKEN_PATTERN
from .i18n import text as _
from .models import (CardComment, InterviewerAssignment, InterviewSession, Note, Participant, Placement, Sort,
                     Study, StudyShare, User, new_token, utcnow)

# Relationship context, recorded as participant attributes (see ../shared/B2B.md: the buying centre's roles and
# the relationship stages as the customer sees them).
BUYING_ROLE = "buying_role"
RELATIONSHIP_STAGE = "relationship_stage"
BUYING_ROLES = ("decider", "adviser", "influencer", "user", "purchaser", "gatekeeper", "initiator")
RELATIONSHIP_STAGES = ("strangers", "acquaintances", "friends", "partners", "former_partners")

PAIRING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on a phone
PAIRING_LENGTH = 6
CUSTOMER_CODE_LENGTH = 8  # 32^8 codes: guessing one of the few running sessions' is hopeless
MAX_NOTE_LENGTH = 10_000
MAX_CLIENT_ID_LENGTH = 40
BACK_AND_FORTH_MOVES = 3  # a card moved this often in the grid is worth a question


class InterviewError(ValueError):
    """Refused input: ``message`` for a person, ``field`` where it is (a form field or a JSON key)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def buying_role_labels() -> dict[str, str]:
    return {"decider": _("Decider"), "adviser": _("Adviser"), "influencer": _("Influencer"), "user": _("User"),
            "purchaser": _("Purchaser"), "gatekeeper": _("Gatekeeper"), "initiator": _("Initiator")}


def relationship_stage_labels() -> dict[str, str]:
    return {"strangers": _("Strangers"), "acquaintances": _("Acquaintances"), "friends": _("Friends"),
            "partners": _("Partners"), "former_partners": _("Former partners")}


# -- who sees what ---------------------------------------------------------------------------------------------

def is_researcher_of(user: User, study: Study) -> bool:
    """The owner, a colleague it is shared with, or an admin: they see everything of the study."""
    return user.role == "admin" or study.owner_id == user.id or any(s.user_id == user.id for s in study.shares)


def assignment(study: Study, user: User) -> InterviewerAssignment | None:
    return next((a for a in study.interviewers if a.user_id == user.id), None)


def may_interview(user: User, study: Study) -> bool:
    """Researchers of the study and the interviewers assigned to it may run sessions and enter paper sorts."""
    return is_researcher_of(user, study) or assignment(study, user) is not None


def studies_for(session: Session, user: User) -> list[Study]:
    """The studies ``user`` may interview for: assigned ones (an interviewer), or their own and shared ones."""
    assigned = select(InterviewerAssignment.study_id).where(InterviewerAssignment.user_id == user.id)
    query = select(Study).where(Study.id.in_(assigned))
    if user.role in ("researcher", "admin"):
        shared = select(StudyShare.study_id).where(StudyShare.user_id == user.id)
        query = select(Study).where(or_(Study.id.in_(assigned), Study.owner_id == user.id, Study.id.in_(shared)))
    return list(session.scalars(query.order_by(Study.created_at.desc())))


def sessions_for(session: Session, user: User, study: Study | None = None) -> list[InterviewSession]:
    """An interviewer's own sessions (a researcher of the study also sees everyone's)."""
    query = select(InterviewSession).order_by(InterviewSession.started_at.desc())
    if study is not None:
        query = query.where(InterviewSession.study_id == study.id)
        if not is_researcher_of(user, study):
            query = query.where(InterviewSession.interviewer_id == user.id)
    else:
        query = query.where(InterviewSession.interviewer_id == user.id)
    return list(session.scalars(query))


def may_open_session(user: User, interview: InterviewSession) -> bool:
    return interview.interviewer_id == user.id or is_researcher_of(user, interview.study)


def visible_notes(user: User, sort: Sort) -> list[Note]:
    """The notes ``user`` may read on ``sort``: their own; everyone's for the study's researchers and for an
    interviewer the researcher allowed to (``sees_all_notes``)."""
    study = sort.participant.study
    everything = is_researcher_of(user, study) or bool((a := assignment(study, user)) and a.sees_all_notes)
    notes = [n for n in sort.notes if everything or n.author_id == user.id]
    return sorted(notes, key=lambda n: (n.created_at, n.id or 0))


def assign_interviewer(session: Session, study: Study, email: str, sees_all_notes: bool) -> InterviewerAssignment:
    """Assign the account with ``email`` (an interviewer) to ``study``, or update its setting."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise InterviewError(_("No account has this email address."), "email")
    if user.role != "interviewer":
        raise InterviewError(_("This account is not an interviewer (share the study with researchers instead)."),
                             "email")
    existing = assignment(study, user)
    if existing is None:
        existing = InterviewerAssignment(study=study, user=user)
        session.add(existing)
    existing.sees_all_notes = bool(sees_all_notes)
    return existing


# -- the interview guide ---------------------------------------------------------------------------------------

def guide_questions(study: Study, language: str) -> list[str]:
    """The guide's questions in ``language`` (falling back to the study's default language)."""
    questions = (in_language(item, language, study.default_language) for item in study.interview_guide or [])
    return [q for q in questions if q]


def guide_text(study: Study, language: str) -> str:
    """The guide in one language, one question per line (what the studio's editor shows)."""
    return "\n".join((item or {}).get(language, "") for item in study.interview_guide or [])


def set_guide(study: Study, texts: dict[str, str]) -> None:
    """Store the guide from one text per language, one question per line; line k in every language is one
    question (so translations stay together). Empty lines at the end are dropped."""
    lines = {lang: [line.strip() for line in (text or "").splitlines()] for lang, text in texts.items()}
    count = max((len(v) for v in lines.values()), default=0)
    guide = []
    for k in range(count):
        item = {lang: v[k] for lang, v in lines.items() if k < len(v) and v[k]}
        guide.append(item)
    while guide and not guide[-1]:
        guide.pop()
    if any(not item for item in guide):
        raise InterviewError(_("Line %(n)s is empty in every language: remove it.",
                               n=next(k + 1 for k, item in enumerate(guide) if not item)), "guide")
    study.interview_guide = guide


# -- starting a session ----------------------------------------------------------------------------------------

def new_pairing_code(session: Session, length: int = PAIRING_LENGTH, column: Any = None) -> str:
    """A code of ``length`` characters no session has in ``column`` (the pairing code, or the customer code)."""
    column = InterviewSession.pairing_code if column is None else column
    while True:
        code = "".join(secrets.choice(PAIRING_ALPHABET) for _k in range(length))
        if session.scalar(select(InterviewSession.id).where(column == code)) is None:
            return code


def customer_access(session: Session, interview: InterviewSession) -> tuple[str, str]:
    """The customer link's key and its short code, made now for a session from before they existed."""
    if interview.customer_key is None:
        interview.customer_key = new_token()
    if interview.customer_code is None:
        interview.customer_code = new_pairing_code(session, CUSTOMER_CODE_LENGTH, InterviewSession.customer_code)
    return interview.customer_key, interview.customer_code


def find_by_customer_code(session: Session, code: str) -> InterviewSession | None:
    """The running session whose short customer code this is (typed on the customer's device at /s/join)."""
    code = normalise_pairing_code(code)
    if len(code) != CUSTOMER_CODE_LENGTH:
        return None
    return session.scalar(select(InterviewSession).where(InterviewSession.customer_code == code,
                                                         InterviewSession.ended_at.is_(None)))


def normalise_pairing_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def find_by_pairing_code(session: Session, code: str) -> InterviewSession | None:
    code = normalise_pairing_code(code)
    if len(code) != PAIRING_LENGTH:
        return None
    return session.scalar(select(InterviewSession).where(InterviewSession.pairing_code == code,
                                                         InterviewSession.ended_at.is_(None)))


def find_by_customer_key(session: Session, key: str) -> InterviewSession | None:
    """The session whose customer link carries ``key``, running or ended (the caller refuses an ended one)."""
    if not TOKEN_PATTERN.match(key or ""):   # never send a malformed key (a NUL byte: PostgreSQL refuses it) to SQL
        return None
    return session.scalar(select(InterviewSession).where(InterviewSession.customer_key == key))


@dataclass
class NewParticipant:
    code: str
    name: str = ""
    account: str = ""
    buying_role: str = ""
    relationship_stage: str = ""


def new_participant(session: Session, study: Study, person: NewParticipant, source: str) -> Participant:
    """A participant created on the spot (an interview or a paper sort); the code must be new in the study."""
    code = person.code.strip()
    if not code:
        raise InterviewError(_("Give the participant a code."), "code")
    if session.scalar(select(Participant.id).where(Participant.study_id == study.id, Participant.code == code)):
        raise InterviewError(_("The code %(code)s is taken in this study: choose another, or pick the invited "
                               "participant.", code=code), "code")
    attributes = {}
    if person.account.strip():
        attributes["account"] = person.account.strip()
    participant = Participant(study=study, code=code, name=person.name.strip(), attributes=attributes,
                              source=source, language=study.default_language)
    record_context(participant, person.buying_role, person.relationship_stage)
    session.add(participant)
    return participant


def has_submitted(participant: Participant) -> bool:
    return participant.sort is not None and participant.sort.state in ("sorted", "submitted")


def waiting_participants(study: Study) -> list[Participant]:
    """The study's participants who may still sort (in a session or on paper): no preview, nothing submitted."""
    return [p for p in study.participants if p.source != "preview" and not has_submitted(p)]


def open_sort(session: Session, participant: Participant) -> Sort:
    """The sort an interview or a paper entry writes: the participant's unfinished one, or a new one; refused
    when they have already submitted one (it is never overwritten)."""
    if has_submitted(participant):
        raise InterviewError(_("%(who)s has already submitted a sort.", who=participant.label), "participant")
    if participant.sort is None:
        session.add(Sort(participant=participant))  # back_populates sets participant.sort
    return participant.sort


def invited_participant(study: Study, participant_id: int | None) -> Participant:
    participant = next((p for p in study.participants if p.id == participant_id), None)
    if participant is None or participant.source == "preview":
        raise InterviewError(_("Choose a participant of this study."), "participant")
    return participant


def start_session(session: Session, study: Study, interviewer: User, participant: Participant,
                  mode: str) -> InterviewSession:
    """Start an interview with ``participant``; their sort (new or unfinished) becomes an interview sort."""
    if mode not in ("one", "two"):
        raise InterviewError(_("Choose one or two devices."), "mode")
    if study.status != "open":
        raise InterviewError(_("The study is not open: open it in the studio before interviewing."), "study")
    sort = open_sort(session, participant)
    sort.source = "interview"
    sort.entered_by_id = interviewer.id
    interview = InterviewSession(study=study, participant=participant, interviewer=interviewer, mode=mode,
                                 pairing_code=new_pairing_code(session), started_at=utcnow(), step_times={})
    note_step(interview, sort.step or "welcome", interview.started_at)
    customer_access(session, interview)
    session.add(interview)
    return interview


def record_context(participant: Participant, buying_role: str | None, stage: str | None) -> None:
    """The customer's role in the buying decision and the relationship stage, as participant attributes."""
    if buying_role and buying_role not in BUYING_ROLES:
        raise InterviewError(_("Unknown role in the buying decision."), BUYING_ROLE)
    if stage and stage not in RELATIONSHIP_STAGES:
        raise InterviewError(_("Unknown relationship stage."), RELATIONSHIP_STAGE)
    attributes = dict(participant.attributes or {})
    for key, value in ((BUYING_ROLE, buying_role), (RELATIONSHIP_STAGE, stage)):
        if value:
            attributes[key] = value
        elif value == "":
            attributes.pop(key, None)
    participant.attributes = attributes


def note_step(interview: InterviewSession, step: str, now: datetime | None = None) -> None:
    """Remember when the customer first reached ``step`` (the timer per step reads these)."""
    if step and step not in (interview.step_times or {}):
        interview.step_times = {**(interview.step_times or {}), step: (now or utcnow()).isoformat()}


# The timer per step reads when the customer reached each step. That is recorded when the sort's step changes,
# wherever it changes (the respond flow, the sorting page's draft saves), so the times are right whether or not an
# interviewer's panel is open at that moment: two ORM events, so the flow and sorting modules need not know about
# interviews. A changed step is remembered on the session; before the flush, a running interview of that sort
# gets the time.
_CHANGED_STEPS = "interviews.changed_steps"


@event.listens_for(Sort.step, "set")
def _remember_changed_step(sort: Sort, value: str, old: Any, _initiator: Any) -> None:
    session = object_session(sort)
    if session is not None and value != old:
        session.info.setdefault(_CHANGED_STEPS, []).append(sort)


@event.listens_for(Session, "before_flush")
def _record_step_times(session: Session, _context: Any, _instances: Any) -> None:
    changed = session.info.pop(_CHANGED_STEPS, None)
    if not changed:
        return
    now = utcnow()
    with session.no_autoflush:
        for sort in changed:
            if sort.source != "interview":
                continue
            running = select(InterviewSession).where(InterviewSession.participant_id == sort.participant_id,
                                                     InterviewSession.ended_at.is_(None))
            for interview in session.scalars(running):
                note_step(interview, sort.step, now)


def end_session(interview: InterviewSession, now: datetime | None = None) -> None:
    if interview.ended_at is None:
        interview.ended_at = now or utcnow()


# -- the live view ---------------------------------------------------------------------------------------------

def numbers(study: Study) -> dict[int, int]:
    """statement id -> its number (position in the study, from 1)."""
    return {s.id: k + 1 for k, s in enumerate(study.statements)}


def live_state(interview: InterviewSession, user: User, language: str, now: datetime | None = None) -> dict[str, Any]:
    """What the interviewer's screen shows, as JSON (polled about once a second): the customer's step, the
    grid and piles as they are now, the prompts, and the notes this user may read. ``now`` is the server's
    clock: the panel's timers count from the step times by it, whatever the clock of the interviewer's device."""
    participant = interview.participant
    study, sort = interview.study, participant.sort
    step = sort.step if sort else "welcome"
    number_of = numbers(study)
    placements = [{"statement_id": p.statement_id, "score": p.score, "slot": p.slot}
                  for p in sorted(sort.placements if sort else [], key=lambda p: (p.score or 0, p.slot))]
    return {
        "step": step,
        "state": sort.state if sort else "started",
        "revision": sort.revision if sort else 0,
        "grid": [{"score": score, "height": height} for score, height in study.grid],
        "statements": [{"id": s.id, "number": number_of[s.id], "code": s.code, "text": s.text_in(language)}
                       for s in study.statements],
        "presort": dict(sort.presort or {}) if sort else {},
        "placements": placements,
        "moves": len(sort.moves) if sort else 0,
        "step_times": dict(interview.step_times or {}),
        "started_at": interview.started_at.isoformat(),
        "now": (now or utcnow()).isoformat(),
        "ended_at": interview.ended_at.isoformat() if interview.ended_at else None,
        "prompts": prompts(study, sort, language) if sort else [],
        "notes": [note_json(n) for n in visible_notes(user, sort)] if sort else [],
    }


def note_json(note: Note) -> dict[str, Any]:
    return {"client_id": note.client_id or f"server-{note.id}", "statement_id": note.statement_id,
            "kind": note.kind, "text": note.text, "created_at": note.created_at.isoformat(),
            "updated_at": (note.updated_at or note.created_at).isoformat(),
            "author": note.author.name or note.author.email if note.author else ""}


def prompts(study: Study, sort: Sort, language: str) -> list[dict[str, Any]]:
    """Questions that follow the sort as it develops, most telling first: why a card went to an end of the
    grid, why a card kept moving (from the move log), and what the customer would pay for among the top cards."""
    scores = [p for p in sort.placements if p.score is not None]
    if not study.grid_scores:
        return []
    top, bottom = max(study.grid_scores), min(study.grid_scores)
    text_of = {s.id: s.text_in(language) for s in study.statements}
    number_of = numbers(study)
    found: list[dict[str, Any]] = []

    def add(kind: str, statement_id: int, question: str) -> None:
        found.append({"kind": kind, "statement_id": statement_id, "number": number_of.get(statement_id),
                      "text": text_of.get(statement_id, ""), "question": question})

    for p in sorted(scores, key=lambda p: p.slot):
        if p.score == top:
            add("most", p.statement_id, _("Why is this the most important to you?"))
    for p in sorted(scores, key=lambda p: p.slot):
        if p.score == bottom:
            add("least", p.statement_id, _("Why does this matter least to you?"))
    grid_moves: dict[int, int] = {}
    for move in sort.moves:
        if move.to_place.startswith("grid") or move.from_place.startswith("grid"):
            grid_moves[move.statement_id] = grid_moves.get(move.statement_id, 0) + 1
    for statement_id, count in sorted(grid_moves.items(), key=lambda item: -item[1]):
        if count >= BACK_AND_FORTH_MOVES:
            add("moved", statement_id, _("This card moved %(n)s times: what makes it hard to place?", n=count))
    high = sorted({p.score for p in scores if p.score > 0}, reverse=True)[:2]
    for p in sorted(scores, key=lambda p: (-p.score, p.slot)):
        if p.score in high:
            add("pay", p.statement_id, _("What would you pay for here, and what not?"))
    return found


# -- notes -----------------------------------------------------------------------------------------------------

@dataclass
class NoteInput:
    client_id: str
    text: str
    statement_id: int | None
    created_at: datetime | None = None


def parse_notes(study: Study, body: Any) -> list[NoteInput]:
    """``{"notes": [{"client_id", "text", "statement_id"?, "created_at"? (ms since 1970)}]}``; refuses with the
    field that is wrong (``notes[2].text``)."""
    if not isinstance(body, dict) or not isinstance(body.get("notes"), list):
        raise InterviewError(_("%(field)s must be a list.", field="notes"), "notes")
    if len(body["notes"]) > 500:
        raise InterviewError(_("At most %(n)s notes per save.", n=500), "notes")
    known = {s.id for s in study.statements}
    notes = []
    for k, item in enumerate(body["notes"]):
        where = f"notes[{k}]"
        if not isinstance(item, dict):
            raise InterviewError(_("%(field)s must be an object.", field=where), where)
        client_id = item.get("client_id")
        if not isinstance(client_id, str) or not 8 <= len(client_id) <= MAX_CLIENT_ID_LENGTH:
            raise InterviewError(_("%(field)s must be text of 8 to %(n)s characters.", field=f"{where}.client_id",
                                   n=MAX_CLIENT_ID_LENGTH), f"{where}.client_id")
        text = item.get("text")
        if not isinstance(text, str) or len(text) > MAX_NOTE_LENGTH:
            raise InterviewError(_("%(field)s must be text of at most %(n)s characters.", field=f"{where}.text",
                                   n=MAX_NOTE_LENGTH), f"{where}.text")
        statement_id = item.get("statement_id")
        if statement_id is not None and (isinstance(statement_id, bool) or statement_id not in known):
            raise InterviewError(_("%(field)s: statement %(id)s is not in this study.",
                                   field=f"{where}.statement_id", id=statement_id), f"{where}.statement_id")
        created_at = None
        stamp = item.get("created_at")
        if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) and 0 < stamp < 32503680000000:
            created_at = datetime.fromtimestamp(stamp / 1000, timezone.utc).replace(tzinfo=None)
        notes.append(NoteInput(client_id, text, statement_id, created_at))
    return notes


def save_notes(session: Session, sort: Sort, author: User, notes: list[NoteInput]) -> list[Note]:
    """Write the notes in the order sent; a client id seen before updates its note (a retried save writes
    nothing twice). A client id that belongs to another sort or author is refused, changing nothing."""
    ids = [n.client_id for n in notes]
    stored = {n.client_id: n for n in session.scalars(select(Note).where(Note.client_id.in_(ids)))} if ids else {}
    for note in stored.values():
        if note.sort_id != sort.id or note.author_id != author.id:
            raise InterviewError(_("This note belongs to another session."), "client_id")
    saved = []
    now = utcnow()
    for item in notes:
        note = stored.get(item.client_id)
        if note is None:
            if not item.text.strip():
                continue  # an empty new note is nothing to keep
            note = Note(sort=sort, author_id=author.id, client_id=item.client_id, text=item.text,
                        statement_id=item.statement_id, kind="card" if item.statement_id else "general",
                        created_at=min(item.created_at or now, now))
            session.add(note)
            stored[item.client_id] = note
        else:
            note.text = item.text
        note.updated_at = now
        saved.append(note)
    return saved


# -- replay ----------------------------------------------------------------------------------------------------

def place_label(place: str) -> str:
    """A move log's place ("deck", "pile:agree", "grid:-2") in words for the replay."""
    piles = {"agree": _("Agree pile"), "neutral": _("Neutral pile"), "disagree": _("Disagree pile")}
    if place == "deck":
        return _("Deck")
    if place.startswith("pile:") and place[5:] in piles:
        return piles[place[5:]]
    if place.startswith("grid:") and place[5:].lstrip("-").isdigit():
        return _("Column %(score)s", score=_signed(int(place[5:])))
    return place or "–"


def _moves_in_order(sort: Sort) -> list:
    return sorted(sort.moves, key=lambda m: (m.client_time or m.recorded_at, m.client_seq, m.id))


def replay(sort: Sort, language: str) -> list[dict[str, Any]]:
    """The move log as a timeline, in the order the moves were made: for each move, seconds since the first
    one and its time, the card, and where it came from and went to (as stored and in words)."""
    study = sort.participant.study
    number_of = numbers(study)
    text_of = {s.id: s.text_in(language) for s in study.statements}
    moves = _moves_in_order(sort)
    if not moves:
        return []
    start = moves[0].client_time or moves[0].recorded_at
    return [{"seconds": round(((m.client_time or m.recorded_at) - start).total_seconds(), 1),
             "at": (m.client_time or m.recorded_at).isoformat(),
             "statement_id": m.statement_id, "number": number_of.get(m.statement_id),
             "text": text_of.get(m.statement_id, ""), "from": m.from_place, "to": m.to_place,
             "from_label": place_label(m.from_place), "to_label": place_label(m.to_place)}
            for m in moves]


def notes_on_timeline(sort: Sort, user: User) -> list[dict[str, Any]]:
    """The notes ``user`` may read, each with ``seconds`` since the first move (None without moves), so the
    replay can show them beside the moves made at that time."""
    moves = _moves_in_order(sort)
    start = (moves[0].client_time or moves[0].recorded_at) if moves else None
    return [{**note_json(n), "seconds": round((n.created_at - start).total_seconds(), 1) if start else None}
            for n in visible_notes(user, sort)]


# -- paper sorts -----------------------------------------------------------------------------------------------

@dataclass
class PaperProblem:
    """One mistake in a typed-in paper sort. ``kind``: unknown, duplicate, missing, overfull, underfull,
    notanumber; ``column`` the grid score it is in (None for a missing number)."""

    kind: str
    message: str
    column: int | None = None
    number: int | None = None


@dataclass
class PaperCheck:
    problems: list[PaperProblem] = field(default_factory=list)
    placements: list[dict[str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_column(text: str) -> list[str]:
    """A column as typed: numbers separated by spaces, commas or semicolons."""
    return [token for token in (text or "").replace(",", " ").replace(";", " ").split() if token]


def check_paper_sort(study: Study, columns: dict[int, list[str]]) -> PaperCheck:
    """Check a paper sort typed column by column (grid score -> the statement numbers in it, top to bottom)
    and report every mistake at once: a token that is not a number, an unknown number, a number in two places,
    a number in no column, a column with more or fewer cards than the grid has room for."""
    check = PaperCheck()
    count = len(study.statements)
    id_of = {k + 1: s.id for k, s in enumerate(study.statements)}
    seen: dict[int, int] = {}
    for score, height in study.grid:
        tokens = columns.get(score, [])
        if not study.free_distribution and len(tokens) != height:
            kind = "overfull" if len(tokens) > height else "underfull"
            message = (_("Column %(score)s holds %(n)s cards, but has room for %(height)s.",
                         score=_signed(score), n=len(tokens), height=height))
            check.problems.append(PaperProblem(kind, message, score))
        for slot, token in enumerate(tokens):
            if not token.isdigit():
                check.problems.append(PaperProblem("notanumber", _("Column %(score)s: '%(token)s' is not a number.",
                                                   score=_signed(score), token=token[:20]), score))
                continue
            number = int(token)
            if number not in id_of:
                check.problems.append(PaperProblem("unknown", _("Column %(score)s: there is no statement %(n)s "
                                                   "(the numbers go from 1 to %(count)s).", score=_signed(score),
                                                   n=number, count=count), score, number))
            elif number in seen:
                check.problems.append(PaperProblem("duplicate", _("Statement %(n)s is in column %(first)s and again "
                                                   "in column %(score)s.", n=number, first=_signed(seen[number]),
                                                   score=_signed(score)), score, number))
            else:
                seen[number] = score
                check.placements.append({"statement_id": id_of[number], "score": score, "slot": slot})
    for number in sorted(set(id_of) - set(seen)):
        check.problems.append(PaperProblem("missing", _("Statement %(n)s is in no column.", n=number), None, number))
    return check


def _signed(score: int) -> str:
    return f"+{score}" if score > 0 else str(score)


def store_paper_sort(session: Session, participant: Participant, check: PaperCheck, comments: dict[int, str],
                     entered_by: User) -> Sort:
    """Store a checked paper sort as ``participant``'s submitted sort, with source "paper", the entering user
    and the comments per statement id. Refused when the participant already has a submitted sort."""
    if not check.ok:
        raise InterviewError(_("The sort has mistakes: correct them first."), "columns")
    sort = open_sort(session, participant)
    now = utcnow()
    sort.placements = [Placement(statement_id=p["statement_id"], score=p["score"], slot=p["slot"])
                       for p in check.placements]
    sort.comments = [CardComment(statement_id=statement_id, text=text.strip())
                     for statement_id, text in comments.items() if text and text.strip()]
    sort.source, sort.entered_by_id = "paper", entered_by.id
    sort.state, sort.step, sort.submitted_at = "submitted", "done", now
    if participant.consent is None:
        participant.consent, participant.consent_at = "given", now  # given on paper, to the interviewer
    return sort


def paper_comments(study: Study, values: dict[str, str]) -> dict[int, str]:
    """Comments typed per statement number (``comment-<number>`` fields) -> statement id -> text."""
    id_of = {k + 1: s.id for k, s in enumerate(study.statements)}
    out = {}
    for key, value in values.items():
        if key.startswith("comment-") and key[8:].isdigit() and int(key[8:]) in id_of and value.strip():
            out[id_of[int(key[8:])]] = value.strip()[:MAX_NOTE_LENGTH]
    return out


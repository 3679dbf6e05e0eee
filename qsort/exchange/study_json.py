"""The whole study as JSON (``qsort export --format json`` / ``qsort import``).

Settings, texts, statements, grid, questions, and every non-preview participant with their attributes and sort in
whatever state (so a study moved between installations keeps its unfinished participants), with placements,
presort piles, moves, comments, answers and interviewer notes. Rows refer to statements and questions by their
index in the file. On import everything gets new database ids; participant tokens and the open-link token are kept
when no other study uses them (so links sent out keep working after a move), otherwise replaced by new ones (the
import report counts them). Interviewer notes and paper sorts name their author by email, re-linked to the account
with that email when it exists.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..flow import PREVIEW
from ..models import (Answer, CardComment, Move, Note, Participant, Placement, Question, Sort, Statement, Study,
                      User, new_token, utcnow)
from ..open_link import new_resume_secret
from .errors import ExchangeError
from .study_check import check_study_document

STUDY_JSON_FORMAT = "qsort-study"
STUDY_JSON_VERSION = 1


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


STUDY_FIELDS = ("title", "status", "languages", "default_language", "texts", "labels", "grid_scores",
                "grid_heights", "free_distribution", "extreme_comments", "ask_would_pay", "redirect_url",
                "open_link_enabled", "open_link_token", "interview_guide", "would_pay_excluded_tags",
                "show_statement_numbers")


def study_to_json(session: Session, study: Study) -> dict:
    """The whole study as a JSON-safe dict (see the module docstring for what is in it)."""
    statements = list(study.statements)
    questions = list(study.questions)
    s_index = {s.id: k for k, s in enumerate(statements)}
    q_index = {q.id: k for k, q in enumerate(questions)}
    users = {u.id: u.email for u in session.scalars(select(User))}
    sort_parts = [Sort.placements, Sort.moves, Sort.comments, Sort.answers, Sort.notes]
    people = session.scalars(
        select(Participant).where(Participant.study_id == study.id, Participant.source != PREVIEW)
        .options(*[selectinload(Participant.sort).selectinload(part) for part in sort_parts])
        .order_by(Participant.created_at, Participant.id)).all()
    return {
        "format": STUDY_JSON_FORMAT, "version": STUDY_JSON_VERSION, "exported_at": _iso(utcnow()),
        "study": {name: getattr(study, name) for name in STUDY_FIELDS},
        "statements": [{"code": s.code, "text": s.text, "tags": s.tags or [], "translations": s.translations or {}}
                       for s in statements],
        "questions": [{"phase": q.phase, "kind": q.kind, "prompt": q.prompt or {}, "options": q.options or [],
                       "settings": q.settings or {}, "required": q.required} for q in questions],
        "participants": [_participant_json(p, s_index, q_index, users) for p in people],
    }


def _participant_json(p: Participant, s_index: dict, q_index: dict, users: dict) -> dict:
    out = {"code": p.code, "name": p.name, "email": p.email, "attributes": p.attributes or {},
           "source": p.source, "language": p.language, "consent": p.consent, "consent_at": _iso(p.consent_at),
           "created_at": _iso(p.created_at), "token": p.token, "resume_secret": p.resume_secret, "sort": None}
    sort = p.sort
    if sort is not None:
        out["sort"] = {
            "state": sort.state, "step": sort.step, "revision": sort.revision,
            "presort": {str(s_index[int(k)]): pile for k, pile in (sort.presort or {}).items()
                        if str(k).isdigit() and int(k) in s_index},
            "step_seconds": sort.step_seconds or {},
            "entered_by": users.get(sort.entered_by_id), "source": sort.source,
            "started_at": _iso(sort.started_at), "updated_at": _iso(sort.updated_at),
            "submitted_at": _iso(sort.submitted_at), "grid_submitted_at": _iso(sort.grid_submitted_at),
            "placements": [{"statement": s_index[pl.statement_id], "score": pl.score, "slot": pl.slot}
                           for pl in sorted(sort.placements, key=lambda pl: s_index[pl.statement_id])],
            "moves": [{"statement": s_index[m.statement_id], "from": m.from_place, "to": m.to_place,
                       "client_time": _iso(m.client_time), "seq": m.client_seq, "recorded_at": _iso(m.recorded_at)}
                      for m in sort.moves],
            "comments": [{"statement": s_index[c.statement_id], "text": c.text, "would_pay": c.would_pay}
                         for c in sorted(sort.comments, key=lambda c: s_index[c.statement_id])],
            "answers": [{"question": q_index[a.question_id], "value": a.value}
                        for a in sorted(sort.answers, key=lambda a: q_index[a.question_id])],
            "notes": [{"statement": s_index.get(n.statement_id), "text": n.text, "author": users.get(n.author_id),
                       "kind": n.kind, "created_at": _iso(n.created_at), "updated_at": _iso(n.updated_at)}
                      for n in sorted(sort.notes, key=lambda n: n.created_at)],
        }
    return out


@dataclass
class StudyImportReport:
    study: Study
    participants: int
    sorts: int
    tokens_renewed: int


def study_from_json(session: Session, document: Any, owner: User, source: str = "the file") -> StudyImportReport:
    """Create a new study owned by ``owner`` from :func:`study_to_json`'s output; all or nothing.

    Raises ExchangeError naming the part of the document that is wrong (e.g. ``participants[3].sort.placements[2]
    .statement``).
    """
    try:
        return _study_from_json(session, document, owner)
    except ExchangeError as error:
        session.rollback()
        raise ExchangeError(f"{source}: {error}") from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        session.rollback()
        raise ExchangeError(f"{source}: not a qsort study export ({type(error).__name__}: {error})") from None


def _need(value: Any, kind: type | tuple, where: str) -> Any:
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ExchangeError(f"{where}: expected {names}, found {type(value).__name__}")
    return value


def _when(value: Any, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(_need(value, str, where))
    except ValueError:
        raise ExchangeError(f"{where}: {value!r} is not a date and time (ISO 8601)") from None
    # The database keeps naive UTC (models.utcnow); a moment with an offset would not compare with the others.
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _ref(value: Any, items: list, where: str):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(items):
        raise ExchangeError(f"{where}: {value!r} is not the index of one of the {len(items)} entries")
    return items[value]


def _token_if_free(session: Session, column, token: Any, used: set[str]) -> tuple[str, bool]:
    """The token when no row uses it yet, else a new one; and whether it was renewed."""
    if isinstance(token, str) and 20 <= len(token) <= 64 and token not in used \
            and session.scalar(select(column).where(column == token).limit(1)) is None:
        used.add(token)
        return token, False
    fresh = new_token()
    used.add(fresh)
    return fresh, token is not None


def _study_from_json(session: Session, document: Any, owner: User) -> StudyImportReport:
    check_study_document(document)  # every value, before anything is written
    settings = document["study"]
    used_tokens: set[str] = set()
    # Tokens first: the look-ups flush the session, and the study must not be in it half made.
    open_token, renewed = _token_if_free(session, Study.open_link_token, settings.get("open_link_token"),
                                         used_tokens)
    study = Study(owner=owner, open_link_token=open_token)
    for name in STUDY_FIELDS:
        if name in settings and name != "open_link_token":
            setattr(study, name, settings[name])
    renewed = int(renewed)
    statements = []
    for k, item in enumerate(_need(document.get("statements"), list, "statements")):
        where = f"statements[{k}]"
        _need(item, dict, where)
        statement = Statement(position=k, code=_need(item.get("code", ""), str, f"{where}.code"),
                              text=_need(item.get("text"), str, f"{where}.text"),
                              tags=_need(item.get("tags", []), list, f"{where}.tags"),
                              translations=_need(item.get("translations", {}), dict, f"{where}.translations"))
        study.statements.append(statement)
        statements.append(statement)
    questions = []
    for k, item in enumerate(_need(document.get("questions", []), list, "questions")):
        where = f"questions[{k}]"
        _need(item, dict, where)
        question = Question(position=k, phase=_need(item.get("phase", "post"), str, f"{where}.phase"),
                            kind=_need(item.get("kind", "text"), str, f"{where}.kind"),
                            prompt=_need(item.get("prompt", {}), dict, f"{where}.prompt"),
                            options=_need(item.get("options", []), list, f"{where}.options"),
                            settings=_need(item.get("settings", {}), dict, f"{where}.settings"),
                            required=bool(item.get("required", False)))
        study.questions.append(question)
        questions.append(question)
    session.add(study)
    session.flush()  # statement and question ids for the sorts below
    users = {u.email.lower(): u for u in session.scalars(select(User))}
    n_sorts = 0
    people = _need(document.get("participants", []), list, "participants")
    codes: set[str] = set()
    for k, item in enumerate(people):
        where = f"participants[{k}]"
        _need(item, dict, where)
        code = item.get("code")
        if code is not None:
            _need(code, str, f"{where}.code")
            if code.lower() in codes:
                raise ExchangeError(f"{where}.code: {code!r} appears twice")
            codes.add(code.lower())
        token, was_renewed = _token_if_free(session, Participant.token, item.get("token"), used_tokens)
        renewed += was_renewed
        participant = Participant(study=study, code=code, token=token, name=item.get("name") or "",
                                  email=item.get("email") or "",
                                  attributes=_need(item.get("attributes", {}), dict, f"{where}.attributes"),
                                  source=item.get("source") or "invite", language=item.get("language"),
                                  consent=item.get("consent"), consent_at=_when(item.get("consent_at"),
                                                                               f"{where}.consent_at"),
                                  created_at=_when(item.get("created_at"), f"{where}.created_at") or utcnow(),
                                  # open-link participants keep resuming elsewhere with the secret they were shown
                                  resume_secret=(item.get("resume_secret") or new_resume_secret())
                                  if item.get("source") == "open" else None)
        session.add(participant)
        if item.get("sort") is not None:
            participant.sort = _sort_from_json(item["sort"], statements, questions, users, f"{where}.sort")
            n_sorts += 1
    session.commit()
    return StudyImportReport(study, len(people), n_sorts, renewed)


def _sort_from_json(item: Any, statements: list, questions: list, users: dict, where: str) -> Sort:
    _need(item, dict, where)

    def author(email: Any) -> User | None:
        return users.get(email.lower()) if isinstance(email, str) else None

    entered_by = author(item.get("entered_by"))
    sort = Sort(state=_need(item.get("state", "started"), str, f"{where}.state"),
                step=_need(item.get("step", "welcome"), str, f"{where}.step"),
                revision=int(item.get("revision") or 0),
                step_seconds=_need(item.get("step_seconds", {}), dict, f"{where}.step_seconds"),
                entered_by_id=entered_by.id if entered_by else None,
                source=_need(item.get("source") or "online", str, f"{where}.source"),
                started_at=_when(item.get("started_at"), f"{where}.started_at") or utcnow(),
                submitted_at=_when(item.get("submitted_at"), f"{where}.submitted_at"),
                grid_submitted_at=_when(item.get("grid_submitted_at"), f"{where}.grid_submitted_at"))
    sort.presort = {str(_ref(int(k), statements, f"{where}.presort[{k!r}]").id): pile
                    for k, pile in _need(item.get("presort", {}), dict, f"{where}.presort").items()}
    for k, pl in enumerate(_need(item.get("placements", []), list, f"{where}.placements")):
        at = f"{where}.placements[{k}]"
        _need(pl, dict, at)
        score = pl.get("score")
        if score is not None:
            _need(score, int, f"{at}.score")
        sort.placements.append(Placement(statement=_ref(pl.get("statement"), statements, f"{at}.statement"),
                                         score=score, slot=int(pl.get("slot") or 0)))
    for k, mv in enumerate(_need(item.get("moves", []), list, f"{where}.moves")):
        at = f"{where}.moves[{k}]"
        _need(mv, dict, at)
        sort.moves.append(Move(statement_id=_ref(mv.get("statement"), statements, f"{at}.statement").id,
                               from_place=str(mv.get("from", "")), to_place=str(mv.get("to", "")),
                               client_time=_when(mv.get("client_time"), f"{at}.client_time"),
                               client_seq=int(mv.get("seq") or 0),
                               recorded_at=_when(mv.get("recorded_at"), f"{at}.recorded_at") or utcnow()))
    for k, cm in enumerate(_need(item.get("comments", []), list, f"{where}.comments")):
        at = f"{where}.comments[{k}]"
        _need(cm, dict, at)
        sort.comments.append(CardComment(statement_id=_ref(cm.get("statement"), statements, f"{at}.statement").id,
                                         text=str(cm.get("text") or ""), would_pay=cm.get("would_pay")))
    for k, an in enumerate(_need(item.get("answers", []), list, f"{where}.answers")):
        at = f"{where}.answers[{k}]"
        _need(an, dict, at)
        sort.answers.append(Answer(question_id=_ref(an.get("question"), questions, f"{at}.question").id,
                                   value=an.get("value")))
    for k, nt in enumerate(_need(item.get("notes", []), list, f"{where}.notes")):
        at = f"{where}.notes[{k}]"
        _need(nt, dict, at)
        statement = None if nt.get("statement") is None else _ref(nt["statement"], statements, f"{at}.statement")
        writer = author(nt.get("author"))
        sort.notes.append(Note(statement_id=statement.id if statement else None,
                               text=_need(nt.get("text", ""), str, f"{at}.text"),
                               author_id=writer.id if writer else None,
                               kind="card" if statement else "general",
                               updated_at=_when(nt.get("updated_at"), f"{at}.updated_at"),
                               created_at=_when(nt.get("created_at"), f"{at}.created_at") or utcnow()))
    # updated_at last: assigning relationships above would not change it, but keep the exported moment.
    sort.updated_at = _when(item.get("updated_at"), f"{where}.updated_at") or sort.started_at
    return sort


def find_owner(session: Session, email: str | None) -> User:
    """The account that will own an imported study: the one with ``email``, else the only researcher/admin."""
    from ..accounts import find_user_by_email

    if email:
        user = find_user_by_email(session, email)
        if user is None:
            raise ExchangeError(f"--owner: no account with the email {email} (create it with 'qsort create-user')")
        return user
    candidates = session.scalars(select(User).where(User.role.in_(("researcher", "admin")))).all()
    if len(candidates) != 1:
        raise ExchangeError("--owner: say which researcher owns the imported study (there are "
                            f"{len(candidates)} researcher accounts)")
    return candidates[0]

"""The study builder's rules, apart from the web pages: creating, changing, copying and deleting studies, their
texts, settings and grid, the counts the studio shows, the lock once responses exist, the lifecycle, sharing and
the preview. Statements and questions have their own modules (qsort/statements.py, qsort/questions.py).

The studio views (qsort/blueprints/studio/) only parse forms and call these functions. Every function that
refuses raises ``StudyError`` whose message says what is wrong and ``field`` which input it is about; nothing is
changed in the database when one is raised (callers commit only after success).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from .accounts import find_user_by_email
from .flow import COMPLETE_STATES, LABEL_NAMES, LANGUAGES, PREVIEW
from .models import (
    COMMENT_MODES,
    STUDY_STATES,
    Participant,
    Placement,
    Question,
    Sort,
    Statement,
    Study,
    StudyShare,
    User,
)

# The study texts a researcher writes per language, in the order the participant meets them.
TEXT_NAMES = ("title", "welcome", "consent", "instruction", "presort_instruction", "sort_instruction",
              "postsort_instruction", "thank_you", "declined")
MAX_STATEMENTS = 200
MAX_SCORE = 7  # columns run at most from -7 to +7


class StudyError(ValueError):
    """A change was refused; ``field`` names the form field (or None for the study as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StudyLocked(StudyError):
    """Statements or grid of a study with responses cannot change (the collected sorts refer to them)."""


# --------------------------------------------------------------------------------------------- studies

def create_study(db: Session, owner: User, title: str, languages: list[str], default_language: str) -> Study:
    study = Study(owner=owner, status="draft")
    set_basics(study, title, languages, default_language)
    db.add(study)
    db.flush()
    return study


def set_basics(study: Study, title: str, languages: list[str], default_language: str) -> None:
    """Title and languages; the default language must be one of the study's languages."""
    title = (title or "").strip()
    if not title:
        raise StudyError(_("Give the study a title."), "title")
    if len(title) > 300:
        raise StudyError(_("The title is longer than 300 characters."), "title")
    languages = [language for language in LANGUAGES if language in (languages or [])]
    if not languages:
        raise StudyError(_("Choose at least one language."), "languages")
    if default_language not in languages:
        raise StudyError(_("The default language must be one of the study's languages."), "default_language")
    study.title = title
    study.languages = languages
    study.default_language = default_language


def set_texts(study: Study, texts: dict[str, dict[str, str]], labels: dict[str, dict[str, str]]) -> None:
    """Replace the study texts and labels (``{name: {language: text}}``); empty strings are dropped.

    An open study keeps a welcome text: participants confirm they have read it (the rule that opening checks,
    :func:`readiness_problems`)."""
    cleaned = {name: clean_by_language(texts.get(name), study.languages) for name in TEXT_NAMES}
    if study.status == "open" and not any(cleaned["welcome"].values()):
        raise StudyError(_("The study is open: participants confirm that they have read the welcome text, so it "
                           "cannot be empty. Close the study first to remove it."),
                         f"welcome_{study.default_language}")
    study.texts = cleaned
    study.labels = {name: clean_by_language(labels.get(name), study.languages) for name in LABEL_NAMES}


def clean_by_language(values: dict[str, str] | None, languages: list[str]) -> dict[str, str]:
    """``{language: text}`` trimmed, keeping only the given languages and non-empty texts."""
    return {lang: text.strip() for lang, text in (values or {}).items() if lang in languages and text and text.strip()}


def set_settings(study: Study, *, extreme_comments: str, ask_would_pay: bool, redirect_url: str,
                 would_pay_excluded: str | list[str] | None = None, show_statement_numbers: bool | None = None) -> None:
    """The study's settings; ``would_pay_excluded`` (tags, comma separated) and ``show_statement_numbers`` stay
    as they are when None."""
    if extreme_comments not in COMMENT_MODES:
        raise StudyError(_("Comments on the extreme cards must be one of: %(modes)s.",
                           modes=", ".join(COMMENT_MODES)), "extreme_comments")
    study.extreme_comments = extreme_comments
    study.ask_would_pay = bool(ask_would_pay)
    study.redirect_url = validate_redirect_url(redirect_url)
    if would_pay_excluded is not None:
        from .statements import parse_tags  # statements imports this module

        study.would_pay_excluded_tags = parse_tags(would_pay_excluded)
    if show_statement_numbers is not None:
        study.show_statement_numbers = bool(show_statement_numbers)


def validate_redirect_url(url: str | None) -> str | None:
    """An absolute http(s) URL, or None when empty."""
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        raise StudyError(_("The redirect URL must start with http:// or https:// and name a site."), "redirect_url")
    if len(url) > 1000:
        raise StudyError(_("The redirect URL is longer than 1000 characters."), "redirect_url")
    return url


def copy_study(db: Session, study: Study, owner: User) -> Study:
    """An editable draft copy: texts, labels, settings, grid, statements and questions; no participants."""
    duplicate = Study(
        owner=owner, status="draft", title=_("Copy of %(title)s", title=study.title)[:300],
        languages=list(study.languages), default_language=study.default_language,
        texts=copy.deepcopy(study.texts), labels=copy.deepcopy(study.labels),
        grid_scores=list(study.grid_scores), grid_heights=list(study.grid_heights),
        free_distribution=study.free_distribution, extreme_comments=study.extreme_comments,
        ask_would_pay=study.ask_would_pay, redirect_url=study.redirect_url,
        would_pay_excluded_tags=list(study.would_pay_excluded_tags or []),
        show_statement_numbers=study.show_statement_numbers,
    )
    # Added before its children: reading study.statements autoflushes, and the copy must be in the session then.
    db.add(duplicate)
    for statement in study.statements:
        duplicate.statements.append(Statement(
            position=statement.position, code=statement.code, text=statement.text,
            tags=list(statement.tags or []), translations=dict(statement.translations or {}),
        ))
    for question in study.questions:
        duplicate.questions.append(Question(
            position=question.position, phase=question.phase, kind=question.kind,
            prompt=copy.deepcopy(question.prompt), options=copy.deepcopy(question.options),
            settings=copy.deepcopy(question.settings), required=question.required,
        ))
    db.flush()
    return duplicate


def delete_study(db: Session, study: Study, confirmation: str) -> None:
    """Delete the study with everything in it, once the researcher typed its title."""
    if (confirmation or "").strip() != study.title.strip():
        raise StudyError(_("Type the study's title exactly to confirm."), "confirm_title")
    db.delete(study)


# --------------------------------------------------------------------------------------------- counts

@dataclass
class StudyCounts:
    statements: int = 0
    participants: int = 0
    completed: int = 0


def study_counts(db: Session, study_ids: list[int]) -> dict[int, StudyCounts]:
    """Statements, participants and complete sorts (flow.COMPLETE_STATES) per study, preview participants left
    out, in 3 queries."""
    counts = {study_id: StudyCounts() for study_id in study_ids}
    if not study_ids:
        return counts
    for study_id, n in db.execute(select(Statement.study_id, func.count(Statement.id))
                                  .where(Statement.study_id.in_(study_ids)).group_by(Statement.study_id)):
        counts[study_id].statements = n
    real = (Participant.study_id.in_(study_ids), Participant.source != PREVIEW)
    for study_id, n in db.execute(select(Participant.study_id, func.count(Participant.id))
                                  .where(*real).group_by(Participant.study_id)):
        counts[study_id].participants = n
    for study_id, n in db.execute(select(Participant.study_id, func.count(Sort.id)).join(Sort)
                                  .where(*real, Sort.state.in_(COMPLETE_STATES)).group_by(Participant.study_id)):
        counts[study_id].completed = n
    return counts


# --------------------------------------------------------------------------------------------- locking

def has_responses(db: Session, study: Study) -> bool:
    """True once any real (non-preview) participant has placed a card or moved beyond the start of the sort."""
    placed = exists().where(Placement.sort_id == Sort.id)
    return bool(db.scalar(select(
        exists().where(Participant.study_id == study.id, Participant.source != PREVIEW,
                       Sort.participant_id == Participant.id, (Sort.state != "started") | placed)
    )))


def ensure_editable(db: Session, study: Study, what: str = "statements", *, changes_shape: bool = False) -> None:
    """Refuse changes to statements or grid once responses exist.

    ``changes_shape``: the change adds or removes statements or changes the grid. That is also refused while
    the study is open (even without responses yet), because participants sorting at that moment would get a
    grid that no longer fits the statements; close the study first.
    """
    if has_responses(db, study):
        if what == "grid":
            message = _("The grid is locked because this study has responses. Copy the study to change it.")
        else:
            message = _("The statements are locked because this study has responses. Copy the study to change them.")
        raise StudyLocked(message, what)
    if changes_shape and study.status == "open":
        if what == "grid":
            message = _("The study is open: close it before changing the grid.")
        else:
            message = _("The study is open: close it before adding or removing statements "
                        "(participants' grids must keep fitting the statements).")
        raise StudyLocked(message, what)


# --------------------------------------------------------------------------------------------- grid

def grid_problems(study: Study, n_statements: int | None = None) -> list[str]:
    """What keeps the grid from being usable (empty list: fine)."""
    n = len(study.statements) if n_statements is None else n_statements
    scores, heights = list(study.grid_scores or []), list(study.grid_heights or [])
    if not scores:
        return [_("The grid has no columns yet.")]
    if len(scores) != len(heights):
        return [_("The grid has %(s)s scores but %(h)s heights.", s=len(scores), h=len(heights))]
    if not study.free_distribution and sum(heights) != n:
        return [_("The column heights add up to %(sum)s, but the study has %(n)s statements.",
                  sum=sum(heights), n=n)]
    return []


def set_grid(db: Session, study: Study, min_score: int, max_score: int, heights: list[int],
             free_distribution: bool) -> None:
    """Columns min_score..max_score with the given heights. Forced: heights must add up to the statements."""
    ensure_editable(db, study, "grid", changes_shape=True)
    if not isinstance(min_score, int) or not isinstance(max_score, int):
        raise StudyError(_("The lowest and highest scores must be whole numbers."), "min_score")
    if not -MAX_SCORE <= min_score < max_score <= MAX_SCORE:
        raise StudyError(_("Scores run from the lowest to the highest, between -%(m)s and +%(m)s, lowest first.",
                           m=MAX_SCORE), "min_score")
    scores = list(range(min_score, max_score + 1))
    if len(heights) != len(scores):
        raise StudyError(_("Give a height for each of the %(n)s columns.", n=len(scores)), "heights")
    for score, height in zip(scores, heights):
        if not isinstance(height, int) or not 0 <= height <= MAX_STATEMENTS:
            raise StudyError(_("Column %(score)s: the height must be a whole number from 0 to %(max)s.",
                               score=f"{score:+d}", max=MAX_STATEMENTS), f"height_{score}")
    if not free_distribution:
        if any(height == 0 for height in heights):
            raise StudyError(_("Every column needs room for at least one card (or choose free distribution)."),
                             "heights")
        n = len(study.statements)
        if sum(heights) != n:
            raise StudyError(_("The column heights add up to %(sum)s, but the study has %(n)s statements: "
                               "they must be equal. Change the heights, or use the quasi-normal suggestion.",
                               sum=sum(heights), n=n), "heights")
    study.grid_scores = scores
    study.grid_heights = heights
    study.free_distribution = bool(free_distribution)


def suggest_grid(n_statements: int) -> tuple[list[int], list[int]]:
    """A quasi-normal forced distribution for ``n_statements`` cards: (scores, heights)."""
    from analysis.grid import quasi_normal_grid  # the analysis engine owns the shape

    grid = quasi_normal_grid(n_statements)
    return [int(s) for s in grid.scores], [int(h) for h in grid.heights]


def apply_suggested_grid(db: Session, study: Study) -> None:
    ensure_editable(db, study, "grid", changes_shape=True)
    n = len(study.statements)
    if n < 3:
        raise StudyError(_("Add at least 3 statements before asking for a grid."), "heights")
    study.grid_scores, study.grid_heights = suggest_grid(n)
    study.free_distribution = False


# --------------------------------------------------------------------------------------------- lifecycle

def readiness_problems(study: Study) -> list[str]:
    """What must be fixed before the study can open (empty: ready)."""
    problems = []
    if len(study.statements) < 3:
        problems.append(_("Add at least 3 statements."))
    problems += grid_problems(study)
    if not study.text("welcome", study.default_language).strip():
        # the welcome page asks participants to confirm they read the information above it
        problems.append(_("Write the welcome text (page Texts): participants confirm that they have read it, "
                          "and without it there is nothing to read."))
    return problems


def set_status(study: Study, status: str) -> None:
    """draft -> open -> closed -> open (reopen); opening needs a valid study."""
    if status not in STUDY_STATES:
        raise StudyError(_("Unknown status."), "status")
    if status == "open":
        problems = readiness_problems(study)
        if problems:
            raise StudyError(_("The study cannot open yet: %(problems)s", problems=" ".join(problems)), "status")
    elif status == "draft" and study.status != "draft":
        raise StudyError(_("An opened study cannot go back to draft; close it instead."), "status")
    elif status == "closed" and study.status != "open":
        raise StudyError(_("Only an open study can be closed."), "status")
    study.status = status


# --------------------------------------------------------------------------------------------- sharing

def share_with(db: Session, study: Study, email: str) -> StudyShare:
    """Share with a colleague who has a researcher account."""
    email = (email or "").strip()
    user = find_user_by_email(db, email) if email else None
    if user is None or user.role not in ("researcher", "admin"):
        raise StudyError(_("No researcher account uses the email %(email)s.", email=email or "-"), "email")
    if user.id == study.owner_id:
        raise StudyError(_("%(email)s owns this study.", email=user.email), "email")
    if any(share.user_id == user.id for share in study.shares):
        raise StudyError(_("The study is already shared with %(email)s.", email=user.email), "email")
    share = StudyShare(user=user)
    study.shares.append(share)
    return share


def unshare(study: Study, share_id: int) -> None:
    for share in study.shares:
        if share.id == share_id:
            study.shares.remove(share)
            return
    raise StudyError(_("That colleague does not share this study."), "share")


# --------------------------------------------------------------------------------------------- preview

def preview_participant(db: Session, study: Study) -> Participant:
    """The study's preview participant (created on first use); the respond pages let it through any status."""
    participant = db.scalar(select(Participant).where(Participant.study_id == study.id,
                                                      Participant.source == PREVIEW)
                            .order_by(Participant.id.desc()))
    if participant is None:
        participant = Participant(study=study, source=PREVIEW, name=_("Preview"))
        db.add(participant)
        db.flush()
    return participant


def reset_preview(db: Session, study: Study) -> int:
    """Forget the preview participants (and their sorts); the next preview starts afresh."""
    previews = db.scalars(select(Participant).where(Participant.study_id == study.id,
                                                    Participant.source == PREVIEW)).all()
    for participant in previews:
        db.delete(participant)
    return len(previews)

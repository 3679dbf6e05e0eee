"""The open link's rules: who may start or resume a sort by typing a participant code (no Flask here).

A code alone is no credential: codes are short and often guessable (ACME-7, OPEN01). So an existing open-link
participant is resumed only

- in the **same browser** that started or last resumed them (the view keeps a signed cookie of those participants;
  the caller says whether this browser is one of them), or
- with their **resume secret**: 8 characters from an alphabet without look-alikes, made when they start, shown on
  every page of their flow ("to continue later: code X, secret ABCD-EFGH") and to the researcher.

Wrong secrets are counted per participant: after :data:`RESUME_FAILURES_ALLOWED` within :data:`RESUME_WINDOW` that
code is refused for the rest of the window, even with the right secret (32**8 = 2**40 secrets: guessing one at five
tries per quarter hour takes longer than any study runs). A right secret forgets the failures.
"""
from __future__ import annotations

import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import Participant, Study, utcnow

RESUME_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or copied from a phone
RESUME_SECRET_LENGTH = 8
RESUME_FAILURES_ALLOWED = 5
RESUME_WINDOW = timedelta(minutes=15)


def new_resume_secret() -> str:
    return "".join(secrets.choice(RESUME_ALPHABET) for _ in range(RESUME_SECRET_LENGTH))


def shown_secret(secret: str | None) -> str:
    """The secret as people see it: two groups of four (``ABCD-EFGH``)."""
    secret = secret or ""
    return f"{secret[:4]}-{secret[4:]}" if len(secret) == RESUME_SECRET_LENGTH else secret


def typed_secret(text: str | None) -> str:
    """What was typed, as stored: capitals, without spaces and dashes (``abcd efgh`` -> ``ABCDEFGH``)."""
    return "".join(ch for ch in (text or "").upper() if ch not in " -\t")


@dataclass
class OpenLinkOutcome:
    """The participant to continue with, or why not.

    ``refusal``: None (go on), ``"invite"`` (the code belongs to someone who did not come through the open link),
    ``"secret_needed"`` (a code in use, from another browser, no secret typed), ``"wrong_secret"`` or ``"locked"``
    (too many wrong secrets; ``wait_minutes`` says how long)."""

    participant: Participant | None
    created: bool = False
    refusal: str | None = None
    wait_minutes: int = 0


def participant_for_code(session: Session, study: Study, code: str, *, secret: str = "",
                         same_browser_ids: Collection[int] = (), now: datetime | None = None) -> OpenLinkOutcome:
    """Start a new open-link participant with ``code``, or resume the existing one when this browser started it
    (its id is in ``same_browser_ids``, from the browser's signed cookie) or ``secret`` is theirs (see the module
    docstring). Commits what it records."""
    now = now or utcnow()
    existing = session.scalar(select(Participant).where(Participant.study_id == study.id,
                                                        Participant.code == code))
    if existing is None:
        participant = Participant(study=study, code=code, source="open", resume_secret=new_resume_secret())
        session.add(participant)
        try:
            session.commit()
        except IntegrityError:  # the same new code sent from two browsers at once: the other one has it now
            session.rollback()
            return OpenLinkOutcome(None, refusal="secret_needed")
        return OpenLinkOutcome(participant, created=True)
    if existing.source != "open":
        # An invite, an import, an interview: typing a guessable code such as P001 must never open their sort.
        return OpenLinkOutcome(None, refusal="invite")
    if existing.id in same_browser_ids:
        return OpenLinkOutcome(existing)
    wait = _minutes_locked(existing, now)
    if wait:
        return OpenLinkOutcome(None, refusal="locked", wait_minutes=wait)
    typed = typed_secret(secret)
    if not typed:
        return OpenLinkOutcome(None, refusal="secret_needed")
    if existing.resume_secret and hmac.compare_digest(typed.encode(), existing.resume_secret.encode()):
        if existing.resume_failures:
            existing.resume_failures, existing.resume_failed_at = 0, None
            session.commit()
        return OpenLinkOutcome(existing)
    _count_failure(session, existing, now)
    wait = _minutes_locked(existing, now)
    return OpenLinkOutcome(None, refusal="locked" if wait else "wrong_secret", wait_minutes=wait)


def _minutes_locked(participant: Participant, now: datetime) -> int:
    """Minutes left before this code may be tried again (0: it may)."""
    if participant.resume_failures < RESUME_FAILURES_ALLOWED or participant.resume_failed_at is None:
        return 0
    left = participant.resume_failed_at + RESUME_WINDOW - now
    return max(0, -(-int(left.total_seconds()) // 60))


def _count_failure(session: Session, participant: Participant, now: datetime) -> None:
    """One more wrong secret; the count starts again once the window since the last failure has passed.
    One UPDATE, so wrong secrets sent at once are all counted."""
    stale = participant.resume_failed_at is None or participant.resume_failed_at + RESUME_WINDOW <= now
    count = 1 if stale else Participant.resume_failures + 1
    session.execute(update(Participant).where(Participant.id == participant.id)
                    .values(resume_failures=count, resume_failed_at=now))
    session.commit()
    session.refresh(participant)

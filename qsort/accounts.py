"""Researcher and interviewer accounts: creating them, checking and changing passwords (hashed with werkzeug's
scrypt), and ending every login session of an account."""
from __future__ import annotations

import functools
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .flow import EMAIL_PATTERN
from .models import User

MIN_PASSWORD_LENGTH = 10
ROLES = ("researcher", "interviewer", "admin")


class AccountError(ValueError):
    """An account could not be created; the message says which field is wrong."""


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_account(session: Session, *, email: str, password: str, name: str = "", role: str = "researcher") -> User:
    email = email.strip()
    if not EMAIL_PATTERN.match(email):
        raise AccountError(f"email: {email!r} is not an email address")
    if role not in ROLES:
        raise AccountError(f"role: must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: must be at least {MIN_PASSWORD_LENGTH} characters")
    if find_user_by_email(session, email):
        raise AccountError(f"email: an account for {email} already exists")
    user = User(email=email, name=name.strip(), role=role, password_hash=generate_password_hash(password))
    session.add(user)
    session.commit()
    return user


@functools.cache
def _dummy_hash() -> str:
    """The hash of a password nobody knows, made like every account's (scrypt), once per process."""
    return generate_password_hash(secrets.token_urlsafe(32))


def verify_password(user: User | None, password: str) -> bool:
    """Whether ``password`` is ``user``'s. Without a user it hashes all the same, so an unknown email takes as
    long as a known one and the answer's timing does not tell which accounts exist."""
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(user.password_hash, password)


def end_sessions(session: Session, user: User) -> None:
    """End every login session of ``user`` (on every device): sessions carry the version they started with."""
    user.session_version = (user.session_version or 0) + 1
    session.commit()


def set_password(session: Session, user: User, password: str) -> None:
    """Give ``user`` a new password; every session that is logged in with the old one ends."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: must be at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = generate_password_hash(password)
    end_sessions(session, user)

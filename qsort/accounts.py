"""Researcher and interviewer accounts: creating them and checking passwords (hashed with werkzeug's scrypt)."""
from __future__ import annotations

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


def verify_password(user: User | None, password: str) -> bool:
    return user is not None and check_password_hash(user.password_hash, password)

"""Fixtures of the app tests: a participant going through a small study (9 statements, grid -2..2 with heights
1,2,3,2,1), and ``auth`` to log the test client in and out. The data itself comes from ``tests.factories``
(browser tests use the same factories).
"""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD, Respondent, csrf_from, login, make_study, make_user


@pytest.fixture
def small_study(session):
    """``(study, token)``: an open study with 9 statements, post-sort questions and one invited participant."""
    return make_study(session)


@pytest.fixture
def token(small_study):
    return small_study[1]


@pytest.fixture
def respondent(client, token):
    return Respondent(client, token)


class AuthActions:
    """Log the test client in and out through the real forms, CSRF token included (as in Flask's tutorial)."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str = "ana@example.com", password: str = PASSWORD):
        """Log in and assert that it worked; returns the client, now logged in."""
        response = login(self.client, email, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return self.client

    def logout(self):
        token = csrf_from(self.client.get("/auth/login"))
        return self.client.post("/auth/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def researcher(session):
    """The researcher account ana@example.com (password ``tests.factories.PASSWORD``)."""
    return make_user(session)

"""Fixtures for the participant flow: a small study (9 statements, grid -2..2 with heights 1,2,3,2,1).

The factory itself is ``tests.factories.make_study``; browser tests reuse it.
"""
from __future__ import annotations

import pytest

from tests.factories import csrf_from, make_study


@pytest.fixture
def small_study(session):
    """``(study, token)``: an open study with 9 statements, post-sort questions and one invited participant."""
    return make_study(session)


@pytest.fixture
def token(small_study):
    return small_study[1]


class Respondent:
    """Walks a participant through the flow with the test client, carrying the CSRF token like a browser."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token
        self.csrf = None

    def url(self, path: str = "") -> str:
        return f"/s/{self.token}{path}"

    def get(self, path: str = "", **kwargs):
        response = self.client.get(self.url(path), **kwargs)
        if b'name="csrf-token"' in response.data:
            self.csrf = csrf_from(response)
        return response

    def post(self, path: str, data: dict | None = None, **kwargs):
        if self.csrf is None:
            self.get("/welcome")
        return self.client.post(self.url(path), data={"csrf_token": self.csrf, **(data or {})}, **kwargs)

    def post_json(self, path: str, body, csrf: bool = True):
        if self.csrf is None:
            self.get("/welcome")
        headers = {"X-CSRFToken": self.csrf} if csrf else {}
        return self.client.post(self.url(path), json=body, headers=headers)

    def consent(self):
        self.get("/welcome")
        return self.post("/welcome", {"consent": "y", "agree": "Start"})

    def through_instructions(self):
        self.consent()
        self.get("/instructions")
        return self.post("/instructions", {"submit": "Continue"})


@pytest.fixture
def respondent(client, token):
    return Respondent(client, token)

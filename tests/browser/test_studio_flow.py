"""The studio in a real browser: the builder's pages at desktop and phone size (screenshots), the live grid
picture and drag-and-drop reordering, and a study built from nothing to a completed sort."""
from __future__ import annotations

import re

import pytest

from qsort.accounts import create_account
from qsort.models import Participant, Question, Sort, Statement, Study

PASSWORD = "correct horse battery"
STATEMENTS = [
    "The lowest price on the market", "Delivery exactly on the promised day", "An account manager who knows us",
    "Advice on how to use the product better", "Long-term partnership and shared planning",
    "Clear, simple invoices", "Discounts for larger orders", "Innovations we can offer our own customers",
    "Fast answers to technical questions", "Sustainability of the products", "A strong brand name",
    "Flexible payment terms", "Training for our staff",
]


@pytest.fixture
def researcher(session):
    return create_account(session, email="ana@example.com", password=PASSWORD, name="Ana Researcher")


def log_in(page, base_url):
    page.goto(base_url + "/auth/login")
    page.fill("#email", "ana@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/studio/")


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    return errors


@pytest.fixture
def built_study(session, researcher):
    """A study with statements (one translated and tagged), a grid, a question and one finished sort."""
    study = Study(owner=researcher, title="Supplier value 2026", status="open", languages=["en", "nl"],
                  grid_scores=[-2, -1, 0, 1, 2], grid_heights=[2, 3, 3, 3, 2])
    study.statements = [Statement(code=f"S{i + 1:02d}", text=text, position=i,
                                  tags=["price"] if "price" in text or "Discount" in text else [])
                        for i, text in enumerate(STATEMENTS)]
    study.statements[0].translations = {"nl": "De laagste prijs op de markt"}
    study.questions = [Question(phase="post", kind="single", prompt={"en": "Company size?"},
                                options=[{"value": "1", "label": {"en": "Small"}},
                                         {"value": "2", "label": {"en": "Large"}}])]
    session.add(study)
    draft = Study(owner=researcher, title="Draft for next year", languages=["en", "nb"])
    draft.statements = [Statement(code=f"P{i + 1:02d}", text=text, position=i, tags=["added-value"] if i % 3 else [],
                                  translations={"nb": "(norsk) " + text} if i < 2 else {})
                        for i, text in enumerate(STATEMENTS[:8])]
    session.add(draft)
    session.commit()
    participant = Participant(study=study, code="C1", source="invite")
    participant.sort = Sort(state="submitted")
    session.add(participant)
    session.commit()
    return study


PAGES = ["", "/texts", "/statements", "/grid", "/questions", "/settings", "/share", "/delete"]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_builder_pages_render_cleanly(live_server, desktop_page, phone_page, screenshot, built_study, size):
    page = desktop_page if size == "desktop" else phone_page
    errors = watch_errors(page)
    log_in(page, live_server.url)
    screenshot(page, f"{size}-index", full_page=size == "desktop")
    page.goto(live_server.url + "/studio/new")
    screenshot(page, f"{size}-new", full_page=size == "desktop")
    draft = built_study.id + 1  # the editable draft: its statements page shows the add forms
    page.goto(f"{live_server.url}/studio/{draft}/statements")
    screenshot(page, f"{size}-draft-statements", full_page=size == "desktop")
    page.goto(f"{live_server.url}/studio/{draft}/grid")
    screenshot(page, f"{size}-draft-grid", full_page=size == "desktop")
    for suffix in PAGES:
        page.goto(f"{live_server.url}/studio/{built_study.id}{suffix}")
        assert page.locator('.tabs a[aria-current="page"]').count() == 1
        screenshot(page, f"{size}-study{suffix.replace('/', '-')}", full_page=size == "desktop")
        # Nothing wider than the screen except scrollable tables/tabs.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (suffix, overflow)
    assert errors == []

"""The e-mail page in a real browser: write a text, preview it for a chosen participant, send to the ticked
participants through a real SMTP server on loopback, and see the result on the batch page and in the progress
table. Screenshots at 1280x800 and 360x740 (test-artifacts/screenshots/) to look at."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.factories import make_participant, make_supplier_study, make_user
from tests.smtpserver import SmtpServer


@pytest.fixture
def mail_study(session):
    study = make_supplier_study(session, make_user(session))
    study.languages = ["en", "nl"]
    make_participant(session, study, "C01", name="Ann Smith", state="submitted")
    make_participant(session, study, "C02", name="Bo Jensen", state="started")
    make_participant(session, study, "C03", name="Cor de Wit").language = "nl"
    make_participant(session, study, "C04", name="Di Long").email = ""
    session.commit()
    return study


def watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    return problems


def test_write_preview_and_send(live_server, app, mail_study, desktop_page, screenshot):
    page = desktop_page
    problems = watch(page)
    with SmtpServer() as smtp:
        app.config.update(smtp.settings(), PUBLIC_URL="https://survey.example.com", MAIL_SEND_AFTER_REQUEST=True)
        log_in(page, live_server.url)
        page.goto(f"{live_server.url}/studio/{mail_study.id}/participants")
        page.click("text=E-mail invitations")
        page.wait_for_url("**/mail")
        cor = next(p for p in mail_study.participants if p.code == "C03")
        page.select_option("#preview-for", str(cor.id))
        page.fill("#subject", "Your view on {study}, {name}")
        page.fill("#body", "Dear {name},\n\nWhat matters most to you? It takes 20 minutes:\n{link}\n\nThank you!")
        page.click("button[value=preview]")
        expect(page.locator("#preview-subject")).to_have_text(f"Your view on {mail_study.title}, Cor de Wit")
        expect(page.locator("#preview-body")).to_contain_text(f"https://survey.example.com/s/{cor.token}")
        expect(page.locator(".mail-preview")).to_contain_text("C03 gets the mail in this language: Nederlands")
        path = screenshot(page, "mail-preview", full_page=False)
        assert path.stat().st_size > 10_000
        screenshot(page, "mail-preview-full")

        page.click("button[value=save]")
        expect(page.locator("#subject")).to_have_value("Your view on {study}, {name}")
        for code in ("C02", "C04"):
            person = next(p for p in mail_study.participants if p.code == code)
            page.check(f"#pick-{person.id}")
        page.click(".send-form button[type=submit]")
        page.wait_for_url("**/mail/batches/**")
        expect(page.locator("#skipped")).to_be_visible()
        for thread in app.extensions["qsort_mail_threads"]:
            thread.join(timeout=30)
        page.reload()
        expect(page.locator("#count-sent strong")).to_have_text("1")
        expect(page.locator("#count-skipped strong")).to_have_text("1")
        screenshot(page, "mail-batch", full_page=False)
        assert [m["Subject"] for m in smtp.messages] == [f"Your view on {mail_study.title}, Bo Jensen"]

        page.goto(f"{live_server.url}/studio/{mail_study.id}/participants")
        bo = next(p for p in mail_study.participants if p.code == "C02")
        expect(page.locator(f"#p-{bo.id} .last-mail")).to_contain_text("Invitation: sent")
    assert problems == []


def test_mail_page_on_a_phone_and_in_dutch(live_server, mail_study, phone_page, screenshot):
    page = phone_page
    problems = watch(page)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/studio/{mail_study.id}/mail?lang=en")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide on a 360px screen"
    page.goto(f"{live_server.url}/studio/{mail_study.id}/mail?lang=nl")
    expect(page.locator("h1")).to_have_text("Uitnodigingen per e-mail")
    expect(page.locator("#mail-not-configured")).to_contain_text("Versturen is niet ingesteld.")
    expect(page.locator("#preview-body")).to_contain_text("Dear Ann Smith,")
    page.click("text=Nederlands")
    expect(page.locator("#preview-body")).to_contain_text("Beste Ann Smith,")
    screenshot(page, "mail-phone")
    assert problems == []

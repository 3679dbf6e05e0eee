"""The open link in real browsers (issue 10, item 16): a participant starts on a laptop and sees their resume
secret on every page; a phone (another browser) with only the code is refused and asked for the secret; with the
secret it lands on that participant's own page. Screenshots at desktop and phone size."""
from __future__ import annotations

import re

from sqlalchemy import select

from qsort.models import Participant
from tests.factories import make_study


def test_the_secret_is_shown_and_another_browser_needs_it(live_server, desktop_page, phone_page, session,
                                                          screenshot):
    study, _ = make_study(session)
    open_url = f"{live_server.url}/s/open/{study.open_link_token}"

    laptop = desktop_page
    laptop.goto(open_url)
    laptop.fill("input[name=code]", "OPEN01")
    laptop.locator("[type=submit]").click()
    laptop.wait_for_url(re.compile(r"/welcome$"))
    note = laptop.locator("footer.resume-note")
    shown = note.locator(".resume-secret").inner_text()
    session.expire_all()
    participant = session.scalar(select(Participant).where(Participant.code == "OPEN01"))
    assert shown == f"{participant.resume_secret[:4]}-{participant.resume_secret[4:]}"
    assert "OPEN01" in note.inner_text() and note.is_visible()
    screenshot(laptop, "desktop-welcome-with-secret")
    laptop.locator("input[type=checkbox]").first.check()
    laptop.locator("[type=submit]").first.click()
    laptop.wait_for_url(re.compile(r"/instructions$"))
    assert laptop.locator("footer.resume-note .resume-secret").inner_text() == shown

    phone = phone_page  # another browser: no cookie of the laptop
    phone.goto(open_url)
    phone.fill("input[name=code]", "OPEN01")
    phone.locator("[type=submit]").click()
    assert phone.locator("input[name=secret]").is_visible()
    assert "already in use" in phone.locator(".field-error").inner_text()
    assert participant.token not in phone.content()
    screenshot(phone, "phone-asked-for-the-secret")
    phone.fill("input[name=secret]", "ABCD-EFGH" if shown != "ABCD-EFGH" else "HGFE-DCBA")
    phone.locator("[type=submit]").click()
    assert "does not belong to this code" in phone.locator(".field-error").inner_text()
    assert participant.token not in phone.content()
    phone.fill("input[name=secret]", shown.lower())
    phone.locator("[type=submit]").click()
    phone.wait_for_url(re.compile(rf"/s/{participant.token}/instructions$"))
    assert phone.locator("footer.resume-note .resume-secret").inner_text() == shown
    screenshot(phone, "phone-resumed-with-secret")
    # The sorting page shows it too, below the sorting area, on both.
    for page, name in ((phone, "phone"), (laptop, "desktop")):
        page.locator("[type=submit]").last.click()
        page.wait_for_url(re.compile(r"/sort$"))
        assert page.locator("footer.resume-note .resume-secret").inner_text() == shown
        screenshot(page, f"{name}-sorting-page-with-secret")

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
    page.goto(f"{live_server.url}/studio/{draft}/statements/translate/nb")
    screenshot(page, f"{size}-draft-translate", full_page=size == "desktop")
    page.goto(f"{live_server.url}/studio/{draft}/grid")
    screenshot(page, f"{size}-draft-grid", full_page=size == "desktop")
    for suffix in PAGES:
        page.goto(f"{live_server.url}/studio/{built_study.id}{suffix}")
        assert page.locator('.tabs a[aria-current="page"]').count() == 1
        screenshot(page, f"{size}-study{suffix.replace('/', '-')}", full_page=size == "desktop")
        # Nothing wider than the screen except scrollable tables/tabs.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (suffix, overflow)
    # The question form shows the fields of the chosen type only.
    page.goto(f"{live_server.url}/studio/{built_study.id}/questions")
    assert not page.locator("#points").is_visible() and not page.locator("#options_en").is_visible()
    page.select_option("#kind", "likert")
    assert page.locator("#points").is_visible() and page.locator("#options_en").is_visible()
    assert not page.locator("#min").is_visible()
    page.select_option("#kind", "number")
    assert page.locator("#min").is_visible() and not page.locator("#points").is_visible()
    assert errors == []


FLOW_STATEMENTS = [
    "P01\tThe lowest price on the market", "P02\tDelivery exactly on the promised day",
    "An account manager who knows our business", "Advice on how to use the product better",
    "Long-term partnership and shared planning", "Clear, simple invoices", "Discounts for larger orders",
    "Innovations we can offer our own customers", "Fast answers to technical questions",
]


def test_build_a_study_from_nothing_and_complete_one_sort(live_server, browser, desktop_page, session, researcher,
                                                          screenshot):
    page = desktop_page
    errors = watch_errors(page)
    base = live_server.url
    log_in(page, base)
    screenshot(page, "01-no-studies", full_page=False)

    # A new study, its statements pasted in one go.
    page.click("text=New study")
    page.fill("#title", "Why customers stay")
    page.click("button:has-text('Create study')")
    page.wait_for_url(re.compile(r"/studio/\d+/statements$"))
    study_id = int(re.search(r"/studio/(\d+)/", page.url).group(1))
    page.fill("#bulk", "\n".join(FLOW_STATEMENTS))
    page.click("button:has-text('Add these statements')")
    assert page.locator(".statements-table tbody tr").count() == 9
    assert page.locator(".statements-table tbody tr").first.locator(".code").inner_text() == "P01"
    screenshot(page, "02-statements")

    # Drag the third statement to the top (SortableJS), the order is saved on the server.
    rows = page.locator("#statement-rows tr")
    rows.nth(0).scroll_into_view_if_needed()
    first_box = rows.nth(0).bounding_box()
    handle_box = rows.nth(2).locator(".drag-handle").bounding_box()
    page.mouse.move(handle_box["x"] + handle_box["width"] / 2, handle_box["y"] + handle_box["height"] / 2)
    page.mouse.down()
    page.mouse.move(handle_box["x"] + 6, handle_box["y"] - 6, steps=4)
    page.mouse.move(first_box["x"] + 20, first_box["y"] + 6, steps=15)
    page.mouse.up()
    page.wait_for_selector("#reorder-status:has-text('New order saved.')")
    assert page.locator("#statement-rows .position").all_inner_texts()[:3] == ["1", "2", "3"]
    session.expire_all()
    assert [s.text for s in session.get(Study, study_id).statements][:3] == [
        "An account manager who knows our business", "The lowest price on the market",
        "Delivery exactly on the promised day"]

    # The grid: the live picture follows the numbers, then the one-click quasi-normal grid.
    page.click(".tabs >> text=Grid")
    # The editor is a module script: until it has run, an input event is lost and the picture never follows
    # (seen on a loaded machine). The load event comes after module scripts have run.
    page.wait_for_url(re.compile(r"/studio/\d+/grid$"))
    page.wait_for_load_state("load")
    page.fill("#min_score", "-3")
    page.locator("#min_score").dispatch_event("input")
    assert page.locator("#grid-editor .grid-col").count() == 6  # -3..+2: the suggestion was -2..+2
    assert "add up to 10, but the study has 9 statements" in page.locator("#grid-sum").inner_text()
    page.fill("#height_0", "5")
    assert page.locator(".grid-col[data-score='0'] .cell").count() == 5
    assert "add up to 12, but" in page.locator("#grid-sum").inner_text()
    screenshot(page, "03-grid-live")
    page.click("button:has-text('Use the quasi-normal grid')")
    assert "applied" in page.locator(".flash").inner_text()
    assert "one place for every statement" in page.locator("#grid-sum").inner_text()
    screenshot(page, "04-grid-saved")

    # Preview the draft as a participant sees it, in a new tab.
    page.click(".tabs >> text=Overview")
    with page.expect_popup() as popup_info:
        page.click("button:has-text('Open preview')")
    preview = popup_info.value
    preview.wait_for_load_state()
    assert re.search(r"/s/[\w-]+/welcome$", preview.url), preview.url
    assert preview.locator("input[type=checkbox]").count() >= 1  # the consent box: the real welcome page
    banner = preview.locator(".preview-banner")  # the researcher never mistakes the preview for the real thing
    assert banner.is_visible() and "Preview" in banner.inner_text() and banner.bounding_box()["y"] < 100
    screenshot(preview, "04b-preview", full_page=False)
    preview.close()

    # Open it: refused without a welcome text (participants confirm they read it), then with one.
    page.click("button:has-text('Open study')")
    assert "Write the welcome text" in page.content()
    page.goto(f"{base}/studio/{study_id}/texts")
    page.fill("[name=welcome_en]", "Thank you for taking part.")
    page.click("button:has-text('Save texts')")
    page.goto(f"{base}/studio/{study_id}")
    page.click("button:has-text('Open study')")
    assert page.locator(".study-title .badge").inner_text() == "Open"
    screenshot(page, "05-opened")

    # An invite through the participants page (the data engineer's), its link opened by a participant.
    page.click(".tabs >> text=Participants")
    page.fill("#name", "Kari Nordmann")
    page.click("button:has-text('Create invite link')")
    link = page.locator("[data-copy*='/s/']").first.get_attribute("data-copy")
    token = link.rsplit("/s/", 1)[1]
    participant_context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        respondent = participant_context.new_page()
        respondent_errors = watch_errors(respondent)
        complete_sort_by_keyboard(respondent, f"{base}/s/{token}", screenshot)
        assert respondent_errors == []
    finally:
        participant_context.close()

    # Back in the studio: completed, and the statements and grid are now locked.
    page.goto(f"{base}/studio/{study_id}/participants")
    assert page.locator("tr[data-status='completed']").count() == 1
    screenshot(page, "08-participants-completed")
    page.goto(f"{base}/studio/")
    row = page.locator("tr:has-text('Why customers stay')")
    assert row.locator("td.num").all_inner_texts() == ["9", "1", "1"]
    page.goto(f"{base}/studio/{study_id}/statements")
    assert page.locator("#locked-notice").is_visible()
    screenshot(page, "09-locked")
    assert errors == []


def complete_sort_by_keyboard(page, link: str, screenshot) -> None:
    """Welcome (consent), instructions, presort with the keys 1/2/3, the grid with the keyboard alone
    (focus a card, Enter, type its column, Enter), the comments page, and done."""
    page.goto(link)
    page.locator("input[type=checkbox]").first.check()
    page.locator("[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/instructions$"))
    page.locator("[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/sort$"))
    page.wait_for_selector("#sort-app[data-ready='true']", state="attached")
    for n in range(9):
        page.keyboard.press(str(n % 3 + 1))
    page.click("#presort-continue")
    page.wait_for_selector("#grid-phase:not([hidden])")
    capacity = {int(column.get_attribute("data-score")): int(column.get_attribute("data-height") or 0)
                for column in page.locator("#grid-desktop .column").all()}
    if not any(capacity.values()):  # the height is not on the column: count from the study grid instead
        capacity = dict(zip(range(-2, 3), (1, 2, 3, 2, 1)))
    for _ in range(9):
        card = page.locator(".tray .card").first
        card.focus()
        page.keyboard.press("Enter")
        score = next(score for score, left in sorted(capacity.items()) if left > 0)
        capacity[score] -= 1
        for key in (f"-{-score}" if score < 0 else str(score)):
            page.keyboard.press(key)
        page.keyboard.press("Enter")
    screenshot(page, "06-participant-grid")
    page.click("#grid-continue")
    page.wait_for_url(re.compile(r"/postsort$"))
    screenshot(page, "07-participant-postsort")
    for _ in range(3):  # postsort, then any questions, up to the thank-you page
        if re.search(r"/done$", page.url):
            break
        page.locator("[type=submit][name=submit]").click()  # Continue (not "Change my sort")
        page.wait_for_load_state()
    assert re.search(r"/done$", page.url), page.url


GRID_BOXES = """() => [...document.querySelectorAll('#grid-editor .grid-col')].map((column) => {
  const box = (node) => { const r = node.getBoundingClientRect(); return {top: r.top, bottom: r.bottom}; };
  return {score: Number(column.dataset.score),
          parts: [...column.children].map((child) => child.className || child.tagName),
          label: box(column.querySelector('label')), input: box(column.querySelector('input')),
          cells: [...column.querySelectorAll('.cell')].map(box)};
})"""


def assert_top_down(columns: list[dict]) -> None:
    """Each column reads score, height, then its cards hanging down from one common top line (the pyramid
    points down, as on the participant's grid)."""
    tops = set()
    for column in columns:
        assert column["parts"] == ["grid-col-score", "INPUT", "cells"], column
        assert column["label"]["bottom"] <= column["input"]["top"] + 1
        cells = column["cells"]
        if cells:
            assert cells[0]["top"] >= column["input"]["bottom"], column["score"]
            assert all(a["bottom"] <= b["top"] for a, b in zip(cells, cells[1:])), "cards stacked downwards"
            tops.add(round(cells[0]["top"]))
    assert len(tops) == 1, f"every column's first card on one line: {tops}"
    tallest = max(columns, key=lambda column: len(column["cells"]))
    assert all(tallest["cells"][-1]["bottom"] >= column["cells"][-1]["bottom"] for column in columns if column["cells"])


def test_grid_editor_draws_the_pyramid_top_down(live_server, desktop_page, screenshot, built_study):
    page = desktop_page
    errors = watch_errors(page)
    log_in(page, live_server.url)
    draft = built_study.id + 1  # no grid saved yet: the editor shows the suggested columns, editable
    page.goto(f"{live_server.url}/studio/{draft}/grid")
    server_drawn = page.evaluate(GRID_BOXES)
    assert [len(column["cells"]) for column in server_drawn] == [1, 2, 2, 2, 1]  # 8 statements, -2..+2
    assert_top_down(server_drawn)

    # Columns added by the script (built with the shared el()) look like the server's, and follow the numbers.
    page.fill("#min_score", "-3")
    page.locator("#min_score").dispatch_event("input")
    page.fill("#height_0", "4")
    page.locator("#height_0").dispatch_event("input")
    page.fill("#height_-3", "1")
    page.locator("#height_-3").dispatch_event("input")
    script_drawn = page.evaluate(GRID_BOXES)
    assert [column["score"] for column in script_drawn] == [-3, -2, -1, 0, 1, 2]
    assert [len(column["cells"]) for column in script_drawn] == [1, 1, 2, 4, 2, 1]
    assert_top_down(script_drawn)
    new_input = page.locator("#height_-3")
    assert new_input.get_attribute("aria-label") == "Height of column -3"
    assert (new_input.get_attribute("name"), new_input.get_attribute("min"), new_input.get_attribute("max")) == (
        "height_-3", "0", "200")
    assert page.locator("label[for='height_-3']").inner_text() == "-3"
    screenshot(page, "grid-top-down", full_page=False)
    # One el() for the whole app: the sorting page's module path gives the very same function.
    assert page.evaluate("""async () => (await import('/static/js/respond/dom.js')).el
                             === (await import('/static/js/shared/dom.js')).el""")
    assert errors == []


def test_forbidden_page_is_styled(live_server, desktop_page, screenshot, session):
    """An interviewer who opens a studio page gets the app's styled "Not allowed" page with a way back, not the
    browser's bare text."""
    create_account(session, email="ivo@example.com", password=PASSWORD, name="Ivo", role="interviewer")
    page = desktop_page
    page.goto(live_server.url + "/auth/login")
    page.fill("#email", "ivo@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/interview/**")
    response = page.goto(live_server.url + "/studio/")
    assert response.status == 403
    heading = page.locator("main h1")
    assert heading.inner_text() == "Not allowed"
    box = page.locator(".respond-page")
    style = box.evaluate("(node) => { const s = getComputedStyle(node); return [s.backgroundColor, s.borderTopStyle, "
                         "s.maxWidth, getComputedStyle(document.body).fontFamily]; }")
    assert style[0] == "rgb(255, 255, 255)" and style[1] == "solid" and style[2] != "none", style
    assert "Times" not in style[3] and style[3] != "serif", style  # the app's font, not the browser's default
    back = page.locator(".respond-page a.button")
    assert back.inner_text() == "Your studies and sessions" and back.get_attribute("href").endswith("/interview/")
    screenshot(page, "forbidden", full_page=False)

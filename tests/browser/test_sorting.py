"""The sorting page in a real browser (Chromium through Playwright): presort and grid by mouse drag, by keyboard
only, by touch on a 360 px phone, and a reload in the middle. Each test checks what the database stored
against what the page showed, and saves a screenshot of every step (test-artifacts/screenshots/).
"""
from __future__ import annotations

import re

import pytest

from qsort.models import Participant
from tests.browser.helpers import (READY, current_card_id, drag, drop_point, focused, pile_for, place_the_rest,
                                   presort_key,
                                   shown_grid, start_sorting, stored_columns, stored_sort, target_scores, wait_saved,
                                   watch_console)
from tests.factories import make_study

pytestmark = pytest.mark.browser



# ----- desktop: mouse ---------------------------------------------------------------------------------------------

def test_full_sort_by_mouse_drag(live_server, desktop_page, session, screenshot):
    page = desktop_page
    problems = watch_console(page)
    study, token = make_study(session)
    targets = target_scores(study)
    start_sorting(page, live_server.url, token)
    screenshot(page, "01-presort-start")

    # Presort by clicking the pile buttons, each card on the pile that matches where it will go.
    assert page.locator("#presort-count").inner_text() == "0 of 9 cards on a pile"
    for n in range(9):
        sid = current_card_id(page)
        page.click(f".pile-btn[data-pile='{pile_for(targets[sid])}']")
        if n == 3:
            screenshot(page, "02-presort-halfway")
    assert page.locator("#presort-count").inner_text() == "9 of 9 cards on a pile"
    # Open a pile, move a card to another pile and back (piles can be revisited).
    page.click(".pile-agree .pile-toggle")
    first = page.locator("#pile-list-agree .pile-item").first
    moved = int(first.get_attribute("data-id"))
    first.locator(".move-to-neutral").click()
    assert page.locator(f"#pile-list-neutral .pile-item[data-id='{moved}']").count() == 0  # neutral pile closed
    assert page.locator(".pile-neutral .pile-count").inner_text() == "4"
    screenshot(page, "03-presort-pile-open")
    page.click(".pile-neutral .pile-toggle")
    page.locator(f"#pile-list-neutral .pile-item[data-id='{moved}'] .move-to-agree").click()
    wait_saved(page)
    sort = stored_sort(session, token)
    assert sort.presort == {str(sid): pile_for(score) for sid, score in targets.items()}

    page.click("#presort-continue")
    page.wait_for_selector("#grid-phase:not([hidden])")
    screenshot(page, "04-grid-start")

    # Drag every card from its tray into its column.
    for i, (sid, score) in enumerate(targets.items()):
        drag(page, page.locator(f".tray .card[data-id='{sid}']"),
             page.locator(f".column[data-score='{score}'] .column-cards"))
        dropped = page.locator(f".column[data-score='{score}'] .card[data-id='{sid}']")
        assert dropped.count() == 1, f"card {sid} not dropped in {score}"
        if i == 4:
            screenshot(page, "05-grid-halfway")

    # One too many for a moment: drag a +1 card onto +2 (height 1): shown plainly, Continue disabled.
    plus_one = next(sid for sid, score in targets.items() if score == 1)
    drag(page, page.locator(f".column[data-score='1'] .card[data-id='{plus_one}']"),
         page.locator(".column[data-score='2'] .column-cards"))
    column = page.locator(".column[data-score='2']")
    assert "over" in column.get_attribute("class")
    assert column.locator(".column-badge").inner_text() == "2/1"
    assert page.locator("#grid-continue").is_disabled()
    # the status stays one short line; the column itself is marked, the full sentence is the status' tooltip
    assert "Columns to fix (marked): 2." in page.locator("#grid-status").inner_text()  # +2 over, +1 under
    assert "Column +2 is over-full: 2 cards where 1 fit." in page.locator("#grid-status").get_attribute("title")
    screenshot(page, "06-grid-overfull")
    drag(page, page.locator(f".column[data-score='2'] .card[data-id='{plus_one}']"),
         page.locator(".column[data-score='1'] .column-cards"))
    assert "over" not in column.get_attribute("class")

    # Without dragging: click the card, then click a column; and back the same way.
    page.locator(f".column[data-score='1'] .card[data-id='{plus_one}']").click()
    assert "Click a column" in announcement(page)
    page.locator(".column[data-score='0'] .column-head").click()
    assert page.locator(".column[data-score='0'] .column-badge").inner_text() == "4/3"
    page.locator(f".column[data-score='0'] .card[data-id='{plus_one}']").click()
    page.locator(".column[data-score='1'] .column-body").click()
    assert page.locator(f".column[data-score='1'] .card[data-id='{plus_one}']").count() == 1

    assert page.locator("#grid-continue").is_enabled()
    shown = shown_grid(page)
    assert {sid: int(score) for score, ids in shown.items() for sid in ids} == targets
    wait_saved(page)
    draft = stored_sort(session, token)
    assert stored_columns(draft) == {k: v for k, v in shown.items() if v}
    assert draft.step == "grid"
    screenshot(page, "07-grid-complete")

    page.click("#grid-continue")
    page.wait_for_url(re.compile(r"/postsort$"))
    sort = stored_sort(session, token)
    assert sort.state == "sorted"
    assert sort.scores() == targets
    assert stored_columns(sort) == {k: v for k, v in shown.items() if v}
    # The move log: 9 presort moves + the revisit (2) + 9 drops + the over-full detour (2) + the clicks (2).
    places = [(m.from_place, m.to_place) for m in sort.moves]
    assert len(places) == 24, places
    assert places[0][0] == "deck" and places[0][1].startswith("pile:")
    assert ("pile:agree", "pile:neutral") in places
    assert ("grid:1", "grid:2") in places and ("grid:2", "grid:1") in places
    assert ("grid:1", "grid:0") in places and ("grid:0", "grid:1") in places
    assert sort.step_seconds.get("presort", 0) > 0 and sort.step_seconds.get("grid", 0) > 0
    screenshot(page, "08-after-submit")
    assert problems == [], "script errors or CSP violations on the sorting page"


# ----- desktop: keyboard only ---------------------------------------------------------------------------------------



def announcement(page) -> str:
    page.wait_for_timeout(60)
    return page.locator("#announcer").inner_text()


def test_full_sort_by_keyboard_only(live_server, desktop_page, session, screenshot):
    page = desktop_page
    study, token = make_study(session)
    targets = target_scores(study)
    start_sorting(page, live_server.url, token)

    # Presort with the keys 1/2/3, one wrong on purpose and undone with Backspace.
    first = current_card_id(page)
    page.keyboard.press(presort_key("neutral" if pile_for(targets[first]) != "neutral" else "agree"))
    page.keyboard.press("Backspace")
    assert current_card_id(page) == first
    assert "back where it was" in announcement(page)
    for _ in range(9):
        page.keyboard.press(presort_key(pile_for(targets[current_card_id(page)])))
    screenshot(page, "01-presorted")
    # Continue by keyboard: Tab to the button, Enter.
    for _ in range(30):
        if focused(page)["elid"] == "presort-continue":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#grid-phase:not([hidden])")

    # Each card: Tab into the trays, Enter picks it up, type the score, Enter places it.
    for i in range(9):
        for _ in range(40):
            if focused(page)["tray"]:
                break
            page.keyboard.press("Shift+Tab" if i else "Tab")
        now = focused(page)
        assert now["card"] and now["tray"], now
        sid = int(now["id"])
        score = targets[sid]
        page.keyboard.press("Enter")
        assert "Picked up" in announcement(page)
        if i == 0:
            # arrows move the target column, announced
            page.keyboard.press("ArrowLeft")
            assert re.search(r"Column [-+]?\d: \d of \d\.", announcement(page))
            screenshot(page, "02-picked")
        for key in (f"-{-score}" if score < 0 else str(score)):
            page.keyboard.press(key)
        page.keyboard.press("Enter")
        placed = announcement(page)
        label = f"+{score}" if score > 0 else str(score)
        count = page.locator(f".column[data-score='{score}'] .card").count()
        height = dict(zip(study.grid_scores, study.grid_heights))[score]
        assert f"placed in column {label}, {count} of {height}." in placed, placed
        assert page.locator(f".column[data-score='{score}'] .card[data-id='{sid}']").count() == 1
        # from a pile, the focus moves on to the next card still to place; the last one keeps it
        now = focused(page)
        assert now["tray"] if i < 8 else now["id"] == str(sid), now
        if i == 4:
            screenshot(page, "03-halfway")

    # Escape cancels a pick; Delete puts a card back on its pile; Ctrl+Z undoes that.
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Escape")
    assert announcement(page) == "Move cancelled."
    sid = int(focused(page)["id"])
    page.keyboard.press("Delete")
    assert "is back on the pile" in announcement(page)
    assert page.locator(f".tray .card[data-id='{sid}']").count() == 1
    assert page.locator("#grid-continue").is_disabled()
    page.keyboard.press("Control+z")
    assert page.locator(f".column .card[data-id='{sid}']").count() == 1

    shown = shown_grid(page)
    assert {sid: int(score) for score, ids in shown.items() for sid in ids} == targets
    screenshot(page, "04-complete")
    for _ in range(60):
        if focused(page)["elid"] == "grid-continue":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/postsort$"))
    sort = stored_sort(session, token)
    assert sort.state == "sorted"
    assert sort.scores() == targets
    assert stored_columns(sort) == {k: v for k, v in shown.items() if v}


# ----- phone: touch, 60 statements ---------------------------------------------------------------------------------

def test_full_sort_on_a_phone_by_touch_with_60_cards(live_server, phone_page, session, screenshot):
    page = phone_page
    problems = watch_console(page)
    study, token = make_study(session, n_statements=60, questions=[])
    targets = target_scores(study)
    start_sorting(page, live_server.url, token)
    screenshot(page, "01-presort")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the presort page scrolls sideways ({width}px)"

    for n in range(60):
        page.locator(f".pile-btn[data-pile='{pile_for(targets[current_card_id(page)])}']").tap()
    page.locator("#presort-continue").tap()
    page.wait_for_selector("#grid-phase[data-layout='phone']")
    screenshot(page, "02-grid-start")
    screenshot(page, "02-grid-start-viewport", full_page=False)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the grid scrolls sideways on a phone ({width}px)"

    for i, (sid, score) in enumerate(targets.items()):
        pile = pile_for(score)
        page.locator(f".tray-tab[data-pile='{pile}']").tap()
        page.locator(f".phone-tray-cards .card[data-id='{sid}']").tap()
        assert page.locator(".phone-selection").is_visible()
        if i == 0:
            screenshot(page, "03-selected", full_page=False)
        page.locator(f".overview-column[data-score='{score}']").tap()
        page.locator(".bar-place").tap()
        assert page.locator(f".phone-column-cards .card[data-id='{sid}']").count() == 1
        if i == 30:
            screenshot(page, "04-halfway", full_page=False)

    # Every column at its height: the overview says so, Continue is enabled.
    for score, height in zip(study.grid_scores, study.grid_heights):
        label = page.locator(f".overview-column[data-score='{score}'] .overview-count").inner_text()
        assert label == f"{height}/{height}"
    # What the phone shows, column by column, is what gets stored.
    shown = {}
    for score in study.grid_scores:
        page.locator(f".overview-column[data-score='{score}']").tap()
        shown[str(score)] = [int(i) for i in page.locator(".phone-column-cards .card").evaluate_all(
            "cards => cards.map(c => c.dataset.id)")]
    screenshot(page, "05-complete")
    # Change of mind: a placed card back to its pile, then into the grid again.
    last_sid, last_score = list(targets.items())[-1]
    page.locator(f".overview-column[data-score='{last_score}']").tap()
    page.locator(f".phone-column-cards .card[data-id='{last_sid}']").tap()
    page.locator(".bar-back").tap()
    assert page.locator(".phone-tray-head").inner_text() == "Cards to place: 1"
    assert page.locator("#grid-continue").is_disabled()
    page.locator(f".phone-tray-cards .card[data-id='{last_sid}']").tap()
    page.locator(".bar-place").tap()
    assert page.locator("#grid-continue").is_enabled()
    wait_saved(page)
    assert stored_sort(session, token).scores() == targets
    page.locator("#grid-continue").tap()
    # Continue shows the whole sort first; what it lists is what the columns showed.
    review = page.locator(".phone-review")
    assert review.is_visible()
    listed = {score: [int(i) for i in review.locator(f".review-column[data-score='{score}'] .review-card")
                      .evaluate_all("cards => cards.map(c => c.dataset.id)")] for score in shown}
    assert listed == shown
    screenshot(page, "06-whole-sort", full_page=False)
    page.locator(".review-continue").tap()
    page.wait_for_url(re.compile(r"/postsort$"))
    sort = stored_sort(session, token)
    assert sort.state == "sorted"
    assert sort.scores() == targets
    assert stored_columns(sort) == shown
    assert problems == [], "script errors or CSP violations on the sorting page"


# ----- never lose work: reload, offline ------------------------------------------------------------------------------

def tray_ids(page) -> dict[str, list[int]]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#grid-desktop .tray-cards')]
        .map(l => [l.dataset.place, [...l.querySelectorAll('.card')].map(k => Number(k.dataset.id))]))""")


def test_reload_in_the_middle_resumes_exactly(live_server, desktop_page, session, screenshot):
    page = desktop_page
    study, token = make_study(session)
    targets = target_scores(study)
    start_sorting(page, live_server.url, token)

    # Presort four cards, reload: the same four on their piles, the same card on top of the deck.
    for _ in range(4):
        page.keyboard.press(presort_key(pile_for(targets[current_card_id(page)])))
    on_top = current_card_id(page)
    wait_saved(page)
    page.reload()
    page.wait_for_selector(READY, state="attached")
    assert page.locator("#presort-count").inner_text() == "4 of 9 cards on a pile"
    assert current_card_id(page) == on_top
    screenshot(page, "01-presort-after-reload")
    for _ in range(5):
        page.keyboard.press(presort_key(pile_for(targets[current_card_id(page)])))
    page.click("#presort-continue")
    page.wait_for_selector("#grid-phase:not([hidden])")

    # Five cards into the grid (two into column 0, so the order within a column counts), then reload.
    zero = [sid for sid, score in targets.items() if score == 0]
    first_five = [zero[0], zero[1]] + [sid for sid, score in targets.items() if score != 0][:3]
    for sid in first_five:
        drag(page, page.locator(f".tray .card[data-id='{sid}']"),
             page.locator(f".column[data-score='{targets[sid]}'] .column-cards"))
    # put the second zero card above the first: order within a column is kept too. A short drag within a
    # column can land back in place on a loaded machine; like a person, try again (what is tested is the reload).
    for _attempt in range(3):
        drag(page, page.locator(f".column[data-score='0'] .card[data-id='{zero[1]}']"),
             page.locator(f".column[data-score='0'] .card[data-id='{zero[0]}']"), to_bottom=False)
        if shown_grid(page)["0"] == [zero[1], zero[0]]:
            break
    before_grid, before_trays = shown_grid(page), tray_ids(page)
    assert before_grid["0"] == [zero[1], zero[0]]
    wait_saved(page)
    screenshot(page, "02-grid-before-reload")
    page.reload()
    page.wait_for_selector(READY, state="attached")
    assert page.locator("#grid-phase").is_visible()
    assert shown_grid(page) == before_grid
    assert tray_ids(page) == before_trays
    screenshot(page, "03-grid-after-reload")

    # The connection drops: a move is kept on this device, the page says it is not saved yet ...
    page.route("**/api/draft", lambda route: route.abort())
    offline_card = next(sid for sid in targets if sid not in first_five)
    drag(page, page.locator(f".tray .card[data-id='{offline_card}']"),
         page.locator(f".column[data-score='{targets[offline_card]}'] .column-cards"))
    page.wait_for_selector("#save-status[data-status='offline']", state="attached", timeout=10000)
    assert "Not saved yet" in page.locator("#save-status").inner_text()
    screenshot(page, "04-offline")
    assert offline_card not in stored_sort(session, token).scores()
    # ... and a reload (connection back) shows it and sends it: this browser's revision is newer than the server's.
    unsaved_grid = shown_grid(page)
    page.unroute("**/api/draft")
    page.reload()
    page.wait_for_selector(READY, state="attached")
    assert shown_grid(page) == unsaved_grid
    wait_saved(page)
    assert stored_sort(session, token).scores()[offline_card] == targets[offline_card]

    shown = place_the_rest(page, targets)
    sort = stored_sort(session, token)
    assert sort.state == "sorted"
    assert stored_columns(sort) == {k: v for k, v in shown.items() if v}
    # nothing of this sort is left in localStorage once it is submitted
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('qsort:sort:'))") == []


def test_server_refusal_shows_its_message_and_keeps_the_sort(live_server, desktop_page, session, screenshot):
    """The researcher changes the grid while the participant sorts: the page thinks the sort is complete, the
    server refuses it (422) with a message saying what is wrong, and nothing on the page is lost."""
    page = desktop_page
    study, token = make_study(session)
    targets = target_scores(study)
    start_sorting(page, live_server.url, token)
    for _ in range(9):
        page.keyboard.press(presort_key(pile_for(targets[current_card_id(page)])))
    page.click("#presort-continue")
    for sid, score in targets.items():
        drag(page, page.locator(f".tray .card[data-id='{sid}']"),
             page.locator(f".column[data-score='{score}'] .column-cards"))
    shown = shown_grid(page)
    study.grid_heights = [2, 1, 3, 1, 2]
    session.commit()

    page.click("#grid-continue")
    error = page.locator("#submit-error")
    error.wait_for(state="visible")
    assert "Column -2 holds 1 cards; it takes 2." in error.inner_text()
    assert shown_grid(page) == shown
    assert page.url.endswith("/sort")
    screenshot(page, "refused")
    assert stored_sort(session, token).state != "sorted"


# ----- long statements, text size, many cards ------------------------------------------------------------------

LONG = ("Our supplier takes the time to understand how our own customers use the product, and adapts delivery, "
        "packaging and documentation so that our operations run without interruption, statement {n}.")


def make_long_study(session, n_statements):
    study, token = make_study(session, n_statements=n_statements, questions=[])
    for statement in study.statements:
        statement.text = LONG.format(n=statement.position)
    session.commit()
    return study, token


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_long_statements_stay_readable(live_server, desktop_page, phone_page, session, screenshot, size):
    page = desktop_page if size == "desktop" else phone_page
    study, token = make_long_study(session, 60)
    targets = target_scores(study)
    start_sorting(page, live_server.url, token)
    # The deck shows the whole statement.
    deck = page.locator("#deck-card .card-text")
    assert deck.inner_text() == LONG.format(n=study.statements[0].position) or "statement" in deck.inner_text()
    assert deck.evaluate("e => e.scrollHeight <= e.clientHeight + 1")
    screenshot(page, f"{size}-01-presort")
    for _ in range(60):
        page.locator(f".pile-btn[data-pile='{pile_for(targets[current_card_id(page)])}']").click()
    page.locator("#presort-continue").click()
    page.wait_for_selector("#grid-phase:not([hidden])")
    screenshot(page, f"{size}-02-grid")
    if size == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # A+ enlarges the text; it is remembered after a reload. On a phone the cards' own text grows; on the desktop
    # 13 columns of 60 cards hold no larger words (they would break inside), so the cards keep their size and
    # the statement under the pointer grows in the footer.
    card = page.locator(".card-list .card").first
    grown = card if size == "phone" else page.locator("#card-preview")
    small = grown.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    card_before = card.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    page.click("#text-larger")
    page.click("#text-larger")
    large = grown.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert large > small * 1.25
    assert card.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= card_before  # never smaller
    screenshot(page, f"{size}-03-larger-text")
    page.reload()
    page.wait_for_selector(READY, state="attached")
    card = page.locator(".card-list .card").first
    grown = card if size == "phone" else page.locator("#card-preview")
    assert grown.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") == pytest.approx(large)
    if size == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Any card opens full size, with the whole text.
    sid = int(card.get_attribute("data-id"))
    card.locator(".card-open").click()
    dialog = page.locator("#card-dialog")
    dialog.wait_for(state="visible")
    assert dialog.locator(".dialog-text").inner_text() == next(s.text for s in study.statements if s.id == sid)
    screenshot(page, f"{size}-04-full-card", full_page=False)
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    page.click("#text-smaller")
    page.click("#text-smaller")


# ----- two devices ---------------------------------------------------------------------------------------------------

def test_resume_on_another_device_and_a_stale_device_catches_up(live_server, desktop_page, phone_page, session,
                                                                  screenshot):
    """The laptop sorts half; the phone opens the same link and sees exactly that, and adds a card; the laptop,
    now behind, gets 409 on its next save, continues above the server's revision, and its view is what is
    stored. Every move of both devices is in the move log."""
    laptop, phone = desktop_page, phone_page
    study, token = make_study(session)
    targets = target_scores(study)
    start_sorting(laptop, live_server.url, token)
    for _ in range(9):
        laptop.keyboard.press(presort_key(pile_for(targets[current_card_id(laptop)])))
    laptop.click("#presort-continue")
    ids = list(targets)
    for sid in ids[:2]:
        drag(laptop, laptop.locator(f".tray .card[data-id='{sid}']"),
             laptop.locator(f".column[data-score='{targets[sid]}'] .column-cards"))
    wait_saved(laptop)

    phone.goto(f"{live_server.url}/s/{token}")
    phone.wait_for_url(re.compile(r"/sort$"))
    phone.wait_for_selector(READY, state="attached")
    for sid in ids[:2]:
        score = targets[sid]
        phone.locator(f".overview-column[data-score='{score}']").tap()
        assert phone.locator(f".phone-column-cards .card[data-id='{sid}']").count() == 1
    sid = ids[2]
    phone.locator(f".tray-tab[data-pile='{pile_for(targets[sid])}']").tap()
    phone.locator(f".phone-tray-cards .card[data-id='{sid}']").tap()
    phone.locator(f".overview-column[data-score='{targets[sid]}']").tap()
    phone.locator(".bar-place").tap()
    wait_saved(phone)
    screenshot(phone, "phone-resumed", full_page=False)
    phone_revision = stored_sort(session, token).revision

    sid = ids[3]
    drag(laptop, laptop.locator(f".tray .card[data-id='{sid}']"),
         laptop.locator(f".column[data-score='{targets[sid]}'] .column-cards"))
    wait_saved(laptop)
    sort = stored_sort(session, token)
    assert sort.revision > phone_revision
    shown = shown_grid(laptop)
    assert stored_columns(sort) == {k: v for k, v in shown.items() if v}
    moved_to_grid = {m.statement_id for m in sort.moves if m.to_place.startswith("grid:")}
    assert moved_to_grid == set(ids[:4])


def test_the_issues_two_devices_a_stale_phone_never_loses_the_desktops_cards(live_server, desktop_page, phone_page,
                                                                             session, screenshot):
    """Issue 10 item 1, its exact steps: the phone opens the link, then the desktop places 3 cards in +4 and says
    saved; the phone, not reloaded, places 1 card in -3. The server merges the phone's move on top: both
    devices' cards are stored, the phone shows them all and says its changes were combined; the desktop, after
    a reload, shows the phone's card too."""
    desktop, phone = desktop_page, phone_page
    study, token = make_study(session, 20, scores=list(range(-4, 5)), heights=[3, 2, 2, 2, 2, 2, 2, 2, 3])
    start_sorting(desktop, live_server.url, token)
    for _ in range(20):
        desktop.keyboard.press(presort_key("neutral"))
    desktop.click("#presort-continue")
    wait_saved(desktop)
    phone.goto(f"{live_server.url}/s/{token}")  # opened now, then left alone
    phone.wait_for_url(re.compile(r"/sort$"))
    phone.wait_for_selector(READY, state="attached")

    tray = [int(i) for i in desktop.locator(".tray .card").evaluate_all("cards => cards.map(c => c.dataset.id)")]
    for sid in tray[:3]:
        drag(desktop, desktop.locator(f".tray .card[data-id='{sid}']"),
             desktop.locator(".column[data-score='4'] .column-cards"))
    wait_saved(desktop)
    assert stored_columns(stored_sort(session, token)) == {"4": tray[:3]}

    phone_card = tray[5]
    phone.locator(".tray-tab[data-pile='neutral']").tap()
    phone.locator(f".phone-tray-cards .card[data-id='{phone_card}']").tap()
    phone.locator(".overview-column[data-score='-3']").tap()
    phone.locator(".bar-place").tap()
    status = phone.locator("#save-status")
    status.filter(has_text="combined").wait_for(timeout=10000)
    assert status.get_attribute("data-status") == "saved"
    screenshot(phone, "two-devices-phone-merged", full_page=False)

    stored = stored_columns(stored_sort(session, token))
    assert stored == {"4": tray[:3], "-3": [phone_card]}, "neither device's cards are lost"
    phone.locator(".overview-column[data-score='4']").tap()
    assert sorted(int(i) for i in phone.locator(".phone-column-cards .card").evaluate_all(
        "cards => cards.map(c => c.dataset.id)")) == sorted(tray[:3]), "the phone shows the desktop's cards"

    desktop.reload()
    desktop.wait_for_selector(READY, state="attached")
    assert {k: v for k, v in shown_grid(desktop).items() if v} == stored
    screenshot(desktop, "two-devices-desktop-after-reload", full_page=False)


# ----- the demo study, real statements --------------------------------------------------------------------------------

@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_demo_study_fits_the_screen(live_server, desktop_page, phone_page, session, screenshot, size):
    """The demo study (40 supplier-value statements, grid -4..+4): every card shown, nothing scrolls sideways."""
    from qsort.demo import build_study
    from qsort.models import User

    page = desktop_page if size == "desktop" else phone_page
    owner = User(email="demo-test@example.com", name="Demo", password_hash="not-a-login")
    study = build_study(owner)
    participant = Participant(study=study, source="invite")
    session.add_all([owner, study, participant])
    session.commit()
    start_sorting(page, live_server.url, participant.token)
    screenshot(page, f"{size}-presort", full_page=False)
    piles = ["1", "2", "3"]
    for n in range(len(study.statements)):
        page.keyboard.press(piles[n % 3])
    page.locator("#presort-continue").click()
    page.wait_for_selector("#grid-phase:not([hidden])")
    # a few cards into the grid by keyboard, to see a sort in progress
    for score in (4, 4, -4, 0, 1):
        page.locator(".card-list .card" if size == "desktop" else ".phone-tray-cards .card").first.focus()
        page.keyboard.press("Enter")
        page.keyboard.type(str(score) if score >= 0 else f"-{-score}")
        page.keyboard.press("Enter")
    assert page.locator(".card").count() >= len(study.statements) - (0 if size == "desktop" else 40)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways ({width}px)"
    screenshot(page, f"{size}-grid")
    screenshot(page, f"{size}-grid-viewport", full_page=False)


# ----- touch drag on a tablet (the desktop layout with a finger) ------------------------------------------------------

@pytest.fixture
def tablet_page(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def touch_drag(page, source, target) -> None:
    """A finger drag through Chromium's input pipeline (CDP touch events): touch, hold, move, lift."""
    cdp = page.context.new_cdp_session(page)
    target.scroll_into_view_if_needed()
    source.scroll_into_view_if_needed()
    s = source.bounding_box()
    x, y = s["x"] + s["width"] / 2, s["y"] + s["height"] / 2
    tx, ty = drop_point(target)

    def touch(kind, px, py):
        points = [] if kind == "touchEnd" else [{"x": px, "y": py}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", x, y)
    page.wait_for_timeout(250)  # hold: SortableJS waits 150 ms on touch so that a swipe still scrolls
    for i in range(1, 16):
        touch("touchMove", x + (tx - x) * i / 15, y + (ty - y) * i / 15)
        page.wait_for_timeout(15)
    page.wait_for_timeout(150)
    nx, ny = drop_point(target)  # aim again once the placeholder has moved the cards
    for i in range(1, 5):
        touch("touchMove", tx + (nx - tx) * i / 4, ty + (ny - ty) * i / 4)
        page.wait_for_timeout(15)
    touch("touchEnd", nx, ny)
    page.wait_for_timeout(80)
    cdp.detach()


def test_full_sort_by_touch_drag_on_a_tablet(live_server, tablet_page, session, screenshot):
    page = tablet_page
    study, token = make_study(session)
    targets = target_scores(study)
    start_sorting(page, live_server.url, token)
    for _ in range(9):
        page.locator(f".pile-btn[data-pile='{pile_for(targets[current_card_id(page)])}']").tap()
    page.locator("#presort-continue").tap()
    page.wait_for_selector("#grid-phase[data-layout='desktop']")
    for i, (sid, score) in enumerate(targets.items()):
        touch_drag(page, page.locator(f".tray .card[data-id='{sid}']"),
                   page.locator(f".column[data-score='{score}'] .column-cards"))
        placed = page.locator(f".column[data-score='{score}'] .card[data-id='{sid}']")
        assert placed.count() == 1, f"card {sid} not in {score}"
        if i == 4:
            screenshot(page, "halfway")
    shown = shown_grid(page)
    screenshot(page, "complete")
    page.locator("#grid-continue").tap()
    page.wait_for_url(re.compile(r"/postsort$"))
    sort = stored_sort(session, token)
    assert sort.scores() == targets
    assert stored_columns(sort) == {k: v for k, v in shown.items() if v}


def test_reload_when_the_state_cannot_be_fetched_continues_from_this_browser(live_server, desktop_page, session,
                                                                               screenshot):
    page = desktop_page
    study, token = make_study(session)
    targets = target_scores(study)
    start_sorting(page, live_server.url, token)
    for _ in range(5):
        page.keyboard.press(presort_key(pile_for(targets[current_card_id(page)])))
    on_top = current_card_id(page)
    wait_saved(page)
    page.route("**/api/state", lambda route: route.abort())
    page.reload()
    page.wait_for_selector(READY, state="attached")
    assert page.locator("#presort-count").inner_text() == "5 of 9 cards on a pile"
    assert current_card_id(page) == on_top
    screenshot(page, "from-this-browser")
    page.unroute("**/api/state")
    page.keyboard.press(presort_key(pile_for(targets[on_top])))
    wait_saved(page)
    assert len(stored_sort(session, token).presort) == 6

    # Another browser (no copies of its own) that cannot fetch the state says so instead of starting empty.
    other = page.context.browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        fresh = other.new_page()
        fresh.route("**/api/state", lambda route: route.abort())
        fresh.goto(f"{live_server.url}/s/{token}")
        fresh.locator("#load-error").wait_for(state="visible")
        assert fresh.locator("#presort-phase").is_hidden()
    finally:
        other.close()
    assert len(stored_sort(session, token).presort) == 6

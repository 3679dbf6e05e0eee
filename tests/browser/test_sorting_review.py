"""Checking the whole sort before it counts (issue 11): the phone's whole-grid overview, going back to the grid
from the comments page until the final submit, and the language of every participant page (nl, nb)."""
from __future__ import annotations

import re

import pytest

from tests.browser.test_sorting import (
    READY, pile_for, start_sorting, stored_sort, target_scores, watch_console, wait_saved,
)
from tests.factories import make_study

pytestmark = pytest.mark.browser


def phone_presort(page, study, targets) -> None:
    for _ in range(len(study.statements)):
        sid = int(page.locator("#deck-card .card").get_attribute("data-id"))
        page.locator(f".pile-btn[data-pile='{pile_for(targets[sid])}']").tap()
    page.locator("#presort-continue").tap()
    page.wait_for_selector("#grid-phase[data-layout='phone']")


def phone_place(page, sid: int, score: int) -> None:
    """Tap the card (in the tray or in a column), its column in the overview bar, then "Place here"."""
    card = page.locator(f"#grid-phone .card[data-id='{sid}']")
    if card.count() == 0:
        for pile in ("agree", "neutral", "disagree"):
            page.locator(f".tray-tab[data-pile='{pile}']").tap()
            if card.count():
                break
    card.tap()
    page.locator(f".overview-column[data-score='{score}']").tap()
    page.locator(".bar-place").tap()


def review_columns(page) -> dict[str, list[int]]:
    """The overview's columns in the order shown (score -> statement ids top to bottom)."""
    return dict(page.evaluate("""() => [...document.querySelectorAll('.review-column')]
        .map(c => [c.dataset.score, [...c.querySelectorAll('.review-card')].map(k => Number(k.dataset.id))])"""))


def assert_fits_the_phone(page) -> None:
    """No sideways scrolling, and every card of the overview inside the screen (its text ellipsised)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    outside = page.evaluate("""() => [...document.querySelectorAll('.review-card')].filter(c => {
        const b = c.getBoundingClientRect(); return b.left < 0 || b.right > window.innerWidth; }).length""")
    assert outside == 0


def test_the_phone_shows_the_whole_sort_before_continuing(live_server, phone_page, session, screenshot):
    page = phone_page
    problems = watch_console(page)
    study, token = make_study(session, n_statements=9, questions=[])
    targets = target_scores(study)
    start_sorting(page, live_server.url, token)
    phone_presort(page, study, targets)
    top = max(study.grid_scores)
    items = sorted(targets.items(), key=lambda item: item[1] == 0)  # a card of column 0 comes last
    # All but the last card where they belong, the last one into the top column as well (over-full by one).
    for sid, score in items[:-1]:
        phone_place(page, sid, score)
    last_sid, last_score = items[-1]
    assert last_score != top
    phone_place(page, last_sid, top)

    # The overview opens at any time: every column with its cards, the over- and the under-full one marked.
    page.locator(".review-open").tap()
    assert page.locator(".phone-review").is_visible()
    assert page.locator(".phone-column").is_hidden()
    shown = review_columns(page)
    expected = {str(s): [] for s in study.grid_scores}
    for sid, score in items[:-1]:
        expected[str(score)].append(sid)
    expected[str(top)].append(last_sid)
    assert {k: sorted(v) for k, v in shown.items()} == {k: sorted(v) for k, v in expected.items()}
    assert [int(s) for s in shown] == sorted(study.grid_scores, reverse=True)  # most important first
    over = page.locator(f".review-column[data-score='{top}']")
    under = page.locator(f".review-column[data-score='{last_score}']")
    assert "over" in over.get_attribute("class") and over.locator(".review-mark").inner_text() == "1 too many"
    assert "under" in under.get_attribute("class") and under.locator(".review-mark").inner_text() == "1 missing"
    assert under.locator(".review-empty").count() == 1
    assert page.locator(".review-column.over, .review-column.under").count() == 2
    assert page.locator(".review-continue").is_disabled()
    assert_fits_the_phone(page)
    # Long card texts stay on one line, ellipsised, inside the screen.
    heights = page.locator(".review-card").evaluate_all("cs => cs.map(c => c.getBoundingClientRect().height)")
    assert max(heights) < 60
    screenshot(page, "01-overview-with-problems", full_page=False)

    # Tap the misplaced card: back in its column, selected, ready to move.
    page.locator(f".review-card[data-id='{last_sid}']").tap()
    assert page.locator(".phone-review").is_hidden()
    assert page.locator(".phone-selection").is_visible()
    assert page.locator(f".phone-column-cards .card.picked[data-id='{last_sid}']").count() == 1
    page.locator(f".overview-column[data-score='{last_score}']").tap()
    page.locator(".bar-place").tap()

    # Continue shows the whole sort first, now without marks; its own button submits.
    page.locator("#grid-continue").tap()
    assert page.locator(".phone-review").is_visible()
    assert page.locator(".review-column.over, .review-column.under").count() == 0
    assert page.locator(".review-continue").is_enabled()
    shown = review_columns(page)
    screenshot(page, "02-overview-complete", full_page=False)
    wait_saved(page)
    assert stored_sort(session, token).state != "sorted"  # seeing the overview submits nothing
    page.locator(".review-continue").tap()
    page.wait_for_url(re.compile(r"/(postsort|done)$"))
    sort = stored_sort(session, token)
    assert sort.scores() == targets
    assert {str(s): [p.statement_id for p in sorted(sort.placements, key=lambda p: p.slot) if p.score == s]
            for s in study.grid_scores} == shown
    assert problems == []

"""Helpers the browser tests share: getting through the participant flow to the sorting page, reading the grid as
the page shows it and as the database stored it, dragging a card, and watching the console for errors."""
from __future__ import annotations

import re

from sqlalchemy import select

from qsort.models import Participant
from tests.factories import PASSWORD
from tests.factories import valid_placements

READY = "#sort-app[data-ready='true']"


# ----- helpers ----------------------------------------------------------------------------------------------------

def watch_console(page) -> list[str]:
    """Collect the page's script errors and console errors (a CSP violation is one), from now on."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" and "favicon" not in (message.location or {}).get("url", "") else None)
    return problems


def start_sorting(page, base_url: str, token: str, language: str | None = None) -> None:
    """Through the welcome (consent) and instructions pages, as a participant would, to the sorting page;
    ``language``: the link opened with ``?lang=`` (as an invitation in that language gives it)."""
    page.goto(f"{base_url}/s/{token}" + (f"?lang={language}" if language else ""))
    page.locator("input[type=checkbox]").first.check()
    page.locator("[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/instructions$"))
    page.locator("[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/sort$"))
    page.wait_for_selector(READY, state="attached")


def click_place(page, sid: int, score: int) -> None:
    """Desktop without dragging: click the card, then the column's head."""
    page.locator(f"#grid-desktop .card[data-id='{sid}']").click()
    page.locator(f".column[data-score='{score}'] .column-head").click()
    assert page.locator(f".column[data-score='{score}'] .card[data-id='{sid}']").count() == 1


def phone_place(page, sid: int, score: int, now: int | None = None) -> None:
    """Tap the card (in the tray, or in column ``now``), its column in the overview bar, then "Place here"."""
    card = page.locator(f"#grid-phone .card[data-id='{sid}']")
    if now is not None:
        page.locator(f".overview-column[data-score='{now}']").tap()
    elif card.count() == 0:
        for pile in ("agree", "neutral", "disagree"):
            page.locator(f".tray-tab[data-pile='{pile}']").tap()
            if card.count():
                break
    card.tap()
    page.locator(f".overview-column[data-score='{score}']").tap()
    page.locator(".bar-place").tap()


def wait_saved(page) -> None:
    page.wait_for_selector("#save-status[data-status='saved']", state="attached", timeout=10000)
    # the debounce may still hold a newer change: wait until nothing is scheduled
    page.wait_for_timeout(50)
    page.wait_for_selector("#save-status[data-status='saved']", state="attached", timeout=10000)


def shown_grid(page) -> dict[int, list[int]]:
    """What the desktop grid shows: column score -> statement ids top to bottom."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#grid-desktop .column')]
        .map(c => [c.dataset.score, [...c.querySelectorAll('.card')].map(k => Number(k.dataset.id))]))""")


def stored_sort(session, token: str):
    session.expire_all()
    participant = session.scalar(select(Participant).where(Participant.token == token))
    return participant.sort


def stored_columns(sort) -> dict[str, list[int]]:
    columns: dict[str, list[tuple[int, int]]] = {}
    for p in sort.placements:
        columns.setdefault(str(p.score), []).append((p.slot, p.statement_id))
    return {score: [sid for _, sid in sorted(items)] for score, items in columns.items()}


def target_scores(study) -> dict[int, int]:
    """A complete, valid sort of ``study``: statement id -> score."""
    return {p["statement_id"]: p["score"] for p in valid_placements(study)}


def pile_for(score: int) -> str:
    return "agree" if score > 0 else "disagree" if score < 0 else "neutral"


def presort_key(pile: str) -> str:
    return {"agree": "1", "neutral": "2", "disagree": "3"}[pile]


def current_card_id(page) -> int:
    return int(page.locator("#deck-card .card").get_attribute("data-id"))


def drop_point(target, to_end: bool = True) -> tuple[float, float]:
    """Where a person lets go: in a list, just below its last card (the first empty slot); on a card, its top."""
    box = target.bounding_box()
    assert box, "target not on screen"
    cards = target.locator(":scope > .card")
    if to_end and cards.count():
        last = cards.last.bounding_box()
        return box["x"] + box["width"] / 2, min(last["y"] + last["height"] + 14, box["y"] + box["height"] - 4)
    return box["x"] + box["width"] / 2, box["y"] + 14


def drag(page, source, target, *, to_bottom: bool = True) -> None:
    """A real pointer drag: press on the card, move in steps, let go over the target (SortableJS follows the
    pointer events, as it does for a person with a mouse)."""
    target.scroll_into_view_if_needed()
    source.scroll_into_view_if_needed()
    s = source.bounding_box()
    assert s, "source not on screen"
    page.mouse.move(s["x"] + s["width"] / 2, s["y"] + s["height"] / 2)
    page.mouse.down()
    page.mouse.move(s["x"] + s["width"] / 2 + 8, s["y"] + s["height"] / 2 + 8, steps=3)
    tx, ty = drop_point(target, to_bottom)
    page.mouse.move(tx, ty, steps=15)
    page.wait_for_timeout(150)
    if to_bottom:
        # the list now shows where the card would go (its placeholder moved the cards): aim again, as a person would
        tx, ty = drop_point(target, to_bottom)
    page.mouse.move(tx + 2, ty, steps=4)
    page.mouse.up()
    page.wait_for_timeout(150)  # SortableJS animates for 120 ms; measure the next drag after that


def focused(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
        return {id: e.dataset ? e.dataset.id : null, card: e.classList.contains('card'),
                tray: Boolean(e.closest('.tray-cards')), elid: e.id}; }""")


def watch(page) -> list[str]:
    """Collect console errors (a CSP violation shows up as one)."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    # Missing files, except the favicon browsers ask for on their own.
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    return problems


def place_the_rest(page, targets: dict[int, int]) -> dict:
    """Drag every card still in the tray to its target column, check the page shows ``targets``, continue;
    returns the grid as it was shown."""
    for sid, score in targets.items():
        if page.locator(f".tray .card[data-id='{sid}']").count():
            drag(page, page.locator(f".tray .card[data-id='{sid}']"),
                 page.locator(f".column[data-score='{score}'] .column-cards"))
    shown = shown_grid(page)
    assert {sid: int(score) for score, ids in shown.items() for sid in ids} == targets
    page.click("#grid-continue")
    page.wait_for_url(re.compile(r"/postsort$"))
    return shown


def log_in(page, base_url: str) -> None:
    """Log in as the researcher the studio tests make (ana@example.com)."""
    page.goto(base_url + "/auth/login")
    page.fill("input[name=email]", "ana@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/studio/**")

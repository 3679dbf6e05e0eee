"""A sort sent before and reopened with "Change my sort": the sorting page says so, in the participant's language,
with what will be kept, and what is sent again is what is stored. Never on a first sort, and never beside a message
that rules out sending it again (the study closed meanwhile). Screenshots at desktop and phone sizes."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from qsort.models import Participant, Placement, Sort, utcnow
from tests.browser.helpers import (
    READY, click_place, phone_place, pile_for, presort_key, shown_grid, start_sorting, stored_sort, target_scores,
    wait_saved, watch_console,
)
from tests.factories import make_study, valid_placements

pytestmark = pytest.mark.browser

NOTICE = "#resubmit-notice"
SHOTS = Path("/tmp/notice-shots")  # the screenshots the review looks at (also under test-artifacts/screenshots/)

NB_NOTICE = ("Du har sendt denne sorteringen før. Endre det du vil, og trykk så på Fortsett for å sende den på nytt. "
             "Kommentarene dine om kort som blir stående i de ytterste kolonnene, tas vare på. "
             "Svarene dine på spørsmålene tas vare på.")
NL_NOTICE = ("U hebt deze sortering al eens verstuurd. Verander wat u wilt en druk dan op Verder om de sortering "
             "opnieuw te versturen. Uw opmerkingen bij kaarten die in de buitenste kolommen blijven staan, worden "
             "bewaard. Uw antwoorden op de vragen worden bewaard.")


def keep_shot(path: Path, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / name)


def box(page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found, f"{selector} is not on screen"
    return found


def overlaps(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def assert_notice_beside_the_bars(page) -> None:
    """The notice sits in the page's flow under the heading: over neither the status bar at the top nor the
    footer with Continue, inside the screen's width, and the grid still starts on the first screen."""
    notice, heading = box(page, NOTICE), box(page, "#grid-heading")
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    assert notice["y"] >= heading["y"] + heading["height"] - 1
    assert notice["x"] >= 0 and notice["x"] + notice["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    for bar in (".sort-bar", ".grid-footer"):
        assert not overlaps(notice, box(page, bar)), bar
    phone = page.locator("#grid-phase").get_attribute("data-layout") == "phone"
    if phone:
        # the column bar, the column on screen and its first card: all on the first screen, under the notice
        for part in (".phone-overview", ".phone-column-head", ".phone-column-cards .card"):
            shown = box(page, part)
            assert notice["y"] + notice["height"] <= shown["y"] and shown["y"] + shown["height"] <= height, part
    else:
        first = box(page, "#grid-desktop .column")  # the leftmost column, its head and first card in view
        assert notice["y"] + notice["height"] <= first["y"] and first["x"] >= 0
        assert first["y"] + 80 <= height


def test_a_sort_sent_again_after_change_my_sort_desktop_nb(live_server, desktop_page, session, screenshot):
    page = desktop_page
    problems = watch_console(page)
    study, token = make_study(session)
    targets = target_scores(study)
    top, bottom = max(study.grid_scores), min(study.grid_scores)
    start_sorting(page, live_server.url, token, "nb")
    assert page.locator(NOTICE).is_hidden()  # a first sort: not on the presort ...
    for _ in range(len(targets)):
        sid = int(page.locator("#deck-card .card").get_attribute("data-id"))
        page.keyboard.press(presort_key(pile_for(targets[sid])))
    page.click("#presort-continue")
    page.wait_for_selector("#grid-phase:not([hidden])")
    assert page.locator(NOTICE).is_hidden()  # ... nor on its grid
    for sid, score in targets.items():
        click_place(page, sid, score)
    page.click("#grid-continue")
    page.wait_for_url(re.compile(r"/postsort$"))
    first = stored_sort(session, token)
    assert first.state == "sorted" and first.scores() == targets
    first_sent = first.grid_submitted_at

    # On the comments page: a comment on the card at the bottom (it will stay there), then "Change my sort".
    lowest = next(sid for sid, score in targets.items() if score == bottom)
    page.fill(f"#comment_{lowest}", "Ikke viktig for oss.")
    page.click("[name=back_to_grid]")
    page.wait_for_url(re.compile(r"/sort$"))
    page.wait_for_selector(READY, state="attached")
    notice = page.locator(NOTICE)
    assert notice.is_visible() and notice.get_attribute("role") == "status"
    assert " ".join(notice.inner_text().split()) == NB_NOTICE
    assert "Fortsett" == page.locator("#grid-continue").inner_text().strip()  # the button the notice names
    assert_notice_beside_the_bars(page)
    keep_shot(screenshot(page, "grid-with-notice", full_page=False), "desktop-1280x800-nb.png")
    for width in (800, 1000, 1100, 1200):  # the status bar on its own row (800) and beside the heading
        page.set_viewport_size({"width": width, "height": 800})
        page.wait_for_timeout(100)
        assert_notice_beside_the_bars(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    # Reopening the tab later: the notice is still there (it comes from the stored sort, not from this visit).
    page.reload()
    page.wait_for_selector(READY, state="attached")
    assert page.locator(NOTICE).is_visible()

    # Change one card: the top card and a middle one swap places.
    meant_top = next(sid for sid, score in targets.items() if score == top)
    middle = next(sid for sid, score in targets.items() if score == 0)
    click_place(page, meant_top, 0)
    click_place(page, middle, top)
    changed = {**targets, meant_top: 0, middle: top}
    assert {sid: int(score) for score, ids in shown_grid(page).items() for sid in ids} == changed
    wait_saved(page)
    assert page.locator(NOTICE).is_visible()  # saving changes nothing about it
    page.click("#grid-continue")
    page.wait_for_url(re.compile(r"/postsort$"))
    sort = stored_sort(session, token)
    assert sort.state == "sorted" and sort.scores() == changed  # the changed sort is the one stored
    assert sort.grid_submitted_at > first_sent
    # As the notice said: the comment on the card still at an end is kept and shown again.
    assert page.input_value(f"#comment_{lowest}") == "Ikke viktig for oss."
    assert page.input_value(f"#comment_{middle}") == ""
    page.click("[type=submit][name=submit]")
    page.wait_for_url(re.compile(r"/questions$"))
    page.check(f"input[name=q{study.questions[0].id}][value=decider]")
    page.click("[type=submit][name=submit]")
    page.wait_for_url(re.compile(r"/done$"))
    page.goto(f"{live_server.url}/s/{token}/sort")  # completed: locked as before, no grid and no notice
    assert page.locator(f"#grid-phase, {NOTICE}").count() == 0
    assert stored_sort(session, token).state == "submitted"
    assert problems == []


def test_a_sort_sent_again_from_the_questions_on_a_phone_nl(live_server, phone_page, session, screenshot):
    page = phone_page
    problems = watch_console(page)
    study, token = make_study(session)
    targets = target_scores(study)
    start_sorting(page, live_server.url, token, "nl")
    for _ in range(len(targets)):
        sid = int(page.locator("#deck-card .card").get_attribute("data-id"))
        page.locator(f".pile-btn[data-pile='{pile_for(targets[sid])}']").tap()
    page.locator("#presort-continue").tap()
    page.wait_for_selector("#grid-phase[data-layout='phone']")
    assert page.locator(NOTICE).is_hidden()  # a first sort
    for sid, score in targets.items():
        phone_place(page, sid, score)
    page.locator("#grid-continue").tap()
    page.locator(".review-continue").tap()
    page.wait_for_url(re.compile(r"/postsort$"))
    lowest = next(sid for sid, score in targets.items() if score == min(study.grid_scores))
    page.fill(f"#comment_{lowest}", "Niet belangrijk voor ons.")
    page.locator("[type=submit][name=submit]").tap()
    page.wait_for_url(re.compile(r"/questions$"))

    # An answer given on the questions after the sort, then "Change my sort" there.
    role = study.questions[0]
    page.locator(f"input[name=q{role.id}][value=decider]").check()
    page.locator("[name=back_to_grid]").tap()
    page.wait_for_url(re.compile(r"/sort$"))
    page.wait_for_selector(READY, state="attached")
    page.wait_for_selector("#grid-phase[data-layout='phone']")
    notice = page.locator(NOTICE)
    assert notice.is_visible()
    assert " ".join(notice.inner_text().split()) == NL_NOTICE
    assert_notice_beside_the_bars(page)
    keep_shot(screenshot(page, "grid-with-notice-360", full_page=False), "phone-360x740-nl.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(100)
    assert_notice_beside_the_bars(page)
    keep_shot(screenshot(page, "grid-with-notice-390", full_page=False), "phone-390x844-nl.png")
    keep_shot(screenshot(page, "grid-with-notice-390-whole", full_page=True), "phone-390x844-nl-whole-page.png")

    # Change one card: the top card and a middle one swap places; then the whole sort and its Continue.
    top = max(study.grid_scores)
    meant_top = next(sid for sid, score in targets.items() if score == top)
    middle = next(sid for sid, score in targets.items() if score == 0)
    phone_place(page, meant_top, 0, now=top)
    phone_place(page, middle, top, now=0)
    changed = {**targets, meant_top: 0, middle: top}
    wait_saved(page)
    page.locator("#grid-continue").tap()
    page.locator(".review-continue").tap()
    page.wait_for_url(re.compile(r"/postsort$"))
    sort = stored_sort(session, token)
    assert sort.state == "sorted" and sort.scores() == changed
    # As the notice said: the comment on the card still at an end, and the answer, are kept and shown again.
    assert page.input_value(f"#comment_{lowest}") == "Niet belangrijk voor ons."
    page.locator("[type=submit][name=submit]").tap()
    page.wait_for_url(re.compile(r"/questions$"))
    assert page.locator(f"input[name=q{role.id}][value=decider]").is_checked()
    assert problems == []


def test_the_notice_gives_way_when_the_study_closes_meanwhile(live_server, desktop_page, session):
    """A reopened sort whose study the researcher closes while the page is open: the next save is refused with
    the server's message, and the notice (which promises sending it again) goes."""
    page = desktop_page
    study, token = make_study(session)
    participant = session.query(Participant).filter_by(token=token).one()
    participant.consent = "given"
    sort = Sort(participant=participant, state="presorted", step="grid", grid_submitted_at=utcnow())
    session.add(sort)
    sort.placements = [Placement(**p) for p in valid_placements(study)]
    session.commit()
    page.goto(f"{live_server.url}/s/{token}/sort")
    page.wait_for_selector(READY, state="attached")
    assert page.locator(NOTICE).is_visible()
    study.status = "closed"
    session.commit()
    placed = valid_placements(study)
    sid = next(p["statement_id"] for p in placed if p["score"] == max(study.grid_scores))
    click_place(page, sid, 0)
    page.wait_for_selector("#save-status[data-status='error']", state="attached", timeout=10000)
    assert "closed" in page.locator("#save-status").inner_text()
    assert page.locator(NOTICE).is_hidden()


def reopened_demo_sort(session) -> str:
    """The demo study (40 cards, -4..+4, its own long grid instruction) in Norwegian, with a sort sent before and
    reopened: every card in the grid, the grid a draft again. Returns the participant's token."""
    from qsort.demo import build_study
    from qsort.models import User

    owner = User(email="sent-again@example.com", name="Owner", password_hash="not-a-login")
    study = build_study(owner)
    participant = Participant(study=study, source="invite", consent="given", language="nb")
    session.add_all([owner, study, participant])
    session.flush()
    sort = Sort(participant=participant, state="presorted", step="grid", grid_submitted_at=utcnow())
    session.add(sort)
    columns = [score for score, height in study.grid for _ in range(height)]
    slots: dict[int, int] = {}
    for statement, score in zip(study.statements, columns):
        sort.placements.append(Placement(statement=statement, score=score, slot=slots.setdefault(score, 0)))
        slots[score] += 1
    session.commit()
    return participant.token


def test_a_full_size_study_keeps_its_grid_on_the_first_screen(live_server, desktop_page, phone_page, session,
                                                               screenshot):
    """With the study's own instruction under the notice, the grid still starts on the first screen: on a phone
    (360x740 and 390x844) the column bar, the column and its first card; on a desktop the columns' heads."""
    token = reopened_demo_sort(session)
    for page, sizes in ((phone_page, [(360, 740), (390, 844)]), (desktop_page, [(1280, 800)])):
        page.goto(f"{live_server.url}/s/{token}/sort?lang=nb")
        page.wait_for_selector(READY, state="attached")
        assert page.locator(NOTICE).is_visible() and page.locator("#grid-instruction").is_visible()
        for width, height in sizes:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(100)
            assert_notice_beside_the_bars(page)
            kind = "phone" if width < 700 else "desktop"
            keep_shot(screenshot(page, f"demo-{width}", full_page=False), f"demo-{kind}-{width}x{height}-nb.png")

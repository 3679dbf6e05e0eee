"""Interviews in a real browser: two devices (two browser contexts: the interviewer's laptop starts the session
and shows a customer link, which the customer's tablet opens with no login and which stops working when the
session ends; the interviewer's grid follows the customer's moves, notes typed there are stored, survive a reload
and reach the exports and the participant page), one shared tablet (a whole session: the notes drawer folds away
during the sort), and paper entry by keyboard alone.
Screenshots of each step at tablet (1024x768), desktop and phone sizes go to test-artifacts/screenshots/."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from qsort.accounts import create_account, set_password
from qsort.models import InterviewerAssignment, InterviewSession, Note, Participant, Study
from tests.factories import PASSWORD
from tests.browser.helpers import (current_card_id, focused, pile_for, presort_key, target_scores,
                                        watch_console)
from tests.factories import make_study

pytestmark = pytest.mark.browser


@pytest.fixture
def study(session):
    study, _token = make_study(session, questions=[])
    study.interview_guide = [{"en": "What would you pay for, and what not?", "nl": "Waarvoor zou u betalen?"}]
    ivan = create_account(session, email="ivan@example.com", password=PASSWORD, name="Ivan", role="interviewer")
    study.interviewers.append(InterviewerAssignment(user=ivan))
    set_password(session, study.owner, PASSWORD)
    session.commit()
    return study


def context(browser, width, height, touch=False):
    return browser.new_context(viewport={"width": width, "height": height}, has_touch=touch)


def log_in(page, base, email="ivan@example.com"):
    page.goto(f"{base}/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url(re.compile(r"/(interview|studio)/$"))


def start_session(page, base, study, mode, code):
    page.goto(f"{base}/interview/studies/{study.id}")
    page.check("input[name=who][value=new]")
    page.fill("#code", code)
    page.fill("#name", "Kari Nordmann")
    page.fill("#account", "Nordic Metals")
    page.select_option("#buying_role", "decider")
    page.check(f"input[name=mode][value={mode}]")
    page.click("text=Start the session")


def through_welcome(frame, keyboard):
    """The customer: consent, instructions, to the sorting page."""
    frame.locator("input[type=checkbox]").first.check()
    frame.locator("[type=submit]").first.click()
    frame.wait_for_selector("text=Sort the statements by importance.")
    frame.locator("[type=submit]").last.click()
    frame.wait_for_selector("#sort-app[data-ready='true']", state="attached")


def presort_by_keyboard(frame, keyboard, targets):
    for _ in range(len(targets)):
        keyboard.press(presort_key(pile_for(targets[current_card_id(frame)])))
    for _ in range(30):
        if focused(frame)["elid"] == "presort-continue":
            break
        keyboard.press("Tab")
    keyboard.press("Enter")
    frame.wait_for_selector("#grid-phase:not([hidden])")


def place_by_keyboard(frame, keyboard, targets, count, first=True):
    """Place ``count`` cards from the trays into their target columns, by keyboard; returns the ids placed."""
    placed = []
    for i in range(count):
        for _ in range(40):
            if focused(frame)["tray"]:
                break
            keyboard.press("Tab" if first and i == 0 else "Shift+Tab")
        sid = int(focused(frame)["id"])
        keyboard.press("Enter")
        score = targets[sid]
        for key in (f"-{-score}" if score < 0 else str(score)):
            keyboard.press(key)
        keyboard.press("Enter")
        placed.append(sid)
    return placed


def submit_grid(frame, keyboard):
    for _ in range(60):
        if focused(frame)["elid"] == "grid-continue":
            break
        keyboard.press("Tab")
    keyboard.press("Enter")
    frame.wait_for_selector("text=/why|Why/")


def live_ids(page) -> dict[str, list[int]]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.live-column')]
        .map(c => [c.dataset.score, [...c.querySelectorAll('.live-card')].map(k => Number(k.dataset.statement))]))""")


def test_two_devices_the_interviewer_follows_and_notes_reach_every_export(live_server, browser, session, study,
                                                                          screenshot, app):
    base = live_server.url
    targets = target_scores(study)
    tablet_context, laptop_context = context(browser, 1024, 768, touch=True), context(browser, 1280, 800)
    tablet, laptop = tablet_context.new_page(), laptop_context.new_page()
    problems_t, problems_l = watch_console(tablet), watch_console(laptop)

    # The interviewer starts the session on their laptop, which shows the customer link and its QR code.
    log_in(laptop, base)
    start_session(laptop, base, study, "two", "NM-01")
    laptop.wait_for_url(re.compile(r"/customer$"))
    assert laptop.locator("[data-testid=customer-qr] svg").count() == 1
    customer_url = laptop.locator("[data-testid=customer-link]").input_value()
    laptop.click(".pair-other summary")
    code = laptop.locator("[data-testid=pairing-code]").inner_text().replace("\u202f", "").strip()
    assert len(code) == 6
    screenshot(laptop, "01-laptop-customer-link")
    person = session.scalar(select(Participant).where(Participant.code == "NM-01"))
    assert person.token not in customer_url and re.fullmatch(rf"{base}/s/[A-Za-z0-9_-]{{43}}", customer_url)

    # A second device of the interviewer's own (a phone) still pairs by the code.
    phone_context = context(browser, 360, 740, touch=True)
    phone = phone_context.new_page()
    log_in(phone, base)
    phone.fill("#pair-code", code.lower())
    phone.click("text=Follow the session")
    phone.wait_for_url(re.compile(r"/interview/sessions/\d+$"))
    phone.wait_for_selector("#step-name:text('Welcome')")
    # the hand-over page fits a phone too (an interviewer may show the QR code from theirs)
    phone.click("text=Customer's device")
    phone.wait_for_selector("[data-testid=customer-qr] svg")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 360
    screenshot(phone, "01-phone-customer-link")
    phone_context.close()

    # The customer's tablet (no camera here) opens /s/join and types the short code, which leads to the customer
    # link: no login there, and it never sees the participant's own token.
    customer_code = laptop.locator("[data-testid=customer-code]").inner_text().replace("\u202f", "").strip()
    assert tablet_context.cookies() == []
    tablet.goto(f"{base}/s/join")
    # the field has the focus (autofocus) before a key is typed: on a busy machine the first keys came too early
    tablet.wait_for_function("() => document.activeElement && document.activeElement.id === 'join-code'")
    tablet.keyboard.type(customer_code.lower())
    assert tablet.input_value("#join-code") == customer_code.lower()
    screenshot(tablet, "01-tablet-join")
    tablet.keyboard.press("Enter")
    tablet.wait_for_url(re.compile(r"/welcome$"))
    assert tablet.url == f"{customer_url}/welcome"
    screenshot(tablet, "01-tablet-customer-link-welcome")
    laptop.click("[data-testid=open-panel]")
    laptop.wait_for_url(re.compile(r"/interview/sessions/\d+$"))
    laptop.wait_for_selector("#step-name:text('Welcome')")

    # The customer sorts; the interviewer's screen follows.
    through_welcome(tablet, tablet.keyboard)
    laptop.wait_for_selector("#step-name:text('Pre-sort')", timeout=5000)
    presort_by_keyboard(tablet, tablet.keyboard, targets)
    placed = place_by_keyboard(tablet, tablet.keyboard, targets, 3)
    for sid in placed:  # within the debounce (0.6 s) plus a poll (1 s), with room for a slow machine
        laptop.wait_for_selector(f".live-column[data-score='{targets[sid]}'] .live-card[data-statement='{sid}']",
                                 timeout=6000)
    screenshot(tablet, "02-tablet-customer-sorting")
    screenshot(laptop, "03-laptop-following")

    # A note on a card (tap it in the live grid and type) and a general note.
    laptop.click(f".live-card[data-statement='{placed[0]}']")
    assert "Note on card" in laptop.locator("#note-target").inner_text()
    laptop.keyboard.type("Delivery on time is what they would pay for")
    laptop.click("#note-general")
    laptop.keyboard.type("Relationship: long-standing, feels like partners")
    laptop.wait_for_selector("#save-status[data-state='saved']", timeout=8000)
    session.expire_all()
    notes = session.scalars(select(Note).order_by(Note.created_at)).all()
    assert [(n.text, n.statement_id) for n in notes] == [
        ("Delivery on time is what they would pay for", placed[0]),
        ("Relationship: long-standing, feels like partners", None)]
    # The customer's screen was never touched: it still shows their own grid, three cards placed.
    assert tablet.locator("#grid-phase .column .card").count() == 3

    # A reload loses nothing.
    laptop.reload()
    laptop.wait_for_selector(".note:has-text('Delivery on time')")
    assert laptop.locator(".note:has-text('partners')").count() == 1
    laptop.wait_for_selector(f".live-card.noted[data-statement='{placed[0]}']")

    # The customer finishes; the interviewer's grid shows the whole sort and the prompts.
    rest = place_by_keyboard(tablet, tablet.keyboard, targets, len(targets) - 3, first=False)
    for sid in rest:
        laptop.wait_for_selector(f".live-column[data-score='{targets[sid]}'] .live-card[data-statement='{sid}']",
                                 timeout=6000)
    shown = live_ids(laptop)
    assert {sid: int(score) for score, ids in shown.items() for sid in ids} == targets
    submit_grid(tablet, tablet.keyboard)
    laptop.wait_for_selector(".prompt-most")
    screenshot(laptop, "04-laptop-complete")
    assert not problems_t + problems_l, problems_t + problems_l
    tablet.locator("[type=submit][name=submit]").click()  # postsort comments (optional): Continue
    tablet.wait_for_url(re.compile(r"/done$"))
    assert person.token not in tablet.content() and tablet.url.startswith(customer_url)
    # Nothing on the tablet is logged in: the interviewer's pages send it to the login form.
    tablet.goto(f"{base}/interview/")
    assert "/auth/login" in tablet.url
    assert tablet.request.get(f"{base}/interview/sessions/1/api/live", max_redirects=0).status == 302

    # The notes are on the participant page and in the xlsx and JSON exports.
    researcher = app.test_client()
    from tests.factories import login

    login(researcher, study.owner.email, PASSWORD)
    person = session.scalar(select(Participant).where(Participant.code == "NM-01"))
    page = researcher.get(f"/studio/{study.id}/participants/{person.id}").get_data(as_text=True)
    assert "Delivery on time is what they would pay for" in page and "feels like partners" in page
    book = load_workbook(io.BytesIO(researcher.get(f"/studio/{study.id}/data/export/xlsx").data))
    texts = [row[3] for row in book["notes"].iter_rows(min_row=2, values_only=True)]
    assert texts == ["Delivery on time is what they would pay for", "Relationship: long-standing, feels like partners"]
    document = researcher.get(f"/studio/{study.id}/data/export/json").get_json()
    exported = next(p for p in document["participants"] if p["code"] == "NM-01")["sort"]["notes"]
    assert [n["text"] for n in exported] == texts and exported[0]["author"] == "ivan@example.com"

    # Replay: the move log beside the notes.
    laptop.click("text=End the session")
    laptop.wait_for_url(re.compile(r"/replay$"))
    assert laptop.locator(".timeline li").count() >= len(targets) * 2  # presort and grid moves
    laptop.click("#replay-play")
    laptop.wait_for_timeout(400)
    assert laptop.locator(".timeline li.future").count() > 0
    screenshot(laptop, "05-laptop-replay")

    # The session has ended: the customer link opens nothing any more, its API neither.
    tablet.goto(customer_url)
    assert tablet.locator("[data-testid=customer-link-ended]").is_visible()
    assert tablet.request.get(f"{customer_url}/api/state").status == 410
    assert tablet.request.get(f"{customer_url}/sort").status == 410
    screenshot(tablet, "06-tablet-link-ended")
    tablet_context.close()
    laptop_context.close()


def test_one_device_a_complete_session(live_server, browser, session, study, screenshot):
    base = live_server.url
    targets = target_scores(study)
    tablet_context = context(browser, 1024, 768, touch=True)
    tablet = tablet_context.new_page()
    problems = watch_console(tablet)
    log_in(tablet, base)
    start_session(tablet, base, study, "one", "ONE-1")
    tablet.wait_for_url(re.compile(r"/interview/sessions/\d+$"))
    tablet.wait_for_selector("#step-name:text('Welcome')")
    assert tablet.locator("#drawer").is_visible()  # open before the sort: context, guide
    assert tablet.locator(".guide li").first.inner_text() == "What would you pay for, and what not?"
    tablet.select_option("#ctx-stage", "friends")
    tablet.click("text=Save the context")
    tablet.wait_for_selector("#step-name:text('Welcome')")
    screenshot(tablet, "01-before-the-sort")

    frame = tablet.frame_locator("#customer-frame")
    inner = next(f for f in tablet.frames if f.url.endswith("/welcome"))
    through_welcome(inner, tablet.keyboard)
    tablet.wait_for_selector("#panel.drawer-closed", state="attached", timeout=5000)
    assert not tablet.locator("#drawer").is_visible()  # folded away during the sort
    inner.click("#deck-card .card")  # focus inside the frame for the keyboard
    presort_by_keyboard(inner, tablet.keyboard, targets)
    place_by_keyboard(inner, tablet.keyboard, targets, len(targets))
    screenshot(tablet, "02-sorting-drawer-folded")
    # the interviewer may open the drawer for a moment, and fold it again
    tablet.click("#drawer-toggle")
    assert tablet.locator("#drawer").is_visible()
    screenshot(tablet, "03-drawer-open-during-sort")
    tablet.click("#drawer-toggle")
    submit_grid(inner, tablet.keyboard)
    tablet.wait_for_selector("#panel:not(.drawer-closed)", timeout=5000)  # after the sort it opens again
    tablet.click("#note-general")
    tablet.keyboard.type("Talked a lot about the account manager")
    tablet.wait_for_selector("#save-status[data-state='saved']", timeout=8000)
    frame.locator("[type=submit][name=submit]").click()  # postsort: Continue (not "Change my sort")
    tablet.wait_for_selector("#step-name:text('Done')", timeout=5000)
    tablet.click("text=End the session")
    tablet.wait_for_url(re.compile(r"/replay$"))
    assert "Talked a lot about the account manager" in tablet.locator(".note-list").inner_text()
    screenshot(tablet, "04-replay")
    session.expire_all()
    person = session.scalar(select(Participant).where(Participant.code == "ONE-1"))
    assert person.sort.state == "submitted" and person.sort.source == "interview"
    assert person.sort.scores() == targets
    assert person.attributes["relationship_stage"] == "friends"
    assert session.scalar(select(InterviewSession)).ended_at is not None
    assert not problems, problems
    tablet_context.close()


def test_paper_sort_by_keyboard_alone(live_server, desktop_page, phone_page, session, study, screenshot):
    page = desktop_page
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/interview/studies/{study.id}/paper")
    page.check("input[name=who][value=new]")
    page.fill("#code", "PAPER-7")
    page.focus("#column-2")
    # columns -2..2 (heights 1,2,3,2,1): one mistake on purpose, seen at once, then corrected
    for text in ("9", "7 8", "4 5 5", "2 3", "1"):
        page.keyboard.type(text)
        page.keyboard.press("Enter")
    problems = page.locator("#paper-problems li").all_inner_texts()
    assert "Statement 5 is in column 0 and again in column 0." in problems
    assert "Statement 6 is in no column." in problems
    screenshot(page, "01-mistakes-shown")
    page.fill("#column0", "4 5 6")
    assert page.locator("#paper-problems li").all_inner_texts() == ["No mistakes: every statement is placed once."]
    page.focus("#column2")
    page.keyboard.press("Enter")  # the last column's Enter goes to the button
    page.keyboard.press("Enter")
    page.wait_for_selector("text=The paper sort of PAPER-7 is stored.")
    session.expire_all()
    person = session.scalar(select(Participant).where(Participant.code == "PAPER-7"))
    number = {s.id: k + 1 for k, s in enumerate(session.get(Study, study.id).statements)}
    assert {number[p.statement_id]: p.score for p in person.sort.placements} == {
        9: -2, 7: -1, 8: -1, 4: 0, 5: 0, 6: 0, 2: 1, 3: 1, 1: 2}
    assert person.sort.source == "paper" and person.sort.state == "submitted"
    # phone: the page stays usable
    log_in(phone_page, live_server.url)
    phone_page.goto(f"{live_server.url}/interview/studies/{study.id}/paper")
    screenshot(phone_page, "02-phone")
    shown = {"cards": "Stelling nummer 1", "grid": "Test study", "guide": "Waarvoor zou u betalen?"}
    for what, expected in shown.items():
        page.goto(f"{live_server.url}/interview/studies/{study.id}/print/{what}?language=nl")
        assert expected in page.content()
        if what == "grid":
            assert page.locator(".grid-sheet td.slot").count() == 9
        page.emulate_media(media="print")
        screenshot(page, f"03-print-{what}")
        page.emulate_media(media="screen")


def clock_seconds(page, selector: str) -> int:
    minutes, seconds = page.locator(selector).inner_text().split(":")[-2:]
    return int(minutes) * 60 + int(seconds)


def test_step_timers_count_from_the_servers_step_times_drawer_open_or_folded(live_server, browser, session,
                                                                           study, screenshot):
    """The customer reached the grid ten minutes ago, the session began twenty minutes ago; the interviewer
    opens the panel only now (one device: the drawer is folded during the sort). The timers say 10 and 20
    minutes, and go on counting with the page's clock (injected: Playwright's fake clock), drawer open or not."""
    from datetime import timedelta

    from qsort.models import Sort, utcnow

    ivan = session.scalar(select(InterviewerAssignment)).user
    person = Participant(study=study, code="T-1", source="interview", consent="given")
    session.add(person)
    person.sort = Sort(state="presorted", step="grid", source="interview", entered_by_id=ivan.id)
    now = utcnow()
    interview = InterviewSession(study=study, participant=person, interviewer=ivan, mode="one",
                                 pairing_code="TIMER1", started_at=now - timedelta(minutes=20),
                                 step_times={"welcome": (now - timedelta(minutes=20)).isoformat(),
                                             "grid": (now - timedelta(minutes=10)).isoformat()})
    session.add(interview)
    session.commit()
    page = context(browser, 1024, 768, touch=True).new_page()
    log_in(page, live_server.url)
    page.clock.install()
    page.goto(f"{live_server.url}/interview/sessions/{interview.id}")
    page.wait_for_selector("#step-name:text('Grid')")
    page.wait_for_selector("#panel.drawer-closed", state="attached")
    step, whole = clock_seconds(page, "#step-timer"), clock_seconds(page, "#session-timer")
    assert 600 <= step < 660 and 1200 <= whole < 1260, (step, whole)  # not 0:00 from when the page opened
    page.clock.fast_forward("02:00")  # drawer folded: the timers go on
    assert 120 <= clock_seconds(page, "#step-timer") - step < 125
    page.click("#drawer-toggle")
    assert page.locator("#drawer").is_visible()
    page.clock.fast_forward("01:00")  # drawer open: the same
    assert 180 <= clock_seconds(page, "#step-timer") - step < 185
    assert 180 <= clock_seconds(page, "#session-timer") - whole < 185
    screenshot(page, "01-timers-drawer-open")


def test_replay_steps_through_the_stored_move_log_beside_the_notes(live_server, browser, session, study,
                                                                   screenshot):
    """At every position of the replay the piles and the grid are what the stored move log says they were then;
    the move of the moment and the notes written then are marked, a note shows the sort as it was then."""
    from datetime import datetime, timedelta

    from qsort.models import Move, Placement, Sort

    ivan = session.scalar(select(InterviewerAssignment)).user
    person = Participant(study=study, code="R-1", source="interview", consent="given")
    session.add(person)
    ids = [s.id for s in study.statements]
    targets = target_scores(study)
    piles = {sid: "agree" if score > 0 else "disagree" if score < 0 else "neutral" for sid, score in targets.items()}
    t0 = datetime(2026, 5, 4, 10, 0, 0)
    log = [(sid, "deck", f"pile:{piles[sid]}") for sid in ids]
    log += [(sid, f"pile:{piles[sid]}", f"grid:{-targets[sid] if targets[sid] else 1}") for sid in ids[:4]]
    log += [(sid, f"grid:{-targets[sid] if targets[sid] else 1}", f"grid:{targets[sid]}") for sid in ids[:4]]
    log += [(sid, f"pile:{piles[sid]}", f"grid:{targets[sid]}") for sid in ids[4:]]
    person.sort = Sort(state="submitted", step="done", source="interview", entered_by_id=ivan.id,
                       placements=[Placement(statement_id=sid, score=score, slot=0) for sid, score in targets.items()],
                       moves=[Move(statement_id=sid, from_place=a, to_place=b, client_seq=k,
                                   client_time=t0 + timedelta(seconds=k)) for k, (sid, a, b) in enumerate(log)])
    person.sort.notes = [Note(author_id=ivan.id, client_id="note-at-4-5s", text="Hesitated over the price card",
                              kind="general", created_at=t0 + timedelta(seconds=4.5))]
    interview = InterviewSession(study=study, participant=person, interviewer=ivan, mode="two",
                                 pairing_code="REPLAY", started_at=t0, ended_at=t0 + timedelta(minutes=5),
                                 step_times={})
    session.add(interview)
    session.commit()
    number = {sid: k + 1 for k, sid in enumerate(ids)}

    def expected(n: int) -> tuple[dict[str, list[int]], dict[str, list[int]], int]:
        """From the stored log: the grid and piles after its first ``n`` moves, and how many are on the deck."""
        stored = sorted(session.get(Sort, person.sort.id).moves, key=lambda m: (m.client_time, m.client_seq, m.id))
        where = {m.statement_id: m.to_place for m in stored[:n]}
        grid = {str(score): sorted(number[s] for s, p in where.items() if p == f"grid:{score}")
                for score in study.grid_scores}
        pile = {p: sorted(number[s] for s, place in where.items() if place == f"pile:{p}")
                for p in ("agree", "neutral", "disagree")}
        return grid, pile, len(ids) - len(where)

    def shown(page) -> tuple[dict[str, list[int]], dict[str, list[int]], int]:
        return tuple(page.evaluate(r"""() => {
            const nums = (box) => [...box.querySelectorAll('.live-card')].map((c) => Number(c.textContent.slice(1)))
                .sort((a, b) => a - b);
            const grid = Object.fromEntries([...document.querySelectorAll('#replay-grid .live-column')]
                .map((c) => [c.dataset.score, nums(c)]));
            const piles = Object.fromEntries(['agree', 'neutral', 'disagree'].map((p) =>
                [p, nums(document.querySelector(`#replay-piles [data-place="pile:${p}"]`))]));
            const deck = document.querySelector('#replay-piles [data-place="deck"] .live-score').textContent;
            return [grid, piles, Number(deck.match(/\((\d+)\)/)[1])];
        }"""))

    page = context(browser, 1280, 800).new_page()
    problems = watch_console(page)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/interview/sessions/{interview.id}/replay")
    assert page.locator(".timeline li").count() == len(log)
    assert shown(page) == expected(len(log))  # the end: the submitted sort
    page.focus("#replay-scrub")
    page.keyboard.press("Home")
    assert shown(page) == expected(0) and page.locator(".timeline li.future").count() == len(log)
    for n in range(1, len(log) + 1):  # step by step, each position against the stored log
        page.click("#replay-next")
        assert shown(page) == expected(n), n
        assert page.locator(".timeline li.now").get_attribute("data-statement") == str(log[n - 1][0])
    assert page.locator("#replay-position").inner_text() == f"Move {len(log)} of {len(log)}"
    first_grid = page.locator(".timeline li").nth(len(ids)).locator(".where").inner_text()
    a, b = log[len(ids)][1:]
    assert first_grid == f"{a[5:].capitalize()} pile → Column {'+' if int(b[5:]) > 0 else ''}{b[5:]}"
    page.click(".note-list .note")  # written 4.5 s in: after the fifth move
    assert page.locator("#replay-position").inner_text() == f"Move 5 of {len(log)}"
    assert shown(page) == expected(5) and page.locator(".note-list .note.now").count() == 1
    page.click("#replay-prev")
    assert shown(page) == expected(4) and page.locator(".note-list .note.future").count() == 1
    page.locator(".timeline li").nth(len(ids) + 2).click()
    assert shown(page) == expected(len(ids) + 3)
    screenshot(page, "01-desktop")
    page.set_viewport_size({"width": 1024, "height": 768})
    screenshot(page, "02-tablet")
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    screenshot(page, "03-phone")
    assert not problems, problems


KEYS_PER_CARD = 3.5  # numbers of at most two digits, one separator each, and a few keys to start and send


def test_a_40_card_paper_sort_by_keyboard_within_the_key_budget(live_server, browser, session, screenshot):
    """The target "a 40-card sort entered with the keyboard alone in under two minutes", as a key budget (the
    time at a human speed: benchmarks/paper_entry.py). No mouse: the page counts pointer presses too."""
    from tests.browser.paper_keyboard import COUNT_EVENTS, counted, sheet_for, type_sheet

    study, _token = make_study(session, 40)
    ivan = create_account(session, email="ivan@example.com", password=PASSWORD, name="Ivan", role="interviewer")
    study.interviewers.append(InterviewerAssignment(user=ivan))
    session.commit()
    invited = study.participants[0]
    sheet = sheet_for(study)
    page = context(browser, 1280, 800).new_page()
    log_in(page, live_server.url)
    page.add_init_script(COUNT_EVENTS)
    page.goto(f"{live_server.url}/interview/studies/{study.id}/paper")
    assert page.evaluate("() => document.activeElement.name") == "participant"  # the keyboard starts there
    keys = type_sheet(page, sheet)
    page.wait_for_selector("text=The paper sort of")
    received, pointer = counted(page)
    assert pointer == 0
    # every key the page received is one of ours, and they are within the budget
    assert received == len(keys) <= KEYS_PER_CARD * 40, (received, len(keys))
    session.expire_all()
    number = {s.id: k + 1 for k, s in enumerate(session.get(Study, study.id).statements)}
    stored = {number[p.statement_id]: p.score for p in session.get(Participant, invited.id).sort.placements}
    assert stored == {n: score for score, numbers in sheet.items() for n in numbers}
    assert session.get(Participant, invited.id).sort.entered_by_id == ivan.id


def test_paper_entry_counts_each_column_as_it_is_typed(live_server, desktop_page, session, study, screenshot):
    page = desktop_page
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/interview/studies/{study.id}/paper")
    page.wait_for_function("() => document.activeElement && document.activeElement.name === 'participant'")
    page.keyboard.press("Enter")  # from the invited participant to the first column
    assert page.evaluate("() => document.activeElement.id") == "column-2"
    page.keyboard.type("9 ")  # column -2 holds one card: the space goes on to column -1
    assert page.evaluate("() => document.activeElement.id") == "column-1"
    page.keyboard.type("7 8 4 5")  # column -1 is full after 8: the space goes on to column 0
    assert page.evaluate("() => document.activeElement.id") == "column0"
    assert page.locator("#count0").inner_text() == "2/3" and page.locator("#count0").get_attribute("data-state") == ""
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("End")
    page.keyboard.type(",6")  # one too many in column -1: the column says so at once
    assert page.locator("#count-2").inner_text() == "1/1"
    assert page.locator("#count-2").get_attribute("data-state") == "full"
    assert page.locator("#count-1").inner_text() == "3/2"
    assert page.locator("#count-1").get_attribute("data-state") == "over"
    assert "Column -1 holds 3 cards, but has room for 2." in page.locator("#paper-problems").inner_text()
    screenshot(page, "01-counts")
    page.set_viewport_size({"width": 1024, "height": 768})
    screenshot(page, "02-counts-tablet")


def test_the_panel_on_a_phone_as_the_second_device(live_server, phone_page, session, study, screenshot):
    """An interviewer may follow on a phone: the panel fits 360 px (no sideways scrolling) and a card still
    takes a note."""
    from qsort.models import Placement, Sort

    ivan = session.scalar(select(InterviewerAssignment)).user
    person = Participant(study=study, code="PH-1", source="interview")
    session.add(person)    # before study.statements loads (and autoflushes)
    person.sort = Sort(state="started", step="grid", source="interview", entered_by_id=ivan.id)
    person.sort.placements = [Placement(statement_id=s.id, score=score, slot=0)
                              for s, score in zip(study.statements, [2, -2, 1])]
    session.add(InterviewSession(study=study, participant=person, interviewer=ivan, pairing_code="PHONE2",
                                 step_times={}))
    session.commit()
    page = phone_page
    log_in(page, live_server.url)
    page.fill("#pair-code", "PHONE2")
    page.click("text=Follow the session")
    page.wait_for_selector(".live-card[data-statement]")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > 361)
        .map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))
        .slice(0, 12)""")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, wide  # the phone is 360 px wide
    screenshot(page, "01-phone-panel")
    page.locator(".live-card").first.click()
    page.keyboard.type("Said price first")
    page.wait_for_selector("#save-status[data-state='saved']", timeout=8000)
    session.expire_all()
    assert [n.text for n in session.scalars(select(Note))] == ["Said price first"]

"""Checking the whole sort before it counts (issue 11): the phone's whole-grid overview, going back to the grid
from the comments page until the final submit, and the language of every participant page (nl, nb)."""
from __future__ import annotations

import re

import pytest

from tests.browser.helpers import (
    click_place, phone_place, pile_for, shown_grid, start_sorting, stored_columns, stored_sort, target_scores,
    watch_console, wait_saved,
)
from tests.factories import make_study

pytestmark = pytest.mark.browser


def phone_presort(page, study, targets) -> None:
    for _ in range(len(study.statements)):
        sid = int(page.locator("#deck-card .card").get_attribute("data-id"))
        page.locator(f".pile-btn[data-pile='{pile_for(targets[sid])}']").tap()
    page.locator("#presort-continue").tap()
    page.wait_for_selector("#grid-phase[data-layout='phone']")


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


# ----- back to the grid from the comments page ---------------------------------------------------------------------

def test_a_misplaced_card_noticed_on_the_comments_page_is_fixed(live_server, desktop_page, session, screenshot):
    page = desktop_page
    problems = watch_console(page)
    study, token = make_study(session)
    targets = target_scores(study)
    top, bottom = max(study.grid_scores), min(study.grid_scores)
    meant_top = next(sid for sid, score in targets.items() if score == top)
    meant_middle = next(sid for sid, score in targets.items() if score == 0)
    lowest = next(sid for sid, score in targets.items() if score == bottom)
    # The sort as submitted by mistake: the card meant for the top in the middle, and a middle one at the top.
    submitted = {**targets, meant_top: 0, meant_middle: top}
    start_sorting(page, live_server.url, token)
    for _ in range(len(targets)):
        sid = int(page.locator("#deck-card .card").get_attribute("data-id"))
        page.click(f".pile-btn[data-pile='{pile_for(targets[sid])}']")
    page.click("#presort-continue")
    page.wait_for_selector("#grid-phase:not([hidden])")
    for sid, score in submitted.items():
        click_place(page, sid, score)
    page.click("#grid-continue")
    page.wait_for_url(re.compile(r"/postsort$"))
    assert stored_sort(session, token).state == "sorted"

    # On the comments page the mistake shows: a comment typed, another started, then "Change my sort".
    text = study.statements[[s.id for s in study.statements].index(meant_middle)].text
    assert text in page.locator(".card-group").first.inner_text()
    page.fill(f"#comment_{lowest}", "Not relevant for a small buyer like us.")
    page.fill(f"#comment_{meant_middle}", "Hm, this is not what I meant")
    screenshot(page, "01-comments-before-going-back", full_page=False)
    page.click("button[name=back_to_grid], input[name=back_to_grid]")
    page.wait_for_url(re.compile(r"/sort$"))
    page.wait_for_selector("#grid-phase:not([hidden])")
    assert {sid: int(score) for score, ids in shown_grid(page).items() for sid in ids} == submitted
    assert stored_sort(session, token).state == "presorted"  # a draft again until it is submitted again
    screenshot(page, "02-grid-again", full_page=False)

    click_place(page, meant_middle, 0)
    click_place(page, meant_top, top)
    shown = shown_grid(page)
    assert {sid: int(score) for score, ids in shown.items() for sid in ids} == targets
    wait_saved(page)
    page.click("#grid-continue")
    page.wait_for_url(re.compile(r"/postsort$"))
    # The comment on the card still at an end is there again; the card now at the top has an empty box.
    assert page.input_value(f"#comment_{lowest}") == "Not relevant for a small buyer like us."
    assert page.input_value(f"#comment_{meant_top}") == ""
    assert page.locator(f"#comment_{meant_middle}").count() == 0
    page.fill(f"#comment_{meant_top}", "This one matters most.")
    screenshot(page, "03-comments-after-the-fix", full_page=False)
    page.click("[type=submit][name=submit]")
    page.wait_for_url(re.compile(r"/questions$"))

    sort = stored_sort(session, token)
    assert sort.state == "sorted" and sort.scores() == targets
    assert stored_columns(sort) == {k: v for k, v in shown.items() if v}
    assert {c.statement_id: c.text for c in sort.comments if c.text} == {
        lowest: "Not relevant for a small buyer like us.", meant_top: "This one matters most."}
    # Until the final submit the questions page offers the way back too; after it, the sort is locked.
    assert page.locator("[name=back_to_grid]").is_visible()
    role = study.questions[0]
    page.check(f"input[name=q{role.id}][value=decider]")
    page.click("[type=submit][name=submit]")
    page.wait_for_url(re.compile(r"/done$"))
    for path in ("/sort", "/postsort", "/questions"):  # no grid, no way back: the completed page
        page.goto(f"{live_server.url}/s/{token}{path}")
        assert page.locator("#grid-phase, [name=back_to_grid]").count() == 0
        assert "Already completed" in page.locator("h1").inner_text()
    assert stored_sort(session, token).state == "submitted"
    assert problems == []


# ----- a Dutch (Norwegian) study speaks only Dutch (Norwegian) --------------------------------------------------------

def english_messages(language: str) -> tuple[set[str], set[str]]:
    """The English UI texts of the participant's pages (the en catalogue's msgids from the respond sources, the
    sorting page's script strings included), split at their placeholders: (phrases of several words, single
    words). Messages whose translation is the English text itself ("OK") are left out."""
    from babel.support import Translations

    from tests.catalogues import TRANSLATIONS, respond_messages

    translations = Translations.load(str(TRANSLATIONS), [language])
    phrases, words = set(), set()
    for message in respond_messages():
        if translations.gettext(message) == message:
            continue
        for part in re.split(r"%\(\w+\)s|\{\w+\}|%s", message):
            part = part.strip(" .,:;!?“”\"'()·–-…")
            if " " in part:
                phrases.add(part)
            elif len(part) >= 3:
                words.add(part)
    return phrases, words


def page_texts(page) -> str:
    """Everything a participant can read on the page: the visible text, button values, tooltips, labels for
    screen readers, placeholders and the window title."""
    return page.evaluate("""() => [document.title, document.body.innerText,
        ...[...document.querySelectorAll('input[type=submit], input[type=button]')].map(e => e.value),
        ...[...document.querySelectorAll('[title], [aria-label], [placeholder]')].flatMap(e =>
            [e.getAttribute('title'), e.getAttribute('aria-label'), e.getAttribute('placeholder')])
    ].filter(Boolean).join('\\n')""")


def english_on(page, phrases: set[str], words: set[str], study_english: set[str]) -> list[str]:
    text = page_texts(page)
    found = [p for p in phrases if p in text]
    found += [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
    found += [s for s in study_english if s in text]
    return sorted(found)


@pytest.mark.parametrize("language", ["nl", "nb"])
def test_a_dutch_or_norwegian_study_shows_no_english_on_any_step(live_server, desktop_page, phone_page, session,
                                                                 screenshot, language):
    """The demo study with only Dutch (Norwegian) as its language, opened by an English browser: every page,
    from the welcome to the thank-you page, in that language (the UI and the study's own texts)."""
    from qsort.demo import build_study
    from qsort.models import Participant, User

    owner = User(email=f"{language}-study@example.com", name="NL", password_hash="not-a-login")
    study = build_study(owner)
    study.languages, study.default_language = [language], language
    participant = Participant(study=study, source="invite")
    session.add_all([owner, study, participant])
    session.commit()
    phrases, words = english_messages(language)
    assert len(phrases) > 100 and "Continue" in words  # the extraction itself works
    english = {s.text_in("en") for s in study.statements} | {study.text("title", "en"), study.text("welcome", "en")}
    english |= {q.prompt["en"] for q in study.questions}
    title = study.text("title", language)
    assert title and title not in english
    problems = watch_console(page := desktop_page)
    leaks = {}

    def check(step: str) -> None:
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.lang") == language, step
        assert title in page.locator(".respond-title").inner_text(), step
        found = english_on(page, phrases, words, english)
        if found:
            leaks[step] = found
        screenshot(page, f"{language}-{step}", full_page=False)

    page.set_extra_http_headers({"Accept-Language": "en-US,en;q=0.9"})
    page.goto(f"{live_server.url}/s/{participant.token}")
    check("welcome")
    page.locator("input[type=checkbox]").first.check()
    page.locator("[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/instructions$"))
    check("instructions")
    page.locator("[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/sort$"))
    page.wait_for_selector("[data-ready='true']", state="attached")
    check("presort")
    for k in range(len(study.statements)):
        page.keyboard.press("123"[k % 3])
    check("presort-done")
    page.click("#presort-continue")
    page.wait_for_selector("#grid-phase:not([hidden])")
    labels = study.labels
    assert labels["most"][language] in page.locator(".grid-end-most").inner_text()
    check("grid")
    page.locator(".tray-cards .card").first.focus()
    for score, height in study.grid:
        for _ in range(height):
            page.keyboard.press("Enter")
            page.keyboard.type(str(score))
            page.keyboard.press("Enter")
    check("grid-complete")
    page.click("#grid-continue")
    page.wait_for_url(re.compile(r"/postsort$"))
    check("postsort")
    page.click("[type=submit][name=submit]")
    page.wait_for_url(re.compile(r"/questions$"))
    check("questions")
    page.click("[type=submit][name=submit]")  # the required question unanswered: the error message
    check("questions-error")
    page.locator("fieldset").first.locator("input").first.check()
    page.click("[type=submit][name=submit]")
    page.wait_for_url(re.compile(r"/done$"))
    check("done")
    assert leaks == {}, f"English on the {language} pages"
    assert [p for p in problems if "422" not in p] == []  # 422: the questions page refused the missing answer
    # The check itself finds English: two texts of the English catalogue put on the page are reported.
    page.evaluate("document.body.append('Continue to the grid', document.createElement('br'), 'Undo')")
    assert {"Continue to the grid", "Undo"} <= set(english_on(page, phrases, words, english))

    # The phone's own parts (the column view and the whole-sort overview) on a second participant.
    other = Participant(study=study, source="invite")
    session.add(other)
    session.commit()
    page = phone_page
    page.set_extra_http_headers({"Accept-Language": "en-US,en;q=0.9"})
    start_sorting(page, live_server.url, other.token)
    for _ in range(len(study.statements)):
        page.locator(".pile-btn").first.tap()
    page.locator("#presort-continue").tap()
    page.wait_for_selector("#grid-phase[data-layout='phone']")
    page.locator(".phone-tray-cards .card").first.tap()
    check("phone-selected")
    page.locator(".bar-cancel").tap()
    page.locator(".review-open").tap()
    check("phone-overview")
    assert leaks == {}, f"English on the {language} phone pages"


# ----- the satisfaction scale on a phone ------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "nl", "nb"])
def test_the_1_to_5_scale_stays_one_row_on_a_phone(live_server, phone_page, session, screenshot, language):
    """The demo's "Overall, I am satisfied ..." (1-5, both ends labelled) on a 360 px phone: five options side by
    side, in order, inside the screen, their end labels readable (no word split inside)."""
    from qsort.demo import build_study
    from qsort.models import Participant, Placement, Sort, User

    owner = User(email=f"scale-{language}@example.com", name="Scale", password_hash="not-a-login")
    study = build_study(owner)
    participant = Participant(study=study, source="invite", consent="given", language=language)
    session.add_all([owner, study, participant])
    session.flush()
    # A sort submitted and commented on: the participant is at the questions after the sort.
    sort = Sort(participant=participant, state="sorted", step="questions")
    session.add(sort)
    columns = [score for score, height in study.grid for _ in range(height)]
    sort.placements = [Placement(statement=s, score=score, slot=0) for s, score in zip(study.statements, columns)]
    session.commit()
    likert = next(q for q in study.questions if q.kind == "likert")
    page = phone_page
    page.goto(f"{live_server.url}/s/{participant.token}/questions?lang={language}")
    fieldset = page.locator(f"#q{likert.id}")
    fieldset.scroll_into_view_if_needed()
    screenshot(page, f"{language}-scale", full_page=False)
    options = fieldset.locator("label.check")
    assert options.count() == 5
    boxes = [options.nth(i).bounding_box() for i in range(5)]
    assert len({round(b["y"]) for b in boxes}) == 1, f"the scale wraps: {boxes}"
    assert [b["x"] for b in boxes] == sorted(b["x"] for b in boxes)
    assert boxes[0]["x"] >= 0 and boxes[-1]["x"] + boxes[-1]["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    values = fieldset.locator("input").evaluate_all("inputs => inputs.map(i => i.value)")
    assert values == ["1", "2", "3", "4", "5"]
    ends = [options.nth(i).inner_text() for i in (0, 4)]
    assert likert.settings["labels"][0][language] in ends[0].replace("\n", " ")
    assert likert.settings["labels"][4][language] in ends[1].replace("\n", " ")
    # every word of the end labels on one line (the label may wrap between words, never inside one)
    split = page.evaluate("""(id) => {
        const broken = [];
        for (const span of document.querySelectorAll(`#${id} label.check span`)) {
            const node = span.firstChild; if (!node) continue;
            const re = /\\S+/g; let m;
            while ((m = re.exec(node.data))) {
                const r = document.createRange(); r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
                if (new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1) broken.push(m[0]);
            }
        }
        return broken; }""", f"q{likert.id}")
    assert split == []

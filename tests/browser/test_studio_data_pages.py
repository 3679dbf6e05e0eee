"""The participants and data pages in a real browser, at desktop and phone size: they render without CSP
violations or console errors, the copy button copies, the open link turns on, and screenshots are taken
(test-artifacts/screenshots/) to look at."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in, watch
from tests.factories import (SORT_A, SORT_B, SORT_C, columns_of, make_participant, make_supplier_study,
                             make_user)


@pytest.fixture
def filled_study(session):
    study = make_supplier_study(session, make_user(session))
    make_participant(session, study, "C01", name="Ann Smith", state="submitted", scores=SORT_A,
                     attributes={"account": "Acme Ltd", "revenue_band": "A", "region": "North"})
    make_participant(session, study, "C02", name="Bo Jensen", state="submitted", scores=SORT_B, minutes=25)
    make_participant(session, study, "C03", name="Cy Doe", state="presorted", scores=SORT_C, with_extras=False)
    make_participant(session, study, "C04", name="Di Long-Name-Of-A-Contact", state="started")
    make_participant(session, study, "C05", name="Ed Park")
    return study




@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_participants_and_data_pages(live_server, filled_study, request, screenshot, size):
    page = request.getfixturevalue(f"{size}_page")
    problems = watch(page)
    log_in(page, live_server.url)
    base = f"{live_server.url}/studio/{filled_study.id}"

    page.goto(base + "/participants")
    assert page.locator("tr[data-status]").count() == 5
    screenshot(page, f"{size}-participants")

    page.goto(base + "/participants?status=completed")
    assert page.locator("tr[data-status]").count() == 2

    c01 = next(p for p in filled_study.participants if p.code == "C01")
    page.goto(f"{base}/participants/{c01.id}")
    assert page.locator(".sort-column").count() == 5
    shown = {int(column.locator(".column-score").inner_text()): column.locator(".card-code").all_inner_texts()
             for column in page.locator(".sort-column").all()}
    assert shown == columns_of(SORT_A), "each card in the column the participant put it in"
    screenshot(page, f"{size}-participant")

    page.goto(base + "/participants/import")
    screenshot(page, f"{size}-invite-import")
    page.goto(base + "/data")
    screenshot(page, f"{size}-data")
    page.goto(base + "/data/import")
    screenshot(page, f"{size}-import")
    assert problems == []


def test_invite_copy_and_open_link(live_server, filled_study, desktop_page, screenshot):
    page = desktop_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    problems = watch(page)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/studio/{filled_study.id}/participants")
    page.click("text=Invite a participant")  # folded away once there are participants
    page.fill("#name", "Fay Olsen")
    page.fill("#email", "fay@example.com")
    page.fill("#account", "Fjord AS")
    page.click("text=Create invite link")
    row = page.locator("tr[data-status]", has_text="Fay Olsen")
    assert row.count() == 1
    button = row.locator("button[data-copy]")
    link = button.get_attribute("data-copy")
    assert link.startswith(live_server.url + "/s/")
    button.click()
    expect(button).to_have_text("Copied")
    # 127.0.0.1 is a secure context, so the clipboard API was used.
    assert page.evaluate("navigator.clipboard.readText()") == link

    page.click("text=Turn the open link on")
    assert page.locator("#open-link-url").input_value().endswith(f"/s/open/{filled_study.open_link_token}")
    screenshot(page, "after-invite")
    assert problems == []


def test_pages_fit_a_phone_width(live_server, filled_study, phone_page):
    """No page is wider than the 360 px phone (wide tables and the grid scroll inside their own box)."""
    page = phone_page
    log_in(page, live_server.url)
    base = f"{live_server.url}/studio/{filled_study.id}"
    c01 = next(p for p in filled_study.participants if p.code == "C01")
    for path in ("/participants", f"/participants/{c01.id}", "/participants/import", "/data", "/data/import"):
        page.goto(base + path)
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .filter(e => !e.parentElement.closest('.table-wrap, .sort-grid, .tabs, pre'))
            .map(e => e.tagName + '.' + e.className).slice(0, 5)""")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, (path, wide)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_import_errors_are_shown(live_server, filled_study, request, screenshot, tmp_path, size):
    page = request.getfixturevalue(f"{size}_page")
    log_in(page, live_server.url)
    codes = ",".join(f"S{k:02d}" for k in range(1, 10))
    bad = tmp_path / "sorts-with-typos.csv"
    bad.write_text(f"ID,{codes}\nC01,{','.join(map(str, SORT_A))}\nN2,2,2,1,0,0,0,-1,-1,-2\n"
                   f"N3,{','.join(map(str, SORT_B))}\n")
    page.goto(f"{live_server.url}/studio/{filled_study.id}/data/import")
    page.set_input_files("#files", str(bad))
    page.click("main button[type=submit]")
    assert page.locator(".problems li").count() == 2  # C01 is taken, N2 does not fit the grid
    screenshot(page, f"{size}-import-errors")

    invites = tmp_path / "invites.csv"
    invites.write_text("code,name,email\nC01,Ann,ann@example.com\nX2,Bo,not-an-email\n")
    page.goto(f"{live_server.url}/studio/{filled_study.id}/participants/import")
    page.set_input_files("#file", str(invites))
    page.click("main button[type=submit]")
    assert page.locator(".problems li").count() == 2
    screenshot(page, f"{size}-invite-errors")


SORT_BOXES = """() => {
  const box = (node) => {
    const r = node.getBoundingClientRect();
    return {left: r.left, right: r.right, width: r.width};
  };
  const grid = document.querySelector('.sort-grid');
  return {grid: box(grid), scroll: grid.scrollWidth - grid.clientWidth,
          page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          columns: [...grid.querySelectorAll('.sort-column')].map((column) => ({
            score: column.querySelector('.column-score').textContent.trim(), box: box(column),
            cards: [...column.querySelectorAll('.sorted-card')].map((card) => ({
              box: box(card), overflow: card.scrollWidth - card.clientWidth,
              font: parseFloat(getComputedStyle(card.querySelector('.card-text')).fontSize),
              text: box(card.querySelector('.card-text')),
              badges: [...card.querySelectorAll('.badge')].map(box)}))}))};
}"""


@pytest.fixture
def demo_sort(session):
    """The demo study (40 statements, -4..+4) and one participant whose every +4 card says "would pay more:
    depends" (the longest badge) and every -4 card has a comment."""
    from qsort.demo import build_study

    study = build_study(make_user(session))
    session.add(study)
    session.commit()
    scores = [score for score, height in zip(study.grid_scores, study.grid_heights) for _ in range(height)]
    person = make_participant(session, study, "C01", state="submitted", scores=scores)
    for comment in person.sort.comments:
        if comment.would_pay:
            comment.would_pay = "depends"
    session.commit()
    return study, person


@pytest.mark.parametrize("width", [1280, 1024])
def test_a_participants_sort_fits_its_box_with_the_would_pay_badges(live_server, browser, demo_sort, screenshot,
                                                                    width):
    study, person = demo_sort
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    problems = watch(page)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/studio/{study.id}/participants/{person.id}")
    shown = page.evaluate(SORT_BOXES)
    screenshot(page, f"{width}-sort")
    context.close()

    assert [column["score"] for column in shown["columns"]] == ["-4", "-3", "-2", "-1", "0", "+1", "+2", "+3", "+4"]
    assert shown["scroll"] <= 0 and shown["page"] <= 0, "no horizontal scrolling, in the box or the page"
    grid = shown["grid"]
    top = shown["columns"][-1]
    badges = [badge for card in top["cards"] for badge in card["badges"]]
    assert len(badges) == len(top["cards"]) == study.grid_heights[-1], "every +4 card has its badge"
    assert top["box"]["right"] <= grid["right"] + 0.5, "the +4 column ends inside the box"
    for column in shown["columns"]:
        assert grid["left"] - 0.5 <= column["box"]["left"] and column["box"]["right"] <= grid["right"] + 0.5
        for card in column["cards"]:
            assert column["box"]["left"] - 0.5 <= card["box"]["left"]
            assert card["box"]["right"] <= column["box"]["right"] + 0.5
            assert card["overflow"] <= 0, (column["score"], "card content wider than the card")
            for badge in card["badges"]:
                assert card["box"]["left"] <= badge["left"] and badge["right"] <= card["box"]["right"] + 0.5
            # Readable: the statement text keeps a real size and a usable line length.
            assert card["font"] >= 12 and card["text"]["width"] >= 75, (width, card)
    assert problems == []


DATA_BOXES = """() => {
  const box = (selector) => { const r = document.querySelector(selector).getBoundingClientRect();
                              return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width}; };
  const main = document.querySelector('main'); const style = getComputedStyle(main);
  const inner = main.getBoundingClientRect();
  return {content: {left: inner.left + parseFloat(style.paddingLeft),
                    right: inner.right - parseFloat(style.paddingRight)},
          stats: box('.stats'), exports: box('.export-panel'), sources: box('#sources-panel'),
          imports: box('#import-panel'),
          overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth};
}"""


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_data_page_uses_its_width(live_server, filled_study, session, request, screenshot, size):
    """At 1280x800 the export list and the side panels (where the sorts come from, import) sit side by side and
    together fill the content width (no empty right half); on a phone they stack, full width."""
    make_participant(session, filled_study, "IMP1", state="submitted", scores=SORT_B, source="import",
                     with_extras=False)
    page = request.getfixturevalue(f"{size}_page")
    problems = watch(page)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/studio/{filled_study.id}/data")
    shown = page.evaluate(DATA_BOXES)
    screenshot(page, f"{size}-data-layout")
    content, exports, sources, imports = shown["content"], shown["exports"], shown["sources"], shown["imports"]
    width = content["right"] - content["left"]
    assert shown["overflow"] <= 0
    assert abs(shown["stats"]["left"] - content["left"]) <= 1 and abs(shown["stats"]["right"] - content["right"]) <= 1
    assert abs(exports["left"] - content["left"]) <= 1
    if size == "desktop":
        assert abs(sources["right"] - content["right"]) <= 1, "the right column reaches the content's right edge"
        assert exports["right"] < sources["left"] and abs(sources["left"] - imports["left"]) <= 1, "side by side"
        assert abs(exports["top"] - sources["top"]) <= 1 and sources["bottom"] < imports["top"]
        assert exports["width"] > 0.5 * width and sources["width"] > 0.3 * width
    else:
        for panel in (sources, imports):
            assert abs(panel["left"] - content["left"]) <= 1 and abs(panel["right"] - content["right"]) <= 1
        assert exports["bottom"] < sources["top"] < imports["top"], "stacked: export, sources, import"
    # Where the sorts come from, as stored: 2 online (C01, C02), 1 imported; C03 has not submitted the grid.
    origins = {row.get_attribute("data-origin"): row.locator("td").inner_text()
               for row in page.locator(".origin-table tbody tr").all()}
    assert origins == {"online": "2", "import": "1"}
    assert page.locator(".stat", has_text="Complete sorts").locator("strong").inner_text() == "3"
    assert page.locator(".stat", has_text="Sorted online").locator("strong").inner_text() == "2"
    assert problems == []

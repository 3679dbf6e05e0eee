"""A newcomer's first analysis in a real browser: log in as the demo researcher, analyse the demo study's
simulated sorts, accept and edit the viewpoint names, flag by hand and undo, open a composite grid, download the
segment CSV and check its segments against the page. Desktop and phone; screenshots to look at."""
from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from qsort.demo import DEFAULT_PASSWORD, DEMO_EMAIL, install_demo
from tests.browser.helpers import watch


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_first_analysis_of_the_demo_study(live_server, session, request, screenshot, size):
    install_demo(session, live_server.url)
    page = request.getfixturevalue(f"{size}_page")
    problems = watch(page)
    page.goto(live_server.url + "/auth/login")
    page.fill("input[name=email]", DEMO_EMAIL)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/studio/**")
    page.click("text=What do you value in a supplier?")
    page.click("nav.tabs >> text=Results")
    page.click("text=New analysis")
    expect(page.locator("#solutions")).to_be_visible()
    expect(page.locator(".suggestions")).to_contain_text("Parallel analysis: 3 factors")
    screenshot(page, "setup")
    page.click("button:has-text('Run the analysis')")
    expect(page.locator("#viewpoints")).to_be_visible()

    # Accept the suggested buyer types, then rename one viewpoint.
    page.click("#accept-suggestions")
    names = page.locator(".viewpoint-name")
    expect(names).to_have_count(3)
    assert sorted(names.all_inner_texts()) == ["added-value", "price", "strategy"]
    card = page.locator(".viewpoint-card", has=page.locator(".viewpoint-name", has_text="price"))
    card.locator("input[name^=name-]").fill("Price buyers")
    page.click("button:has-text('Save names')")
    expect(page.locator(".viewpoint-name", has_text="Price buyers")).to_be_visible()
    screenshot(page, "run")

    # Unflag a sort by a click, then undo.
    first = page.locator("#loadings-table button.flagged").first
    participant = first.locator("xpath=ancestor::tr").get_attribute("data-participant")
    first.click()
    row = page.locator(f'#loadings-table tr[data-participant="{participant}"]')
    expect(row.locator("button.flagged")).to_have_count(0)
    page.click("#undo")
    expect(row.locator("button.flagged")).to_have_count(1)

    # The segments on the page and in the CSV are the same.
    shown = {}
    for tr in page.locator("#segments-table tbody tr").all():
        cells = tr.locator("td").all_inner_texts()
        shown[cells[0]] = cells[1]
    assert len(shown) == 15 and set(shown.values()) == {"Price buyers", "added-value", "strategy"}
    with page.expect_download() as download:
        page.click("#segments-csv")
    text = download.value.path().read_text(encoding="utf-8-sig")
    exported = {r["participant"]: r["segment"] for r in csv.DictReader(io.StringIO(text))}
    assert exported == shown

    # A composite grid.
    page.click(".viewpoint-name >> text=strategy")
    expect(page.locator("#composite-grid svg")).to_be_visible()
    expect(page.locator("#download-png")).to_be_visible()
    with page.expect_download() as png:
        page.click("#download-png")
    assert png.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    screenshot(page, "viewpoint")
    assert problems == []

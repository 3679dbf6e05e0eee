"""The browser set-up itself: Chromium starts, loads a page from the live app, and runs no inline script."""


def test_front_page_loads(live_server, desktop_page, screenshot):
    desktop_page.goto(live_server.url + "/")
    assert desktop_page.locator("h1").inner_text() == "qsort"
    screenshot(desktop_page, "front")

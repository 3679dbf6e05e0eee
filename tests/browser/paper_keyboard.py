"""Drive the paper-sort entry page with the keyboard alone, as an interviewer copying a sheet would: used by the
browser test (a key budget) and by benchmarks/paper_entry.py (the time it takes at a human typing speed).

The page counts what it receives (in sessionStorage, so the count survives sending the form): every keydown, and
every pointer or mouse press (which must stay at zero)."""
from __future__ import annotations

import random

COUNT_EVENTS = """(() => {
  const bump = (name) => sessionStorage.setItem(name, String(Number(sessionStorage.getItem(name) || 0) + 1));
  document.addEventListener("keydown", () => bump("paperKeys"), true);
  for (const type of ["pointerdown", "mousedown", "touchstart"])
    document.addEventListener(type, () => bump("paperPointer"), true);
})();"""


def sheet_for(study, seed: int = 7) -> dict[int, list[int]]:
    """A made-up paper sheet: grid score -> the statement numbers written in that column, top to bottom."""
    numbers = list(range(1, len(study.statements) + 1))
    random.Random(seed).shuffle(numbers)
    sheet, k = {}, 0
    for score, height in study.grid:
        sheet[score], k = numbers[k:k + height], k + height
    return sheet


def keys_for(sheet: dict[int, list[int]]) -> list[str]:
    """The keys that enter ``sheet``: Enter from the participant field to the first column, then each number
    and a space (the space after a column's last card goes on to the next column, the last one to the button),
    then Enter on the button."""
    keys = ["Enter"]
    for numbers in sheet.values():
        for number in numbers:
            keys += [*str(number), "Space"]
    return keys + ["Enter"]


def type_sheet(page, sheet: dict[int, list[int]], pause_ms: float = 0) -> list[str]:
    """Press the keys of ``sheet`` on the open paper page (focus in the participant field), ``pause_ms``
    between keys (0 in tests; a human speed in the benchmark). Returns the keys pressed."""
    keys = keys_for(sheet)
    for key in keys:
        page.keyboard.press(key)
        if pause_ms:
            page.wait_for_timeout(pause_ms)
    return keys


def counted(page) -> tuple[int, int]:
    """(keydowns, pointer presses) the tab received (``COUNT_EVENTS`` as an init script)."""
    return page.evaluate("() => ['paperKeys', 'paperPointer'].map((k) => Number(sessionStorage.getItem(k) || 0))")

"""A participant cut off from the network in the middle of a sort, without reloading: the page keeps every move,
says so, and sends them when the connection is back; the server ends with each move once and one sort.
(A reload while offline: test_sorting.py::test_reload_in_the_middle_resumes_exactly; workers killed and the
database restarted: tests/app/test_faults.py.)"""
from __future__ import annotations


from sqlalchemy import func, select

from qsort.models import Move, Sort
from tests.browser.helpers import (
    place_the_rest,
    current_card_id,
    drag,
    pile_for,
    presort_key,
    shown_grid,
    start_sorting,
    stored_columns,
    stored_sort,
    target_scores,
    wait_saved,
    watch_console,
)
from tests.factories import make_study


def stored_moves(session, sort_id: int) -> dict[int, int]:
    """client seq -> how many times it is stored."""
    session.expire_all()
    return dict(session.execute(select(Move.client_seq, func.count()).where(Move.sort_id == sort_id)
                                .group_by(Move.client_seq)).all())


def test_cut_off_mid_sort_keeps_every_move_and_sends_them_once_back_online(live_server, desktop_page, session,
                                                                          screenshot):
    page = desktop_page
    problems = watch_console(page)
    study, token = make_study(session)
    targets = target_scores(study)
    start_sorting(page, live_server.url, token)

    for _ in range(4):  # online: four cards onto their piles, saved
        page.keyboard.press(presort_key(pile_for(targets[current_card_id(page)])))
    wait_saved(page)
    sort_id = stored_sort(session, token).id
    assert sorted(stored_moves(session, sort_id)) == [1, 2, 3, 4]

    page.context.set_offline(True)  # the train enters a tunnel
    for _ in range(5):
        page.keyboard.press(presort_key(pile_for(targets[current_card_id(page)])))
    page.click("#presort-continue")
    page.wait_for_selector("#grid-phase:not([hidden])")
    offline_cards = [sid for sid, score in targets.items() if score in (-2, 2)] + \
        [sid for sid, score in targets.items() if score == 0][:1]
    for sid in offline_cards:
        drag(page, page.locator(f".tray .card[data-id='{sid}']"),
             page.locator(f".column[data-score='{targets[sid]}'] .column-cards"))
    page.wait_for_selector("#save-status[data-status='offline']", state="attached", timeout=15000)
    assert "Not saved yet" in page.locator("#save-status").inner_text()
    screenshot(page, "01-offline-with-unsaved-moves")
    sort = stored_sort(session, token)
    assert len(sort.presort) == 4 and sort.placements == [], "nothing of the offline work reached the server"
    offline_grid = shown_grid(page)

    page.context.set_offline(False)  # back: the page sends at once (the "online" event), without a reload
    wait_saved(page)
    assert shown_grid(page) == offline_grid
    sort = stored_sort(session, token)
    assert sort.presort == {str(sid): pile_for(score) for sid, score in targets.items()}
    assert stored_columns(sort) == {k: v for k, v in offline_grid.items() if v}
    moves = stored_moves(session, sort_id)
    assert len(moves) == 4 + 5 + len(offline_cards) and set(moves.values()) == {1}, "every move, once"
    screenshot(page, "02-back-online-saved")

    shown = place_the_rest(page, targets)  # finish and continue

    session.expire_all()
    sorts = session.scalars(select(Sort).where(Sort.participant_id == sort.participant_id)).all()
    assert len(sorts) == 1 and sorts[0].state == "sorted"
    assert stored_columns(sorts[0]) == {k: v for k, v in shown.items() if v}
    moves = stored_moves(session, sort_id)
    assert len(moves) == 9 + len(targets) and set(moves.values()) == {1}  # each card: onto a pile, into the grid
    assert all("ERR_INTERNET_DISCONNECTED" in p for p in problems), problems  # only the failed saves, no script error

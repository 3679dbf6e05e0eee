"""The sorting page's ES modules on their own, in the browser that runs them (no build step, no Node):
the store (moves, undo, the column rules), the dealing order, the element builder, and the auto-saver's promises
(in order, one request at a time, the newest state last, 409 and network errors) against a stand-in for fetch.

The auto-saver runs on a fake clock the test moves by hand (``clock.advance(ms)``), so no test sleeps and the
debounce and backoff times are checked exactly.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

IMPORTS = """
    const { SortStore, dealingOrder } = await import('/static/js/respond/store.js');
    const { AutoSaver, LocalDraft, chooseState } = await import('/static/js/respond/autosave.js');
    // Let every promise that can resolve now resolve (one turn of the event loop; no time passes).
    const settle = () => new Promise((resolve) => window.setTimeout(resolve, 0));
    // A clock moved by hand: advance(ms) runs the timers it passes in time order, settling promises in between.
    class FakeClock {
        constructor() { this.t = 0; this.timers = new Map(); this.ids = 0; }
        now() { return this.t; }
        setTimeout(callback, ms) {
            this.ids += 1;
            this.timers.set(this.ids, {at: this.t + Math.max(0, ms || 0), callback});
            return this.ids;
        }
        clearTimeout(id) { this.timers.delete(id); }
        sleep(ms) { return new Promise((resolve) => this.setTimeout(resolve, ms)); }
        async advance(ms) {
            const end = this.t + ms;
            for (;;) {
                await settle();
                const due = [...this.timers].filter(([, timer]) => timer.at <= end)
                    .sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
                if (!due.length) break;
                const [id, timer] = due[0];
                this.timers.delete(id);
                this.t = timer.at;
                timer.callback();
            }
            this.t = end;
            await settle();
        }
    }
    const clock = new FakeClock();
    // What the stand-in fetch answers: the two things postJSON reads of a Response.
    const reply = (status, body) => ({status, json: async () => body});
    const study = {grid: [{score: -1, height: 1}, {score: 0, height: 2}, {score: 1, height: 1}],
                   free_distribution: false};
    const statements = [1, 2, 3, 4].map((id) => ({id, code: 'S' + id, text: 'Statement ' + id}));
    const newStore = () => new SortStore(study, statements, [1, 2, 3, 4]);
"""


@pytest.fixture
def run(live_server, desktop_page):
    """``run(js)``: the body of an async function in a page of the app, with the modules imported."""
    desktop_page.goto(live_server.url + "/")

    def evaluate(body: str):
        return desktop_page.evaluate(f"async () => {{ {IMPORTS} {body} }}")

    return evaluate


def test_store_moves_undo_and_column_rules(run):
    result = run("""
        const s = newStore();
        s.presortCard(1, 'agree'); s.presortCard(2, 'disagree'); s.presortCard(3, 'neutral');
        const deckAfter = s.deck();
        s.undo();
        const deckAfterUndo = s.deck();
        s.presortCard(3, 'neutral'); s.presortCard(4, 'neutral');
        s.setStep('grid');
        s.placeCard(1, 1); s.placeCard(2, -1); s.placeCard(3, 0); s.placeCard(4, 0, 0);
        const zero = s.column(0).slice();
        s.placeCard(3, 0, 0);
        const zeroReordered = s.column(0).slice();
        const complete = s.isComplete();
        s.placeCard(4, 1);
        const problems = s.columnProblems();
        const completeWithOverfull = s.isComplete();
        s.returnToPile(4);
        return {deckAfter, deckAfterUndo, zero, zeroReordered, complete, problems, completeWithOverfull,
                tray: s.tray('neutral'), placeOf4: s.placeOf(4), revision: s.revision, draft: s.draft(),
                moves: s.pendingMoves.map((m) => [m.statement_id, m.from, m.to, m.seq])};
    """)
    assert result["deckAfter"] == [4]
    assert result["deckAfterUndo"] == [3, 4]
    assert result["zero"] == [4, 3]            # placed at index 0: above the card already there
    assert result["zeroReordered"] == [3, 4]   # a reorder within the column
    assert result["complete"] is True
    assert result["problems"] == [{"score": 0, "height": 2, "count": 1}, {"score": 1, "height": 1, "count": 2}]
    assert result["completeWithOverfull"] is False
    assert result["tray"] == [4] and result["placeOf4"] == "pile:neutral"
    moves = result["moves"]
    assert moves[:4] == [[1, "deck", "pile:agree", 1], [2, "deck", "pile:disagree", 2],
                         [3, "deck", "pile:neutral", 3], [3, "pile:neutral", "deck", 4]]
    assert [m[:3] for m in moves[6:]] == [
        [1, "pile:agree", "grid:1"], [2, "pile:disagree", "grid:-1"], [3, "pile:neutral", "grid:0"],
        [4, "pile:neutral", "grid:0"], [4, "grid:0", "grid:1"], [4, "grid:1", "pile:neutral"]]
    seqs = [m[3] for m in moves]
    assert seqs == sorted(set(seqs)), "seq increases and never repeats"
    assert result["revision"] == seqs[-1]
    draft = result["draft"]
    assert draft["step"] == "grid" and draft["revision"] == result["revision"]
    assert draft["presort"] == {"1": "agree", "2": "disagree", "3": "neutral", "4": "neutral"}
    assert draft["placements"] == [{"statement_id": 2, "score": -1, "slot": 0},
                                   {"statement_id": 3, "score": 0, "slot": 0},
                                   {"statement_id": 1, "score": 1, "slot": 0}]
    assert set(draft["seconds"]) <= {"presort", "grid"}


def test_dealing_order_is_a_stable_shuffle(run):
    result = run("""
        const ids = Array.from({length: 40}, (_, i) => i + 1);
        return {a: dealingOrder(ids, '/s/one/api/state'), again: dealingOrder(ids, '/s/one/api/state'),
                b: dealingOrder(ids, '/s/two/api/state')};
    """)
    assert result["a"] == result["again"]
    assert sorted(result["a"]) == list(range(1, 41))
    assert result["a"] != result["b"] and result["a"] != list(range(1, 41))


def test_load_pushes_only_changes_the_server_has_not_confirmed(run):
    result = run("""
        const server = {step: 'grid', revision: 5, presort: {}, placements: [], seconds: {presort: 10, welcome: 3}};
        return {
            unsaved: chooseState(server, {revision: 6, base_revision: 3, saved_revision: 4, step: 'grid', presort: {},
                                          placements: [], seconds: {presort: 12}, pendingMoves: []}),
            pendingMoves: chooseState(server, {revision: 6, base_revision: 5, saved_revision: 6,
                                               pendingMoves: [{seq: 6}]}),
            allSaved: chooseState(server, {revision: 9, base_revision: 3, saved_revision: 9, pendingMoves: [],
                                           seconds: {presort: 30, grid: 2}}),
            noLocal: chooseState(server, null),
        };
    """)
    # Unsaved local changes go to the server built on the revision they started from (3): it merges or refuses.
    assert result["unsaved"]["push"] is True and result["unsaved"]["saved"]["base_revision"] == 3
    assert result["pendingMoves"]["push"] is True
    # A local copy the server confirmed, however high its number, does not win over the server's state.
    assert result["allSaved"]["push"] is False and result["allSaved"]["saved"]["revision"] == 5
    assert result["allSaved"]["saved"]["seconds"] == {"presort": 30, "welcome": 3, "grid": 2}
    assert result["noLocal"]["saved"]["revision"] == 5


def test_autosave_sends_in_order_one_request_at_a_time_newest_last(run):
    result = run("""
        const calls = []; let inFlight = 0, maxInFlight = 0;
        window.fetch = async (url, options) => {
            const body = JSON.parse(options.body);
            calls.push({revision: body.revision, moves: body.moves.map((m) => m.seq),
                        csrf: options.headers['X-CSRFToken']});
            calls[calls.length - 1].at = clock.now();
            inFlight += 1; maxInFlight = Math.max(maxInFlight, inFlight);
            await clock.sleep(200);                      // the server takes 200 ms
            inFlight -= 1;
            return reply(200, {ok: true, revision: body.revision});
        };
        const s = newStore();
        const local = new LocalDraft('test:' + Math.random());
        const statuses = [];
        const saver = new AutoSaver({url: '/x', csrf: () => 'token-1', store: s, local, clock,
                                     onStatus: (st) => statuses.push(st)});
        s.subscribe(() => saver.changed());
        s.presortCard(1, 'agree');
        const localAtOnce = local.read().revision;       // localStorage has it before any request
        await clock.advance(599);
        const sentBeforeDebounce = calls.length;
        await clock.advance(51);                         // the debounce is over: request 1 is in flight
        s.presortCard(2, 'agree'); s.presortCard(3, 'agree');
        await clock.advance(50);
        s.presortCard(4, 'neutral');
        await clock.advance(1500);
        const idle = await saver.settle();
        return {calls, maxInFlight, statuses, localAtOnce, sentBeforeDebounce, idle, pending: s.pendingMoves.length,
                clean: saver.isClean(), localRevision: local.read().revision, revision: s.revision};
    """)
    calls = result["calls"]
    assert result["localAtOnce"] == 1
    assert result["sentBeforeDebounce"] == 0 and calls[0]["at"] == 600, "the first save waits out the 600 ms debounce"
    assert result["maxInFlight"] == 1
    assert calls[1]["at"] == 800, "the changes made during request 1 go out together as soon as it is answered"
    assert [c["revision"] for c in calls] == sorted({c["revision"] for c in calls}), "revisions increase"
    assert calls[-1]["revision"] == result["revision"] == 4
    assert len(calls) <= 3, "changes during a request are sent together afterwards"
    assert sorted(seq for c in calls for seq in c["moves"]) == [1, 2, 3, 4]
    assert {c["csrf"] for c in calls} == {"token-1"}
    assert result["pending"] == 0 and result["clean"] is True and result["idle"] is True
    assert result["statuses"][-1] == "saved"
    assert result["localRevision"] == 4


def test_autosave_builds_on_the_stored_revision_and_retries_network_errors(run):
    result = run("""
        const calls = [], times = []; let stored = 7, failures = 2;
        window.fetch = async (url, options) => {
            const body = JSON.parse(options.body);
            calls.push([body.revision, body.base_revision]); times.push(clock.now());
            if (calls.length >= 2 && calls.length <= 1 + failures) throw new TypeError('Failed to fetch');
            stored = Math.max(stored + 1, body.revision);
            return reply(200, {ok: true, revision: stored});
        };
        const s = newStore();
        s.load({step: 'presort', revision: 7, presort: {}, placements: []});
        const statuses = [];
        const local = new LocalDraft('test:' + Math.random());
        const saver = new AutoSaver({url: '/x', csrf: () => 't', store: s, local,
                                     clock, onStatus: (st) => statuses.push(st)});
        s.subscribe(() => saver.changed());
        s.presortCard(1, 'agree');
        await clock.advance(1000);
        s.presortCard(2, 'agree');
        await clock.advance(3000);
        const cleanAfter3s = saver.isClean();
        await clock.advance(60000);
        return {calls, times, statuses, revision: s.revision, base: s.baseRevision, clean: saver.isClean(),
                cleanAfter3s};
    """)
    # Each draft is built on what the server last said it stores; the failed one is sent again unchanged.
    assert result["calls"] == [[8, 7], [9, 8], [9, 8], [9, 8]]
    assert result["base"] == 9 and result["clean"] is True
    assert "offline" in result["statuses"] and result["statuses"][-1] == "saved"
    assert result["times"] == [600, 1600, 2600, 4600], "debounce 600 ms, then backoff 1 s and 2 s"
    assert result["cleanAfter3s"] is False


@pytest.mark.parametrize("answer, status", [
    ("reply(200, {ok: true, revision: 12, merged: true, message: 'combined', state: server})", "merged"),
    ("reply(409, {ok: false, conflict: true, revision: 12, error: 'other device kept', state: server})", "conflict"),
])
def test_a_stale_save_loads_the_servers_state_and_says_so(run, answer, status):
    result = run("""
        const server = {step: 'grid', revision: 12, presort: {'1': 'agree', '2': 'disagree'},
                        placements: [{statement_id: 1, score: 1, slot: 0}, {statement_id: 3, score: -1, slot: 0}]};
        const bodies = [];
        window.fetch = async (url, options) => { bodies.push(JSON.parse(options.body)); return ANSWER; };
        const s = newStore();
        s.load({step: 'grid', revision: 5, presort: {'1': 'agree'}, placements: []});
        const statuses = [];
        const local = new LocalDraft('test:' + Math.random());
        const saver = new AutoSaver({url: '/x', csrf: () => 't', store: s, local,
                                     clock, onStatus: (st, detail) => statuses.push([st, detail || ''])});
        s.subscribe((change) => { if (change.type !== 'load') saver.changed(); });
        s.placeCard(1, 0);
        await clock.advance(60000);
        return {bodies, statuses, placements: s.placements(), revision: s.revision, base: s.baseRevision,
                pending: s.pendingMoves.length, clean: saver.isClean()};
    """.replace("ANSWER", answer))
    assert len(result["bodies"]) == 1, "the page never re-sends its own state on top"
    assert result["bodies"][0]["base_revision"] == 5
    assert sorted((p["statement_id"], p["score"]) for p in result["placements"]) == [(1, 1), (3, -1)]
    assert result["revision"] == 12 and result["base"] == 12 and result["pending"] == 0 and result["clean"] is True
    assert result["statuses"][-1][0] == status and result["statuses"][-1][1]


def test_autosave_stops_on_a_refusal_that_a_retry_cannot_fix(run):
    result = run("""
        let calls = 0;
        window.fetch = async () => {
            calls += 1;
            return reply(409, {ok: false, error: 'This sort has already been submitted.'});
        };
        const s = newStore();
        const statuses = [];
        const local = new LocalDraft('test:' + Math.random());
        const saver = new AutoSaver({url: '/x', csrf: () => 't', store: s, local,
                                     clock, onStatus: (st, detail) => statuses.push([st, detail || ''])});
        s.subscribe(() => saver.changed());
        s.presortCard(1, 'agree');
        await clock.advance(60000);
        return {calls, last: statuses[statuses.length - 1], timers: clock.timers.size};
    """)
    assert result["calls"] == 1 and result["timers"] == 0, "no retry is scheduled"
    assert result["last"] == ["error", "This sort has already been submitted."]


def test_free_distribution_needs_every_card_placed_not_the_column_heights(run):
    result = run("""
        const s = new SortStore({...study, free_distribution: true}, statements, [1, 2, 3, 4]);
        [1, 2, 3].forEach((id) => s.placeCard(id, 1));
        const threePlaced = s.isComplete();
        s.placeCard(4, 1);
        return {threePlaced, allPlaced: s.isComplete(), problems: s.columnProblems()};
    """)
    assert result == {"threePlaced": False, "allPlaced": True, "problems": []}


def test_autosave_does_not_wait_forever_for_a_pause(run):
    """Changes every 200 ms (never a 600 ms pause) still reach the server within about 3 s."""
    result = run("""
        const sent = [];
        window.fetch = async (url, options) => {
            sent.push(clock.now());
            const body = JSON.parse(options.body);
            return reply(200, {ok: true, revision: body.revision});
        };
        const s = newStore();
        const local = new LocalDraft('test:' + Math.random());
        const saver = new AutoSaver({url: '/x', csrf: () => 't', store: s, local,
                                     clock, onStatus: () => {}});
        s.subscribe(() => saver.changed());
        const piles = ['agree', 'neutral', 'disagree'];
        for (let i = 0; i < 40; i += 1) {
            s.presortCard(1 + (i % 4), piles[i % 3]);
            await clock.advance(200);
        }
        return sent;
    """)
    assert result, "nothing was sent while the changes went on"
    assert result[0] == 3000, "the first save goes out 3 s after the first change, without a 600 ms pause"
    assert all(later - earlier <= 3000 for earlier, later in zip(result, result[1:])), result


def test_element_builder(run):
    result = run("""
        const { el } = await import('/static/js/respond/dom.js');
        let clicks = 0;
        const node = el('button', {class: 'a b', text: 'Go', type: 'button', title: 'Go on', hidden: false,
                                   attrs: {'aria-label': 'Go'}, data: {id: 7}, style: {'--columns': 3},
                                   on: {click: () => { clicks += 1; }}, tabIndex: null},
                        [el('span', {text: 'x'}), 'y']);
        node.click();
        return {html: node.outerHTML, clicks, type: node.type, id: node.dataset.id};
    """)
    assert result["clicks"] == 1 and result["type"] == "button" and result["id"] == "7"
    assert result["html"] == ('<button class="a b" type="button" title="Go on" aria-label="Go" data-id="7" '
                              'style="--columns: 3;">Go<span>x</span>y</button>')

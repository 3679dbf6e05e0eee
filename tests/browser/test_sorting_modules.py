"""The sorting page's ES modules on their own, in the browser that runs them (no build step, no Node):
the store (moves, undo, the column rules), the dealing order, and the auto-saver's promises (in order, one
request at a time, the newest state last, 409 and network errors) against a stand-in for fetch.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

IMPORTS = """
    const { SortStore, dealingOrder } = await import('/static/js/respond/store.js');
    const { AutoSaver, LocalDraft, chooseState } = await import('/static/js/respond/autosave.js');
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
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


def test_load_prefers_the_newer_revision(run):
    result = run("""
        const server = {step: 'grid', revision: 5, presort: {}, placements: [], seconds: {presort: 10, welcome: 3}};
        return {
            localNewer: chooseState(server, {revision: 6, step: 'grid', presort: {}, placements: [],
                                             seconds: {presort: 12}}),
            serverNewer: chooseState(server, {revision: 4, seconds: {presort: 30, grid: 2}}),
            noLocal: chooseState(server, null),
        };
    """)
    assert result["localNewer"]["push"] is True and result["localNewer"]["saved"]["revision"] == 6
    assert result["serverNewer"]["push"] is False and result["serverNewer"]["saved"]["revision"] == 5
    assert result["serverNewer"]["saved"]["seconds"] == {"presort": 30, "welcome": 3, "grid": 2}
    assert result["noLocal"]["saved"]["revision"] == 5


def test_autosave_sends_in_order_one_request_at_a_time_newest_last(run):
    result = run("""
        const calls = []; let inFlight = 0, maxInFlight = 0;
        window.fetch = async (url, options) => {
            const body = JSON.parse(options.body);
            calls.push({revision: body.revision, moves: body.moves.map((m) => m.seq),
                        csrf: options.headers['X-CSRFToken']});
            inFlight += 1; maxInFlight = Math.max(maxInFlight, inFlight);
            await sleep(200);
            inFlight -= 1;
            return new Response(JSON.stringify({ok: true, revision: body.revision}), {status: 200});
        };
        const s = newStore();
        const local = new LocalDraft('test:' + Math.random());
        const statuses = [];
        const saver = new AutoSaver({url: '/x', csrf: () => 'token-1', store: s, local,
                                     onStatus: (st) => statuses.push(st)});
        s.subscribe(() => saver.changed());
        s.presortCard(1, 'agree');
        const localAtOnce = local.read().revision;       // localStorage has it before any request
        await sleep(650);                                // the debounce is over: request 1 is in flight
        s.presortCard(2, 'agree'); s.presortCard(3, 'agree');
        await sleep(50);
        s.presortCard(4, 'neutral');
        await sleep(1500);
        await saver.settle();
        return {calls, maxInFlight, statuses, localAtOnce, pending: s.pendingMoves.length,
                clean: saver.isClean(), localRevision: local.read().revision, revision: s.revision};
    """)
    calls = result["calls"]
    assert result["localAtOnce"] == 1
    assert result["maxInFlight"] == 1
    assert [c["revision"] for c in calls] == sorted({c["revision"] for c in calls}), "revisions increase"
    assert calls[-1]["revision"] == result["revision"] == 4
    assert len(calls) <= 3, "changes during a request are sent together afterwards"
    assert sorted(seq for c in calls for seq in c["moves"]) == [1, 2, 3, 4]
    assert {c["csrf"] for c in calls} == {"token-1"}
    assert result["pending"] == 0 and result["clean"] is True
    assert result["statuses"][-1] == "saved"
    assert result["localRevision"] == 4


def test_autosave_conflict_and_network_errors(run):
    result = run("""
        const calls = []; let failures = 2;
        window.fetch = async (url, options) => {
            const body = JSON.parse(options.body);
            calls.push(body.revision);
            if (calls.length === 1) {   // another device saved revision 10 meanwhile
                return new Response(JSON.stringify({ok: false, revision: 10, error: 'stale'}), {status: 409});
            }
            if (calls.length <= 1 + failures) throw new TypeError('Failed to fetch');
            return new Response(JSON.stringify({ok: true, revision: body.revision}), {status: 200});
        };
        const s = newStore();
        const statuses = [];
        const saver = new AutoSaver({url: '/x', csrf: () => 't', store: s,
                                     local: new LocalDraft('test:' + Math.random()),
                                     onStatus: (st) => statuses.push(st)});
        s.subscribe(() => saver.changed());
        s.presortCard(1, 'agree');
        const started = performance.now();
        while (!saver.isClean() && performance.now() - started < 8000) await sleep(100);
        return {calls, statuses, revision: s.revision, clean: saver.isClean(),
                seconds: (performance.now() - started) / 1000};
    """)
    assert result["calls"][0] == 1
    assert result["calls"][1:] == [11, 11, 11], "after the 409 it continues above the server's revision, and retries"
    assert result["revision"] == 11 and result["clean"] is True
    assert "offline" in result["statuses"] and result["statuses"][-1] == "saved"
    assert result["seconds"] > 2.5, "retries back off (1 s, then 2 s)"


def test_autosave_stops_on_a_refusal_that_a_retry_cannot_fix(run):
    result = run("""
        let calls = 0;
        window.fetch = async () => {
            calls += 1;
            return new Response(JSON.stringify({ok: false, error: 'This sort has already been submitted.'}),
                                {status: 409});
        };
        const s = newStore();
        const statuses = [];
        const saver = new AutoSaver({url: '/x', csrf: () => 't', store: s,
                                     local: new LocalDraft('test:' + Math.random()),
                                     onStatus: (st, detail) => statuses.push([st, detail || ''])});
        s.subscribe(() => saver.changed());
        s.presortCard(1, 'agree');
        await sleep(2500);
        return {calls, last: statuses[statuses.length - 1]};
    """)
    assert result["calls"] == 1
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
        const started = performance.now();
        window.fetch = async (url, options) => {
            sent.push(performance.now() - started);
            const body = JSON.parse(options.body);
            return new Response(JSON.stringify({ok: true, revision: body.revision}), {status: 200});
        };
        const s = newStore();
        const saver = new AutoSaver({url: '/x', csrf: () => 't', store: s,
                                     local: new LocalDraft('test:' + Math.random()),
                                     onStatus: () => {}});
        s.subscribe(() => saver.changed());
        const piles = ['agree', 'neutral', 'disagree'];
        for (let i = 0; i < 22; i += 1) {
            s.presortCard(1 + (i % 4), piles[i % 3]);
            await sleep(200);
        }
        return sent;
    """)
    assert result, "nothing was sent while the changes went on"
    assert result[0] < 3600

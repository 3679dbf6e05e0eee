"""Property-based fuzzing of the participant JSON endpoints (POST api/draft, api/submit): whatever the body,
the answer is JSON with a 2xx/4xx status, never a 500, and a refused body (4xx) leaves the database exactly as
it was (rows of sort, placement and move compared before and after)."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

numbers = st.one_of(st.integers(), st.integers(min_value=2**31 - 3, max_value=2**80), st.integers(max_value=-1),
                    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none())
texts = st.one_of(st.text(max_size=40), st.sampled_from(["\udc80x", "\x00", "grid:2", "pile:agree", "deck", "grid:x",
                                                         "grid:99", "pile:maybe", "=1+1"]))
scalars = st.one_of(numbers, texts)
anything = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                        max_leaves=12)


def move_of(ids):
    return st.fixed_dictionaries({"statement_id": st.one_of(st.sampled_from(ids), numbers), "from": texts,
                                  "to": texts, "seq": numbers, "t": numbers})


def draft_bodies(ids):
    placement = st.fixed_dictionaries({"statement_id": st.one_of(st.sampled_from(ids), numbers),
                                       "score": st.one_of(st.integers(-3, 3), numbers), "slot": numbers})
    valid_ish = st.fixed_dictionaries({
        "revision": st.one_of(st.integers(0, 50), numbers), "base_revision": st.one_of(st.integers(0, 5), numbers),
        "step": st.one_of(st.sampled_from(["presort", "grid"]), texts),
        "presort": st.one_of(st.dictionaries(st.sampled_from([str(i) for i in ids]),
                                             st.sampled_from(["agree", "neutral", "disagree"])), anything),
        "placements": st.one_of(st.lists(placement, max_size=10), anything),
        "moves": st.one_of(st.lists(move_of(ids), max_size=5), anything),
        "seconds": st.one_of(st.dictionaries(st.sampled_from(["presort", "grid", "x"]), numbers), anything)})
    return st.one_of(valid_ish, anything)


def dump(session) -> list:
    session.expire_all()
    rows = [session.execute(text(f"SELECT * FROM {table} ORDER BY id")).all()
            for table in ("sort", "placement", "move")]
    session.rollback()  # end the read transaction: on SQLite it would hold the app's next write waiting
    return rows


def check(response, before, session):
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.is_json and isinstance(response.json, dict)
    if response.status_code >= 400:
        assert response.json.get("error"), response.json
        if not response.json.get("conflict"):  # a merge conflict logs the moves, as documented
            assert dump(session) == before, "a refused body changed the database"


def test_fuzzed_drafts_never_500_and_refusals_change_nothing(respondent, small_study, session):
    study, _ = small_study
    respondent.through_instructions()
    ids = [s.id for s in study.statements]

    @FUZZ
    @given(body=draft_bodies(ids))
    def run(body):
        before = dump(session)
        check(respondent.post_json("/api/draft", body), before, session)

    run()


def test_fuzzed_submissions_never_500_and_refusals_change_nothing(respondent, small_study, session):
    study, _ = small_study
    respondent.through_instructions()
    ids = [s.id for s in study.statements]
    placement = st.fixed_dictionaries({"statement_id": st.one_of(st.sampled_from(ids), numbers),
                                       "score": st.one_of(st.integers(-2, 2), numbers), "slot": numbers})

    @FUZZ
    @given(body=st.one_of(st.fixed_dictionaries({"revision": numbers, "placements": st.lists(placement, max_size=9)}),
                          anything))
    def run(body):
        before = dump(session)
        check(respondent.post_json("/api/submit", body), before, session)

    run()


def test_raw_bytes_never_500(respondent, small_study, session):
    respondent.through_instructions()

    @FUZZ
    @given(raw=st.one_of(st.binary(max_size=200), st.builds(lambda n: b"[" * n, st.integers(1, 200_000)),
                         st.builds(lambda v: json.dumps(v).encode(), anything)))
    def run(raw):
        before = dump(session)
        for path in ("/api/draft", "/api/submit"):
            response = respondent.client.post(respondent.url(path), data=raw, content_type="application/json",
                                              headers={"X-CSRFToken": respondent.csrf})
            check(response, before, session)

    run()

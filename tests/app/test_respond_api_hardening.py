"""The participant JSON API refuses what it cannot use with a 400 naming the field, answers JSON on every
error of /api/ paths, and bounds the move log (issue 10 items 5 and 6)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from qsort import sorting
from qsort.models import Move, Participant
from tests.factories import valid_placements


def raw_post(respondent, path, data: bytes):
    return respondent.client.post(respondent.url(path), data=data, content_type="application/json",
                                  headers={"X-CSRFToken": respondent.csrf})


@pytest.mark.parametrize("body, field", [
    ({"revision": 2**63, "step": "presort"}, "revision"),
    ({"revision": 2**63 - 1, "step": "presort"}, "revision"),
    ({"revision": 1, "base_revision": 2**64, "step": "presort"}, "base_revision"),
    ({"revision": 1, "step": "grid", "placements": [{"statement_id": 1, "score": 0, "slot": 2**63}]},
     "placements[0].slot"),
    ({"revision": 1, "step": "presort", "moves": [{"statement_id": 1, "seq": 2**70}]}, "moves[0].seq"),
    ({"revision": 1, "step": "presort", "moves": [{"statement_id": 1, "seq": 1, "from": "\udc80x"}]},
     "body.moves[0].from"),
])
def test_out_of_range_numbers_and_lone_surrogates_are_400(respondent, small_study, session, body, field):
    study, token = small_study
    respondent.through_instructions()
    if "placements" in body:
        body["placements"][0]["statement_id"] = study.statements[0].id
    if "moves" in body:
        body["moves"][0]["statement_id"] = study.statements[0].id
    response = respondent.post_json("/api/draft", body)
    assert response.status_code == 400 and response.json["field"] == field and response.json["error"]
    participant = session.scalar(select(Participant).where(Participant.token == token))
    assert participant.sort.revision == 0 and session.scalar(select(func.count()).select_from(Move)) == 0


@pytest.mark.parametrize("data", [b"[" * 100_000, b'{"a":' * 50 + b"1" + b"}" * 50, b"1" * 5000,
                                  b"\xff\xfe", b'{"revision": NaN}'])
def test_bodies_the_parser_cannot_use_are_400(respondent, small_study, data):
    respondent.through_instructions()
    for path in ("/api/draft", "/api/submit"):
        response = raw_post(respondent, path, data)
        assert response.status_code == 400 and response.is_json and response.json["error"], data[:20]


@pytest.mark.parametrize("place, field", [
    (b'"\\udc80x"', "body.moves[0].from"),  # an escaped lone surrogate
    (b'"x\xed\xb2\x80"', "body.moves[0].from"),  # the same surrogate as raw bytes (json.loads lets them pass)
    (b'"\\ud83d\\ude00"', None),  # an escaped pair is one real character (an emoji): too long a place, not text
    (b'"\\\\udc80"', None),  # a backslash, then "udc80": plain text
])
def test_surrogates_are_found_however_they_are_written(respondent, small_study, place, field):
    study, _token = small_study
    respondent.through_instructions()
    data = (b'{"revision": 1, "step": "presort", "moves": [{"statement_id": %d, "seq": 1, "from": %s}]}'
            % (study.statements[0].id, place))
    response = raw_post(respondent, "/api/draft", data)
    if field is None:
        assert response.status_code == 200, response.json
    else:
        assert response.status_code == 400 and response.json["field"] == field


@pytest.mark.parametrize("depth, status", [(8, 200), (9, 400)])
def test_nesting_is_refused_below_eight_levels(respondent, small_study, depth, status):
    respondent.through_instructions()
    extra = "[" * (depth - 1) + "1" + "]" * (depth - 1)  # the body's object is level 1
    response = raw_post(respondent, "/api/draft", ('{"revision": 1, "step": "presort", "x": %s}' % extra).encode())
    assert response.status_code == status, response.json


def test_a_huge_revision_does_not_block_later_saves(respondent, small_study, session):
    respondent.through_instructions()
    top = sorting.MAX_REVISION
    assert respondent.post_json("/api/draft", {"revision": top, "step": "presort"}).json["revision"] == top
    again = respondent.post_json("/api/draft", {"revision": 1, "base_revision": top, "step": "presort",
                                                "seconds": {"presort": 5}})
    assert again.status_code == 200 and again.json["revision"] == top + 1


def test_413_and_500_on_api_paths_are_json(respondent, small_study, app, monkeypatch):
    respondent.through_instructions()
    app.config["MAX_CONTENT_LENGTH"] = 1000
    too_big = raw_post(respondent, "/api/draft", b'{"revision": 1, "step": "presort", "x": "' + b"a" * 2000 + b'"}')
    assert too_big.status_code == 413 and too_big.is_json and too_big.json["error"]
    app.config["MAX_CONTENT_LENGTH"] = 32 * 1024 * 1024

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(sorting, "save_draft", broken)
    monkeypatch.setattr(sorting, "save_plain_draft", broken)  # the same bug in the front (qsort/draft_wsgi.py)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    failed = respondent.post_json("/api/draft", {"revision": 1, "step": "presort"})
    assert failed.status_code == 500 and failed.is_json and failed.json["ok"] is False and failed.json["error"]


def test_the_move_log_has_a_total_limit(respondent, small_study, session, monkeypatch):
    study, token = small_study
    respondent.through_instructions()
    monkeypatch.setattr(sorting, "MAX_MOVES_PER_SORT", 6)
    card = study.statements[0].id

    def moves(first, n):
        return [{"statement_id": card, "from": "deck", "to": "pile:agree", "t": 1_700_000_000_000 + s, "seq": s}
                for s in range(first, first + n)]

    first = respondent.post_json("/api/draft", {"revision": 4, "step": "presort", "moves": moves(1, 4)})
    assert first.status_code == 200
    refused = respondent.post_json("/api/draft", {"revision": 7, "base_revision": 4, "step": "presort",
                                                  "presort": {str(card): "agree"}, "moves": moves(5, 3)})
    assert refused.status_code == 413 and refused.json["too_many_moves"] is True and "6" in refused.json["error"]
    assert session.scalar(select(func.count()).select_from(Move)) == 4
    # The page then saves the cards without moves: the state is kept, the log stays at its limit.
    kept = respondent.post_json("/api/draft", {"revision": 7, "base_revision": 4, "step": "presort",
                                               "presort": {str(card): "agree"}})
    assert kept.status_code == 200
    participant = session.scalar(select(Participant).where(Participant.token == token))
    session.refresh(participant.sort)
    assert participant.sort.presort == {str(card): "agree"}
    submitted = respondent.post_json("/api/submit", {"revision": 8, "placements": valid_placements(study)})
    assert submitted.status_code == 200

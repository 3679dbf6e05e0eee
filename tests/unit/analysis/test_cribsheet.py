"""Crib sheets and composite grids, checked against an example worked out by hand from the definitions.

Seven statements, grid -2..+2 with heights 1,1,3,1,1, three viewpoints A, B, C, every SED 0.4, so a
difference is significant at p < .05 above 1.960 x 0.4 = 0.784 and at p < .01 above 2.576 x 0.4 = 1.030.

    z-scores               factor arrays
         A      B      C     A   B   C
    s1  1.8   -0.1    0.9    2   0   1
    s2  0.9    1.7   -0.1    1   2   0
    s3  0.1    1.0    1.9    0   1   2
    s4  0.0   -0.9   -0.9    0  -1  -1
    s5 -0.1    0.05   0.05   0   0   0
    s6 -0.8   -1.8    0.1   -1  -2   0
    s7 -1.9    0.0   -1.8   -2   0  -2

Differences for A (A-B, A-C): s1 1.9**, 0.9*; s2 -0.8*, 1.0*; s3 -0.9*, -1.8**; s4 0.9*, 0.9*; s5 -0.15, -0.15;
s6 1.0*, -0.9*; s7 -1.9**, -0.1. So A's distinguishing statements (significant against B and C) are s1, s2,
s3, s4, s6, all at p < .05 only (each has one difference below 1.030). s5 is the only consensus statement
(B-C is 0 there). For B (B-A, B-C): s1 -1.9**, -1.0* -> D*; s2 0.8*, 1.8** -> D*; s3 0.9*, -0.9* -> D*;
s4 -0.9*, 0.0 -> no; s6 -1.0*, -1.9** -> D*; s7 1.9**, 1.8** -> D**.

Crib sheet of A: highest column (+2): s1. Higher than B and C (strictly), not in the highest column: s4 (0 > -1,
-1); s2 is not (1 < 2), nor s5 (0 = 0). Lower than B and C, not in the lowest column: s3 (0 < 1, 2); s6 is not
(-1 > -2). Lowest column (-2): s7 (also -2 in C: in no comparison group anyway).
Crib sheet of B: highest s2; higher: s7 (0 > -2, -2); lower: s1 (0 < 2, 1); lowest: s6.
"""
from types import SimpleNamespace

import numpy as np
import pytest

from analysis import qmethod
from analysis.cribsheet import CribRow, composite_grid, crib_sheet, crib_sheets, statement_marks
from analysis.distinguishing import qdc

Z = np.array([[1.8, -0.1, 0.9], [0.9, 1.7, -0.1], [0.1, 1.0, 1.9], [0.0, -0.9, -0.9], [-0.1, 0.05, 0.05],
              [-0.8, -1.8, 0.1], [-1.9, 0.0, -1.8]])
ARRAYS = np.array([[2, 0, 1], [1, 2, 0], [0, 1, 2], [0, -1, -1], [0, 0, 0], [-1, -2, 0], [-2, 0, -2]])
STATEMENTS = [f"s{i}" for i in range(1, 8)]


@pytest.fixture
def found():
    return SimpleNamespace(ids=["A", "B", "C"], statement_ids=STATEMENTS, zscores=Z, factor_arrays=ARRAYS,
                           table=qdc(Z, np.full((3, 3), 0.4)))


def test_the_hand_worked_crib_sheet_of_A(found):
    sheet = crib_sheet(found, "A")
    assert sheet.highest == [CribRow("s1", 0, 2, 1.8, {"B": 0, "C": 1}, "*", False)]
    assert sheet.higher == [CribRow("s4", 3, 0, 0.0, {"B": -1, "C": -1}, "*", False)]
    assert sheet.lower == [CribRow("s3", 2, 0, 0.1, {"B": 1, "C": 2}, "*", False)]
    assert sheet.lowest == [CribRow("s7", 6, -2, -1.9, {"B": 0, "C": -2}, "", False)]


def test_the_hand_worked_crib_sheet_of_B(found):
    sheet = crib_sheet(found, "B", texts=[f"text {i}" for i in range(1, 8)])
    assert sheet.highest == [CribRow("s2", 1, 2, 1.7, {"A": 1, "C": 0}, "*", False, "text 2")]
    assert sheet.higher == [CribRow("s7", 6, 0, 0.0, {"A": -2, "C": -2}, "**", False, "text 7")]
    assert sheet.lower == [CribRow("s1", 0, 0, -0.1, {"A": 2, "C": 1}, "*", False, "text 1")]
    assert sheet.lowest == [CribRow("s6", 5, -2, -1.8, {"A": -1, "C": 0}, "*", False, "text 6")]
    assert [row.mark for row in sheet.higher + sheet.lower] == ["D**", "D*"]


def test_marks_and_consensus(found):
    marks = statement_marks(found, "A")
    assert marks["distinguishing"] == ["*", "*", "*", "*", "", "*", ""]
    assert marks["direction"] == ["\u25ba", "", "\u25c4", "\u25ba", "", "", ""]
    assert marks["consensus"] == [False, False, False, False, True, False, False]
    assert statement_marks(found, 1)["distinguishing"] == ["*", "*", "*", "", "", "*", "**"]


def test_the_hand_worked_composite_grid_of_A(found):
    grid = composite_grid(found, "A")
    assert [column["score"] for column in grid["columns"]] == [-2, -1, 0, 1, 2]
    assert [[card["statement"] for card in column["cards"]] for column in grid["columns"]] == [
        ["s7"], ["s6"], ["s3", "s4", "s5"], ["s2"], ["s1"]]          # by z-score within a column, highest on top
    zero = grid["columns"][2]["cards"]
    assert [(c["distinguishing"], c["direction"], c["consensus"]) for c in zero] == [
        ("*", "\u25c4", False), ("*", "\u25ba", False), ("", "", True)]
    assert grid["columns"][4]["cards"][0] == {"statement": "s1", "index": 0, "zscore": 1.8, "distinguishing": "*",
                                              "direction": "\u25ba", "consensus": False, "text": None}
    assert set(grid["legend"]) == {"*", "**", "\u25ba", "\u25c4", "consensus"}


def test_rows_in_a_group_go_by_score_then_z_score():
    z = np.array([[0.5, 0.0], [1.5, 0.0], [0.9, 0.1], [-1.0, 0.5], [-1.9, -0.6]])
    arrays = np.array([[1, -1], [2, 0], [1, 0], [-1, 1], [-2, -1]])
    table = qdc(z, np.full((2, 2), 0.2))
    found = SimpleNamespace(ids=["1", "2"], statement_ids=list("abcde"), zscores=z, factor_arrays=arrays, table=table)
    sheet = crib_sheet(found, "1")
    assert [r.statement for r in sheet.highest] == ["b"]
    assert [r.statement for r in sheet.higher] == ["c", "a"]          # both +1, c has the higher z-score
    assert [r.statement for r in sheet.lower] == ["d"]


def test_a_viewpoint_without_scores_has_an_empty_sheet_and_is_left_out_of_comparisons(found):
    z = np.column_stack([Z, np.full(7, np.nan)])
    arrays = np.column_stack([ARRAYS, np.full(7, np.nan)])
    sed = np.full((4, 4), 0.4)
    sed[3, :] = sed[:, 3] = np.nan
    gap = SimpleNamespace(ids=["A", "B", "C", "D"], statement_ids=STATEMENTS, zscores=z, factor_arrays=arrays,
                          table=qdc(z, sed))
    assert crib_sheet(gap, "A") == crib_sheet(found, "A")
    empty = crib_sheet(gap, "D")
    assert (empty.highest, empty.higher, empty.lower, empty.lowest) == ([], [], [], [])
    assert composite_grid(gap, "D")["columns"] == []
    with pytest.raises(KeyError, match="no viewpoint 'E'"):
        crib_sheet(gap, "E")


def test_on_a_real_analysis_every_card_is_drawn_once_and_the_groups_agree_with_the_arrows():
    rng = np.random.default_rng(3)
    grid = np.repeat([-2, -1, 0, 1, 2], [2, 3, 4, 3, 2])
    x = np.column_stack([rng.permutation(grid) for _ in range(14)])
    found = qmethod(x, 3).viewpoints()
    sheets = crib_sheets(found)
    assert list(sheets) == found.ids
    for vid in found.ids:
        drawn = composite_grid(found, vid)
        cards = [card["index"] for column in drawn["columns"] for card in column["cards"]]
        assert sorted(cards) == list(range(14))
        heights = [len(column["cards"]) for column in drawn["columns"]]
        assert heights == [2, 3, 4, 3, 2]
        arrows = {card["index"] for column in drawn["columns"] for card in column["cards"]
                  if card["direction"] == "\u25ba"}
        sheet = sheets[vid]
        assert {r.index for r in sheet.higher} <= arrows <= {r.index for r in sheet.higher + sheet.highest}
        assert sheet.to_dict()["viewpoint"] == vid

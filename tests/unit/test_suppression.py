"""Disclosure control (kpis.stats.suppression): primary, secondary, zeros, thresholds."""

import pandas as pd

from kpis.stats.suppression import suppress_long, suppress_table, suppression_flags


def table(rows: dict, index: list) -> pd.DataFrame:
    return pd.DataFrame(rows, index=index)


def test_2d_table_primary_and_secondary_by_hand():
    #            A   B   C  Total
    #   x        3   8  12    23     3 is small (primary)
    #   y       10   0  20    30
    #   Total   13   8  32    53
    # row x: one suppressed cell beside a shown total -> next smallest non-zero in row x: 8
    # column A: 3 alone -> next smallest non-zero in column A: 10 (y, A)
    # column B: 8 (x, B) now alone; the only other cell is the 0 -> it is suppressed too
    # row y: 10 and 0 suppressed (two) -> fine; totals all shown
    t = table({"A": [3, 10, 13], "B": [8, 0, 8], "C": [12, 20, 32], "Total": [23, 30, 53]},
              ["x", "y", "Total"])
    flags = suppression_flags(t)
    assert flags.loc["x", "A"] == "primary"
    assert flags.loc["x", "B"] == "secondary"
    assert flags.loc["y", "A"] == "secondary"
    assert flags.loc["y", "B"] == "secondary"
    shown = suppress_table(t)
    assert shown.loc["x"].tolist() == ["c", "c", 12, 23]
    assert shown.loc["y"].tolist() == ["c", "c", 20, 30]
    assert shown.loc["Total"].tolist() == [13, 8, 32, 53]
    # no line left with exactly one c beside a shown total
    for line in [*(shown.loc[r, ["A", "B", "C"]] for r in ["x", "y"]),
                 *(shown.loc[["x", "y"], c] for c in ["A", "B", "C"])]:
        assert (line == "c").sum() != 1


def test_zero_is_not_suppressed_and_threshold_is_configurable():
    t = table({"A": [0, 40, 40], "B": [7, 9, 16], "Total": [7, 49, 56]}, ["x", "y", "Total"])
    assert (suppression_flags(t) == "").all().all()  # 0 shown; nothing from 1 to 5
    # threshold 7: (x, B) = 7 and its row total 7 are small (primary). Row x: total hidden,
    # nothing to do. Column B: 7 alone beside the shown 16 -> (y, B) = 9 secondary. Total
    # column: 7 alone beside the shown 56 -> (y, Total) = 49 secondary. Row y now has its total
    # hidden, so 40 stays: with a = (x, B) = (x, Total), (y, B) = 16 - a and (y, Total) = 56 - a
    # satisfy every shown total for any a, so nothing is revealed.
    f = suppression_flags(t, threshold=7)
    assert f.loc["x"].tolist() == ["", "primary", "primary"]
    assert f.loc["y"].tolist() == ["", "secondary", "secondary"]
    assert f.loc["Total"].tolist() == ["", "", ""]


def test_single_cell_line_suppresses_its_total():
    # one column only: the total equals the cell, so it must go too
    t = table({"A": [4, 10, 14], "Total": [4, 10, 14]}, ["x", "y", "Total"])
    f = suppression_flags(t)
    assert f.loc["x", "A"] == "primary" and f.loc["x", "Total"] == "primary"
    assert f.loc["y", "A"] == "secondary"  # column A: 4 alone -> 10


def long_table() -> pd.DataFrame:
    # council K: 40 of 200; teams T1 3/20 (small), T2 0/10, T3 12/70, T4 25/100
    return pd.DataFrame({
        "council": "K", "indicator_id": "re_referrals", "breakdown": "", "period": "2020-06",
        "level": ["council", "team", "team", "team", "team"],
        "org_unit": ["K", "T1", "T2", "T3", "T4"],
        "numerator": [40.0, 3.0, 0.0, 12.0, 25.0],
        "denominator": [200.0, 20.0, 10.0, 70.0, 100.0],
        "value": [20.0, 15.0, 0.0, 100 * 12 / 70, 25.0]})


def test_long_table_secondary_is_next_smallest_non_zero_team():
    out = suppress_long(long_table())
    # T1 primary (numerator 3); 40 - 0 - 12 - 25 would give it back, so the next smallest
    # non-zero team (T3, 12) is suppressed; T2's zero stays
    assert out["suppressed"].tolist() == ["", "primary", "", "secondary", ""]
    assert out.loc[1, ["value", "numerator", "denominator"]].tolist() == ["c", "c", "c"]
    assert out.loc[3, "numerator"] == "c"
    assert out.loc[2, "numerator"] == 0.0 and out.loc[2, "value"] == 0.0
    assert out.loc[0, "numerator"] == 40.0


def test_long_table_small_denominator_and_two_primaries():
    df = long_table()
    df.loc[4, ["numerator", "denominator"]] = [0.0, 4.0]  # T4: 0 of 4 -> denominator small
    df.loc[0, ["numerator", "denominator"]] = [15.0, 104.0]
    out = suppress_long(df)
    # T1 and T4 both primary: two suppressed cells, so no secondary is needed
    assert out["suppressed"].tolist() == ["", "primary", "", "", "primary"]


def test_long_table_suppressed_total_needs_no_secondary():
    df = pd.DataFrame({
        "council": "K", "indicator_id": "repeat_cp", "breakdown": "", "period": "2020-06",
        "level": ["council", "team", "team"], "org_unit": ["K", "T1", "T2"],
        "numerator": [4.0, 4.0, 0.0], "denominator": [30.0, 12.0, 18.0],
        "value": [13.3, 33.3, 0.0]})
    out = suppress_long(df)
    assert out["suppressed"].tolist() == ["primary", "primary", ""]


def test_long_table_without_a_candidate_suppresses_the_total():
    df = pd.DataFrame({
        "council": "K", "indicator_id": "repeat_cp", "breakdown": "", "period": "2020-06",
        "level": ["council", "team"], "org_unit": ["K", "T1"],
        "numerator": [3.0, 3.0], "denominator": [40.0, 40.0], "value": [7.5, 7.5]})
    df.loc[0, "numerator"] = 9.0  # total 9 shown, T1 3 small, no other team
    out = suppress_long(df)
    assert out["suppressed"].tolist() == ["secondary", "primary"]

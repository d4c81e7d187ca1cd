"""The engine's Arrow shortcuts (issue 15) give what the pandas forms gave: hand-worked values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.indicators.arrays import event_frame, text
from kpis.records.indicators.context import Vocab, _labels


def test_text_cleans_each_code_and_blanks_missing() -> None:
    s = pd.Series([" x1", None, "e11 ", "X1"], dtype="string")
    assert text(s).tolist() == ["X1", "", "E11", "X1"]
    assert text(s).dtype == object
    assert text(pd.Series([None, None], dtype=object)).tolist() == ["", ""]


def test_labels_match_factorize_and_vocab_codes() -> None:
    s = pd.Series([" Team A", None, "Team B", " Team A", ""], dtype="string")
    codes, uniques = _labels(s)
    assert codes.tolist() == [0, -1, 1, 0, 2]
    assert list(uniques) == [" Team A", "Team B", ""]
    v = Vocab()  # 0 unallocated, 1 unknown; then the labels as first seen (stripped)
    assert v.encode(s).tolist() == [2, 0, 3, 2, 0]
    assert v.labels[2:] == ["Team A", "Team B"]


def test_event_frame_breakdown_is_text_like_an_inferred_column() -> None:
    ev = event_frame(np.array([0, 1, 1]), breakdown="rolling 12 months", child=np.array([5, 6, 7]),
                     team=np.zeros(3), worker=np.zeros(3), in_numerator=np.array([1, 0, 1]))
    want = pd.Series(["rolling 12 months"] * 3, name="breakdown")  # pandas' own "str" column
    pd.testing.assert_series_equal(ev["breakdown"], want)
    assert ev["num"].tolist() == [1.0, 0.0, 1.0]
    empty = event_frame(np.array([], dtype=np.int64), breakdown="", child=np.array([]),
                        team=np.array([]), worker=np.array([]), in_numerator=np.array([]))
    assert len(empty) == 0 and empty["breakdown"].dtype == object


def test_events_only_leaves_out_the_drill_down_columns_inside_the_block_only() -> None:
    from kpis.records.indicators.arrays import EVENT_COLUMNS, events_only

    def ev() -> pd.DataFrame:
        return event_frame(np.array([0, 2]), breakdown="", child=np.array([4, 9]),
                           team=np.array([1, 1]), worker=np.array([0, 3]),
                           in_numerator=np.array([True, False]),
                           extra={"decom": np.array(["2020-05-01", "2020-06-02"],
                                                    dtype="datetime64[D]")})

    with events_only():
        lean = ev()
    assert list(lean.columns) == EVENT_COLUMNS
    assert lean["child"].tolist() == [4, 9] and lean["num"].tolist() == [1.0, 0.0]
    full = ev()  # after the block: the drill-down column is back
    assert list(full.columns) == EVENT_COLUMNS + ["decom"]
    pd.testing.assert_frame_equal(full[EVENT_COLUMNS], lean.to_frame())
    try:  # an error inside the block does not leave the switch on
        with events_only():
            raise KeyError("x")
    except KeyError:
        pass
    assert "decom" in ev().columns


def test_positions_are_get_indexer_positions_in_arrow_and_in_pandas() -> None:
    from kpis.records.indicators.context import _positions

    for storage in ("pyarrow", "python"):
        dtype = pd.StringDtype(storage)
        index = pd.Index(pd.array(["W1", "W2", "W3"], dtype=dtype))
        t = pd.Series(["W3", None, "W9", "W1", "w1"], dtype=dtype)
        got = _positions(index, t)
        assert got.tolist() == [2, -1, -1, 0, -1] and got.dtype == np.int64


def test_carer_key_is_urn_else_provider_and_postcode_hand_worked() -> None:
    from kpis.records.indicators.episodes import carer_key

    ep = pd.DataFrame({"urn": pd.Series([" U1 ", "", None, None, "U2"], dtype="string"),
                       "place_provider": pd.Series(["P1", "P2", None, " P3 ", None],
                                                   dtype="string"),
                       "pl_post": pd.Series(["GL1 1AA", None, "X", "GL2", "Y"], dtype="string")})
    # URN stripped; a blank or missing URN -> provider|postcode, missing if either is -> ""
    assert carer_key(ep).tolist() == ["U1", "", "", "P3|GL2", "U2"]
    assert carer_key(ep.astype(object)).tolist() == ["U1", "", "", "P3|GL2", "U2"]


def test_events_concat_mask_and_assign_give_what_the_dataframes_give() -> None:
    from kpis.records.indicators.arrays import Events, concat_events, events_only

    def two() -> list:
        a = event_frame(np.array([0, 1, 2]), breakdown="", child=np.array([4, 5, 6]),
                        team=np.array([1, 2, 2]), worker=np.array([0, 3, 3]),
                        in_numerator=np.array([True, False, True]))
        b = event_frame(np.array([1]), breakdown="single month", child=np.array([7]),
                        team=np.array([2]), worker=np.array([3]), in_numerator=np.array([True]),
                        den=np.array([2.0]))
        return [a, b]

    def ops(a: object, b: object) -> object:
        sel = a[np.asarray(a["worker"]) == 3]  # the rows of worker 3 (children 5 and 6)
        c = a.copy()
        c["in_numerator"] = ~c["in_numerator"]
        c["num"] = c["in_numerator"].astype(float)
        return concat_events([a, b, sel.assign(breakdown="ASYE"), c])

    full = ops(*two())
    with events_only():
        lean = ops(*two())
    assert isinstance(lean, Events) and lean.names == ["", "single month", "ASYE"]
    assert lean["breakdown"].tolist() == ["", "", "", "single month", "ASYE", "ASYE",
                                          "", "", ""]
    assert lean["child"].tolist() == [4, 5, 6, 7, 5, 6, 4, 5, 6]
    assert lean["num"].tolist() == [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    assert lean["den"].tolist() == [1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    for c in EVENT_COLUMNS_NO_BREAKDOWN:
        assert np.array_equal(full[c].to_numpy(), lean[c]), c
    assert full["breakdown"].tolist() == lean["breakdown"].tolist()


EVENT_COLUMNS_NO_BREAKDOWN = ["m", "child", "team", "worker", "in_numerator", "num", "den"]


def test_take_text_is_the_str_column_pandas_infers() -> None:
    from kpis.records.indicators.arrays import take_text

    values = np.array(["a", "b b", np.nan], dtype=object)
    idx = np.array([1, 0, 1, 2])
    got = pd.Series(take_text(values, idx))
    want = pd.Series(values[idx])  # pandas' own inference: "str", NaN missing
    pd.testing.assert_series_equal(got, want)
    assert got.tolist()[:3] == ["b b", "a", "b b"] and pd.isna(got[3])
    empty = pd.Series(take_text(values, np.empty(0, np.int64)))
    pd.testing.assert_series_equal(empty, pd.Series(values[:0]))


def test_drill_is_false_only_inside_events_only() -> None:
    from kpis.records.indicators.arrays import drill, events_only

    assert drill()
    with events_only():
        assert not drill()
    assert drill()


def test_compute_sums_an_indicator_frame_not_made_by_event_frame(monkeypatch) -> None:
    """An indicator may return a plain DataFrame of event columns: its rows are summed by
    their breakdown text as event_frame's arrays are."""
    import dataclasses

    from kpis.records import engine

    frame = pd.DataFrame({"m": [0, 0, 0, 1], "breakdown": ["", "", "number of children", ""],
                          "child": [1, 2, 1, 1], "team": [0, 0, 0, 0], "worker": [0, 0, 0, 0],
                          "in_numerator": [True, False, True, False],
                          "num": [1.0, 0.0, 1.0, 0.0], "den": [1.0, 1.0, 1.0, 1.0]})
    spec = dataclasses.replace(engine.REGISTRY["cla_s20"], func=lambda ctx: frame)
    monkeypatch.setitem(engine.REGISTRY, "cla_s20", spec)
    me = pd.DatetimeIndex(["2020-01-31", "2020-02-29"])
    out = engine.compute(engine.records_from("Shire"), me, levels=("council",),
                         indicators=["cla_s20"])
    got = out[["breakdown", "period", "numerator", "denominator", "value"]]
    # headline: Jan 1 of 2 (50%), Feb 0 of 1 (0%); "number of children": Jan 1 (a count), Feb
    # no rows (denominator 0: NaN)
    assert got.values.tolist()[:2] == [["", "2020-01", 1.0, 2.0, 50.0],
                                       ["", "2020-02", 0.0, 1.0, 0.0]]
    assert got.values.tolist()[2] == ["number of children", "2020-01", 1.0, 1.0, 1.0]
    assert got.values.tolist()[3][:4] == ["number of children", "2020-02", 0.0, 0.0]
    assert np.isnan(got.values.tolist()[3][4])


def test_lexorder_is_lexsort_hand_worked_and_with_missing_dates() -> None:
    from kpis.records.indicators.arrays import NAT, lexorder

    code = np.array([2, 1, 2, 1, 0, 2])
    day = np.array([5, NAT, 3, 4, 9, 3])
    # by code, then day (NAT first), ties in row order: code 0: row 4; code 1: rows 1 (NAT), 3;
    # code 2: rows 2 and 5 (day 3, in row order), then 0 (day 5)
    assert lexorder((day, code)).tolist() == [4, 1, 3, 2, 5, 0]
    assert lexorder((day, code)).tolist() == np.lexsort((day, code)).tolist()
    wide = np.array([2 ** 40, -(2 ** 40), 0])  # spans too wide to combine: numpy's lexsort
    assert lexorder((wide, wide, np.array([1, 1, 0]))).tolist() == [2, 1, 0]


def test_distinct_is_numpy_unique() -> None:
    from kpis.records.indicators.arrays import count_by_key, distinct

    a = np.array([7, -1, 7, 3, 3, 3, 0])
    assert distinct(a).tolist() == [-1, 0, 3, 7]
    u, c = distinct(a, counts=True)
    assert u.tolist() == [-1, 0, 3, 7] and c.tolist() == [1, 1, 3, 2]
    assert count_by_key(a, np.array([3, 5, 7])).tolist() == [3, 0, 2]
    empty = np.empty(0, dtype=np.int64)
    assert distinct(empty).dtype == np.int64 and len(distinct(empty)) == 0
    assert [x.tolist() for x in distinct(empty, counts=True)] == [[], []]


def test_events_breakdown_set_per_row_and_mixed_with_dataframes() -> None:
    """Review mends: a breakdown set per row (or assigned as an array) relabels the rows, as
    on a DataFrame; `concat_events` of an `Events` and a DataFrame gives the DataFrame
    concat (before: the per-row labels were lost, and the mix raised TypeError)."""
    from kpis.records.indicators.arrays import concat_events, events_only

    def frame() -> object:
        return event_frame(np.array([0, 1, 2]), breakdown="", child=np.array([4, 5, 6]),
                           team=np.array([1, 2, 2]), worker=np.array([0, 3, 3]),
                           in_numerator=np.array([True, False, True]))

    with events_only():
        ev = frame()
        ev["breakdown"] = np.array(["ASYE", "", "ASYE"])
        assert ev["breakdown"].tolist() == ["ASYE", "", "ASYE"]
        other = frame().assign(breakdown=np.array(["a", "b", "a"]))
        assert other["breakdown"].tolist() == ["a", "b", "a"]
        plain = frame().to_frame().assign(breakdown="x")
        mixed = concat_events([ev, plain])
    assert isinstance(mixed, pd.DataFrame)
    assert mixed["breakdown"].tolist() == ["ASYE", "", "ASYE", "x", "x", "x"]
    assert mixed["child"].tolist() == [4, 5, 6, 4, 5, 6]


def test_lexorder_and_distinct_beyond_integers_match_numpy() -> None:
    from kpis.records.indicators.arrays import distinct, lexorder

    big = (np.array([2 ** 64 - 1, 0], dtype=np.uint64), np.array([0, 0]))
    assert lexorder(big).tolist() == np.lexsort(big).tolist() == [1, 0]
    u, c = distinct(np.array([1.0, np.nan, np.nan]), counts=True)
    assert u[0] == 1.0 and np.isnan(u[1]) and len(u) == 2 and c.tolist() == [1, 2]

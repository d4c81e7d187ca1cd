"""The readers' fast paths (issue 15, national reading speed) give the same values as the
general ones: dates in the usual forms read by Arrow, the others falling back; duplicates
found from the cheap columns first; distinct cells parsed once per process."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.readers import frame
from kpis.records.readers.arrow_text import fixed_dates
from kpis.records.readers.parsing import (
    _parse_odd_dates,
    duplicated_rows,
    parse_dates_full,
)

#: the usual date forms read by Arrow's strptime (with a print-back check): an independent
#: reader that `fixed_dates`, the readers' own, is held to
FAST_DATE_FORMATS = ((r"^\d{2}/\d{2}/\d{4}$", "%d/%m/%Y", 6),  # (pattern, format, year at)
                     (r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d", 0))


def fast_dates(t: pd.Series, lo_year: int, hi_year: int) -> tuple[np.ndarray, np.ndarray]:
    """(datetime64[ns] values, mask of the cells read) for the cells of `t` in exactly
    dd/mm/yyyy or yyyy-mm-dd form with a year in [lo_year, hi_year), read by Arrow's strptime;
    a cell is read only if it prints back to itself (strptime rolls 31/04 over to 01/05)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(t.astype("string").array).fill_null("")
    values = np.full(len(t), np.datetime64("NaT"), dtype="datetime64[ns]")
    done = np.zeros(len(t), dtype=bool)
    for pattern, fmt, year_at in FAST_DATE_FORMATS:
        hit = pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False) & ~done
        if not hit.any():
            continue
        cells = arr.filter(pa.array(hit))
        year = pc.cast(pc.utf8_slice_codeunits(cells, year_at, year_at + 4), pa.int32())
        ts = pc.strptime(cells, format=fmt, unit="s", error_is_null=True)
        ok = pc.and_(pc.and_(pc.equal(pc.strftime(ts, format=fmt), cells),
                             pc.greater_equal(year, lo_year)), pc.less(year, hi_year))
        ok = ok.fill_null(False).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(hit)[ok]
        values[rows] = ts.filter(pa.array(ok)).to_numpy(zero_copy_only=False).astype(
            "datetime64[ns]")
        done[rows] = True
    return values, done


def test_fast_dates_reads_only_the_usual_forms_that_print_back() -> None:
    t = pd.Series(["05/12/1999", "2020-02-29", "31/04/2020", "1/2/2020", "31/12/9999",
                   "29/02/2021", "2020-02-30", "44000", "05.12.1999"], dtype="string")
    values, done = fast_dates(t, 1901, 2090)
    # 31/04 and 29/02/2021 would roll over in strptime; 1/2/2020 (one digit), a placeholder
    # year, an Excel serial and dots are left to the regular parser
    assert done.tolist() == [True, True, False, False, False, False, False, False, False]
    assert values[0] == np.datetime64("1999-12-05")
    assert values[1] == np.datetime64("2020-02-29")
    assert np.isnat(values[2:]).all()


def test_fixed_dates_reads_the_bytes_of_the_usual_forms_hand_worked() -> None:
    import pyarrow as pa

    cells = ["05/12/1999", "2020-02-29", "31/04/2020", "29/02/2021", "29/02/2000", "1/2/2020",
             " 1/02/2020", "31/12/9999", "01/01/1901", "31/12/1900", "2020/01/01", "05.12.1999",
             "\uff112/01/2020", "", None, "44000", "2020-13-01"]
    values, done = fixed_dates(pa.array(cells, type=pa.large_string()), 1901, 2090)
    # read: the two usual forms naming a real day in [1901, 2090); 29/02/2000 is a leap day
    assert np.flatnonzero(done).tolist() == [0, 1, 4, 8]
    assert values[[0, 1, 4, 8]].tolist() == [np.datetime64("1999-12-05", "ns").item(),
                                             np.datetime64("2020-02-29", "ns").item(),
                                             np.datetime64("2000-02-29", "ns").item(),
                                             np.datetime64("1901-01-01", "ns").item()]
    assert np.isnat(values[~done]).all()
    # a slice of a plain string array: Arrow's offsets are honoured
    v2, d2 = fixed_dates(pa.array(cells, type=pa.string()).slice(4, 5), 1901, 2090)
    assert d2.tolist() == [True, False, False, False, True]


def test_fixed_and_arrow_date_readers_agree_on_every_day_and_near_misses() -> None:
    import pyarrow as pa

    days = pd.date_range("1899-12-01", "2100-01-31", freq="D")
    rng = np.random.default_rng(1)
    noise = ["".join(rng.choice(list("0123456789/-"), 10)) for _ in range(20_000)]
    cells = list(days.strftime("%d/%m/%Y")) + list(days.strftime("%Y-%m-%d")) + noise
    want_values, want_done = fast_dates(pd.Series(cells, dtype="string"), 1901, 2090)
    values, done = fixed_dates(pa.array(cells, type=pa.large_string()), 1901, 2090)
    assert done.tolist() == want_done.tolist()
    assert (values[done] == want_values[done]).all()


def test_dates_fall_back_for_odd_forms_hand_worked() -> None:
    s = pd.Series([" 05/12/1999", "31/04/2020", "1/2/2020", "31/12/9999", "01/01/1900",
                   "44000", "2020-02-01T10:00", "garbage", "", None], dtype="string")
    out, bad, sent = parse_dates_full(s)
    assert out.tolist()[:3] == [pd.Timestamp("1999-12-05"), pd.NaT, pd.Timestamp("2020-02-01")]
    # Excel serial 44000 = 1899-12-30 + 44000 days
    assert out[5] == pd.Timestamp("2020-06-18")
    assert out[6] == pd.Timestamp("2020-02-01")
    assert out[[3, 4, 7, 8, 9]].isna().all()
    assert bad.tolist() == [False, True, False, False, False, False, False, True, False, False]
    assert sent.tolist() == [False, False, False, True, True, False, False, False, False, False]


def test_fast_and_regular_date_parsers_agree() -> None:
    days = pd.date_range("1899-12-01", "2100-01-31", freq="7D")
    forms = pd.concat([pd.Series(days.strftime("%d/%m/%Y")), pd.Series(days.strftime("%Y-%m-%d")),
                       pd.Series(["30/02/2020", "00/01/2020", "2021-13-01", "12/31/2020"])],
                      ignore_index=True).astype("string")
    fast = frame.parse_field  # via the memo and the fast path
    got = fast(forms, "date", "x", {}, {})
    want = _parse_odd_dates(forms)
    for g, w in zip(got, want, strict=True):
        assert g.tolist() == w.tolist()


def test_duplicated_rows_matches_pandas_hand_worked() -> None:
    i = np.arange(1200)
    d = pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(i % 600, unit="D"))
    d[5] = pd.NaT
    d[605] = pd.NaT
    df = pd.DataFrame({"child_id": pd.array([f"C{k % 300}" for k in i], dtype="string"),
                       "start": d, "n": (i % 3).astype(float)})
    # rows 600..1199 repeat rows 0..599 in every column (i and i + 600 agree mod 600, 300, 3)
    want = [False] * 600 + [True] * 600
    assert duplicated_rows(df, ["child_id", "start", "n"]).tolist() == want
    assert df.duplicated(["child_id", "start", "n"]).tolist() == want
    # a different text breaks the tie the dates make
    df.loc[1000, "child_id"] = "other"
    got = duplicated_rows(df, ["child_id", "start", "n"])
    assert not got[1000] and int(got.sum()) == 599
    assert got.tolist() == df.duplicated(["child_id", "start", "n"]).tolist()


def test_duplicated_rows_counts_nan_and_signed_zero_as_pandas_does() -> None:
    i = np.arange(1000)
    df = pd.DataFrame({"child_id": pd.array(["A"] * 1000, dtype="string"),
                       "start": pd.Series(pd.Timestamp("2020-01-01")
                                          + pd.to_timedelta(i, unit="D")),
                       "fte": (i + 1) / 1000})
    df.loc[[2, 3], "start"] = pd.Timestamp("2019-01-01")  # rows 2, 3: same start
    df.loc[[2, 3], "fte"] = [0.0, -0.0]  # pandas: 0.0 equals -0.0
    df.loc[[7, 8], "start"] = pd.NaT
    df.loc[[7, 8], "fte"] = [np.nan, np.nan]  # NaN equals NaN
    df.loc[[10, 11], "start"] = pd.Timestamp("2018-01-01")
    df.loc[11, "child_id"] = "B"  # same dates and FTE, other child: not a copy
    df.loc[[10, 11], "fte"] = 0.5
    got = duplicated_rows(df, ["child_id", "start", "fte"])
    assert np.flatnonzero(got.to_numpy()).tolist() == [3, 8]
    assert got.tolist() == df.duplicated(["child_id", "start", "fte"]).tolist()
    last = duplicated_rows(df, ["child_id", "start", "fte"], keep="last")
    assert np.flatnonzero(last.to_numpy()).tolist() == [2, 7]


def test_memo_parses_each_distinct_cell_once_and_maps_every_column_back() -> None:
    key = ("date", "test-memo")
    frame._MEMO.pop(key, None)
    seen: list[list[str]] = []

    def parse(u: pd.Series) -> tuple[pd.Series, ...]:
        seen.append(u.tolist())
        return parse_dates_full(u)[:2]

    first = pd.Series(["01/02/2020", "2020-03-04"], dtype="string")
    ix, res = frame._memo_parse(first, key, parse)
    assert ix.tolist() == [0, 1] and seen == [["01/02/2020", "2020-03-04"]]
    second = pd.Series(["bad", "2020-03-04", "01/02/2020"], dtype="string")
    ix, res = frame._memo_parse(second, key, parse)
    assert seen[1] == ["bad"]  # only the new cell is parsed
    assert ix.tolist() == [2, 1, 0]
    values, bad = res
    assert values[ix].tolist() == [pd.NaT, pd.Timestamp("2020-03-04"), pd.Timestamp("2020-02-01")]
    assert bad[ix].tolist() == [True, False, False]
    ix, _ = frame._memo_parse(second, key, parse)  # all seen: nothing parsed
    assert len(seen) == 2 and ix.tolist() == [2, 1, 0]
    frame._MEMO.pop(key, None)


def test_sort_rows_orders_as_pandas_stable_sort_with_missing_first() -> None:
    from kpis.records.readers.ssda903 import sort_rows

    nat = None
    df = pd.DataFrame({
        "child_id": pd.array(["b", "A2", "A10", "A2", "A2", "É"], dtype="string"),
        "start": pd.to_datetime(["2020-01-01", "2020-03-01", "2020-01-01", "2020-03-01",
                                 "2020-02-01", "2019-01-01"]),
        "end": pd.to_datetime([nat, "2020-04-01", nat, nat, nat, nat]),
        "n": [0, 1, 2, 3, 4, 5],
    }, index=[10, 11, 12, 13, 14, 15])
    got = sort_rows(df, ["child_id", "start", "end"])
    # code-point order A10 < A2 < b < É; A2's two 2020-03-01 rows: the open one (13) first
    assert got.index.tolist() == [12, 14, 13, 11, 10, 15]
    assert got["n"].tolist() == [2, 4, 3, 1, 0, 5]
    pd.testing.assert_frame_equal(
        got, df.sort_values(["child_id", "start", "end"], na_position="first", kind="stable"))


def test_text_strips_and_clears_blanks_only_where_needed_hand_worked() -> None:
    from kpis.records.readers.parsing import _text

    # no cell to strip or clear: the cells come back as they are
    ids = pd.Series(["C001", "C0002", "SW10490"], dtype="string")
    assert _text(ids).tolist() == ["C001", "C0002", "SW10490"]
    # a no-break space and a tab at the edges are stripped (as pandas' str.strip); "NULL",
    # "N/A " and blanks are missing
    odd = pd.Series(["\u00a0C001\u00a0", "\tC002", "NULL", "N/A ", "", None, "nan", "C 3"],
                    dtype="string")
    assert _text(odd).tolist() == ["C001", "C002", pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, "C 3"]
    assert _text(odd).tolist() == odd.str.strip().mask(odd.str.strip().isin(
        ["", "nan", "NaT", "None", "NULL", "null", "NA", "N/A"])).tolist()


def test_children_first_known_value_per_child_hand_worked() -> None:
    from kpis.records.readers import _children

    header = pd.DataFrame({
        "child_id": pd.array(["B", None, "A"], dtype="string"),
        "sex": pd.array([None, "M", "F"], dtype="string"),
        "dob": pd.to_datetime([None, "2010-01-01", "2011-02-03"]),
        "ethnic": pd.array(["WBRI", None, None], dtype="string")})
    annex = pd.DataFrame({
        "child_id": pd.array(["B", "C"], dtype="string"),
        "sex": pd.array(["M", None], dtype="string"),
        "dob": pd.to_datetime(["2009-05-05", None]),
        "ethnicity": pd.array([None, "ABAN"], dtype="string"),
        "disability": pd.array([True, None], dtype="boolean")})
    got = _children([header, None, annex])
    # sorted by child; the row without an id is dropped; B's sex and DOB come from Annex A
    # (the 903 header has none), its ethnicity from the header (first known value wins)
    assert got["child_id"].tolist() == ["A", "B", "C"]
    assert got["sex"].tolist() == ["F", "M", pd.NA]
    assert got["dob"].tolist() == [pd.Timestamp("2011-02-03"), pd.Timestamp("2009-05-05"),
                                   pd.NaT]
    assert got["ethnicity"].tolist() == [pd.NA, "WBRI", "ABAN"]
    assert got["disability"].tolist() == [pd.NA, True, pd.NA]
    assert [str(t) for t in got.dtypes] == ["string", "string", "datetime64[ns]", "string",
                                            "boolean"]


def test_allocation_copies_found_within_runs_as_pandas_finds_them() -> None:
    from kpis.records.readers.ssda903 import _later_copies, dedupe_allocations, sort_rows

    d = pd.to_datetime
    sw = pd.DataFrame({
        "child_id": pd.array(["A", "A", "A", "A", "B", None, None, "B"], dtype="string"),
        "sw_id": pd.array(["W1", "W2", "W1", None, "W1", "W9", "W9", None], dtype="string"),
        "start": d(["2020-01-01", "2020-01-01", "2020-01-01", "2020-01-01", "2020-02-01",
                    "2020-03-01", "2020-03-01", None]),
        "end": d([None, "2020-02-01", "2020-04-01", None, None, None, "2020-05-01", None])})
    ordered = sort_rows(sw, ["child_id", "start", "end"])
    got = _later_copies(ordered)
    want = ordered.duplicated(["child_id", "sw_id", "start"], keep="last")
    assert got.tolist() == want.tolist()
    # A/W1/2020-01-01: the open copy (row 0) is dropped, the one ending 2020-04-01 kept; the
    # two rows without a child but the same worker and start are copies too (missing = missing)
    kept, log = dedupe_allocations(sw)
    assert len(kept) == 6 and len(log) == 2
    assert log["detail"].tolist()[0] == ("worker W9 from 2020-03-01: dropped copy ending open, "
                                         "kept the later end")
    rng = np.random.default_rng(7)
    n = 3000
    children = [f"C{k}" for k in range(300)] + [None]
    many = pd.DataFrame({  # runs of one child and start a few rows long, as in real data
        "child_id": pd.array(rng.choice(children, n), dtype="string"),
        "sw_id": pd.array(rng.choice(["W1", "W2", None], n), dtype="string"),
        "start": d("2020-01-01") + pd.to_timedelta(rng.integers(0, 3, n), unit="D"),
        "end": d("2020-06-01") + pd.to_timedelta(rng.integers(0, 3, n), unit="D")})
    ordered = sort_rows(many, ["child_id", "start", "end"])
    want = ordered.duplicated(["child_id", "sw_id", "start"], keep="last")
    assert 100 < int(want.sum()) and _later_copies(ordered).tolist() == want.tolist()


def test_few_candidate_copies_count_missing_and_signed_zero_as_pandas() -> None:
    from kpis.records.readers.parsing import _few_copies

    df = pd.DataFrame({
        "child_id": pd.array(["A", "A", None, None, "", "A", "A"], dtype="string"),
        "start": pd.to_datetime(["2020-01-01", "2020-01-01", None, None, None, None, None]
                                ).astype("datetime64[ns]"),  # (the readers' date type)
        "fte": [0.0, -0.0, np.nan, np.nan, np.nan, 1.0, 1.0],
        "flag": pd.array([True, True, None, None, None, None, False], dtype="boolean")})
    pos = np.arange(len(df))
    # rows 1 (0.0 = -0.0) and 3 (missing = missing in every column) are copies; "" is not
    # missing (row 4); rows 5 and 6 differ in the flag (missing vs False)
    assert np.flatnonzero(_few_copies(df, list(df), pos, "first")).tolist() == [1, 3]
    assert np.flatnonzero(_few_copies(df, list(df), pos, "last")).tolist() == [0, 2]
    assert _few_copies(df, list(df), pos, "first").tolist() == df.duplicated().tolist()
    # a group number (councils read together) is part of the key: row 1 is in another group
    grouped = df.assign(g=np.array([0, 1, 0, 0, 0, 0, 0], dtype=np.int64))
    assert np.flatnonzero(_few_copies(grouped, list(grouped), pos, "first")).tolist() == [3]
    # a column type it does not know is left to pandas
    assert _few_copies(df.assign(n=np.arange(7.0).astype(object)), ["n"], pos, "first") is None

"""Disclosure control for tables shown to a board or shared: small numbers become `c`.

Source: the Department for Education's practice in its children-in-need and child-protection
releases (Characteristics of children in need; the explore-education-statistics symbols
guidance: `c` = "confidential data", suppressed to protect confidentiality) and the
Government Statistical Service's statistical disclosure control guidance:

- **Primary suppression**: a count from 1 to `threshold` (5) is shown as `c`; a rate (percent
  or ratio) whose numerator or denominator is from 1 to `threshold` is `c`, and so are that
  row's numerator and denominator. Strictly: a count x is small when 0 < x ≤ threshold (for
  whole counts, 1-5; a fractional FTE of 0 < FTE ≤ 5 counts as small too).
- **Zero is not suppressed.** DfE publishes zeros: in table D3 (second or subsequent CP plans,
  `CPP_subsequent`, 2013-2025, as kept in ../shared/external/outcomes_enablers) councils show
  `0` (20 council-years) and `c` (29), and no council figure from 1 to 5 appears; the smallest
  non-zero published count is 6.
- **Secondary suppression**: where a total is shown and exactly one of the cells adding up to
  it is suppressed, the total minus the others would reveal it, so the next smallest cell of
  the same row or column group is suppressed too ("where data has been suppressed for a
  Local Authority, the next lowest LA has also been suppressed": DfE LAIT data dictionary).
  The next smallest is the smallest non-zero shown cell (a zero only when no non-zero cell is
  left; ties: the smaller denominator, then the label in order); when no cell is left, the
  total itself is suppressed. In a 2-D table this is repeated over rows and columns until no
  line has a single suppressed cell beside a shown total.

Who sees what: `settings(suppress, threshold)` gives a `Disclosure` from a report's parameters
(board and shared pages: counts 1-5 hidden; an internal managers' page may turn it off);
`suppress_rows` masks a display table's rows whose numerator or denominator is small.

Two entry points: `suppress_long` for the long computed-indicator table (team rows add up to
the council row of the same indicator, breakdown and period) and `suppress_table` for a 2-D
table with a total row and a total column. Both return copies with `c` in place of suppressed
figures (those columns become text); `suppress_long` adds a `suppressed` column
(`primary`, `secondary` or ``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MARKER = "c"
THRESHOLD = 5


def is_small(x: pd.Series | np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    """0 < x ≤ threshold (1-5 for whole counts); NaN is not small."""
    a = np.asarray(x, dtype=float)
    return np.isfinite(a) & (a > 0) & (a <= threshold)


def suppress_long(df: pd.DataFrame, threshold: float = THRESHOLD, *,
                  group: Sequence[str] = ("council", "indicator_id", "breakdown", "period"),
                  total_level: str = "council", marker: str = MARKER,
                  columns: Sequence[str] = ("value", "numerator", "denominator")) -> pd.DataFrame:
    """Disclosure control on the long computed table (docs/contracts.md).

    Primary: a row whose numerator or denominator is small (`is_small`) has `value`,
    `numerator` and `denominator` shown as `marker`. Secondary: within each `group` and level
    other than `total_level`, the rows add up to the `total_level` row of the same group (team
    figures add up to the council's); when exactly one row of a level's group is suppressed
    and the total row is shown, the row with the next smallest numerator (non-zero first, then
    smaller denominator, then org_unit) is suppressed too. The `total_level` rows get primary
    suppression only. Adds column `suppressed`.
    """
    group = [g for g in group if g in df.columns]
    num = df["numerator"].to_numpy(dtype=float)
    den = df["denominator"].to_numpy(dtype=float)
    primary = is_small(num, threshold) | is_small(den, threshold)
    flag = pd.Series(np.where(primary, "primary", ""), index=df.index, dtype=object)
    is_total = (df["level"] == total_level).to_numpy()
    # is each group's total row suppressed?
    keys = [*group]
    tot = df.loc[is_total, keys].assign(_tot_sup=primary[is_total])
    tot = tot.drop_duplicates(keys)
    parts = df.loc[~is_total, [*keys, "level", "org_unit"]].assign(
        _num=num[~is_total], _den=den[~is_total], _p=primary[~is_total])
    parts["_row"] = np.flatnonzero(~is_total)
    parts = parts.merge(tot, on=keys, how="left")
    parts["_tot_sup"] = parts["_tot_sup"].fillna(True).astype(bool)  # no total row: nothing
    gkeys = [*keys, "level"]
    n_sup = parts.groupby(gkeys, sort=False, dropna=False)["_p"].transform("sum")
    need = (n_sup == 1) & ~parts["_tot_sup"]
    cand = parts[need & ~parts["_p"]].assign(_zero=lambda d: d["_num"] <= 0)
    cand = cand.sort_values([*gkeys, "_zero", "_num", "_den", "org_unit"], kind="stable")
    pick = cand.groupby(gkeys, sort=False, dropna=False).head(1)["_row"].to_numpy()
    flag.iloc[pick] = "secondary"
    # a group needing a secondary cell with no candidate: its total is suppressed instead
    short = parts[need].groupby(gkeys, sort=False, dropna=False)["_p"].size()
    has_cand = cand.groupby(gkeys, sort=False, dropna=False)["_row"].size()
    lacking = short.index.difference(has_cand.index)
    if len(lacking):
        lk = pd.DataFrame(list(lacking), columns=gkeys)[keys].drop_duplicates()
        tot_pos = df.loc[is_total, keys].assign(_pos=np.flatnonzero(is_total))
        flag.iloc[tot_pos.merge(lk, on=keys)["_pos"].to_numpy()] = "secondary"
    out = df.copy()
    hide = (flag != "").to_numpy()
    for c in columns:
        if c in out:
            out[c] = out[c].astype(object).where(~hide, marker)
    out["suppressed"] = flag.to_numpy()
    return out


def suppression_flags(table: pd.DataFrame, threshold: float = THRESHOLD, *,
                      row_total: object = "Total", col_total: object = "Total") -> pd.DataFrame:
    """`primary` / `secondary` / `` per cell of a 2-D count table with a total row
    (index label `row_total`) and a total column (`col_total`); see `suppress_table`."""
    if row_total not in table.index or col_total not in table.columns:
        raise ValueError(f"suppress_table: needs a total row {row_total!r} and a total column "
                         f"{col_total!r}")
    a = table.to_numpy(dtype=float)
    tr = table.index.get_loc(row_total)
    tc = table.columns.get_loc(col_total)
    code = np.where(is_small(a, threshold), 1, 0)  # 1 primary, 2 secondary
    nr, nc = a.shape
    for _ in range(nr * nc):  # each pass suppresses at least one cell or stops
        changed = False
        for axis in (0, 1):  # rows, then columns
            lines = range(nr) if axis == 0 else range(nc)
            for i in lines:  # a table's rows and columns: tens at most
                if axis == 0:
                    members = [(i, j) for j in range(nc) if j != tc]
                    total = (i, tc)
                else:
                    members = [(r, i) for r in range(nr) if r != tr]
                    total = (tr, i)
                if code[total]:
                    continue
                sup = [m for m in members if code[m]]
                if len(sup) != 1:
                    continue
                left = [m for m in members if not code[m]]
                if not left:
                    code[total] = 2
                else:
                    nz = [m for m in left if a[m] > 0] or left
                    code[min(nz, key=lambda m: (a[m], m))] = 2
                changed = True
        if not changed:
            break
    words = np.array(["", "primary", "secondary"], dtype=object)[code]
    return pd.DataFrame(words, index=table.index, columns=table.columns)


def suppress_table(table: pd.DataFrame, threshold: float = THRESHOLD, *,
                   row_total: object = "Total", col_total: object = "Total",
                   marker: str = MARKER) -> pd.DataFrame:
    """A 2-D count table (with a total row and a total column) with small counts and the
    cells that would reveal them through the totals shown as `marker`.

    Primary: counts 1..threshold, totals included. Secondary, repeated until stable: in any
    row or column whose total is shown and which has exactly one suppressed cell, the next
    smallest cell (non-zero first; ties: the earlier row/column) is suppressed; if none is
    left, the total. Zeros stay.
    """
    flags = suppression_flags(table, threshold, row_total=row_total, col_total=col_total)
    return table.astype(object).where(flags == "", marker)


@dataclass(frozen=True)
class Disclosure:
    """Who a page is for and what it hides: `suppress` False only for an internal
    (managers') audience; `threshold` the largest count shown as `marker` (5: counts 1-5)."""

    suppress: bool = True
    threshold: int = THRESHOLD
    marker: str = MARKER

    def words(self) -> str:
        """One sentence for captions: what `c` means on this page, or that nothing is hidden."""
        if not self.suppress:
            return ("Small numbers are shown unsuppressed: this page is for an internal "
                    "audience and must not be shared.")
        return (f"'{self.marker}': a count from 1 to {self.threshold}, a rate from such a "
                f"count, or a figure that would reveal one through a total (suppressed).")


def settings(suppress: bool = True, threshold: int = THRESHOLD) -> Disclosure:
    """The disclosure setting of a report, from its parameters (`suppress`, `suppress_threshold`
    in notebooks/deep_dive.ipynb and child_level.ipynb; set per report in reports.yml or with
    `kpis report -p suppress false` for managers). Board pages keep the default: counts 1-5
    shown as `c`. Raises ValueError for a threshold that is not a whole number 0 or more."""
    if not isinstance(suppress, bool):
        raise ValueError(f"suppress must be true or false, got {suppress!r}")
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) \
            or threshold < 0:
        raise ValueError(f"suppress_threshold must be a whole number 0 or more, "
                         f"got {threshold!r}")
    return Disclosure(suppress, int(threshold))


def suppress_rows(table: pd.DataFrame, numerator: str, denominator: str,
                  columns: Sequence[str], disclosure: Disclosure = Disclosure()
                  ) -> pd.DataFrame:
    """Primary suppression on a display table whose rows are not parts of a shown total (a
    council's months, indicators side by side): where the row's `numerator` or `denominator`
    (numbers, or text like "1,988") is from 1 to the threshold, `columns` become the marker.
    Returns a copy; unchanged when `disclosure.suppress` is False."""
    if not disclosure.suppress or table.empty:
        return table.copy()

    def num(c: str) -> np.ndarray:
        s = table[c].astype(str).str.replace(",", "", regex=False)
        return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)

    small = is_small(num(numerator), disclosure.threshold) \
        | is_small(num(denominator), disclosure.threshold)
    out = table.copy()
    for c in columns:
        if c in out:
            out[c] = out[c].astype(object).where(~small, disclosure.marker)
    return out

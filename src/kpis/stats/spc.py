"""XmR (individuals and moving range) charts with NHS England's "Making Data Count" rules.

Source: NHS England / NHS Improvement, *Making Data Count* (2017-2019: "Making Data Count",
"Strengthening your decisions", the "SPC and the NHS" icons) and its reference
implementation in R, the NHS-R Community's NHSRplotthedots (`ptd_spc`); as issue 12 states:

- **Centre** = mean of the baseline points. **Mean moving range** (mR-bar) = mean of
  |x[i] - x[i-1]| over consecutive baseline points. **Process limits** = centre ± 2.66 × mR-bar
  (2.66 = 3 / 1.128, d2 for n = 2), clipped to the unit's range (0-100 for percentages, ≥ 0 for
  counts and caseloads; `unit_bounds`). The **2-sigma line** is centre ± 1.77 × mR-bar.
- **Special cause** at a point when it is part of any of:
  1. *outside limits*: above the upper or below the lower process limit (strictly; a point on
     a limit is inside, so a 0 on a limit clipped to 0 is not a signal);
  2. *run*: 7 (option 6) or more consecutive points on the same side of the centre; every
     point of the run is flagged. **A point exactly on the centre line breaks a run** (it is on
     neither side), as NHSRplotthedots does (sign(x - centre) = 0 ends the run); equality is
     tested with a tolerance of 1e-9 × max(1, |centre|) so a float mean does not decide;
  3. *trend*: 7 (option 6) or more consecutive points each higher (or each lower) than the one
     before; every point of the trend is flagged; **two equal consecutive points break a
     trend** (neither rising nor falling; NHSRplotthedots likewise);
  4. *2 of 3*: 2 or 3 of any 3 consecutive points beyond the same 2-sigma line (above
     centre + 1.77 mR-bar, or below centre - 1.77 mR-bar; points beyond the process limits count
     too); the points beyond the line are flagged (the third point may be anywhere).
  Rules run within a segment: runs and trends do not cross a rebase.
- **Variation** of a point: `common cause` (no rule), else by the side the signals point to
  (outside / run / 2-of-3: the side of the centre; trend: rising = high, falling = low) and the
  indicator's polarity: `improvement` or `concern`; `neither` when the indicator has no
  polarity ("neither"). When one point carries signals both ways (a rising trend inside a run
  below the centre) it is `concern` [I: the conservative reading, so a manager looks].
- **Assurance** against a target, from the limits in force at the point (MDC; NHSRplotthedots
  `ptd_calculate_assurance_type`): higher is better: target above the upper limit →
  `consistently fails`, below the lower limit → `consistently passes`, otherwise (a limit on
  the target counts as within) `hit and miss`; lower is better: the reverse. Empty when there
  is no target, no polarity, or no limits.
- **Trial limits**: a segment whose baseline has fewer than 12 points (MDC: limits from fewer
  than 12 points are provisional); `xmr` returns `trial_limits`, the chart says so in words.
- **Baseline and rebasing are parameters, never automatic.** `rebase_at` lists periods
  (`YYYY-MM`) at which a new segment starts (e.g. the inspection, a new service model); within
  a segment the baseline is the points up to `baseline_end` when that period falls in the
  segment, else its first `baseline_points` points, else all its points. Points after the
  baseline are judged against the frozen limits (`in_baseline` False).

Which series: **in-month** series only (issue 12: rolling-12-month figures are autocorrelated,
overlapping windows share 11 of 12 months, and would trip the run and trend rules). `WINDOWS`
says, for every (indicator_id, breakdown) `kpis compute` produces, what one month's figure is
made of: `in month` (events in the calendar month), `rolling 12 months` / `rolling 6 months`
(events or histories over that window, including month-end cohorts whose numerator looks back
12 months), `month-end stock` (a state at the month-end, e.g. caseload, agency rate, children
on a plan). `spc_table` charts `windows=("in month",)` by default; stock series can be added
(`windows=("in month", "month-end stock")`), with the caveat that stocks carry children over
from month to month. Points flagged `partial history` and missing values are left out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kpis import catalogue

log = logging.getLogger(__name__)

LIMIT = 2.66
SIGMA2 = 1.77
TRIAL_POINTS = 12
PARTIAL = "partial history"

IN_MONTH = "in month"
R12 = "rolling 12 months"
R6 = "rolling 6 months"
STOCK = "month-end stock"
#: A change between two month-ends (e.g. 18 months apart): never charted as SPC.
CHANGE = "change over a period"

R3 = "rolling 3 months"
WINDOW_KINDS = (IN_MONTH, R12, R6, R3, STOCK, CHANGE)

#: What one month's figure is made of, per (indicator_id, breakdown) of `kpis compute` and the
#: audit indicators: data (src/kpis/data/catalogue/windows.csv), read once; a new indicator adds
#: its row there (tests/unit/test_spc.py checks every engine series has one).
WINDOWS: dict[tuple[str, str], str] = catalogue.windows(WINDOW_KINDS)

SPC_COLUMNS = ["indicator_id", "breakdown", "level", "org_unit", "period", "value", "centre",
               "lower", "upper", "in_baseline", "special_cause", "rules", "variation",
               "assurance"]

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def unit_bounds(unit: str) -> tuple[float, float]:
    """The range a value of this unit can take: percent 0-100; percent change unbounded;
    anything else (children, children per FTE, audits) 0 upwards."""
    u = (unit or "").strip().lower()
    if u == "percent":
        return 0.0, 100.0
    if u == "percent change":
        return -np.inf, np.inf
    return 0.0, np.inf


def _check_period(p: str, what: str) -> str:
    if not isinstance(p, str) or not _PERIOD.match(p):
        raise ValueError(f"{what} must be a period 'YYYY-MM', got {p!r}")
    return p


def _runs(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run id and run length for each element of `key` (equal consecutive values)."""
    if len(key) == 0:
        return np.zeros(0, int), np.zeros(0, int)
    new = np.r_[True, key[1:] != key[:-1]]
    rid = np.cumsum(new) - 1
    lengths = np.bincount(rid)
    return rid, lengths[rid]


def _rules_segment(x: np.ndarray, centre: float, mr: float, lower: float, upper: float,
                   run_length: int, trend_length: int) -> dict[str, np.ndarray]:
    """Boolean arrays per rule and direction for one segment (no NaN in `x`)."""
    n = len(x)
    tol = 1e-9 * max(1.0, abs(centre)) if np.isfinite(centre) else 0.0
    side = np.where(x > centre + tol, 1, np.where(x < centre - tol, -1, 0))
    have_limits = np.isfinite(mr)
    out_hi = (x > upper) if have_limits else np.zeros(n, bool)
    out_lo = (x < lower) if have_limits else np.zeros(n, bool)
    # runs on one side of the centre (a point on the centre has side 0 and breaks the run)
    _, rlen = _runs(side)
    run = (side != 0) & (rlen >= run_length)
    run_hi, run_lo = run & (side > 0), run & (side < 0)
    # trends: consecutive differences of one sign; a trend of k points has k-1 such steps
    trend_up = np.zeros(n, bool)
    trend_dn = np.zeros(n, bool)
    if n >= 2:
        d = np.sign(np.diff(x))
        _, dlen = _runs(d)
        step = (d != 0) & (dlen >= trend_length - 1)
        for flag, sgn in ((trend_up, 1), (trend_dn, -1)):
            s = step & (d == sgn)
            flag[:-1] |= s  # the point before each step ...
            flag[1:] |= s   # ... and the point after it
    # 2 of 3 beyond the same 2-sigma line
    two_hi = np.zeros(n, bool)
    two_lo = np.zeros(n, bool)
    if have_limits and n >= 3:
        for flag, beyond in ((two_hi, x > centre + SIGMA2 * mr),
                             (two_lo, x < centre - SIGMA2 * mr)):
            b = beyond.astype(int)
            win = b[:-2] + b[1:-1] + b[2:]  # windows starting at 0..n-3
            hit = win >= 2
            for k in range(3):
                flag[k:n - 2 + k] |= hit & beyond[k:n - 2 + k]
    return {"outside_hi": out_hi, "outside_lo": out_lo, "run_hi": run_hi, "run_lo": run_lo,
            "trend_up": trend_up, "trend_dn": trend_dn, "two_hi": two_hi, "two_lo": two_lo}


def _series(values: Sequence[float] | np.ndarray | pd.Series,
            periods: Sequence[str] | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Values and periods as arrays, checked: same length, no missing value, periods YYYY-MM
    and strictly increasing."""
    x = np.asarray(values, dtype=float)
    per = np.asarray(periods, dtype=object)
    if len(x) != len(per):
        raise ValueError("values and periods differ in length")
    if np.isnan(x).any():
        raise ValueError("xmr: leave missing values out of the series")
    for p in per:
        _check_period(p, "period")
    if len(per) > 1 and not (per[1:] > per[:-1]).all():
        raise ValueError("xmr: periods must be strictly increasing")
    return x, per


def xmr(values: Sequence[float] | np.ndarray | pd.Series, periods: Sequence[str] | pd.Series,
        *, polarity: str = "neither", target: float | None = None,
        bounds: tuple[float, float] = (-np.inf, np.inf), rebase_at: Sequence[str] = (),
        baseline_end: str | None = None, baseline_points: int | None = None,
        run_length: int = 7, trend_length: int = 7) -> pd.DataFrame:
    """One series' XmR chart with Making Data Count rules (see the module docstring).

    `values` in period order with no missing values (leave missing months out). `polarity`:
    "higher", "lower" or "neither". `bounds`: (low, high) the limits are clipped to
    (`unit_bounds`). Returns one row per point: period, value, segment, centre, lower, upper,
    in_baseline, trial_limits, special_cause, rules (words, "; "-separated), direction
    ("high", "low", "both" or ""), variation, assurance.
    """
    x, per = _series(values, periods)
    if polarity not in ("higher", "lower", "neither"):
        raise ValueError(f"polarity must be higher, lower or neither, got {polarity!r}")
    if run_length < 2 or trend_length < 2:
        raise ValueError("run_length and trend_length must be at least 2")
    rebases = sorted(_check_period(p, "rebase_at") for p in rebase_at)
    if baseline_end is not None:
        _check_period(baseline_end, "baseline_end")
    n = len(x)
    seg = np.searchsorted(np.asarray(rebases, dtype=object), per, side="right") \
        if rebases else np.zeros(n, int)
    seg = np.asarray(seg, dtype=int)
    lo_b, hi_b = bounds
    cols = {k: np.zeros(n, bool) for k in ("outside_hi", "outside_lo", "run_hi", "run_lo",
                                           "trend_up", "trend_dn", "two_hi", "two_lo")}
    centre = np.full(n, np.nan)
    lower = np.full(n, np.nan)
    upper = np.full(n, np.nan)
    in_base = np.zeros(n, bool)
    trial = np.zeros(n, bool)
    for s in np.unique(seg):  # a handful of segments
        idx = np.flatnonzero(seg == s)
        xs, ps = x[idx], per[idx]
        if baseline_end is not None and ps[0] <= baseline_end:
            base = ps <= baseline_end
        elif baseline_points is not None:
            base = np.arange(len(idx)) < baseline_points
        else:
            base = np.ones(len(idx), bool)
        xb = xs[base]
        c = float(xb.mean())
        mr = float(np.abs(np.diff(xb)).mean()) if len(xb) >= 2 else np.nan
        lo = float(np.clip(c - LIMIT * mr, lo_b, hi_b)) if np.isfinite(mr) else np.nan
        hi = float(np.clip(c + LIMIT * mr, lo_b, hi_b)) if np.isfinite(mr) else np.nan
        centre[idx], lower[idx], upper[idx] = c, lo, hi
        in_base[idx] = base
        trial[idx] = len(xb) < TRIAL_POINTS
        r = _rules_segment(xs, c, mr, lo, hi, run_length, trend_length)
        for k, v in r.items():
            cols[k][idx] = v
    high = cols["outside_hi"] | cols["run_hi"] | cols["trend_up"] | cols["two_hi"]
    low = cols["outside_lo"] | cols["run_lo"] | cols["trend_dn"] | cols["two_lo"]
    special = high | low
    words = [
        ("outside_hi", "above upper limit"), ("outside_lo", "below lower limit"),
        ("run_hi", f"run of {run_length} above centre"),
        ("run_lo", f"run of {run_length} below centre"),
        ("trend_up", f"trend of {trend_length} rising"),
        ("trend_dn", f"trend of {trend_length} falling"),
        ("two_hi", "2 of 3 above 2-sigma"), ("two_lo", "2 of 3 below 2-sigma"),
    ]
    rules = np.full(n, "", dtype=object)
    for key, text in words:
        f = cols[key]
        rules[f] = np.where(rules[f] == "", text, rules[f] + "; " + text)
    direction = np.where(high & low, "both", np.where(high, "high", np.where(low, "low", "")))
    if polarity == "neither":
        variation = np.where(special, "neither", "common cause")
    else:
        good = high if polarity == "higher" else low
        bad = low if polarity == "higher" else high
        variation = np.where(bad, "concern", np.where(good, "improvement", "common cause"))
    assurance = np.full(n, "", dtype=object)
    if target is not None and np.isfinite(target) and polarity != "neither":
        ok = np.isfinite(lower) & np.isfinite(upper)
        above, below = target > upper, target < lower
        if polarity == "higher":
            a = np.where(above, "consistently fails",
                         np.where(below, "consistently passes", "hit and miss"))
        else:
            a = np.where(above, "consistently passes",
                         np.where(below, "consistently fails", "hit and miss"))
        assurance = np.where(ok, a, "").astype(object)
    return pd.DataFrame({
        "period": per, "value": x, "segment": seg, "centre": centre, "lower": lower,
        "upper": upper, "in_baseline": in_base, "trial_limits": trial,
        "special_cause": special, "rules": rules,
        "direction": direction.astype(object), "variation": variation.astype(object),
        "assurance": assurance,
    })


def _lookup(mapping: Mapping | None, indicator_id: str, breakdown: str) -> object:
    """(indicator_id, breakdown) first, then indicator_id."""
    if mapping is None:
        return None
    if (indicator_id, breakdown) in mapping:
        return mapping[(indicator_id, breakdown)]
    return mapping.get(indicator_id)


def catalogue_polarity(computed: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Polarity per (indicator_id, breakdown) from the indicator catalogue
    (`kpis.catalogue.polarity`: indicators.csv overridden per breakdown by breakdowns.csv)."""
    pairs = computed[["indicator_id", "breakdown"]].drop_duplicates()
    pol = catalogue.polarity(pairs["indicator_id"], pairs["breakdown"])
    return dict(zip(zip(pairs["indicator_id"], pairs["breakdown"], strict=True),
                    np.asarray(pol, dtype=object), strict=True))


def spc_table(computed: pd.DataFrame,
              polarity: Mapping[str | tuple[str, str], str] | None = None,
              targets: Mapping[str | tuple[str, str], float] | None = None, *,
              baseline_end: str | None = None,
              rebase_at: Sequence[str] | Mapping[str, Sequence[str]] = (),
              baseline_points: int | None = None, run_length: int = 7, trend_length: int = 7,
              windows: Sequence[str] = (IN_MONTH,), level: str = "council",
              extra_columns: bool = False) -> pd.DataFrame:
    """`spc.csv`: XmR points for every council-level monthly series of the computed table.

    `computed`: the `kpis compute` table (docs/contracts.md). Series = (indicator_id,
    breakdown, org_unit) at `level` whose window (`WINDOWS`) is in `windows`; points with flag
    `partial history` or a missing value are left out. `polarity`: "higher"/"lower"/"neither"
    keyed by (indicator_id, breakdown) or indicator_id (None: from the catalogue,
    `catalogue_polarity`). `targets`: target value in the table's units, same keys (None: no
    assurance). `rebase_at`: periods starting a new segment, for all series or keyed by
    indicator_id. Other parameters as `xmr`. Series missing from `WINDOWS` are not charted and
    logged at warning level.

    Returns the columns `SPC_COLUMNS` (plus `segment`, `trial_limits`, `direction`, `unit`
    when `extra_columns`), sorted by indicator, breakdown, org unit and period.
    """
    need = {"indicator_id", "breakdown", "level", "org_unit", "period", "value", "unit", "flag"}
    missing = need - set(computed.columns)
    if missing:
        raise ValueError(f"spc_table: computed table lacks column(s) {sorted(missing)}")
    df = computed[computed["level"] == level]
    pairs = df[["indicator_id", "breakdown"]].drop_duplicates()
    known = [(i, b) for i, b in zip(pairs["indicator_id"], pairs["breakdown"], strict=True)
             if (i, b) in WINDOWS]
    unknown = [(i, b) for i, b in zip(pairs["indicator_id"], pairs["breakdown"], strict=True)
               if (i, b) not in WINDOWS]
    if unknown:
        log.warning("SPC: no window classification for %s; not charted", unknown)
    chosen = {p for p in known if WINDOWS[p] in windows}
    key = pd.Series(list(zip(df["indicator_id"], df["breakdown"], strict=True)), index=df.index,
                    dtype=object)
    df = df[key.isin(chosen) & (df["flag"].fillna("") != PARTIAL) & df["value"].notna()]
    if polarity is None:
        polarity = catalogue_polarity(df) if len(df) else {}
    order = {p: k for k, p in enumerate(dict.fromkeys(
        zip(computed["indicator_id"], computed["breakdown"], strict=True)))}
    parts = []
    for (ind, bd, unit_name, org), g in df.groupby(
            ["indicator_id", "breakdown", "unit", "org_unit"], sort=False):  # ~ tens of series
        g = g.sort_values("period")
        pol = _lookup(polarity, ind, bd) or "neither"
        tgt = _lookup(targets, ind, bd)
        rb = rebase_at.get(ind, ()) if isinstance(rebase_at, Mapping) else rebase_at
        pts = xmr(g["value"].to_numpy(), g["period"].to_numpy(dtype=object),
                  polarity=str(pol), target=None if tgt is None else float(tgt),
                  bounds=unit_bounds(str(unit_name)), rebase_at=rb,
                  baseline_end=baseline_end, baseline_points=baseline_points,
                  run_length=run_length, trend_length=trend_length)
        pts.insert(0, "indicator_id", ind)
        pts.insert(1, "breakdown", bd)
        pts.insert(2, "level", level)
        pts.insert(3, "org_unit", org)
        pts["unit"] = unit_name
        pts["_order"] = order[(ind, bd)]
        parts.append(pts)
    cols = SPC_COLUMNS + (["segment", "trial_limits", "direction", "unit"] if extra_columns
                          else [])
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["_order", "org_unit", "period"], kind="stable")
    return out[cols].reset_index(drop=True)


def summary(spc: pd.DataFrame) -> pd.DataFrame:
    """One row per series: the latest point's variation and assurance (the MDC icons), its
    period, and whether its limits are trial limits (needs `trial_limits`, i.e. `spc_table(...,
    extra_columns=True)`, or is computed from `in_baseline` counts per centre otherwise)."""
    keys = ["indicator_id", "breakdown", "level", "org_unit"]
    s = spc.sort_values([*keys, "period"])
    if "trial_limits" not in s:
        seg = (s.groupby(keys, sort=False)["centre"].transform(lambda c: (c != c.shift()).cumsum()))
        nb = s.groupby([*keys, seg])["in_baseline"].transform("sum")
        s = s.assign(trial_limits=nb < TRIAL_POINTS)
    last = s.groupby(keys, sort=False).tail(1)
    return last[[*keys, "period", "value", "variation", "assurance",
                 "trial_limits"]].reset_index(drop=True)

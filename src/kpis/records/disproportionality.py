"""Disproportionality: who the children in each cohort are, against the council's children.

(It lives with the records, not in `kpis.stats`, because most of it is *which children* are
in each cohort - read from `Records`, with the engine's own indicator rules for the outcomes -
and mapping codes from data/records/ethnicity.yml; the statistics are three small pure
functions here: `rate_per_10k`, `rate_ratio`, and `suppress`, which follows
kpis.stats.suppression.)

    population(external_dir, la, year=2020) -> children 0-17 by Census group
    characteristics(records, at) -> one row per child: ethnic group, sex, age band, disability
    cohort_members(records, period, team=None) -> one row per child (or referral) per cohort
    disproportionality(records, population, period="2020-03", reference=None, team=None)
        -> the tidy table the report shows (see `COLUMNS`)
    display_table(table) -> the same with small numbers suppressed, for HTML

**Cohorts** (12 months to the month-end of `period`, default 2020-03 = the year to 31 March
2020; a child counts once per cohort [I]): `contacts`, `referrals`, `assessments` (started),
`s47` (strategy discussion) = children with at least one in the year; `cp_plans` = children on
a plan at the month-end and `cla` = children looked after at the month-end (not short breaks,
legal status V3/V4), as DfE counts its "at 31 March" rates per 10,000 [V]; `care_leavers` =
children with an SSDA903 OC3 row (aged 17-21, so *not* compared with the 0-17 population).
**Outcomes** use the engine's indicator rules (kpis.records.engine.drilldown at the month-end)
so they agree with the computed figures: `re_referrals` (referrals in the 12 months; per
referral [V]), `repeat_cp` (plans starting in the 12 months that are second or subsequent [V]),
`placements_3plus` (placement stability, former NI 62 [V]), `cla_missing` (a missing
incident in the 12 months [V]).

**Measures** (per cohort x characteristic x group):
- `rate_per_10k` = 10,000 x children in the cohort / children in the population of the group.
  Only for ethnicity, and not for care leavers: the ONS extract in data/external has the 0-17
  population of each council but no split by sex, age or disability. The group populations
  are *estimates*: 0-17 mid-year estimate x the group's share of the council's Census 2021
  population of all ages [I] (see data/external/PROVENANCE.md: children are more diverse than
  adults, so minority rates here are overstated).
- `rri` (relative rate index) = rate of the group / rate of the reference group (default White;
  parameter `reference`), with a 95% interval by Katz's log method [V: Katz et al. 1978,
  Biometrics 34:469-474; the method in the Youth Justice Board's and the Ministry of Justice's
  disproportionality tools]: log RR +/- 1.96 x sqrt(1/a - 1/n1 + 1/c - 1/n2), a and c the
  cohort counts, n1 and n2 the populations (for outcomes: events and cohort). No interval when
  a count is 0.
- for outcomes: `outcome_rate` = percent of the group's cohort with the outcome and `rri` =
  that over the reference group's, with the same interval.
- within-cohort comparison, every characteristic: `share_of_cohort` (percent of the cohort's
  children with a recorded value in the group) against `share_of_referrals` (the same for the
  children the council referred in the year - for referrals, against contacts; in a team's
  view still the council's referrals, as a team's own are few) and their ratio
  `representation` (above 1 = more of the cohort than of referrals) [I]. This is the only
  comparison for sex, age band and disability; the referrals are the comparison because no
  population figure exists for them here.

**What a ratio shows and does not.** A relative rate says how much more often children of one
group are in a cohort than children of the reference group, in this council and year. It does
not say why. It does not control for deprivation, poverty, age structure, disability, family
structure or area, all of which differ between groups and all of which are linked to
children's social care involvement; nor for who refers (schools, police, health). A ratio
above 1 is a question to investigate (at which decision point does the gap open? does it
remain within similar families or areas?), not evidence of bias on its own; a ratio near 1
does not show fair treatment either. Intervals cover the play of chance only, not the
estimated denominators.

**Small numbers.** `display_table` replaces a count from 1 to 5 with `c`, and every figure
derived from it (rates, shares, ratios, intervals; for a ratio, a reference count of 1-5 too),
with secondary suppression within a cohort and characteristic (kpis.stats.suppression).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from kpis.errors import InputError
from kpis.records.readers.parsing import load_yaml, norm, norm_series
from kpis.records.tables import Records
from kpis.stats.suppression import MARKER, THRESHOLD, is_small

Z95 = 1.959963984540054
CHARACTERISTICS = ("ethnicity", "sex", "age band", "disability")
COHORTS = ("contacts", "referrals", "assessments", "s47", "cp_plans", "cla", "care_leavers")
OUTCOMES = {"re_referrals": ("referrals", ""), "repeat_cp": ("cp_plans", "rolling 12 months"),
            "placements_3plus": ("cla", ""), "cla_missing": ("cla", "")}
COHORT_LABELS = {"contacts": "Contacts", "referrals": "Referrals", "assessments": "Assessments",
                 "s47": "Section 47 enquiries", "cp_plans": "Child protection plans",
                 "cla": "Children in care", "care_leavers": "Care leavers",
                 "re_referrals": "Re-referrals", "repeat_cp": "Repeat CP plans",
                 "placements_3plus": "3+ placements in 12 months (stability)",
                 "cla_missing": "Missing from care"}
COLUMNS = ["council", "period", "team", "kind", "cohort", "characteristic", "group", "count",
           "base", "rate_per_10k", "outcome_rate", "reference", "rri", "rri_low", "rri_high",
           "share_of_cohort", "share_of_referrals", "representation"]
SMALL = THRESHOLD


@cache
def codes() -> dict:
    """data/records/ethnicity.yml."""
    return load_yaml("ethnicity.yml")


# ---------------------------------------------------------------------------- statistics
def rate_per_10k(count: pd.Series | np.ndarray, population: pd.Series | np.ndarray
                 ) -> np.ndarray:
    """10,000 x count / population (NaN where the population is 0 or missing)."""
    c = np.asarray(count, dtype=float)
    p = np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, 1e4 * c / p, np.nan)


def rate_ratio(a: np.ndarray, n1: np.ndarray, c: np.ndarray, n2: np.ndarray,
               z: float = Z95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relative rate (a/n1) / (c/n2) with Katz's log interval:
    exp(log RR +/- z * sqrt(1/a - 1/n1 + 1/c - 1/n2)). NaN interval when a or c is 0;
    NaN ratio when c or a denominator is 0."""
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (a, n1, c, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = np.where((n1 > 0) & (n2 > 0) & (c > 0), (a / n1) / (c / n2), np.nan)
        se = np.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
        ok = (a > 0) & (c > 0) & np.isfinite(rr)
        lo = np.where(ok, np.exp(np.log(rr) - z * se), np.nan)
        hi = np.where(ok, np.exp(np.log(rr) + z * se), np.nan)
    return rr, lo, hi


# ---------------------------------------------------------------------------- code lists
def ethnic_group(values: pd.Series) -> pd.Series:
    """Annex A / SSDA903 ethnicity ('WBRI', 'a) WBRI', 'MWBC - White and Black Caribbean',
    'White British') -> 2021 Census major group; blank -> 'Not recorded'; a value in no list
    -> 'Unmapped' (counted, never dropped)."""
    cfg = codes()
    by_code = {c: g for g, cs in cfg["census_groups"].items() for c in cs}
    by_word = {norm(w): g for g, ws in cfg["ethnicity_words"].items() for w in ws}
    t = values.astype("string").str.strip().str.upper()
    t = t.str.replace(r"^[A-Z]\)\s*", "", regex=True)  # 'A) WBRI'
    token = t.str.extract(r"^([A-Z]{4})\b", expand=False)
    out = token.map(by_code)
    out = out.fillna(norm_series(t).map(by_word))
    out = out.where(t.notna() & (t != ""), "Not recorded")
    return out.fillna("Unmapped").astype("string")


def disability_group(values: pd.Series) -> pd.Series:
    """'a) Yes' / 'Y' / 'No' / 'c) Unknown' / blank -> Disabled / Not disabled / Not recorded."""
    m = {norm(w): g for g, ws in codes()["disability"].items() for w in ws}
    n = norm_series(values.astype("string"))
    return n.map(m).fillna("Not recorded").astype("string")


def age_band(dob: pd.Series, at: pd.Series | pd.Timestamp) -> pd.Series:
    """Age in whole years at `at` -> DfE age band; no date of birth -> 'Not recorded'."""
    dob = pd.to_datetime(dob)
    at = pd.to_datetime(at)
    years = (at.year if isinstance(at, pd.Timestamp) else at.dt.year) - dob.dt.year
    before = ((at.month if isinstance(at, pd.Timestamp) else at.dt.month) * 100
              + (at.day if isinstance(at, pd.Timestamp) else at.dt.day)
              < dob.dt.month * 100 + dob.dt.day)
    age = years - before.astype(int)
    out = pd.Series("Not recorded", index=dob.index, dtype="string")
    for band, (lo, hi) in codes()["age_bands"].items():
        out = out.mask((age >= lo) & (age < hi), band)
    return out


def sex_group(values: pd.Series) -> pd.Series:
    m = codes()["sex"]
    return values.astype("string").map(m).fillna("Not recorded").astype("string")


# ---------------------------------------------------------------------------- population
def population(external_dir: str | Path, la: str, year: int = 2020
               ) -> pd.DataFrame:
    """Children aged 0-17 in the council by 2021 Census major group (estimated: see module
    docstring): columns group, population, census_share. `la` is the new (E10000013) or old
    (916) code. Raises InputError when the files or the council are missing."""
    ext = Path(external_dir)
    mye_path = ext / "ons_mid-year_population_estimates_2012_to_2024.csv"
    eth_path = ext / "ons-ethnic-population-la.csv"
    for p in (mye_path, eth_path):
        if not p.exists():
            raise InputError(p, "population file not found (see data/external/PROVENANCE.md)")
    mye = pd.read_csv(mye_path, dtype=str, keep_default_na=False)
    mye = mye[(mye["geographic_level"] == "Local authority")
              & ((mye["new_la_code"] == str(la)) | (mye["old_la_code"] == str(la)))]
    if mye.empty:
        raise InputError(mye_path, f"council {la!r} not found", column="new_la_code")
    new_code = mye["new_la_code"].iloc[0]
    row = mye[mye["time_period"] == str(year)]
    if row.empty:
        raise InputError(mye_path, f"no {year} estimate for {la!r}", column="time_period")
    children = float(row["population_estimate"].iloc[0])
    eth = pd.read_csv(eth_path)
    eth = eth[eth.iloc[:, 0] == new_code]
    if eth.empty:
        raise InputError(eth_path, f"council {new_code!r} not in Census 2021 table",
                         column=eth.columns[0])
    groups = {c: g for g, cs in codes()["census_codes"].items() for c in cs}
    eth = eth.assign(group=eth.iloc[:, 2].map(groups)).dropna(subset=["group"])
    by = eth.groupby("group")["Observation"].sum()
    share = by / by.sum()
    order = [g for g in codes()["group_order"] if g in share.index]
    return pd.DataFrame({"group": order, "population": (children * share[order]).to_numpy(),
                         "census_share": share[order].to_numpy()})


# ---------------------------------------------------------------------------- cohorts
def _month_end(period: str) -> pd.Timestamp:
    return pd.Period(period, freq="M").end_time.normalize()


def characteristics(records: Records) -> pd.DataFrame:
    """One row per child: child_id, dob, ethnic group, sex, disability (code lists applied)."""
    k = records.children
    return pd.DataFrame({
        "child_id": k["child_id"].astype("string"),
        "dob": pd.to_datetime(k["dob"]),
        "ethnicity": ethnic_group(k["ethnicity"]) if "ethnicity" in k else "Not recorded",
        "sex": sex_group(k["sex"]),
        "disability": (disability_group(k["disability"]) if "disability" in k
                       else "Not recorded"),
    })


def _team_at(records: Records, at: pd.Timestamp) -> pd.DataFrame:
    """child_id -> team of the worker allocated at `at` (latest-starting allocation)."""
    sw = records.sw_episodes
    w = records.workers.drop_duplicates("worker_id", keep="last")
    if sw.empty or w.empty:
        return pd.DataFrame(columns=["child_id", "team"])
    s = pd.to_datetime(sw["start"])
    e = pd.to_datetime(sw["end"])
    open_ = sw[(s <= at) & (e.isna() | (e > at))].assign(_s=s)
    open_ = open_.sort_values("_s").drop_duplicates("child_id", keep="last")
    team = open_["sw_id"].map(w.set_index("worker_id")["team"])
    return pd.DataFrame({"child_id": open_["child_id"].astype("string"),
                         "team": team.astype("string")})


def cohort_members(records: Records, period: str = "2020-03", team: str | None = None
                   ) -> pd.DataFrame:
    """Members of every cohort and outcome: cohort, child_id, at (date for the age band), team,
    in_outcome (for outcome rows; False for cohort rows)."""
    me = _month_end(period)
    start = me - pd.DateOffset(months=12) + pd.Timedelta(days=1)
    parts = []
    annex = {"contacts": "contact_date", "referrals": "referral_date",
             "assessments": "start_date", "s47": "strategy_date"}
    for name, col in annex.items():
        t = getattr(records, name)
        d = pd.to_datetime(t[col])
        sel = t[(d >= start) & (d <= me)].assign(_d=d).sort_values("_d")
        sel = sel.drop_duplicates("child_id", keep="first")  # age at the first in the year
        parts.append(pd.DataFrame({"cohort": name, "child_id": sel["child_id"].astype("string"),
                                   "at": sel["_d"], "team": sel["team"].astype("string")}))
    cp = records.cp_plans
    s, e = pd.to_datetime(cp["start_date"]), pd.to_datetime(cp["end_date"])
    on = cp[(s <= me) & (e.isna() | (e > me))].assign(_s=s).sort_values("_s")
    on = on.drop_duplicates("child_id", keep="last")
    parts.append(pd.DataFrame({"cohort": "cp_plans", "child_id": on["child_id"].astype("string"),
                               "at": me, "team": on["team"].astype("string")}))
    ep = records.episodes
    s, e = pd.to_datetime(ep["decom"]), pd.to_datetime(ep["dec"])
    la = ep[(s <= me) & (e.isna() | (e > me)) & ~ep["ls"].isin(["V3", "V4"]).fillna(False)]
    la_ids = la["child_id"].astype("string").drop_duplicates()
    parts.append(pd.DataFrame({"cohort": "cla", "child_id": la_ids, "at": me, "team": pd.NA}))
    oc = records.oc3
    parts.append(pd.DataFrame({"cohort": "care_leavers",
                               "child_id": oc["child_id"].astype("string").drop_duplicates(),
                               "at": me, "team": pd.NA}))
    out = pd.concat(parts, ignore_index=True).assign(in_outcome=False)
    # outcomes from the engine's own rules
    from kpis.records.engine import drilldown  # the engine imports much; only needed here

    for oid, (_, bd) in OUTCOMES.items():
        rows = drilldown(records, oid, period, breakdown=bd)
        team_col = rows["team"].astype("string") if "team" in rows else pd.NA
        out = pd.concat([out, pd.DataFrame({
            "cohort": oid, "child_id": rows["child_id"].astype("string"), "at": me,
            "team": team_col, "in_outcome": rows["in_numerator"].astype(bool)})],
            ignore_index=True)
    # team for CLA / care leavers: the allocated worker's team at the month-end
    alloc = _team_at(records, me).set_index("child_id")["team"]
    miss = out["team"].isna() | out["team"].isin(["", "unallocated", "unknown"])
    out.loc[miss, "team"] = out.loc[miss, "child_id"].map(alloc)
    if team is not None:
        out = out[out["team"] == team]
    return out.reset_index(drop=True)


def _grouped(members: pd.DataFrame, chars: pd.DataFrame) -> pd.DataFrame:
    """Long: cohort, characteristic, group, in_outcome per member."""
    m = members.merge(chars, on="child_id", how="left")
    m["age band"] = age_band(m["dob"], m["at"])
    for c in ("ethnicity", "sex", "disability"):
        m[c] = m[c].fillna("Not recorded")
    long = m.melt(id_vars=["cohort", "child_id", "in_outcome"], value_vars=list(CHARACTERISTICS),
                  var_name="characteristic", value_name="group")
    return long


def disproportionality(records: Records, pop: pd.DataFrame | None, period: str = "2020-03",
                       reference: Mapping[str, str] | None = None, team: str | None = None
                       ) -> pd.DataFrame:
    """The whole analysis as one tidy table (`COLUMNS`), unsuppressed: for managers in
    JupyterLab; pass it through `display_table` before HTML.

    `pop`: `population(...)` (None, or a `team`, gives no rates per 10,000). `reference`:
    characteristic -> reference group (defaults in data/records/ethnicity.yml: White, Male,
    10 to 15, Not disabled)."""
    ref = {**codes()["reference"], **dict(reference or {})}
    chars = characteristics(records)
    members = cohort_members(records, period)
    long = _grouped(members, chars)
    # the comparison (shares of referrals / contacts) is always the council's; a team's view
    # compares the team's cohorts with them
    base_long = long
    if team is not None:
        long = _grouped(members[(members["team"] == team).fillna(False).to_numpy()], chars)
    recorded = ~long["group"].isin(["Not recorded", "Unmapped"])
    counts = long.groupby(["cohort", "characteristic", "group"], sort=False).agg(
        count=("child_id", "size"), events=("in_outcome", "sum")).reset_index()
    # within-cohort comparison against referrals (referrals and contacts: against contacts)
    rec = long[recorded]
    tot = rec.groupby(["cohort", "characteristic"]).size().rename("_tot")
    counts = counts.join(tot, on=["cohort", "characteristic"])
    counts["share_of_cohort"] = np.where(
        counts["group"].isin(["Not recorded", "Unmapped"]), np.nan,
        100 * counts["count"] / counts["_tot"])
    brec = base_long[~base_long["group"].isin(["Not recorded", "Unmapped"])
                     & base_long["cohort"].isin(["referrals", "contacts"])]
    base_share = (brec.groupby(["cohort", "characteristic", "group"]).size()
                  / brec.groupby(["cohort", "characteristic"]).size()).mul(100).rename(
        "share_of_cohort").reset_index()
    cmp_cohort = np.where(counts["cohort"].isin(["referrals", "contacts"]), "contacts",
                          "referrals")
    counts["_cmp"] = cmp_cohort
    counts = counts.merge(base_share.rename(columns={"cohort": "_cmp",
                                                     "share_of_cohort": "share_of_referrals"}),
                          on=["_cmp", "characteristic", "group"], how="left")
    counts.loc[counts["cohort"] == "contacts", "share_of_referrals"] = np.nan
    counts["representation"] = counts["share_of_cohort"] / counts["share_of_referrals"]
    counts["kind"] = np.where(counts["cohort"].isin(COHORTS), "cohort", "outcome")
    counts["reference"] = counts["characteristic"].map(ref)
    # rates per 10,000 (ethnicity, cohorts except care leavers, council level)
    counts["base"] = np.nan
    if pop is not None and team is None:
        popmap = pop.set_index("group")["population"]
        m = ((counts["characteristic"] == "ethnicity") & counts["kind"].eq("cohort")
             & ~counts["cohort"].eq("care_leavers"))
        counts.loc[m, "base"] = counts.loc[m, "group"].map(popmap).to_numpy(
            dtype=float, na_value=np.nan)
    counts["rate_per_10k"] = rate_per_10k(counts["count"], counts["base"])
    # outcomes: events / cohort members
    out_m = counts["kind"] == "outcome"
    counts["outcome_rate"] = np.where(out_m, 100 * counts["events"] / counts["count"], np.nan)
    # relative rate index against the reference group of the same cohort and characteristic
    a = np.where(out_m, counts["events"], counts["count"]).astype(float)
    n1 = np.where(out_m, counts["count"], counts["base"]).astype(float)
    key = counts[["cohort", "characteristic"]].assign(_a=a, _n=n1, group=counts["group"])
    refrows = key[key["group"] == counts["reference"]].drop(columns="group").rename(
        columns={"_a": "_c", "_n": "_n2"})
    key = key.merge(refrows, on=["cohort", "characteristic"], how="left")
    rr, lo, hi = rate_ratio(key["_a"], key["_n"], key["_c"], key["_n2"])
    is_ref = (counts["group"] == counts["reference"]).to_numpy()
    lo, hi = np.where(is_ref, np.nan, lo), np.where(is_ref, np.nan, hi)
    counts["rri"], counts["rri_low"], counts["rri_high"] = rr, lo, hi
    counts["ref_count"] = key["_c"].to_numpy()
    counts["council"] = records.council
    counts["period"] = period
    counts["team"] = team or ""
    # order: cohorts, then characteristics, then groups in the code lists' order
    order = {g: i for i, g in enumerate(
        [*codes()["group_order"], "Unmapped", *codes()["sex"].values(),
         *codes()["age_bands"], *codes()["disability"]])}
    counts["_o1"] = counts["cohort"].map({c: i for i, c in enumerate([*COHORTS, *OUTCOMES])})
    counts["_o2"] = counts["characteristic"].map({c: i for i, c in enumerate(CHARACTERISTICS)})
    counts["_o3"] = counts["group"].map(order).fillna(99)
    counts = counts.sort_values(["_o1", "_o2", "_o3"], kind="stable")
    return counts[[*COLUMNS, "events", "ref_count"]].reset_index(drop=True)


def suppress(table: pd.DataFrame, threshold: int = SMALL) -> pd.DataFrame:
    """Small numbers as `c` (text columns), by kpis.stats.suppression's rule: a count of
    1-`threshold` hides the count, events and every figure derived from them; a reference count
    of 1-`threshold` hides the ratio and its interval. Zero is shown. Secondary: the groups of
    one cohort and characteristic add up to the cohort (shown under the other characteristics),
    so where exactly one group is hidden the next smallest non-zero group is hidden too."""
    t = table.copy()
    cnt = t["count"].astype(float)
    ev = t["events"].astype(float) if "events" in t else pd.Series(0.0, index=t.index)
    is_outcome = t["kind"].eq("outcome")
    hide = pd.Series(is_small(cnt, threshold) | (is_outcome & is_small(ev, threshold)),
                     index=t.index)
    keys = [t["cohort"], t["characteristic"]]
    one = hide.groupby(keys).transform("sum").eq(1)
    cand = t.loc[one & ~hide & (cnt > 0), ["cohort", "characteristic"]].assign(_n=cnt)
    nxt = cand.sort_values("_n", kind="stable").groupby(["cohort", "characteristic"]).head(1)
    hide.loc[nxt.index] = True
    ref = t.get("ref_count", pd.Series(np.nan, index=t.index)).astype(float)
    hide_ratio = hide | is_small(ref, threshold)
    cols_all = ["count", "events", "rate_per_10k", "outcome_rate", "share_of_cohort",
                "share_of_referrals", "representation"]
    for c in [*cols_all, "rri", "rri_low", "rri_high"]:
        if c in t:
            t[c] = t[c].astype(object)
    for c in cols_all:
        if c in t:
            t.loc[hide, c] = MARKER
    for c in ("rri", "rri_low", "rri_high"):
        t.loc[hide_ratio, c] = MARKER
    return t


def display_table(table: pd.DataFrame, kind: str = "cohort", characteristic: str | None = None
                  ) -> pd.DataFrame:
    """Rounded, suppressed, readable columns for the report (no child ids ever)."""
    t = table[table["kind"] == kind]
    if characteristic is not None:
        t = t[t["characteristic"] == characteristic]
    t = t.copy()
    for c, nd in (("rate_per_10k", 1), ("outcome_rate", 1), ("share_of_cohort", 1),
                  ("share_of_referrals", 1), ("representation", 2), ("rri", 2),
                  ("rri_low", 2), ("rri_high", 2)):
        t[c] = t[c].astype(float).round(nd)
    t = suppress(t)
    t["cohort"] = t["cohort"].map(COHORT_LABELS)
    keep = (["cohort", "characteristic", "group", "count", "rate_per_10k", "rri", "rri_low",
             "rri_high", "share_of_cohort", "share_of_referrals", "representation"]
            if kind == "cohort" else
            ["cohort", "characteristic", "group", "count", "events", "outcome_rate", "rri",
             "rri_low", "rri_high"])
    names = {"count": "children" if kind == "cohort" else "in cohort",
             "events": "with outcome", "rate_per_10k": "per 10,000 children",
             "outcome_rate": "% with outcome", "rri": "relative rate", "rri_low": "95% low",
             "rri_high": "95% high", "share_of_cohort": "% of cohort",
             "share_of_referrals": "% of referrals", "representation": "cohort / referrals"}
    return t[keep].rename(columns=names).reset_index(drop=True)


WHAT_A_RATIO_SHOWS = (
    "A relative rate compares how often children of one group are in a cohort with how often "
    "children of the reference group are, in this council and year. It does not say why. It "
    "does not control for deprivation or poverty, age, disability, family circumstances or "
    "area, which differ between groups and are linked to involvement with children's social "
    "care, nor for who makes referrals. A ratio above 1 is a question to look into (at which "
    "step does the gap open?), not evidence of bias on its own, and a ratio near 1 does not "
    "show fair treatment. The 95% interval covers chance only; the ethnic-group populations "
    "are estimates (Census 2021 shares of all ages applied to the 0-17 mid-year estimate), "
    "which overstate rates for minority groups. Figures from 1 to 5 children are shown as c.")


__all__ = ["population", "characteristics", "cohort_members", "disproportionality",
           "display_table", "suppress", "rate_per_10k", "rate_ratio", "ethnic_group",
           "disability_group", "age_band", "WHAT_A_RATIO_SHOWS", "COHORT_LABELS"]

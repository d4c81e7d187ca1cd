"""Children in care placed outside the council's area, and outside it more than 20 miles from
home (Appendix 1 "Children in care placed OoC" and "... OoC - more than 20 miles").

Definitions: /work/shared/reference/indicator-definitions.md (SSDA903: "Placed > 20 miles [C]:
distance between HOME_POST and PL_POST (ONS Postcode Directory eastings/northings), miles,
1 dp") and DfE's published measure (catalogue national_measures.csv LACDistance: "children
looked after at 31 March placed more than 20 miles from home and outside the LA boundary").

Where the placement is (per child, from the current 903 episode; the first rule that applies):
1. the episode's PL_LOCATION, "IN" or "OUT" of the council's area, when the delivery has that
   column (the 903's derived placement location) [C];
2. else the placement's local authority - the episode's PL_LA when it is written in the same
   codes as the centroid file, else the LA of PL_POST in the centroid file - against the
   council's own LA, taken as the LA most of its children's HOME_POSTs are in [I] (the 903
   holds no code for the council itself; HOME_POST is where the child lived when the episode
   began);
3. else not known.
Distance: HOME_POST to PL_POST between centroids, straight line, miles to 1 dp
(kpis.records.readers.postcodes.distance_miles: Euclidean on the OS grid as DfE's derived
PL_DISTANCE [C], haversine on latitude/longitude when the file has no grid references [I]).
A partial postcode ("GL1 2") is placed at its sector's centroid [I].

Cohort: children looked after at the month-end, not on a short break (legal status V3/V4 -
the 903 validator does not expect a distance for them, rule 164 [C]; and every other
children-in-care measure here leaves them out), the current (latest-starting) episode
[V: "at 31 March"; each month-end here]; when that episode is a temporary placement (PLACE
T0-T4), the placement before it in the same period of care is the one placed [I], as NI 62
does not count temporary placements as placements [C]. A child whose placement (or, for the
20-mile line, distance when placed out) is not known - no PL_POST, a postcode the centroid
file cannot place, no LA code - is left out of the denominator [I] and counted in the breakdown
"location not known" (a count of children), so unmatched postcodes are never silently dropped;
the drill-down lists them with the reason. Attribution: the worker allocated at the month-end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpis.records.indicators.arrays import concat_events, drill, event_frame, text, to_dates
from kpis.records.indicators.cla import _cla_at_month_end
from kpis.records.indicators.context import Context
from kpis.records.indicators.episodes import TEMPORARY_PLACE
from kpis.records.readers.postcodes import UNMATCHED, distance_miles, locate, sectors

#: Distance over which a placement counts as far from home (miles; the scorecard's and DfE's).
MILES = 20.0
UNKNOWN = "location not known"
EMPTY_NOTE = ("no child looked after at the month-end with a known placement location (needs "
              "PL_POST in a centroid file with an LA column, or PL_LOCATION; see the drill-down "
              "column not_known_because)")
PL_LOCATION_OUT, PL_LOCATION_IN = "OUT", "IN"


def _episode_places(ctx: Context) -> dict[str, np.ndarray]:
    """Every 903 episode (records order) placed once per run (cached): home and placement
    centroids, the placement's LA, the distance, and the council's own LA."""
    cache = ctx.__dict__.setdefault("_placement_location", {})
    if cache:
        return cache
    ep, pc = ctx.records.episodes, ctx.records.postcodes
    n = len(ep)
    home_post, pl_post = (ep[c].astype("string") if c in ep else
                          pd.Series([None] * n, dtype="string") for c in ("home_post", "pl_post"))
    if len(pc):
        sec = sectors(pc)
        home, place = locate(home_post, pc, sec), locate(pl_post, pc, sec)
    else:  # no centroid table: nothing is placed (`locate`'s answer, without its frames)
        home = place = {"la": np.full(n, "", dtype=object),
                        "match": np.full(n, UNMATCHED, dtype=object)}
    home_la = np.asarray(home["la"], dtype=object)
    known = home_la[home_la != ""]
    council_la = pd.Series(known).value_counts().index[0] if len(known) else ""
    pl_la = text(ep["pl_la"]) if "pl_la" in ep and n else np.full(n, "", dtype=object)
    if council_la == "" or not (pl_la == council_la).any():
        pl_la = np.full(n, "", dtype=object)  # not in the centroid file's codes: not used [I]
    la = np.where(pl_la != "", pl_la, np.asarray(place["la"], dtype=object))
    loc = text(ep["pl_location"]) if "pl_location" in ep and n else np.full(n, "", object)
    status = np.where(loc == PL_LOCATION_OUT, 1, np.where(loc == PL_LOCATION_IN, 0, -1))
    by_la = (status < 0) & (la != "") & (council_la != "")
    status = np.where(by_la, (la != council_la).astype(int), status)
    why = np.where(status >= 0, "", np.where(
        pl_post.fillna("").str.strip().to_numpy(dtype=object) == "", "no PL_POST",
        np.where(np.asarray(place["match"]) == UNMATCHED, "PL_POST not in the centroid file",
                 "no LA code for the placement or the council")))
    cache.update({
        "home_post": home_post.to_numpy(dtype=object), "pl_post": pl_post.to_numpy(dtype=object),
        "home_match": np.asarray(home["match"]), "pl_match": np.asarray(place["match"]),
        "pl_la": la, "council_la": np.full(n, council_la, dtype=object), "out": status,
        "miles": distance_miles(home, place) if len(pc) else np.full(n, np.nan),
        "why": why.astype(object)})
    return cache


def _cohort(ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                   dict[str, np.ndarray]]:
    """(child code, m, records row of the current episode, its DECOM, placed-episode arrays)
    of the cohort: looked after at the month-end, not on a short break."""
    la_idx, m = _cla_at_month_end(ctx)
    e = ctx.episodes
    # a temporary placement (PLACE T0-T4: holiday, hospital, ...) is not where the child is
    # placed: the placement before it in the same period of care is used [I]
    place, pid = e["place"].to_numpy(), e["period"].to_numpy()
    prev = np.maximum(la_idx - 1, 0)
    use_prev = (np.isin(place[la_idx], list(TEMPORARY_PLACE)) & (la_idx > 0)
                & (pid[prev] == pid[la_idx]) & ~np.isin(place[prev], list(TEMPORARY_PLACE)))
    idx = np.where(use_prev, prev, la_idx)
    return (e["code"].to_numpy()[la_idx], m, e["row"].to_numpy()[idx],
            e["decom"].to_numpy()[idx], _episode_places(ctx))


def _frames(ctx: Context, code: np.ndarray, m: np.ndarray, known: np.ndarray,
            innum: np.ndarray, extra: dict[str, np.ndarray] | None) -> pd.DataFrame:
    team, worker = ctx.attribute(code, m)
    head = event_frame(m, breakdown="", child=code, team=team, worker=worker,
                       in_numerator=innum & known, num=(innum & known).astype(float),
                       den=known.astype(float), extra=extra)
    unknown = event_frame(m, breakdown=UNKNOWN, child=code, team=team, worker=worker,
                          in_numerator=~known, extra=extra)
    return concat_events([head, unknown])


def _extra(p: dict[str, np.ndarray], rows: np.ndarray, decom: np.ndarray,
           why: np.ndarray) -> dict[str, np.ndarray]:
    out = np.where(p["out"][rows] == 1, "out", np.where(p["out"][rows] == 0, "in", "unknown"))
    return {"episode_start": to_dates(decom),
            "home_post": p["home_post"][rows], "pl_post": p["pl_post"][rows],
            "home_match": p["home_match"][rows], "pl_match": p["pl_match"][rows],
            "placement_la": p["pl_la"][rows], "council_la": p["council_la"][rows],
            "placed": out.astype(object), "distance_miles": p["miles"][rows],
            "not_known_because": why}


def cla_out_of_county(ctx: Context) -> pd.DataFrame:
    """Children in care placed outside the council's area (local; Appendix 1 "placed OoC").

    Cohort: looked after at the month-end (not short breaks), placement location known (module
    docstring). Numerator: placed outside the council's area (PL_LOCATION "OUT", or the
    placement's LA differs from the council's) [C/I]. Breakdown "location not known": the
    number of cohort children whose placement could not be placed. Period rule: at month-end
    (DfE's tables use 31 March). Attribution: the worker allocated at the month-end.
    """
    code, m, rows, decom, p = _cohort(ctx)
    status = p["out"][rows]
    known = status >= 0
    return _frames(ctx, code, m, known, status == 1,
                   _extra(p, rows, decom, p["why"][rows]) if drill() else None)


def cla_placed_20miles(ctx: Context) -> pd.DataFrame:
    """Children in care placed outside the council's area and more than 20 miles from home
    [C: reference "Placed > 20 miles"; DfE LACDistance "placed more than 20 miles from home
    and outside the LA boundary"].

    Cohort: looked after at the month-end (not short breaks) whose placement is known to be
    inside the area, or outside it with a known distance. Numerator: outside the area and the
    HOME_POST-PL_POST distance, in miles rounded to 1 dp, over 20 (`MILES`; 20.0 exactly is
    not "more than") [C]. Breakdown "location not known": the number of cohort children left
    out (placement not placed, or placed out with no HOME_POST distance). Period rule: at
    month-end. Attribution: the worker allocated at the month-end.
    """
    code, m, rows, decom, p = _cohort(ctx)
    status, miles = p["out"][rows], p["miles"][rows]
    known = (status == 0) | ((status == 1) & np.isfinite(miles))
    innum = (status == 1) & (miles > MILES)
    if not drill():  # the reasons are drill-down columns only
        return _frames(ctx, code, m, known, innum, None)
    why = p["why"][rows].copy()
    far_unknown = (status == 1) & ~np.isfinite(miles)
    why[far_unknown] = np.where(
        pd.Series(p["home_post"][rows][far_unknown], dtype="string").fillna("").str.strip()
        .to_numpy(dtype=object) == "", "no HOME_POST",
        np.where(p["home_match"][rows][far_unknown] == UNMATCHED,
                 "HOME_POST not in the centroid file", "no distance"))
    return _frames(ctx, code, m, known, innum, _extra(p, rows, decom, why))


__all__ = ["cla_out_of_county", "cla_placed_20miles", "MILES", "UNKNOWN", "EMPTY_NOTE"]

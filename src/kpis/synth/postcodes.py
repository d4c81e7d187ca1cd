"""Synthetic home and placement postcodes (SSDA903 HOME_POST, PL_POST) and the synthetic
council's postcode centroid file, so the default synthetic council computes "children in care
placed outside the council" and "... more than 20 miles from home".

Every postcode is invented: the areas `QX` (the council), `QY` (its neighbours) and `QZ`
(further away) do not exist, nor do the LA codes `Q0000000n`; coordinates are on the OS grid
but mean nothing. The geography: the council is a 60 km square; its neighbours a 25 km band
around it; "far" postcodes lie 45-180 km from its edge (so always over 20 miles from home).

What the generator draws (its own Generator, so the other synthetic files are unchanged):
- each period of care: a home postcode in the council's area (the address the child entered
  care from), the same on every episode of the period; `p_no_home` of periods have none (as for
  many unaccompanied asylum-seeking children);
- each placement (a new carer; a temporary placement is a placement of its own): inside the
  area, with a neighbour within 30 km of home (`p_near`: outside the area, under 20 miles), or
  far (`p_far`, higher for residential children's homes, K2 / R1, as children's homes are the
  placements councils most often find out of area); the same carer keeps its postcode;
- how the 903 writes them: a share as the sector only ("QX3 4", `p_partial`), in lower case or
  without the space (`p_messy`), and a few placement postcodes the centroid file does not hold
  (`p_unknown`), so the run summary and the "location not known" counts have something to say.
Calibration: the default council's June 2020 figures land near Appendix 1 (placed out of
county 22%, out of county and more than 20 miles 18%); see the README's calibration table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

COUNCIL_LA = "Q00000001"
NEIGHBOUR_LAS = ("Q00000002", "Q00000003", "Q00000004", "Q00000005")
FAR_LAS = ("Q00000006", "Q00000007", "Q00000008")
#: the council's square (metres on the OS grid)
X0, Y0, SIDE = 360_000, 190_000, 60_000
FILE = "postcodes/postcode_centroids.csv"


@dataclass(frozen=True)
class PostcodeParams:
    """Probabilities of the synthetic placement geography (per placement / per value)."""

    p_near: float = 0.04
    p_far: float = 0.133
    p_far_residential: float = 0.45
    p_no_home: float = 0.02
    p_partial: float = 0.35
    p_messy: float = 0.10
    p_unknown: float = 0.01
    n_in: int = 900
    n_near: int = 400
    n_far: int = 300


def _letters(rng: np.random.Generator, n: int) -> np.ndarray:
    abc = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))  # the letters inward codes use
    return np.char.add(rng.choice(abc, n), rng.choice(abc, n))


def _points(rng: np.random.Generator, n: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    if where == "in":
        return X0 + rng.random(n) * SIDE, Y0 + rng.random(n) * SIDE
    lo, hi = (0.0, 25_000.0) if where == "near" else (45_000.0, 180_000.0)
    ang = rng.random(n) * 2 * np.pi
    d = lo + rng.random(n) * (hi - lo)
    # from the square's edge outwards: centre + (half side + d) along the angle, clipped square
    cx, cy = X0 + SIDE / 2, Y0 + SIDE / 2
    r = SIDE / 2 / np.maximum(np.abs(np.cos(ang)), np.abs(np.sin(ang))) + d
    return cx + r * np.cos(ang), cy + r * np.sin(ang)


def centroids(rng: np.random.Generator, q: PostcodeParams = PostcodeParams()) -> pd.DataFrame:
    """The synthetic centroid file (ONSPD column names): pcds, oseast1m, osnrth1m, oslaua."""
    parts = []
    for where, n, area in (("in", q.n_in, "QX"), ("near", q.n_near, "QY"),
                           ("far", q.n_far, "QZ")):
        x, y = _points(rng, n, where)
        if where == "in":
            district = 1 + (np.clip((x - X0) // 20_000, 0, 2) * 3
                            + np.clip((y - Y0) // 20_000, 0, 2)).astype(int)
            la = np.full(n, COUNCIL_LA, dtype=object)
        else:
            ang = np.arctan2(y - (Y0 + SIDE / 2), x - (X0 + SIDE / 2))
            side = ((ang + np.pi) // (np.pi / 2)).astype(int) % 4
            district = 1 + side * 2 + (rng.random(n) < 0.5)
            las = NEIGHBOUR_LAS if where == "near" else FAR_LAS
            la = np.array(las, dtype=object)[side % len(las)]
        sector = rng.integers(0, 10, n)
        pc = (area + pd.Series(district).astype(str) + " " + pd.Series(sector).astype(str)
              + pd.Series(_letters(rng, n)))
        parts.append(pd.DataFrame({"pcds": pc, "oseast1m": np.round(x).astype(int),
                                   "osnrth1m": np.round(y).astype(int), "oslaua": la,
                                   "kind": where}))
    out = pd.concat(parts, ignore_index=True).drop_duplicates("pcds").reset_index(drop=True)
    return out


def _written(rng: np.random.Generator, pcs: np.ndarray, q: PostcodeParams) -> np.ndarray:
    """Postcodes as a 903 holds them: some sector-only, some lower case or without a space."""
    s = pd.Series(pcs, dtype=object)
    partial = rng.random(len(s)) < q.p_partial
    s = s.where(~partial, s.str.slice(0, -2))
    messy = rng.random(len(s)) < q.p_messy
    s = s.where(~messy, s.str.lower().str.replace(" ", "", regex=False))
    return s.to_numpy(dtype=object)


def add_postcodes(rng: np.random.Generator, episodes: pd.DataFrame,
                  q: PostcodeParams = PostcodeParams()) -> pd.DataFrame:
    """Set `home_post` and `pl_post` on the simulated episodes (columns period, carer, place);
    return the centroid table to write (`write_centroids`)."""
    table = centroids(rng, q)
    kind = table["kind"].to_numpy()
    inside = table[kind == "in"]
    near = table[kind == "near"]
    far = table[kind == "far"]
    per = episodes["period"].to_numpy()
    periods = np.unique(per)
    home = rng.integers(0, len(inside), len(periods))  # per period of care
    home_e = home[np.searchsorted(periods, per)]
    # placements: one draw per (period, carer); temporary placements (carer -2) each their own
    carer = episodes["carer"].to_numpy(dtype=float)
    key = np.where(carer < 0, -1 - np.arange(len(per)), carer).astype(np.int64)
    pk = pd.factorize(pd.Series(per * 10_000_000 + key))[0] if len(per) else np.empty(0, int)
    first = np.unique(pk, return_index=True)[1]
    place = episodes["place"].to_numpy(dtype=object)[first]
    residential = np.isin(place, ["K2", "R1"])
    u = rng.random(len(first))
    p_far = np.where(residential, q.p_far_residential, q.p_far)
    cls = np.where(u < p_far, 2, np.where(u < p_far + q.p_near, 1, 0))
    hx = inside["oseast1m"].to_numpy(dtype=float)[home_e[first]]
    hy = inside["osnrth1m"].to_numpy(dtype=float)[home_e[first]]
    pl = inside["pcds"].to_numpy(dtype=object)[rng.integers(0, len(inside), len(first))]
    pl = np.where(cls == 2, far["pcds"].to_numpy(dtype=object)[
        rng.integers(0, len(far), len(first))], pl)
    sel = np.flatnonzero(cls == 1)
    if len(sel):  # a neighbour within 30 km of home, at random (the nearest when none is)
        nx, ny = near["oseast1m"].to_numpy(dtype=float), near["osnrth1m"].to_numpy(dtype=float)
        d = np.hypot(hx[sel, None] - nx[None, :], hy[sel, None] - ny[None, :])
        score = np.where(d < 30_000, rng.random(d.shape), -1.0 / (1.0 + d))
        pl[sel] = near["pcds"].to_numpy(dtype=object)[np.argmax(score, axis=1)]
    unknown = rng.random(len(first)) < q.p_unknown
    pl = np.where(unknown, "QW" + pd.Series(rng.integers(1, 10, len(first))).astype(str)
                  .to_numpy(dtype=object) + " 9ZZ", pl)
    homes = inside["pcds"].to_numpy(dtype=object)[home]
    homes = np.where(rng.random(len(periods)) < q.p_no_home, "", _written(rng, homes, q))
    out = episodes
    out["home_post"] = homes[np.searchsorted(periods, per)]
    out["pl_post"] = _written(rng, pl, q)[pk]
    return table.drop(columns="kind")


def write_centroids(table: pd.DataFrame, out: Path) -> Path:
    """Write the synthetic centroid file into the council's folder (found there by kpis
    compute, as a council's own ONSPD extract would be)."""
    target = Path(out) / FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(target, index=False)
    return target


__all__ = ["add_postcodes", "write_centroids", "centroids", "PostcodeParams", "COUNCIL_LA"]

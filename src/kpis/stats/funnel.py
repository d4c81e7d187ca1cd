"""Funnel plots for comparing teams (or councils) on a proportion, without ranking them.

Source: D. J. Spiegelhalter (2005), "Funnel plots for comparing institutional performance",
*Statistics in Medicine* 24:1185-1202.

- **Centre** θ = the overall rate, Σ numerators ÷ Σ denominators (the council's rate when the
  units are its teams), or a given figure (e.g. England's published rate).
- **Exact binomial limits** (Spiegelhalter 2005, appendix A.1.1): for a limit at tail
  probability p (0.025 / 0.975 for 95%, 0.001 / 0.999 for 99.8%) and denominator n, r_p is the
  smallest r with P(R ≤ r) ≥ p for R ~ Binomial(n, θ) (`scipy.stats.binom.ppf`), and the
  discrete quantile is interpolated so the limits are smooth in n:

      α = (P(R ≤ r_p) - p) / (P(R ≤ r_p) - P(R ≤ r_p - 1)),   limit = (r_p - α) / n

  (the probability at r spread evenly over (r-1, r]). As Manktelow & Seaton (2012, PLoS ONE
  7:e45723) show, no interpolation gives exactly the nominal tail probability for a discrete
  outcome; these are the limits Spiegelhalter describes and most English tools draw.
- **Over-dispersion** (Spiegelhalter 2005 §5-6): z_i = (y_i - θ) / s_i with
  s_i² = θ(1-θ)/n_i; the z-scores are **winsorised** at their 10th and 90th percentiles (the
  10% most extreme at each end pulled in to those values; percentiles by linear interpolation,
  numpy's and R's default); φ = Σ z_w² / I over the I units. Under no over-dispersion I·φ has
  expectation about I - 1 (θ estimated from the same units). **Additive random effects**
  (the default): with w_i = 1/s_i²,

      τ² = (I·φ - (I - 1)) / (Σ w_i - Σ w_i² / Σ w_i),   0 when I·φ ≤ I - 1,

  and the limits become θ ± z_p · sqrt(s²(n) + τ²) (normal; the exact binomial no longer
  applies). **Multiplicative**: θ ± z_p · sqrt(φ) · s(n). `adjust="auto"` applies the
  adjustment when φ exceeds what chance gives: I·φ > I - 1 (τ² > 0), or, with
  `test_level=0.05`, only when I·φ exceeds the upper 5% point of χ² on I - 1 degrees of freedom.
- **Classification** of a unit: `above` when its rate is above the upper limit at its own
  denominator, `below` when below the lower limit, else `within` (a rate on a limit is within),
  for each of the 95% and 99.8% limits. Units outside the 95% limits are named on the chart;
  the rest are not ranked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

LEVELS = (0.95, 0.998)


def _tag(level: float) -> str:
    """0.95 -> '95', 0.998 -> '998' (column suffixes)."""
    return f"{level * 100:g}".replace(".", "")


def exact_limit(p: float, n: ArrayLike, centre: float) -> np.ndarray:
    """Spiegelhalter's interpolated exact binomial quantile (r_p - α)/n as a proportion.

    n of 0 or missing gives NaN; centre 0 or 1 gives the centre (no spread)."""
    nn = np.asarray(n, dtype=float)
    out = np.full(nn.shape, np.nan)
    ok = np.isfinite(nn) & (nn > 0)
    if not 0.0 <= centre <= 1.0:
        raise ValueError(f"funnel centre must be a proportion 0-1, got {centre}")
    if centre in (0.0, 1.0):
        out[ok] = centre
        return out
    m = nn[ok]
    r = stats.binom.ppf(p, m, centre)
    f_r = stats.binom.cdf(r, m, centre)
    f_r1 = stats.binom.cdf(r - 1, m, centre)
    step = f_r - f_r1
    alpha = np.where(step > 0, (f_r - p) / np.where(step > 0, step, 1), 0.0)
    out[ok] = np.clip((r - alpha) / m, 0.0, 1.0)
    return out


@dataclass(frozen=True)
class Overdispersion:
    """Spiegelhalter's over-dispersion estimates for a set of units."""

    units: int          #: I, units with a denominator
    phi: float          #: mean squared winsorised z-score
    tau2: float         #: additive random-effects variance (0 when I·phi <= I - 1)
    z: np.ndarray       #: unwinsorised z-scores (NaN for units without a denominator)
    expected: float     #: I - 1, what I·phi is expected to be without over-dispersion


def overdispersion(numerator: ArrayLike, denominator: ArrayLike, centre: float,
                   winsor: float = 0.1) -> Overdispersion:
    """z-scores, winsorised φ and DerSimonian-Laird-style τ² (Spiegelhalter 2005 §5-6)."""
    y = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    ok = np.isfinite(n) & (n > 0) & np.isfinite(y)
    z = np.full(n.shape, np.nan)
    if not 0.0 < centre < 1.0 or ok.sum() < 2:
        return Overdispersion(int(ok.sum()), np.nan, 0.0, z, max(int(ok.sum()) - 1, 0))
    s2 = centre * (1 - centre) / n[ok]
    z[ok] = (y[ok] / n[ok] - centre) / np.sqrt(s2)
    zo = z[ok]
    lo, hi = np.quantile(zo, [winsor, 1 - winsor])
    zw = np.clip(zo, lo, hi)
    k = len(zo)
    phi = float(np.mean(zw ** 2))
    w = 1 / s2
    denom = w.sum() - (w ** 2).sum() / w.sum()
    tau2 = max(0.0, (k * phi - (k - 1)) / denom) if denom > 0 else 0.0
    return Overdispersion(k, phi, float(tau2), z, float(k - 1))


def limits(centre: float, denominator: ArrayLike, levels: Sequence[float] = LEVELS, *,
           tau2: float = 0.0, phi: float = 1.0, method: str = "exact") -> pd.DataFrame:
    """Lower and upper limits (proportions) at each denominator, one column pair per level
    (`lower95`, `upper95`, `lower998`, `upper998`). `method`: "exact" (binomial, no
    over-dispersion), "additive" (θ ± z·sqrt(s² + τ²)) or "multiplicative" (θ ± z·sqrt(φ)·s)."""
    n = np.asarray(denominator, dtype=float)
    out = {"denominator": n}
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.where(n > 0, centre * (1 - centre) / n, np.nan)
    for lev in levels:
        t = _tag(lev)
        p = (1 - lev) / 2
        if method == "exact":
            lo, hi = exact_limit(p, n, centre), exact_limit(1 - p, n, centre)
        elif method in ("additive", "multiplicative"):
            zq = stats.norm.ppf(1 - p)
            sd = np.sqrt(s2 + tau2) if method == "additive" else np.sqrt(phi * s2)
            lo = np.clip(centre - zq * sd, 0.0, 1.0)
            hi = np.clip(centre + zq * sd, 0.0, 1.0)
        else:
            raise ValueError(f"method must be exact, additive or multiplicative, got {method!r}")
        out[f"lower{t}"], out[f"upper{t}"] = lo, hi
    return pd.DataFrame(out)


def classify(rate: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> np.ndarray:
    """'above' (rate > upper), 'below' (rate < lower), 'within' (else, limits included);
    '' where the rate or a limit is missing."""
    r = np.asarray(rate, dtype=float)
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    known = np.isfinite(r) & np.isfinite(lo) & np.isfinite(hi)
    res = np.where(r > hi, "above", np.where(r < lo, "below", "within"))
    return np.where(known, res, "").astype(object)


@dataclass(frozen=True)
class Funnel:
    """A fitted funnel: the units with their limits and bands, the curve to draw, the fit."""

    units: pd.DataFrame   #: org_unit, numerator, denominator, value, centre, limits, bands
    curve: pd.DataFrame   #: denominator grid with the limits (in `scale` units) for drawing
    centre: float         #: proportion 0-1
    method: str           #: "exact", "additive" or "multiplicative"
    od: Overdispersion
    scale: float


def funnel(units: pd.DataFrame, centre: float | None = None, *,
           levels: Sequence[float] = LEVELS, adjust: str = "auto", method: str = "additive",
           test_level: float | None = None, winsor: float = 0.1, scale: float = 100.0,
           label: str = "org_unit", grid_points: int = 200) -> Funnel:
    """Funnel-plot limits and bands for units (teams, councils) with a numerator and
    denominator (the computed table's rows of one indicator, breakdown and period, e.g.
    `computed.query("level == 'team' and indicator_id == 're_referrals' and period ==
    '2020-06'")`).

    `centre`: proportion 0-1 (None: Σ numerator / Σ denominator). `adjust`: "auto" (apply the
    over-dispersion adjustment when φ exceeds chance, see the module docstring), "never" or
    "always". `method`: the adjustment, "additive" (τ²) or "multiplicative" (φ). `scale`: 100
    gives limits and values in percent like the computed table.

    `Funnel.units` columns: the label column, numerator, denominator, value, centre, then
    lower/upper per level (`lower95`, `upper95`, `lower998`, `upper998`), `band95`, `band998`
    ('above', 'below', 'within'; '' without cases) and `position` in words ("above the 99.8%
    limit", "below the 95% limit", "within the limits", "no cases").
    """
    if adjust not in ("auto", "never", "always"):
        raise ValueError(f"adjust must be auto, never or always, got {adjust!r}")
    for c in (label, "numerator", "denominator"):
        if c not in units:
            raise ValueError(f"funnel: units lack column {c!r}")
    y = units["numerator"].to_numpy(dtype=float)
    n = units["denominator"].to_numpy(dtype=float)
    has = np.isfinite(n) & (n > 0)
    if centre is None:
        total = n[has].sum()
        if total <= 0:
            raise ValueError("funnel: no unit has a denominator above 0")
        centre = float(y[has].sum() / total)
    od = overdispersion(y, n, centre, winsor)
    over = od.units >= 2 and np.isfinite(od.phi) and od.units * od.phi > od.expected
    if over and test_level is not None:
        over = od.units * od.phi > stats.chi2.ppf(1 - test_level, od.expected)
    use = method if (adjust == "always" or (adjust == "auto" and over)) else "exact"
    lim = limits(centre, n, levels, tau2=od.tau2, phi=od.phi if np.isfinite(od.phi) else 1.0,
                 method=use)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(has, y / np.where(has, n, 1), np.nan)
    out = pd.DataFrame({label: units[label].to_numpy(), "numerator": y, "denominator": n,
                        "value": rate * scale, "centre": centre * scale})
    for lev in levels:
        t = _tag(lev)
        out[f"lower{t}"] = lim[f"lower{t}"].to_numpy() * scale
        out[f"upper{t}"] = lim[f"upper{t}"].to_numpy() * scale
        out[f"band{t}"] = classify(rate, lim[f"lower{t}"], lim[f"upper{t}"])
    out["position"] = _position(out, levels)
    hi_n = max(float(n[has].max()) if has.any() else 1.0, 1.0) * 1.1
    grid = np.unique(np.round(np.geomspace(1, hi_n, grid_points)))
    curve = limits(centre, grid, levels, tau2=od.tau2,
                   phi=od.phi if np.isfinite(od.phi) else 1.0, method=use)
    for c in curve.columns[1:]:
        curve[c] = curve[c] * scale
    return Funnel(out, curve, centre, use, od, scale)


def _position(out: pd.DataFrame, levels: Sequence[float]) -> np.ndarray:
    """Words: the widest limit a unit is outside, else within (levels narrowest first)."""
    pos = np.where(out[f"band{_tag(levels[0])}"] == "", "no cases", "within the limits")
    pos = pos.astype(object)
    for lev in levels:  # wider levels later overwrite
        b = out[f"band{_tag(lev)}"].to_numpy()
        pct = f"{lev * 100:g}%"
        pos = np.where(b == "above", f"above the {pct} limit",
                       np.where(b == "below", f"below the {pct} limit", pos))
    return pos.astype(object)

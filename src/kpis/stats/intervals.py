"""Wilson score intervals for proportions, and "small numbers" in words.

Source: E. B. Wilson (1927), "Probable inference, the law of succession, and statistical
inference", JASA 22:209-212; recommended for proportions by Newcombe (1998, Statistics in
Medicine 17:857-872, method 3) and by the Public Health England / OHID "Fingertips" technical
guidance on confidence intervals, which also uses it for small denominators. For p = r/n and
z = the standard normal quantile (1.959964 for 95%):

    centre = (p + z²/2n) / (1 + z²/n)
    half   = z · sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)
    limits = centre ± half

Unlike the normal ("Wald") interval it never leaves 0-1 and is not zero-width at 0/n or n/n.
`SMALL_DENOMINATOR` (100) is issue 12's threshold for saying "small numbers" in words.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

Z95 = 1.959963984540054  # standard normal 97.5th percentile
SMALL_DENOMINATOR = 100
SMALL_NUMBERS = "small numbers"


def wilson(numerator: ArrayLike, denominator: ArrayLike,
           z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (lower, upper) as proportions 0-1, vectorised.

    A denominator of 0 (or missing) gives NaN limits; a numerator outside 0..denominator
    raises ValueError (the interval is for a proportion).
    """
    r = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    bad = (r < 0) | (r > n)
    if np.any(bad & np.isfinite(r) & np.isfinite(n)):
        raise ValueError("Wilson interval: numerator must be between 0 and the denominator")
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = n > 0
        nn = np.where(ok, n, np.nan)
        p = r / nn
        z2 = z * z
        denom = 1 + z2 / nn
        centre = (p + z2 / (2 * nn)) / denom
        half = z * np.sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denom
        lower = np.clip(centre - half, 0.0, 1.0)
        upper = np.clip(centre + half, 0.0, 1.0)
    return lower, upper


def is_small(denominator: ArrayLike, threshold: float = SMALL_DENOMINATOR) -> np.ndarray:
    """True where the denominator is under `threshold` (issue 12: under 100)."""
    n = np.asarray(denominator, dtype=float)
    return np.isfinite(n) & (n < threshold)


def with_intervals(df: pd.DataFrame, numerator: str = "numerator",
                   denominator: str = "denominator", scale: float = 100.0,
                   threshold: float = SMALL_DENOMINATOR) -> pd.DataFrame:
    """A copy of `df` with `ci_lower`, `ci_upper` (Wilson 95%, times `scale`: 0-100 for
    percentages, as the computed table's `value`) and `small_numbers` (denominator under
    `threshold`). Works on the computed-indicator table for its percent rows."""
    lo, hi = wilson(df[numerator], df[denominator])
    out = df.copy()
    out["ci_lower"] = lo * scale
    out["ci_upper"] = hi * scale
    out["small_numbers"] = is_small(df[denominator], threshold)
    return out


def describe(numerator: ArrayLike, denominator: ArrayLike, decimals: int = 0,
             threshold: float = SMALL_DENOMINATOR) -> list[str]:
    """Proportions as text for tables and tooltips: "80% (49% to 94%), 8 of 10, small numbers".

    The interval and "r of n" are written when the denominator is under `threshold` (where the
    interval matters); otherwise just "31%". A denominator of 0 gives "no cases".
    """
    r = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    lo, hi = wilson(r, n)
    small = is_small(n, threshold)
    has = n > 0

    def pct(a: np.ndarray) -> pd.Series:
        return pd.Series(np.round(100 * a, decimals)).map(f"{{:.{decimals}f}}%".format)

    with np.errstate(divide="ignore", invalid="ignore"):
        point = pct(np.where(has, r / np.where(has, n, 1), 0.0))
    counts = pd.Series(r).map("{:.0f}".format) + " of " + pd.Series(n).map("{:.0f}".format)
    long = (point + " (" + pct(np.nan_to_num(lo)) + " to " + pct(np.nan_to_num(hi)) + "), "
            + counts + ", " + SMALL_NUMBERS)
    text = point.where(~small, long).where(has, "no cases")
    return text.tolist()

"""The charts say in words what colour shows (kpis.reporting.spc_plots)."""

import pandas as pd
from matplotlib.figure import Figure

from kpis.reporting.spc_plots import funnel_chart, xmr_chart
from kpis.stats.funnel import funnel
from kpis.stats.spc import xmr

B = [12, 10] * 6


def texts(fig: Figure) -> list[str]:
    out = [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]
    return [t for t in out if t]


def periods(n: int) -> list[str]:
    return [str(p) for p in pd.period_range("2019-01", periods=n, freq="M")]


def test_xmr_chart_letters_and_latest_in_words():
    rows = xmr(B + [17, 4], periods(14), polarity="higher", baseline_points=12, target=20)
    fig = xmr_chart(rows, "Repeat CP plans (in month)", target=20, unit="percent")
    t = texts(fig)
    assert isinstance(fig, Figure)
    assert "I" in t and "C" in t  # 17 above the limit = improvement, 4 below = concern
    assert "I: special cause, improvement" in t and "C: special cause, concern" in t
    assert any(s.startswith("Latest (2020-02): concern; target: consistently fails") for s in t)
    assert not any("trial limits" in s for s in t)


def test_xmr_chart_says_trial_limits_under_twelve_points():
    rows = xmr(B[:8], periods(8), polarity="lower")
    t = texts(xmr_chart(rows, "Returns to care (single month)"))
    assert "trial limits (8 points)" in t
    assert any("trial limits (fewer than 12 baseline points)" in s for s in t)


def test_xmr_chart_from_spc_csv_columns_only_finds_segments():
    rows = xmr(B + [22, 20] * 3, periods(18), rebase_at=["2020-01"])
    csv_like = rows.drop(columns=["segment", "trial_limits", "direction"])
    t = texts(xmr_chart(csv_like, "Rebased"))
    assert "rebased 2020-01" in t and "trial limits (6 points)" in t


def test_funnel_chart_names_only_units_outside_the_limits():
    units = pd.DataFrame({"org_unit": ["Small", "Big", "Mid"], "numerator": [3, 60, 25],
                          "denominator": [4, 200, 90]})
    f = funnel(units, adjust="never")
    t = texts(funnel_chart(f.units, f.curve, title="Re-referrals by team"))
    assert "Small: above 95%" in t  # 3 of 4 is above the 95% limit (70.1%)
    assert not any(s.startswith(("Big", "Mid")) for s in t)

"""Tables and charts of a council's published figures (`benchmarks.csv` rows,
`kpis.national.benchmarks.benchmarks_for`) and of the scorecard continued with them.

- `comparison_table`: one indicator, one row per year: the council, its rank 'r of n' and
  LAIT quartile band, its statistical neighbours' mean, median and range, region, England.
- `neighbour_chart`: small multiples, one panel per indicator (one chart per unit), the
  council against its neighbours' range, mean and median, its region and England.
- `continuation_table` / `continuation_chart`: the scorecard's own dated figures, then the
  council's published figures for the years after the scorecard's latest month, marked as
  published (DfE's figures, not the council's own returns to its board).

Figures are drawn on `matplotlib.figure.Figure` directly, not through pyplot (no figure
manager, nothing to close), and every chart is a `kpis.reporting.figure.Chart`.
"""

from __future__ import annotations

import io
import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from kpis.national.years import year_label
from kpis.reporting.figure import DPI, MIN_FONT_PT, Chart
from kpis.reporting.fmt import fmt_value, period_label

BAND_LETTER = {1: "A", 2: "B", 3: "C", 4: "D"}
WIDTH = 9.0
FONT = MIN_FONT_PT
#: How a published year is headed in the reports, by the measure's year type.
PUBLISHED_HEAD = {"financial": "published (year to 31 March {year})",
                  "workforce": "published (30 September {year})",
                  "academic": "published (school year {label})"}


class PanelChart(Chart):
    """A `Chart` whose figure is laid out by fixed margins (`_panel_grid`), so it is saved in
    one drawing pass, without the 'tight' bounding-box pass that draws a tall grid twice."""

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=DPI, facecolor="white",
                            pil_kwargs={"compress_level": 3})
        return buf.getvalue()


def published_head(period: int, year_type: str) -> str:
    """'published (year to 31 March 2021)' (or the workforce census date, or the school year)."""
    return PUBLISHED_HEAD.get(year_type, PUBLISHED_HEAD["financial"]).format(
        year=int(period), label=year_label(period, year_type))


def comparison_table(bench: pd.DataFrame, indicator_id: str, model: int = 2025,
                     first_year: int = 2016) -> pd.DataFrame:
    """One row per year: council, rank 'r of n', band, neighbours' mean/median/min-max,
    region, England."""
    b = bench[(bench["indicator_id"] == indicator_id) & (bench["period"] >= first_year)]
    sn = f"statistical neighbours {model}"
    key = b["comparator"].where(b["comparator"] != sn, "SN") + " " + b["statistic"]
    wide = (b.assign(key=key).drop_duplicates(["period", "key"])
            .set_index(["period", "key"])["value"].unstack())
    ranked = b[(b["comparator"] == "council") & (b["statistic"] == "rank")]
    n = ranked.set_index("period")["n_councils"]
    out = pd.DataFrame(index=wide.index)
    out["council"] = wide.get("council value")
    rank = wide.get("council rank", pd.Series(np.nan, index=wide.index))
    out["rank"] = [f"{int(r)} of {int(n[p])}" if pd.notna(r) else "" for p, r in
                   zip(wide.index, rank, strict=True)]
    band = wide.get("council quartile band", pd.Series(np.nan, index=wide.index))
    out["quartile band"] = [BAND_LETTER.get(int(x), "") if pd.notna(x) else "" for x in band]
    for stat in ("mean", "median", "min", "max"):
        out[f"neighbours {model} {stat}"] = wide.get(f"SN {stat}")
    out["region"] = wide.get("region value")
    out["England"] = wide.get("England value")
    out.index.name = "year"
    return out


def _panel_grid(n: int, height: float = 2.9, legend: float = 1.0) -> tuple[Figure, list]:
    """A grid of panels, two to a row, laid out by fixed margins in inches (no tight_layout:
    it measures every tick label and costs seconds on a tall grid)."""
    cols = 1 if n == 1 else 2
    rows = math.ceil(n / cols)
    total = legend + height * rows + 0.5
    fig = Figure(figsize=(WIDTH, total))
    fig.subplots_adjust(left=0.07, right=0.98, top=1 - (legend + 0.45) / total,
                        bottom=0.5 / total, wspace=0.22, hspace=0.9 / (height - 0.9))
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _style(ax, years: list[int] | np.ndarray) -> None:
    ax.tick_params(labelsize=FONT)
    ax.grid(True, color="0.88", lw=0.8)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4))  # fewer ticks: each costs a text draw
    if len(years):
        lo, hi = int(min(years)), int(max(years))
        step = 1 if hi - lo <= 5 else 2
        ax.set_xticks(range(lo, hi + 1, step))
        ax.set_xticklabels([f"{y % 100:02d}" if i else str(y)
                            for i, y in enumerate(range(lo, hi + 1, step))], fontsize=FONT)


def neighbour_chart(bench: pd.DataFrame, items: pd.DataFrame, title: str, caption: str = "",
                    model: int = 2025, first_year: int = 2016) -> Chart:
    """Small multiples: per indicator (`items`: columns indicator_id, name, unit), the council
    (black, filled circles) against its neighbours' range (grey band), mean (dashed) and median
    (dotted), region (open triangles) and England (open squares), years ending in March (or
    September for the workforce census)."""
    keep = ["council", "England", "region", f"statistical neighbours {model}"]
    sub = bench[bench["indicator_id"].isin(items["indicator_id"])
                & bench["comparator"].isin(keep) & (bench["period"] >= first_year)]
    groups = dict(tuple(sub.groupby("indicator_id")))
    tables = {r.indicator_id: comparison_table(groups.get(r.indicator_id, sub.iloc[:0]),
                                               r.indicator_id, model, first_year)
              for r in items.itertuples()}
    fig, axes = _panel_grid(len(items))
    lo = f"neighbours {model} min"
    for ax, r in zip(axes, items.itertuples(), strict=True):
        t = tables[r.indicator_id]
        years = t.index.astype(int).to_numpy()
        if t[lo].notna().any():
            ax.fill_between(years, t[lo], t[f"neighbours {model} max"], color="0.85",
                            label=f"neighbours' range ({model} model)")
            ax.plot(years, t[f"neighbours {model} mean"], color="0.35", ls="--", lw=1.5,
                    label="neighbours' mean")
            ax.plot(years, t[f"neighbours {model} median"], color="0.35", ls=":", lw=2,
                    label="neighbours' median")
        ax.plot(years, t["England"], color="#2166ac", marker="s", mfc="white", ms=5, lw=1,
                label="England")
        ax.plot(years, t["region"], color="#1b7837", marker="^", mfc="white", ms=5, lw=1,
                label="region")
        ax.plot(years, t["council"], color="black", marker="o", ms=5, lw=2, label="council")
        last = t["council"].last_valid_index()
        if last is not None:
            band = t.loc[last, "quartile band"]
            ax.annotate(fmt_value(t.loc[last, "council"], r.unit) + (f" ({band})" if band
                                                                     else ""),
                        (int(last), t.loc[last, "council"]), xytext=(0, 7),
                        textcoords="offset points", ha="right", fontsize=FONT)
        ax.set_title(textwrap.fill(r.name, 40), fontsize=FONT, loc="left")
        _style(ax, years)
    handles, labels = axes[0].get_legend_handles_labels() if axes else ([], [])
    fig.legend(handles, labels, loc="upper center", ncol=3, frameon=False, fontsize=FONT)
    data = pd.concat([tables[r.indicator_id].reset_index().assign(indicator=r.name)
                      for r in items.itertuples()], ignore_index=True)
    data = data[["indicator", *[c for c in data.columns if c != "indicator"]]].round(1)
    return PanelChart(fig, title, neighbour_alt(title, items, tables, model), caption, data,
                 f"{title}: the council, its rank and quartile band, its {model}-model "
                 "statistical neighbours, region and England by year")


def neighbour_alt(title: str, items: pd.DataFrame, tables: dict[str, pd.DataFrame],
                  model: int) -> str:
    """Per indicator: the council's first and latest published figure, and in the latest year
    its rank and band and the neighbours' mean and England."""
    parts = []
    for r in items.itertuples():
        t = tables[r.indicator_id].dropna(subset=["council"])
        if t.empty:
            parts.append(f"{r.name}: no published figure for the council")
            continue
        first, last = t.index[0], t.index[-1]
        row = t.loc[last]
        text = (f"{r.name}: council {fmt_value(t.loc[first, 'council'], r.unit)} in {first}, "
                f"{fmt_value(row['council'], r.unit)} in {last}")
        extra = []
        if pd.notna(row[f"neighbours {model} mean"]):
            extra.append(f"neighbours' mean {fmt_value(row[f'neighbours {model} mean'], r.unit)}")
        if pd.notna(row["England"]):
            extra.append(f"England {fmt_value(row['England'], r.unit)}")
        if row["rank"]:
            extra.append(f"rank {row['rank']}")
        if row["quartile band"]:
            extra.append(f"quartile band {row['quartile band']}")
        parts.append(text + (f" ({', '.join(extra)})" if extra else ""))
    return f"{title}. " + "; ".join(parts) + "."


def _scorecard_actuals(scorecard: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    s = scorecard[scorecard["indicator_id"].eq(indicator_id)
                  & scorecard["breakdown"].fillna("").eq("") & scorecard["kind"].eq("actual")
                  & scorecard["value"].notna() & scorecard["period"].fillna("").ne("")]
    s = s.drop_duplicates("period").sort_values("period")
    when = pd.to_datetime(s["period"] + "-01") + pd.offsets.MonthEnd(0)
    return s.assign(when=when)


def _published(bench: pd.DataFrame, indicator_id: str, after: pd.Timestamp | None = None
               ) -> pd.DataFrame:
    p = bench[bench["indicator_id"].eq(indicator_id) & bench["breakdown"].fillna("").eq("")
              & bench["comparator"].eq("council") & bench["statistic"].eq("value")
              & bench["value"].notna()]
    p = p.assign(when=pd.to_datetime(p["period_end"])).sort_values("when")
    return p if after is None else p[p["when"] > after]


def continuation_table(scorecard: pd.DataFrame, bench: pd.DataFrame, items: pd.DataFrame,
                       latest_period: str) -> pd.DataFrame:
    """One row per indicator (`items`: indicator_id, name, unit, year_type): the scorecard's
    figure at `latest_period`, then the council's published figure for each reporting year
    ending after that month, headed 'published (year to 31 March YYYY)' (or the census
    date / school year). Indicators with no later published year are left out."""
    end = pd.Timestamp(f"{latest_period}-01") + pd.offsets.MonthEnd(0)
    rows = []
    for r in items.itertuples():
        pub = _published(bench, r.indicator_id, end)
        if pub.empty:
            continue
        own = _scorecard_actuals(scorecard, r.indicator_id)
        own = own[own["period"].eq(latest_period)]
        row = {"indicator": r.name, "unit": r.unit,
               f"scorecard ({period_label(latest_period)})":
                   float(own["value"].iloc[0]) if len(own) else np.nan}
        for p, v in zip(pub["period"], pub["value"], strict=True):
            row[published_head(p, r.year_type)] = round(float(v), 1)
        rows.append(row)
    return pd.DataFrame(rows)


def continuation_chart(scorecard: pd.DataFrame, bench: pd.DataFrame, items: pd.DataFrame,
                       latest_period: str, title: str, caption: str = "") -> Chart:
    """Small multiples, one panel per indicator: the scorecard's own dated figures (black,
    filled circles, solid line) and the council's published figures (open squares, dashed
    line) by the last day of each reporting year; the months after the scorecard's latest
    (`latest_period`) shaded and labelled 'after the scorecard'."""
    end = pd.Timestamp(f"{latest_period}-01") + pd.offsets.MonthEnd(0)
    fig, axes = _panel_grid(len(items), height=2.9, legend=0.7)
    rows, alt = [], []
    for ax, r in zip(axes, items.itertuples(), strict=True):
        own = _scorecard_actuals(scorecard, r.indicator_id)
        pub = _published(bench, r.indicator_id)
        ax.plot(own["when"], own["value"], color="black", marker="o", lw=2, ms=5,
                label="scorecard (the council's own figures)")
        ax.plot(pub["when"], pub["value"], color="#2166ac", marker="s", mfc="white", ls="--",
                lw=1.5, ms=6, label="published by DfE (year to 31 March or census date)")
        right = max([end, *pub["when"].tolist()]) + pd.Timedelta(days=120)
        ax.axvspan(end, right, color="0.92", zorder=0)
        ax.axvline(end, color="0.4", ls=":", lw=1.5)
        ax.annotate("after the scorecard", (end, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(4, -14), textcoords="offset points", fontsize=FONT)
        ax.set_title(textwrap.fill(r.name, 40), fontsize=FONT, loc="left")
        ax.tick_params(labelsize=FONT)
        ax.grid(True, color="0.88", lw=0.8)
        after = pub[pub["when"] > end]
        for p, w, v in zip(pub["period"], pub["when"], pub["value"], strict=True):
            rows.append({"indicator": r.name, "figure": published_head(p, r.year_type),
                         "date": w.date().isoformat(), "value": round(float(v), 1),
                         "after the scorecard": "yes" if w > end else "no"})
        for per, w, v in zip(own["period"], own["when"], own["value"], strict=True):
            rows.append({"indicator": r.name, "figure": f"scorecard ({period_label(per)})",
                         "date": w.date().isoformat(), "value": float(v),
                         "after the scorecard": "no"})
        text = r.name + ": "
        if len(own):
            text += (f"scorecard {fmt_value(own['value'].iloc[-1], r.unit)} in "
                     f"{period_label(own['period'].iloc[-1])}")
        if len(after):
            text += ("; " if len(own) else "") + (
                     f"published {fmt_value(after['value'].iloc[0], r.unit)}"
                     f" for {year_label(after['period'].iloc[0], r.year_type)} to "
                     f"{fmt_value(after['value'].iloc[-1], r.unit)} for "
                     f"{year_label(after['period'].iloc[-1], r.year_type)}")
        alt.append(text)
    handles, labels = axes[0].get_legend_handles_labels() if axes else ([], [])
    fig.legend(handles, labels, loc="upper center", ncol=1, frameon=False, fontsize=FONT)
    data = pd.DataFrame(rows)
    if not data.empty:
        data = data.sort_values(["indicator", "date"], kind="stable")
    return PanelChart(fig, title, f"{title}. " + "; ".join(alt) + ".", caption, data,
                 f"{title}: the scorecard's figures and the published figures by date")

"""Report sections on the published national figures (DfE, Open Government Licence v3.0).

- `show_domain_section`: in a domain report, for each of the domain's indicators that DfE
  publishes, the council against its statistical neighbours (mean, median, range), region and
  England from 2016, with rank and quartile band; then 'After the scorecard: published figures
  to 2025': the council's published figures for the years after the scorecard's latest month,
  marked as published.
- `show_neighbours`: the neighbour comparison alone, for any list of indicators (the
  reconciliation report shows every published measure).

The council's figures come from `benchmarks.csv` beside the distance table (`kpis report`
writes both into data/processed/), or are built from data/external/ when it is not there.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from kpis import catalogue
from kpis.national import catalogue as national
from kpis.reporting import benchmark_charts as bc
from kpis.reporting.figure import data_table_html
from kpis.reporting.fmt import period_label

ATTRIBUTION = ("Published figures: Department for Education (LAIT and explore education "
               "statistics), contains public sector information licensed under the Open "
               "Government Licence v3.0.")
UNIT_TITLE = {"percent": "percentages", "children per FTE": "children per FTE social worker"}


def load_benchmarks(distance_path: str | Path = "", la_code: int | None = None) -> pd.DataFrame:
    """`benchmarks.csv` beside the distance table, or built in memory from data/external/ for
    `la_code`. Without either: FileNotFoundError saying the council's LA code is not set (never
    another council's figures)."""
    from kpis import paths

    near = Path(distance_path).parent / paths.BENCHMARKS if distance_path else None
    if near is not None and near.exists():
        return pd.read_csv(near, keep_default_na=False,
                           na_values={"value": [""], "n_councils": [""]})
    if not la_code:
        raise FileNotFoundError("the council's LA code is not set (config key `la_code`), so "
                                "there are no published figures to compare with")
    from kpis.national import store
    from kpis.national.benchmarks import benchmarks_for

    t = store.load_all()
    return benchmarks_for(la_code, t["published"], t["neighbours"], t["judgements"],
                          national.national_measures(), t["la_codes"])


def items(indicator_ids: list[str], bench: pd.DataFrame,
          names: dict[str, str] | None = None) -> pd.DataFrame:
    """indicator_id, name, unit, year_type of those `indicator_ids` that have a published
    figure for the council (in the order given)."""
    m = national.national_measures().drop_duplicates("indicator_id").set_index("indicator_id")
    units = catalogue.indicators().set_index("indicator_id")["unit"]
    has = set(bench.loc[bench["comparator"].eq("council") & bench["statistic"].eq("value")
                        & bench["value"].notna(), "indicator_id"])
    ids = [i for i in dict.fromkeys(indicator_ids) if i in m.index and i in has]
    names = names or {}
    return pd.DataFrame({
        "indicator_id": ids,
        "name": [names.get(i) or m.loc[i, "title"] for i in ids],
        "unit": [units.get(i, "percent") for i in ids],
        "year_type": [m.loc[i, "year_type"] for i in ids],
        "relation": [m.loc[i, "relation"] for i in ids],
        "note": [m.loc[i, "note"] for i in ids],
    })


def _by_unit(its: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    units = sorted(its["unit"].unique(), key=lambda u: (u != "percent", u))
    return [(u, its[its["unit"].eq(u)]) for u in units]


def show_neighbours(bench: pd.DataFrame, its: pd.DataFrame, title: str, model: int = 2025,
                    first_year: int = 2016, tables: bool = True) -> None:
    """One small-multiples chart per unit, then (with `tables`) each indicator's table."""
    from IPython.display import HTML, Markdown, display

    if its.empty:
        display(Markdown("_None of these indicators has a published figure._"))
        return
    caption = (f"Black line, filled circles: the council; grey band: the range of its "
               f"{model}-model statistical neighbours, dashed line their mean (as LAIT), "
               f"dotted line their median (as DfE's dashboard); open squares: England; open "
               f"triangles: the region. The latest figure is written with its quartile band "
               f"(A = best quarter of councils, LAIT's rule). Years end 31 March (30 September "
               f"for the workforce census, 31 August for school years). {ATTRIBUTION}")
    _per_unit(its, title, lambda part, t: bc.neighbour_chart(bench, part, t, caption, model,
                                                             first_year))
    if not tables:
        return
    for r in its.itertuples():
        t = bc.comparison_table(bench, r.indicator_id, model, first_year).round(1)
        display(HTML(data_table_html(
            t.reset_index(),
            f"{r.name}: the council, its rank (1 = best of the councils with a figure), "
            f"quartile band, its {model}-model neighbours, region and England")))


def _per_unit(its: pd.DataFrame, title: str, chart: Callable[[pd.DataFrame, str], Any]) -> None:
    """One chart per unit of the indicators `its` (a percentage and a rate never share an axis),
    titled with the unit when there is more than one."""
    from kpis.reporting.figure import show

    groups = _by_unit(its)
    for unit, part in groups:
        show(chart(part, title if len(groups) == 1 else f"{title} ({UNIT_TITLE.get(unit, unit)})"))


def show_continuation(scorecard: pd.DataFrame, bench: pd.DataFrame, its: pd.DataFrame,
                      latest_period: str, title: str) -> None:
    """The table and chart(s) of the scorecard continued with the published years."""
    from IPython.display import HTML, Markdown, display

    table = bc.continuation_table(scorecard, bench, its, latest_period)
    if table.empty:
        display(Markdown("_No published figures after the scorecard for this domain._"))
        return
    display(Markdown(
        f"The scorecard ends in {period_label(latest_period)}. The columns headed "
        f"**published** are the council's figures as **published by DfE** for the years "
        f"after that, not figures the council reported to its board: their definitions and "
        f"periods can differ from the scorecard's (see the reconciliation report). "
        f"{ATTRIBUTION}"))
    display(HTML(data_table_html(
        table, f"{title}: the scorecard's latest figure, then the published figures")))
    keep = its[its["indicator_id"].isin(
        [i for i, n in zip(its["indicator_id"], its["name"], strict=True)
         if n in set(table["indicator"])])]
    caption = ("Black line, filled circles: the scorecard's own figures (Appendix 1 and the "
               "board report). Blue dashed line, open squares: the council's figures as "
               "published by DfE, at the last day of each reporting year. The shaded part, "
               f"after the dotted line at {period_label(latest_period)}, is after the "
               f"scorecard: published figures only. {ATTRIBUTION}")
    _per_unit(keep, title, lambda part, t: bc.continuation_chart(scorecard, bench, part,
                                                                 latest_period, t, caption))


def show_domain_section(domain: str, scorecard: pd.DataFrame, dist: pd.DataFrame,
                        distance_path: str | Path = "", latest_period: str = "2020-06",
                        model: int = 2025, first_year: int = 2016) -> None:
    """The published-figures part of a domain report (see the module docstring)."""
    from IPython.display import Markdown, display

    rows = dist[dist["domain"].eq(domain) & dist["breakdown"].fillna("").eq("")]
    try:
        bench = load_benchmarks(distance_path)
    except FileNotFoundError as err:  # no LA code, or a project without data/external/
        display(Markdown(f"_No published comparison: {err}._"))
        return
    names = dict(zip(rows["indicator_id"], rows["indicator"], strict=False))
    its = items(rows["indicator_id"].tolist(), bench, names)
    display(Markdown("## Against the neighbours: published figures"))
    if its.empty:
        display(Markdown(f"_DfE publishes none of the {domain} indicators, so there is no "
                         "comparison with other councils._"))
        return
    last = int(bench.loc[bench["indicator_id"].isin(its["indicator_id"]), "period"].max())
    display(Markdown(
        f"Each indicator of this domain that DfE publishes, {first_year} to {last}: the "
        f"council against its 10 statistical neighbours (DfE's {model} model), its region and "
        f"England, with its rank among all councils and LAIT's quartile band."))
    show_neighbours(bench, its, f"{domain}: the council against its neighbours, "
                    f"{first_year} to {last}", model, first_year)
    display(Markdown(f"## After the scorecard: published figures to {last}"))
    show_continuation(scorecard, bench, its, latest_period,
                      f"{domain}: after the scorecard, published figures to {last}")


def show_reconciliation(recon: pd.DataFrame, what: str = "scorecard") -> None:
    """A reconciliation table (`kpis.national.reconcile`) as an accessible HTML table, with
    the count of figures that agree, differ for a known reason, or differ unexplained."""
    from IPython.display import HTML, Markdown, display

    if recon.empty:
        display(Markdown("_No computed figures were given (parameter `computed_path`)._"
                         if what == "computed" else "_No scorecard figure has a published "
                         "equivalent._"))
        return
    counts = recon["agreement"].value_counts()
    display(Markdown("; ".join(f"**{n}** {k}" for k, n in counts.items()) + "."))
    show = recon.drop(columns=["scorecard_source", "published_source"]).copy()
    show["scorecard_period"] = show["scorecard_period"].map(period_label)
    show = show.rename(columns={"scorecard_period": f"{what} month",
                                "scorecard_value": what, "published_period": "published year",
                                "published_value": "published",
                                "difference": f"difference ({what} - published)"})
    caption = (f"Each {what} figure beside the council's published figure for the nearest "
               "reporting year; figures within 1 percentage point agree")
    display(HTML(data_table_html(show, caption)))


def show_all_neighbours(bench: pd.DataFrame, model: int = 2025, first_year: int = 2016) -> None:
    """Every published measure for the council against its neighbours, region and England:
    one small-multiples chart per unit, the tables folded under each chart."""
    ids = national.national_measures()["indicator_id"].tolist()
    its = items(ids, bench)
    last = int(bench["period"].max()) if len(bench) else first_year
    show_neighbours(bench, its, f"The council against its neighbours, {first_year} to {last}",
                    model, first_year, tables=False)

"""The board's pages and the words that stand in for pictures: alt text written from the data,
the front page's counts and links, strict parameters, and a chart rendered as accessible HTML."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from kpis.errors import InputError  # noqa: E402
from kpis.reporting import alt_text, front_page, params  # noqa: E402
from kpis.reporting.figure import Chart, chart_html  # noqa: E402


def test_trend_alt_text_names_span_first_last_and_target():
    monthly = pd.DataFrame({"period": ["2021-03", "2017-03", "2019-01"],
                            "value": [32.0, 24.0, 28.5]})
    text = alt_text.trend("Re-referrals", monthly, "percent", target=24.0, left_out=2)
    assert text == ("Re-referrals, monthly March 2017 to March 2021: from 24% to 32% "
                    "(lowest 24%, highest 32%), above the 24% target. 2 earlier months with "
                    "partial history left out.")


def test_team_alt_text_gives_numerator_and_denominator():
    rows = pd.DataFrame({"org_unit": ["Team A", "Team B", "Team C"],
                         "value": [75.0, 30.0, 50.0], "numerator": [3, 60, 5],
                         "denominator": [4, 200, 10]})
    text = alt_text.teams("Re-referrals", "2020-06", rows, "percent", target=50.0)
    assert text == ("Re-referrals by team, June 2020: 3 teams, from Team B (30%, 60 of 200) "
                    "to Team A (75%, 3 of 4); 2 at or above the 50% target.")


def _dist() -> pd.DataFrame:
    d = pd.DataFrame({
        "indicator_id": ["a", "b", "c", "d"],
        "domain": ["Contact", "Contact", "Care", "Care"],
        "indicator": ["Re-referrals", "Visits", "Stability", "Missing"],
        "breakdown": ["", "single month", "", ""],
        "unit": ["percent"] * 4,
        "baseline": [24.0, 50.0, 70.0, 8.0], "latest": [32.0, 90.0, 60.0, 5.0],
        "change": [8.0, 40.0, -10.0, -3.0],
        "direction": ["worsened", "improved", "worsened", "improved"],
        "rag": ["Red", "Green", "Red", "Amber"],
        "baseline_source": ["actual 2017-03", "actual 2017-03", "inspection finding 2017-03",
                            "actual 2017-03"],
    })
    d.attrs.update(baseline_period="2017-03", latest_period="2020-06")
    return d


def test_dumbbell_alt_text_counts_directions_and_largest_move():
    text = alt_text.dumbbell("Care: baseline to latest", _dist())
    assert text.startswith("Care: baseline to latest: 4 indicator lines (2 improved, 2 worsened)")
    assert "Largest move: Visits (single month) improved from 50% to 90%" in text
    assert "Rated Red: Re-referrals, Stability." in text


@dataclass
class _Job:
    name: str
    title: str
    status: str = "ok"
    seconds: float = 1.0
    error: str = ""
    files: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)


def test_front_page_counts_movers_and_links_domains():
    jobs = [_Job("overview", "Overview", files=["overview.html"]),
            _Job("domain-contact", "Domain: Contact", files=["domain-contact.html"],
                 parameters={"domain": "Contact"}),
            _Job("domain-care", "Domain: Care", status="failed", error="boom",
                 parameters={"domain": "Care"})]
    out = front_page.front_page(_dist(), jobs, "Distance travelled")
    assert out.count("<h1>") == 1 and "<title>Distance travelled</title>" in out
    # RAG counts: 2 Red, 1 Amber, 1 Green, 0 Not rated
    counts = re.findall(r'rag-(Red|Amber|Green|Not-rated)">[^<]*</span></td><td>[^<]*</td>'
                        r'<td class="num">(\d+)', out)
    assert dict(counts) == {"Red": "2", "Amber": "1", "Green": "1", "Not-rated": "0"}
    # single-month lines are not ranked; the deterioration from the inspection figure says so
    improvements = out.split("Largest improvements")[1].split("Largest deteriorations")[0]
    assert "Visits" not in improvements and "Missing: 8% in March 2017 to 5%" in improvements
    assert "Stability: 70% in March 2017 (from the inspection's figure)" in out
    assert '<a href="domain-contact.html">Contact</a>' in out
    assert "not built: boom" in out and "1 report(s) failed" in out
    assert 'href="build.html"' in out and 'href="accessibility.html"' in out


def test_domain_status_is_the_worst_rating():
    st = front_page.domain_status(_dist())
    assert st.loc["Care", "status"] == "Red" and st.loc["Contact", "status"] == "Red"
    assert st.loc["Care", "improved"] == 1 and st.loc["Care", "worsened"] == 1


SCORECARD = pd.DataFrame({
    "kind": ["actual", "actual", "inspection", "benchmark"],
    "period": ["2020-06", "2019-03", "2017-03", ""],
    "value": [1.0, 2.0, 3.0, 4.0],
    "comparator": ["", "", "", "England"],
})


@pytest.mark.parametrize(("name", "value", "words"), [
    ("latest_period", "banana", "'banana' is not a month written YYYY-MM"),
    ("latest_period", "2020-6", "'2020-6' is not a month"),
    ("latest_period", "2020-13", "'2020-13' is not a month"),
    ("latest_period", "2017-03", "no figures for '2017-03'; periods with figures: 2019-03, "
                                 "2020-06"),
    ("baseline_period", "2018-03", "periods with figures: 2017-03, 2019-03, 2020-06"),
    ("domain", "Courtz", "unknown domain 'Courtz'; domains: Contact; Care"),
    ("comparator", "Wales", "comparators: England"),
    ("computed_path", "/no/such/file.csv", "'/no/such/file.csv' is not a file"),
])
def test_bad_parameters_name_parameter_value_and_what_is_accepted(name, value, words):
    with pytest.raises(InputError) as err:
        params.check_parameters({name: value}, SCORECARD, ["Contact", "Care"])
    assert f"column {name!r}" in str(err.value) and words in str(err.value)


def test_good_parameters_pass(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("x\n")
    params.check_parameters({"latest_period": "2020-06", "baseline_period": "2017-03",
                             "domain": "Care", "comparator": "England",
                             "computed_path": str(f)}, SCORECARD, ["Contact", "Care"])
    params.check_parameters({"computed_path": "", "comparator": ""}, SCORECARD, [])


def test_chart_html_has_alt_caption_heading_and_data_table():
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    data = pd.DataFrame({"month": ["March 2017", "April 2017"], "value (%)": [24.0, 25.5]})
    out = chart_html(Chart(fig, "Re-referrals & repeats", "From 24% to 25.5%.",
                           caption="Dashed line: target.", data=data))
    assert '<h3 class="kpis-chart-title">Re-referrals &amp; repeats</h3>' in out
    assert 'alt="From 24% to 25.5%."' in out and "data:image/png;base64," in out
    assert "<figcaption>Dashed line: target.</figcaption>" in out
    assert "<caption>Data: Re-referrals &amp; repeats</caption>" in out
    assert "<td>April 2017</td><td>25.5</td>" in out
    assert not plt.get_fignums()  # the figure was closed


def test_polish_titles_tables_nav_and_keyboard_stops():
    from kpis.reporting.a11y import polish

    page = ("<html><head><title>Distance travelled: domain</title></head><body><main>"
            '<div class="jp-Cell-inputWrapper" tabindex="0"></div>'
            "<table><thead><tr><th>Indicator</th><th>Latest</th></tr></thead>"
            "<tbody><tr><td>Re-referrals</td><td>32%</td></tr></tbody></table>"
            "</main></body></html>")
    out = polish(page, "Domain: Contact", nav=[("index.html", "All reports")],
                 banner="OFFICIAL-SENSITIVE")
    assert "<title>Domain: Contact</title>" in out
    assert '<th scope="col">Indicator</th>' in out
    assert '<th scope="row">Re-referrals</th><td>32%</td>' in out
    assert 'class="jp-Cell-inputWrapper" tabindex' not in out
    assert ('<div aria-label="Table: data" class="kpis-scroll" role="region" tabindex="0">'
            "<table>") in out
    assert out.index('<p class="kpis-banner">OFFICIAL-SENSITIVE</p>') < out.index(
        '<nav aria-label="Reports" class="kpis-nav"><a href="index.html">All reports</a></nav>')


def test_markdown_page_gives_headings_ids_for_in_page_links():
    from kpis.reporting.a11y import markdown_page

    out = markdown_page("# Statement\n\nSee [How we tested](#how-we-tested).\n\n"
                        "## How we tested\n\n- axe-core\n", "Accessibility statement", "")
    assert '<h2 id="how-we-tested">How we tested</h2>' in out
    assert '<a href="#how-we-tested">How we tested</a>' in out
    assert "<li>axe-core</li>" in out and '<html lang="en">' in out


def test_dumbbell_value_near_the_axis_end_stays_clear_of_the_labels():
    """The workforce deep dive's caseload (16 -> 14 children per FTE, benchmark 16.2): the
    latest value sits at the left end; its label is written inwards, inside the plot, not over
    the indicator's name."""
    from kpis.reporting import plots

    d = pd.DataFrame({
        "indicator_id": ["caseload_per_fte"], "domain": ["Workforce"],
        "indicator": ["Average children held per fte Social Worker"], "breakdown": [""],
        "unit": ["children per FTE"], "baseline": [16.0], "latest": [14.0],
        "target": [float("nan")], "benchmark": [16.2], "change": [-2.0],
        "direction": ["improved"], "rag": ["Green"], "baseline_source": ["actual 2017-03"]})
    chart = plots.dumbbell(d, "Workforce: baseline to latest")
    fig = chart.figure
    fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.get_xlim() == pytest.approx((14.0 - 0.5, 16.2 + 0.5))  # range 2.2 < 5: pad 0.5
    renderer = fig.canvas.get_renderer()
    label = next(t for t in ax.texts if t.get_text() == "14 children per FTE")
    assert label.get_ha() == "left"
    box = label.get_window_extent(renderer)
    plot = ax.get_window_extent(renderer)
    assert plot.x0 <= box.x0 and box.x1 <= plot.x1
    for tick in ax.get_yticklabels():
        assert not box.overlaps(tick.get_window_extent(renderer))
    plt.close(fig)

"""The published figures in built report pages (issue 11): `kpis report` run on the project's
own Appendix 1 (data/raw) for the Repeat Work domain and the reconciliation report.

Hand-checked figures (LAIT long table bds_long_0.parquet, measure ReReferral, Gloucestershire,
LA 916): 30.0% for the year to 31 March 2020, rank 137 of the 148 councils with a figure
(quartile band D); the 2021-model neighbours' mean that year 22.489 -> 22.5 (9 of 10
published); the council's published figures for the years to 31 March 2021-2025: 30.2, 24.5,
27.2, 21.5, 22.4.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest

from kpis.reporting import build

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("published")
    os.environ["MPLBACKEND"] = "Agg"
    args = argparse.Namespace(raw=ROOT / "data" / "raw", processed=tmp / "processed",
                              out=tmp / "reports", notebooks=ROOT / "notebooks", parameter=[],
                              only=["domain-repeat", "reconciliation"], jobs=2,
                              no_synthetic=True)
    assert build.run(args) == 0
    return {p.stem: p.read_text(encoding="utf-8") for p in (tmp / "reports").glob("*.html")}


@pytest.mark.slow
def test_domain_page_compares_with_the_neighbours_and_continues_with_published_years(
        pages: dict[str, str]) -> None:
    page = pages["domain-repeat-work"]
    assert "<h2>Against the neighbours: published figures</h2>" in page or \
        "Against the neighbours: published figures" in page
    assert "Repeat Work: the council against its neighbours, 2016 to 2025" in page
    # the 2020 row of the re-referrals table: council, rank of n, band
    assert re.search(r"<td>2020</td><td>30</td><td>137 of 148</td><td>D</td>", page)
    # after the scorecard: June 2020's 32%, then the published years, marked as published
    assert "After the scorecard: published figures to 2025" in page
    for year, value in zip(range(2021, 2026), ["30.2", "24.5", "27.2", "21.5", "22.4"],
                           strict=True):
        assert f"published (year to 31 March {year})" in page
        assert f"<td>{value}</td>" in page
    assert "published by DfE" in page and "Open Government Licence v3.0" in page
    # the scorecard table's benchmark column, filled and named
    assert "22.5% (statistical neighbours 2021 mean, 2019-20)" in page
    # every chart is an accessible figure with alt text and its data
    imgs = re.findall(r"<img [^>]*>", page)
    assert len(imgs) == page.count('<figure class="kpis-figure">')
    assert page.count("Data behind this chart") == len(imgs)


@pytest.mark.slow
def test_reconciliation_page_is_in_the_report_set(pages: dict[str, str]) -> None:
    page = pages["reconciliation"]
    assert "<title>Does the scorecard agree with the official statistics?</title>" in page
    # Appendix 1's 66% ICPCs in 15 working days (March 2017) beside DfE's 40.3% for 2016-17
    assert "<td>66</td><td>2017</td><td>2017-03-31</td><td>40.3</td><td>25.7</td>" in page
    assert "The council against its neighbours, 2016 to 2025 (percentages)" in page
    assert "Data behind this chart" in page and 'alt="The council against its neighbours' \
        in page
    assert "reconciliation.html" in pages["index"]

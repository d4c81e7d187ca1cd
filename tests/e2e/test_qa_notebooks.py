"""The two issue-14 reports as the board gets them: a small synthetic council computed as
`kpis report` computes it (kpis.records.batch, audit indicators included), both notebooks
executed with papermill and exported by kpis' own exporter: charts (kpis-figure) with alt text
written from the data and captions, the published audit figures beside the computed ones, small
numbers as c, and no child or worker identifiers. The full `kpis report` path (reports.yml,
records_dir filled in by the build) is checked by hand in the issue's report; it takes minutes."""

from __future__ import annotations

import re
from pathlib import Path

import papermill
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(council folder, computed series CSV, scorecard CSV)."""
    from kpis import files
    from kpis.records import batch
    from kpis.scorecard import clean
    from kpis.synth.generate import generate

    tmp = tmp_path_factory.mktemp("qa")
    out = tmp / "council"
    generate(out, seed=9, scale=0.3, start="2017-04-01", end="2021-03-31", annex_format="csv")
    computed = tmp / "computed.csv"
    files.write_csv(batch.compute_dir(out, start="2017-04", levels=("council", "team"),
                                      jobs=1).figures, computed)
    clean.clean(ROOT / "data" / "raw", tmp / "processed")
    return out, computed, tmp / "processed" / "scorecard.csv"


def _html(nb_name: str, tmp: Path, **params: object) -> str:
    from kpis.reporting.html import export_html

    out = tmp / f"{nb_name}.ipynb"
    papermill.execute_notebook(str(ROOT / "notebooks" / f"{nb_name}.ipynb"), str(out),
                               parameters=params, cwd=str(ROOT / "notebooks"),
                               kernel_name="python3", progress_bar=False)
    export_html(out, tmp / f"{nb_name}.html", nb_name)
    return (tmp / f"{nb_name}.html").read_text(encoding="utf-8")


def _no_ids(html: str) -> None:
    assert not re.search(r"\bSW1\d{4}\b", html), "worker id in HTML"
    assert not re.search(r"\bC1\d{6}\b", html), "child id in HTML"


def _figures(html: str) -> list[str]:
    """Alt text of every chart."""
    return re.findall(r'<figure class="kpis-figure">.*?<img[^>]*? alt="([^"]+)"', html,
                      flags=re.S)


@pytest.mark.slow
def test_computed_series_has_audit_indicators(council: tuple[Path, Path, Path]) -> None:
    import pandas as pd

    df = pd.read_csv(council[1], dtype=str, keep_default_na=False)
    aud = df[df["indicator_id"] == "audits_per_month"]
    assert set(aud["level"]) == {"council", "team"}
    june = aud[(aud["level"] == "council") & (aud["period"] == "2020-06")
               & (aud["breakdown"] == "")]
    # the generator's quota for June 2020 (54 at full size) scaled to 0.3 of the council
    assert len(june) == 1 and 10 <= float(june["value"].iloc[0]) <= 25


@pytest.mark.slow
def test_quality_assurance_report(council: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, computed, scorecard = council
    html = _html("quality_assurance", tmp_path, computed_path=str(computed),
                 scorecard_path=str(scorecard), raw_dir=str(ROOT / "data" / "raw"))
    alts = _figures(html)
    assert len(alts) == 3 and all(len(a) > 60 for a in alts)
    assert "peaking at" in alts[0] and "% good or better" in alts[1] and "% of teams" in alts[2]
    assert html.count("<figcaption>") == 3 and html.count("Data behind this chart") == 3
    # the prose's figures beside the computed ones
    assert "narrative_figures.csv NF08" in html and "mean of 2019-12, 2020-01, 2020-02" in html
    # the published figures, from the narrative figures file, not written into the code
    assert ("the published figures (25 in October 2018; 58 in February 2020; 54 in June 2020)"
            in html)
    assert ">c<" in html  # small numbers suppressed (teams with few moderated audits)
    assert "Traceback" not in html
    _no_ids(html)


@pytest.mark.slow
def test_disproportionality_report_council_and_team(council: tuple[Path, Path, Path],
                                                    tmp_path: Path) -> None:
    records = str(council[0])
    html = _html("disproportionality", tmp_path, records_dir=records,
                 external_dir=str(ROOT / "data" / "external"))
    alts = _figures(html)
    assert len(alts) == 5  # 2 relative-rate charts, 3 share charts
    assert "reference group White at 1" in alts[0]
    assert "does not control for deprivation" in html
    assert "Open Government Licence" in html
    _no_ids(html)
    team = _html("disproportionality", tmp_path, records_dir=records,
                 external_dir=str(ROOT / "data" / "external"), team="Children in Care 1")
    assert "team Children in Care 1" in team
    assert len(_figures(team)) == 4  # no population rates for a team
    _no_ids(team)

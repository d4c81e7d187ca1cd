"""`kpis report`: parameter checks, offline HTML, and a full build into a temporary folder."""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kpis import catalogue
from kpis.errors import InputError
from kpis.reporting import build as report
from kpis.reporting import html, outputs, plan

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "scorecard_small.csv"
CHILD_ID = re.compile(r"\bC\d{4,}\b")


def test_plan_covers_every_domain_and_deep_dive() -> None:
    jobs = plan.plan(NOTEBOOKS, [], [])
    names = [j.name for j in jobs]
    assert names[0] == "overview"
    for slug in catalogue.domains()["slug"]:
        assert f"domain-{slug}" in names
    assert names[-4:] == ["repeat_work", "stability", "workforce", "child_level"]
    assert [j.notebook.stem for j in jobs[-4:]] == ["deep_dive"] * 3 + ["child_level"]


def test_unknown_parameter_fails_clearly() -> None:
    with pytest.raises(InputError, match="unknown parameter 'latest_perod'"):
        plan.plan(NOTEBOOKS, [("latest_perod", "2020-06")], [])


def test_override_passed_to_notebooks_that_have_it() -> None:
    jobs = plan.plan(NOTEBOOKS, [("latest_period", "2021-09"), ("computed_path", "x.csv")],
                       ["overview", "workforce"])
    by = {j.name: j.parameters for j in jobs}
    assert by["overview"] == {"latest_period": "2021-09"}
    fixed = {r["name"]: r.get("parameters", {}) for r in plan.report_set()}["workforce"]
    assert by["workforce"] == {**fixed, "latest_period": "2021-09", "computed_path": "x.csv"}


def test_offline_html_strips_cdn_scripts() -> None:
    page = ('<script src="https://cdn.x/require.js"></script><script>var a=1;</script>'
            '<script type="module">import("https://cdnjs.x/mermaid.mjs")</script>')
    out = html.offline_html(page)
    assert "https://" not in out and "var a=1" in out


def test_needs_clean(tmp_path: Path) -> None:
    raw, proc = tmp_path / "raw", tmp_path / "proc"
    raw.mkdir()
    proc.mkdir()
    assert outputs.declared(raw, proc)["scorecard"].stale()
    shutil.copy(FIXTURE, proc / "scorecard.csv")
    assert not outputs.declared(raw, proc)["scorecard"].stale()


def _computed(path: Path) -> Path:
    """A tiny computed series: council and team rows, and a worker row that must not show."""
    rows = []
    for i, month in enumerate(pd.period_range("2019-07", "2020-06", freq="M").astype(str)):
        for level, unit_name, value in [("council", "Synthetic Council", 25 + i / 2),
                                        ("team", "Team North", 20 + i), ("team", "Team South", 30),
                                        ("worker", "Worker Jane Secretname", 50)]:
            rows.append({"indicator_id": "re_referrals", "domain": "Repeat Work",
                         "indicator": "Re-referrals", "breakdown": "", "kind": "actual",
                         "comparator": "", "period": month, "value": value, "unit": "percent",
                         "note": "", "source": "kpis compute", "flag": "",
                         "council": "Synthetic Council", "level": level, "org_unit": unit_name,
                         "numerator": value, "denominator": 100.0})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    base = tmp_path_factory.mktemp("build")
    raw, proc, out = base / "raw", base / "processed", base / "reports"
    raw.mkdir()
    proc.mkdir()
    shutil.copy(FIXTURE, proc / "scorecard.csv")
    computed = _computed(base / "computed.csv")
    args = argparse.Namespace(raw=raw, processed=proc, out=out, notebooks=NOTEBOOKS,
                              parameter=[["computed_path", str(computed)]], only=[], jobs=2,
                              no_synthetic=True)
    code = report.run(args)
    return out, code


@pytest.mark.slow
def test_full_build(built: tuple[Path, int]) -> None:
    out, code = built
    assert code == 0
    pages = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.html")}
    assert "index.html" in pages and "overview.html" in pages
    for name, text in pages.items():
        assert "Traceback" not in text, name
        assert not re.search(r"<script[^>]+src=[\"']https?://", text), name
        assert not CHILD_ID.search(text), name
        assert "Secretname" not in text, name
        assert not list(out.glob(".*.tmp")), "half-written file left behind"
    # every Appendix 1 domain has its own report and appears in the overview
    for _, d in catalogue.domains().query("in_appendix").iterrows():
        page = pages[f"domain-{d['slug']}.html"]
        assert d["domain"].replace("&", "&amp;") in page or d["domain"] in page
        assert d["domain"] in pages["overview.html"]
    # index links resolve
    links = re.findall(r'href="([^"]+)"', pages["index.html"])
    assert links and all((out / link).exists() for link in links)
    assert len(list(out.glob("*.ipynb"))) == len(pages) - 1
    # findings generated from the data
    assert "24% in March 2017 → 32% in June 2020" in pages["repeat_work.html"]
    assert "No computed monthly series" not in pages["repeat_work.html"]
    assert "44% in September 2021" in pages["workforce.html"]
    # the child-level report sets the computed June 2020 figure (25 + 11/2 = 30.5) beside
    # Appendix 1's 32%
    assert "1 indicator was computed from the child-level records of Synthetic Council for " \
        "2020-06" in pages["child_level.html"]
    assert "30.5" in pages["child_level.html"] and "32.0" in pages["child_level.html"]
    assert "data:image/png;base64" in pages["overview.html"]


@pytest.mark.slow
def test_failed_notebook_is_named_and_others_build(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    raw, proc, out = tmp_path / "raw", tmp_path / "processed", tmp_path / "reports"
    raw.mkdir()
    proc.mkdir()
    shutil.copy(FIXTURE, proc / "scorecard.csv")
    args = argparse.Namespace(raw=raw, processed=proc, out=out, notebooks=NOTEBOOKS,
                              parameter=[["latest_period", "2020-06"]],
                              only=["overview", "domain-repeat"], jobs=2, no_synthetic=True)
    # break the overview only: a comparator that is not a string makes distance_table fail
    args.parameter.append(["comparator", "x"])
    (proc / "scorecard.csv").write_text(FIXTURE.read_text())
    code = report.run(args)
    assert code == 0  # an unknown comparator is not an error: no headline benchmark
    bad = tmp_path / "nb"
    shutil.copytree(NOTEBOOKS, bad)
    text = (bad / "overview.ipynb").read_text().replace(
        "findings.overview_findings(dist)", "findings.no_such_function(dist)")
    (bad / "overview.ipynb").write_text(text)
    args.notebooks = bad
    code = report.run(args)
    err = capsys.readouterr().err
    assert code == 1 and "overview" in err
    index = (out / "index.html").read_text()
    assert "FAILED" in index
    assert (out / "domain-repeat-work.html").exists()

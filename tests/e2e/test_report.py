"""`kpis report`: parameter checks, offline HTML, and a full build into a temporary folder."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
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
    assert names[-7:] == ["repeat_work", "stability", "workforce", "child_level",
                          "reconciliation", "quality_assurance", "disproportionality"]
    assert [j.notebook.stem for j in jobs[-7:-3]] == ["deep_dive"] * 3 + ["child_level"]
    # team packs are planned from a council's workforce file (kpis report --council) only
    assert not [n for n in names if n.startswith("team-")]


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
    """The report set built the way the README says (`python3 dev.py report ...`), with the
    parent environment's MPLBACKEND=Agg that once left every report without its charts."""
    base = tmp_path_factory.mktemp("build")
    raw, proc, out = base / "raw", base / "processed", base / "reports"
    raw.mkdir()
    proc.mkdir()
    shutil.copy(FIXTURE, proc / "scorecard.csv")
    shutil.copy(ROOT / "data" / "raw" / "scorecard.yml", raw)  # its words and periods
    computed = _computed(base / "computed.csv")
    cmd = [sys.executable, str(ROOT / "dev.py"), "report", "--raw", str(raw), "--processed",
           str(proc), "--out", str(out), "--no-synthetic", "-p", "computed_path", str(computed)]
    done = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "MPLBACKEND": "Agg"},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return out, done.returncode


def _expected_charts(name: str, dist: pd.DataFrame) -> int:
    """Charts a page must have, from the data: one baseline-to-latest chart per unit among the
    lines with a latest figure; the overview's direction chart; for the repeat-work dive, the
    computed re-referrals trend and its team chart."""
    def units(rows: pd.DataFrame) -> int:
        return rows.dropna(subset=["latest"])["unit"].nunique()

    if name == "overview":
        return 1
    if name.startswith("domain-"):
        slug = name.removeprefix("domain-")
        dom = catalogue.domains().set_index("slug").loc[slug, "domain"]
        return units(dist[dist["domain"].eq(dom)])
    if name == "repeat_work":
        ids = ["re_referrals", "repeat_cp_all", "repeat_cp", "returns_to_care"]
        return units(dist[dist["indicator_id"].isin(ids)]) + 2
    return 0


@pytest.mark.slow
def test_readme_build_has_every_chart_with_alt_text_and_data(built: tuple[Path, int]) -> None:
    from kpis.scorecard import distance, tidy

    out, _ = built
    dist = distance.distance_table(tidy.read_scorecard(FIXTURE))
    for page in sorted(out.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert "Figure size" not in text, f"{page.name}: a chart printed as text"
        assert 'data-mime-type="application/vnd.jupyter.stderr"' not in text, \
            f"{page.name}: a warning printed on the page"
        assert "No description has been provided" not in text, page.name
        imgs = re.findall(r"<img [^>]*>", text)
        alts = [re.search(r'alt="([^"]*)"', i) for i in imgs]
        assert all(a and len(a[1]) > 20 for a in alts), f"{page.name}: an image without alt"
        assert len(imgs) == text.count('<figure class="kpis-figure">'), page.name
        assert text.count("Data behind this chart") == len(imgs), page.name
        want = _expected_charts(page.stem, dist)
        assert len(imgs) >= want, f"{page.name}: {len(imgs)} charts, expected {want}"
        if want:
            assert len(imgs) >= 1
    # the alt text says what the chart shows: the computed series runs from 25% in July 2019
    # to 30.5% in June 2020 (25 + 11/2); in June 2020 Team North is 31 of 100 and Team South
    # 30 of 100, both well within the 95% funnel limits around 30.5% (30.5 +/- 1.96 x
    # sqrt(0.305 x 0.695 / 100) = 30.5 +/- 9.0 points), so neither is named or ranked
    rw = (out / "repeat_work.html").read_text(encoding="utf-8")
    assert "Re-referrals, monthly July 2019 to June 2020: from 25% to 30.5%" in rw
    assert ("Re-referrals by team, June 2020 (funnel plot): council rate 30.5%; 2 teams drawn; "
            "all within the 95% limits, not ranked") in rw


@pytest.mark.slow
def test_every_page_has_its_own_title_and_h1(built: tuple[Path, int]) -> None:
    out, _ = built
    titles, h1s = {}, {}
    for page in out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        titles[page.name] = re.findall(r"<title>(.*?)</title>", text, re.S)
        h1s[page.name] = re.findall(r"<h1[^>]*>(.*?)</h1>", text, re.S)
    assert all(len(t) == 1 for t in titles.values()), titles
    assert all(len(h) == 1 for h in h1s.values()), h1s
    assert len({t[0] for t in titles.values()}) == len(titles)
    assert len({re.sub("<[^>]+>", "", h[0]) for h in h1s.values()}) == len(h1s)
    assert titles["child_level.html"] == [
        "Child-level records: computed indicators against Appendix 1"]


@pytest.mark.slow
def test_front_page_opens_with_what_changed(built: tuple[Path, int]) -> None:
    out, _ = built
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.index("What changed") < index.index("Domains") < index.index("Other reports")
    assert "Git revision" not in index and "Git revision" in (out / "build.html").read_text()
    assert (out / "accessibility.html").exists() and 'href="accessibility.html"' in index


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
    assert len(list(out.glob("*.ipynb"))) == len(pages) - 3  # index, build, accessibility
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
    with pytest.raises(InputError, match="no benchmark has comparator 'x'"):
        report.run(args)  # a comparator no benchmark has is a typo, not 'no benchmark'
    args.parameter.pop()
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
    assert "1 report(s) failed to build: overview" in index
    assert (out / "domain-repeat-work.html").exists()


@pytest.mark.parametrize(("name", "value", "words"), [
    ("latest_period", "banana", "'banana' is not a month written YYYY-MM"),
    ("latest_period", "2020-6", "'2020-6' is not a month written YYYY-MM"),
    ("latest_period", "2019-11", "the scorecard has no figures for '2019-11'"),
    ("computed_path", "/no/such.csv", "'/no/such.csv' is not a file"),
])
def test_bad_parameter_exits_2_before_any_notebook(tmp_path: Path, name: str, value: str,
                                                   words: str) -> None:
    raw, proc, out = tmp_path / "raw", tmp_path / "processed", tmp_path / "reports"
    raw.mkdir()
    proc.mkdir()
    shutil.copy(FIXTURE, proc / "scorecard.csv")
    done = subprocess.run(
        [sys.executable, "-m", "kpis.cli", "report", "--raw", str(raw), "--processed",
         str(proc), "--out", str(out), "--no-synthetic", "-p", name, value],
        cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and words in lines[0], done.stderr
    assert "Traceback" not in done.stderr and "start" not in done.stdout
    assert not out.exists()  # nothing was built


@pytest.mark.slow
def test_built_reports_have_no_serious_accessibility_violation(built: tuple[Path, int]) -> None:
    """axe-core (WCAG 2.0-2.2 A and AA) on every page of the README build: skipped, with the
    reason, where Chromium, node or npm is missing (the checker then exits 2)."""
    out, _ = built
    done = subprocess.run([sys.executable, str(ROOT / "checks" / "accessibility.py"), str(out)],
                          capture_output=True, text=True, timeout=900)
    if done.returncode == 2:
        pytest.skip(done.stderr.strip() or done.stdout.strip())
    assert done.returncode == 0, done.stdout[-3000:]
    assert "OK:" in done.stdout

"""`kpis report --council FILE`: a council that is not the default one, given only its extracts
and a two-line config, gets its own report set (issue 10's check, as a user runs it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kpis.reporting.plan import slug
from kpis.synth import generate

ROOT = Path(__file__).resolve().parents[2]
CHILD_ID = re.compile(r"\bC\d{4,}\b")  # the generator's child ids (C1000001...)
WORKER_ID = re.compile(r"\bSW\d{4,}\b")  # and its worker ids


def _kpis(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "kpis.cli", *args], cwd=cwd, env=env,
                          text=True, capture_output=True, timeout=1800)


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated council's extracts with its synthetic marking removed (nothing else
    renamed) and a two-line config beside them."""
    home = tmp_path_factory.mktemp("westmarsh")
    records = home / "extracts"
    generate.generate(records, seed=11, annex_format="csv")
    (records / generate.MARK).unlink()
    assert not [p for p in records.rglob("*") if "synthetic" in p.name.lower()]
    (home / "council.yml").write_text("name: Westmarsh\nrecords: extracts\n", encoding="utf-8")
    return home


@pytest.fixture(scope="module")
def built(council: Path) -> tuple[subprocess.CompletedProcess, Path]:
    done = _kpis("report", "--council", "council.yml", "--notebooks", str(ROOT / "notebooks"),
                 "--out", "reports", "--processed", "processed", cwd=council)
    return done, council / "reports"


def test_two_line_config_builds_the_council(built: tuple) -> None:
    done, out = built
    assert done.returncode == 0, done.stderr[-2000:]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Westmarsh" in index
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search("gloucestershire|synthetic", text, re.I), page.name
    for page in ("overview.html", "child_level.html", "workforce.html"):
        assert "Westmarsh" in (out / page).read_text(encoding="utf-8"), page


def test_a_page_for_every_team_named_after_it(built: tuple, council: Path) -> None:
    _, out = built
    workers = pd.read_csv(council / "extracts" / "workforce" / "workers.csv", dtype=str)
    teams = sorted(workers["team"].dropna().unique())
    assert len(teams) == 15
    for team in teams:
        page = out / f"team-{slug(team)}.html"
        assert page.exists(), team
        assert f"Team: {team}" in page.read_text(encoding="utf-8")
    assert f'href="team-{slug(teams[0])}.html"' in (out / "index.html").read_text()


def test_board_pages_hold_no_child_or_worker_identifier(built: tuple) -> None:
    _, out = built
    pages = list(out.glob("*.html"))
    assert len(pages) > 20
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not CHILD_ID.search(text), page.name
        assert not WORKER_ID.search(text), page.name
    assert not (out / "managers").exists()  # the board audience only, by default


def test_only_domains_with_figures(built: tuple) -> None:
    _, out = built
    domains = sorted(p.stem for p in out.glob("domain-*.html"))
    # the engine computes lines of every domain but Proceedings (court work needs a court
    # tracker, not the records: data/catalogue/coverage.csv), so 12 of the 13 are built
    assert domains == ["domain-assessment", "domain-decision-making", "domain-demand",
                       "domain-education", "domain-health", "domain-missing",
                       "domain-placements", "domain-quality-assurance", "domain-repeat-work",
                       "domain-seeing-children", "domain-stability", "domain-workforce"]


def test_no_la_code_no_other_councils_figures(built: tuple) -> None:
    """A config without `la_code`: no page compares the council with published figures (those
    would be another council's), the pages say why, and what needs no LA code is still built."""
    _, out = built
    domain = (out / "domain-repeat-work.html").read_text(encoding="utf-8")
    assert "No published comparison: the council&#x27;s LA code is not set" in domain or \
        "No published comparison: the council's LA code is not set" in domain
    assert "Against the neighbours" not in domain
    assert not (out / "reconciliation.html").exists()  # reports.yml: needs [la_code]
    dis = (out / "disproportionality.html").read_text(encoding="utf-8")
    assert "No rates per 10,000 children" in dis
    for page in ("disproportionality.html", "quality_assurance.html"):  # records found
        assert "No council records" not in (out / page).read_text(encoding="utf-8"), page


def test_computed_scorecard_layouts(built: tuple, council: Path) -> None:
    proc = council / "processed"
    tidy = pd.read_csv(proc / "scorecard.csv", dtype=str, keep_default_na=False)
    # the extract ends 2021-03-31: latest = March 2021, baseline and year before = March 2020
    assert sorted(tidy["period"].unique()) == ["2020-03", "2021-03"]
    computed = pd.read_csv(proc / "computed.csv", dtype=str, keep_default_na=False)
    c = computed[computed["level"].eq("council") & computed["indicator_id"].eq("re_referrals")
                 & computed["breakdown"].eq("") & computed["period"].eq("2021-03")].iloc[0]
    row = tidy[tidy["indicator_id"].eq("re_referrals") & tidy["breakdown"].eq("")
               & tidy["period"].eq("2021-03")].iloc[0]
    assert float(row["value"]) == pytest.approx(
        100 * float(c["numerator"]) / float(c["denominator"]))
    wide = pd.read_csv(proc / "scorecard_appendix1.csv", dtype=str, keep_default_na=False)
    assert list(wide.columns) == ["domain", "indicator", "breakdown", "Mar-20", "Mar-21",
                                  "Target"]


def test_managers_audience_is_apart_and_marked(built: tuple, council: Path) -> None:
    done = _kpis("report", "--council", "council.yml", "--notebooks", str(ROOT / "notebooks"),
                 "--out", "reports-m", "--processed", "processed", "--audience", "managers",
                 "--only", "team-assessment-1", cwd=council)
    assert done.returncode == 0, done.stderr[-2000:]
    out = council / "reports-m"
    page = (out / "managers" / "team-assessment-1.html").read_text(encoding="utf-8")
    assert "OFFICIAL-SENSITIVE" in page
    assert "OFFICIAL-SENSITIVE" in (out / "managers" / "index.html").read_text()
    overdue = pd.read_csv(council / "processed" / "exceptions.csv", dtype=str)
    first = overdue[overdue["team"].eq("Assessment 1")]["case_id"].iloc[0]
    assert first in page and WORKER_ID.search(page)
    board = (out / "team-assessment-1.html").read_text(encoding="utf-8")
    assert not CHILD_ID.search(board) and not WORKER_ID.search(board)

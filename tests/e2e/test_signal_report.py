"""Signal from noise on the built board pages (issue 12): `kpis report --only repeat_work
--only child_level` with the synthetic council, into a temporary folder.

What "no small count unsuppressed" means here, precisely. The *computed sections* of a page are
its "Monthly trend(s) and teams" section (from that h2 to the next h2) and, on the child-level
page, the "Computed against published" section. In every HTML table there (the data tables in
<details> behind each chart, the team tables, the computed-against-published table):

1. a **count cell** is a cell of a column headed "Numerator" or "Denominator", or of a column
   headed "Children" (written "r of n"); no count cell holds a number x with 0 < x <= 5;
2. every such table that shows a rate also shows its counts (so rule 1 covers the rates), and
   in a row whose counts are `c`, every figure (rate, value, interval, position) is `c` too;
3. no alt text writes "r of n" with r or n from 1 to 5;
4. the data have small numbers, so `c` appears (the checks are not vacuous), and rows with
   counts above 5 are still shown.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from kpis.stats.spc import IN_MONTH, STOCK, WINDOWS

ROOT = Path(__file__).resolve().parents[2]
REPEAT_IDS = ["re_referrals", "repeat_cp_all", "repeat_cp", "returns_to_care"]
COUNT_HEADERS = {"Numerator", "Denominator"}
FIGURE_HEADERS = {"Value", "Rate", "per cent (%)", "Computed", "Computed (%)", "Difference",
                  "Wilson 95% interval", "Against the funnel limits", "Small numbers"}
SMALL_OF = re.compile(r"\b(\d+) of (\d+)\b")


class _Tables(HTMLParser):
    """Every <table>: its caption, header cells and rows of cell text; every <img> alt."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.alts: list[str] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "img":
            self.alts.append(a.get("alt") or "")
        elif tag == "table":
            self.tables.append({"caption": "", "head": [], "rows": []})
        elif tag == "caption" and self.tables:
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = "".join(self._caption).strip()
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)


def _parse(fragment: str) -> _Tables:
    p = _Tables()
    p.feed(fragment)
    for t in p.tables:
        rows = [r for r in t["rows"] if r]
        t["head"], t["rows"] = (rows[0], rows[1:]) if rows else ([], [])
    return p


def _section(page: str, start: str) -> str:
    """The HTML from the h2 whose text starts with `start` to the next h2."""
    m = re.search(r"<h2[^>]*>\s*" + re.escape(start), page)
    assert m, f"no section {start!r}"
    end = page.find("<h2", m.end())
    return page[m.start(): end if end > 0 else len(page)]


def _number(cell: str) -> float | None:
    try:
        return float(cell.replace(",", ""))
    except ValueError:
        return None


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two pages built as a council would (synthetic council computed on the way)."""
    base = tmp_path_factory.mktemp("signal")
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "kpis.cli", "report", "--raw", str(ROOT / "data" / "raw"),
           "--processed", str(base / "processed"), "--out", str(base / "reports"),
           "--only", "repeat_work", "--only", "child_level"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return base


def _sections(base: Path) -> dict[str, str]:
    rep = (base / "reports" / "repeat_work.html").read_text(encoding="utf-8")
    child = (base / "reports" / "child_level.html").read_text(encoding="utf-8")
    return {"repeat_work": _section(rep, "Monthly trend and teams"),
            "child_level trends": _section(child, "Monthly trends and teams"),
            "child_level published": _section(child, "Computed against published")}


@pytest.mark.slow
def test_no_count_from_1_to_5_unsuppressed_in_computed_tables(built: Path) -> None:
    hidden = shown = 0
    for where, html in _sections(built).items():
        parsed = _parse(html)
        assert parsed.tables, where
        for t in parsed.tables:
            head = t["head"]
            counts = [i for i, h in enumerate(head) if h in COUNT_HEADERS]
            children = [i for i, h in enumerate(head) if h == "Children"]
            figures = [i for i, h in enumerate(head) if h in FIGURE_HEADERS]
            assert counts or children, f"{where}: table {t['caption']!r} has no counts"
            for row in t["rows"]:
                for i in counts:
                    x = _number(row[i])
                    assert row[i] == "c" or x is not None or row[i] == "", (where, row)
                    assert x is None or not 0 < x <= 5, (where, t["caption"], row)
                for i in children:
                    m = SMALL_OF.fullmatch(row[i])
                    if m:
                        r, n = int(m[1]), int(m[2])
                        assert not 0 < r <= 5 and not 0 < n <= 5, (where, t["caption"], row)
                    else:
                        assert row[i] == "c", (where, row)
                if any(row[i] == "c" for i in counts + children):
                    hidden += 1
                    assert all(row[i] == "c" for i in figures), (where, t["caption"], row)
                else:
                    shown += 1
        for alt in parsed.alts:
            for r, n in SMALL_OF.findall(alt):
                assert not 0 < int(r) <= 5 and not 0 < int(n) <= 5, (where, alt)
    assert hidden >= 10 and shown >= 100, (hidden, shown)


@pytest.mark.slow
def test_spc_charts_and_funnel_plots_with_alt_text(built: Path) -> None:
    computed = pd.read_csv(built / "processed" / "computed_synthetic.csv", dtype=str,
                           keep_default_na=False)
    council = computed[computed["level"].eq("council") & computed["indicator_id"].isin(REPEAT_IDS)]
    pairs = council[["indicator_id", "breakdown", "indicator"]].drop_duplicates()
    spc_series = [r for _, r in pairs.iterrows()
                  if WINDOWS.get((r["indicator_id"], r["breakdown"])) in (IN_MONTH, STOCK)]
    # repeat_cp (in month), repeat_cp_all (stock), returns_to_care (single month)
    assert len(spc_series) == 3
    html = _sections(built)["repeat_work"]
    figures = re.findall(r'<figure class="kpis-figure">.*?</figure>', html, flags=re.S)
    titles = [re.search(r"<h3[^>]*>(.*?)</h3>", f).group(1) for f in figures]
    alts = [re.search(r'alt="([^"]*)"', f).group(1) for f in figures]
    xmr = [(t, a) for t, a in zip(titles, alts, strict=True) if "XmR chart" in t]
    funnels = [(t, a) for t, a in zip(titles, alts, strict=True) if "(funnel plot)" in t]
    assert len(xmr) == 3 and len(funnels) == 4, titles
    for r in spc_series:
        label = r["indicator"] + (f" ({r['breakdown']})" if r["breakdown"] else "")
        t, a = next(x for x in xmr if x[0].startswith(label + ": XmR chart"))
        assert a.startswith(label + ", monthly ") and "around a centre of" in a
        assert "Latest, " in a
    for _, a in funnels:
        assert "(funnel plot): council rate" in a and "not ranked" in a
    # no SPC on a rolling series: re-referrals (rolling 12 months) stays a line
    assert not any(t.startswith("Re-referrals") for t, _ in xmr)
    assert any(t.startswith("Re-referrals: monthly") for t in titles)
    assert "Making Data Count rules" in html and "team order (not ranked)" in html


@pytest.mark.slow
def test_managers_build_turns_suppression_off(built: Path, tmp_path: Path) -> None:
    """`-p suppress false` (an internal audience): the same figures, small ones shown, and the
    page says it must not be shared."""
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "kpis.cli", "report", "--raw", str(ROOT / "data" / "raw"),
           "--processed", str(built / "processed"), "--out", str(tmp_path / "internal"),
           "--only", "repeat_work", "--no-synthetic", "-p", "computed_path",
           str(built / "processed" / "computed_synthetic.csv"), "-p", "suppress", "false"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    page = (tmp_path / "internal" / "repeat_work.html").read_text(encoding="utf-8")
    html = _section(page, "Monthly trend and teams")
    cells = [c for t in _parse(html).tables for r in t["rows"] for c in r]
    assert "c" not in cells
    assert any(re.fullmatch(r"[1-5] of \d+", c) for c in cells)
    assert "must not be shared" in html

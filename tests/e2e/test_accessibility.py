"""checks/accessibility.py as a user runs it: axe-core in the system Chromium on a folder of pages.

The pages here are written by hand with known faults, so the rules axe must name are known:
an <img> with no alt (image-alt, critical), a text input with no label (label, critical) and no
lang on <html> (html-has-lang, serious). The clean page fixes exactly those. Tests that need the
browser are skipped, with the reason, when Chromium, node or npm is absent or the pinned npm
packages cannot be installed.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "checks" / "accessibility.py"

# A 1x1 PNG, inline like the reports' charts.
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
    "60e6kgAAAABJRU5ErkJggg=="
)

BAD = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Re-referrals</title></head>
<body><main><h1>Re-referrals</h1>
<img src="{PIXEL}">
<form><input type="text" name="period"></form>
<img src="https://example.invalid/tracker.png" alt="remote image">
</main></body></html>
"""

CLEAN = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Re-referrals</title></head>
<body><main><h1>Re-referrals</h1>
<img src="{PIXEL}" alt="Re-referrals, monthly: from 24% to 32%, above the 24% target">
<form><label for="period">Period</label><input id="period" type="text" name="period"></form>
<table><caption>Re-referrals by month</caption>
<thead><tr><th scope="col">Month</th><th scope="col">Rate</th></tr></thead>
<tbody><tr><td>March 2021</td><td>32%</td></tr></tbody></table>
</main></body></html>
"""


def _load_check():
    spec = importlib.util.spec_from_file_location("accessibility_check", CHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_check(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHECK), *map(str, args)],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def browser_ready() -> None:
    """Skip unless Chromium, node and npm are here and the pinned npm packages are installed."""
    check = _load_check()
    try:
        check.find_chromium()
        _node, npm = check.find_node()
        check.ensure_node_modules(npm)
    except check.Unavailable as exc:
        pytest.skip(f"accessibility check cannot run here: {exc}")


def write_page(folder: Path, name: str, html: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / name
    page.write_text(html, encoding="utf-8")
    return page


def test_page_with_known_faults_fails_and_names_the_rules(browser_ready, tmp_path):
    write_page(tmp_path / "site", "bad.html", BAD)
    out = tmp_path / "out" / "axe.json"
    proc = run_check(tmp_path / "site", "--json", out)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "bad.html: 3 violation(s)"
    assert any(ln.startswith("  image-alt [critical] 1 node(s): Images must have alternative text")
               for ln in lines), proc.stdout
    assert any(ln.startswith("  label [critical] 1 node(s):") and ln.endswith("| first: input")
               for ln in lines), proc.stdout
    assert any(ln.startswith("  html-has-lang [serious] 1 node(s):") for ln in lines), proc.stdout
    # The remote image was refused, not fetched.
    assert "  (blocked 1 network request(s), first: https://example.invalid/tracker.png)" in lines
    assert lines[-1].startswith("FAIL: axe-core ")
    assert lines[-1].endswith("violations 2 critical, 1 serious; "
                              "1 page(s) with serious or critical violations")
    # --json holds the full results: every failing element, not only the first.
    result = json.loads(out.read_text(encoding="utf-8"))
    (page,) = result["pages"]
    assert sorted(v["id"] for v in page["violations"]) == ["html-has-lang", "image-alt", "label"]
    image_alt = next(v for v in page["violations"] if v["id"] == "image-alt")
    assert [n["html"][:9] for n in image_alt["nodes"]] == ["<img src="]
    assert "wcag22aa" in result["tags"]
    assert not list(out.parent.glob(".axe.json.*")), "temporary file left behind"


def test_clean_page_passes(browser_ready, tmp_path):
    write_page(tmp_path, "clean.html", CLEAN)
    proc = run_check(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "clean.html: no violations"
    assert lines[-1].startswith("OK: axe-core ")
    assert "on 1 page(s): violations none; 0 page(s) with serious or critical" in lines[-1]


def test_relative_folder_as_the_readme_writes_it(browser_ready, tmp_path):
    # `python3 checks/accessibility.py reports/` from the project folder: the folder is taken
    # relative to where the command runs, not to the checker's own folder
    write_page(tmp_path / "reports", "clean.html", CLEAN)
    proc = subprocess.run([sys.executable, str(CHECK), "reports"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0] == "clean.html: no violations"


def test_every_page_in_the_folder_is_checked(browser_ready, tmp_path):
    write_page(tmp_path, "index.html", CLEAN)
    write_page(tmp_path / "domain", "repeat.html", BAD)
    proc = run_check(tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "domain/repeat.html: 3 violation(s)" in proc.stdout
    assert "index.html: no violations" in proc.stdout
    assert "on 2 page(s)" in proc.stdout.splitlines()[-1]


def test_missing_folder_is_bad_usage(tmp_path):
    proc = run_check(tmp_path / "reports")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip() == (f"error: folder {tmp_path / 'reports'} does not exist "
                                   "(build the reports first: kpis report)")


def test_folder_without_pages_is_bad_usage(tmp_path):
    (tmp_path / "notes.txt").write_text("not a page", encoding="utf-8")
    proc = run_check(tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: no *.html pages in {tmp_path}"


def test_missing_chromium_says_what_to_install(tmp_path):
    write_page(tmp_path, "clean.html", CLEAN)
    proc = run_check(tmp_path, "--chromium", tmp_path / "no-chromium")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        f"error: Chromium not found at {tmp_path / 'no-chromium'}: install Debian's chromium "
        "package (apt-get install chromium) or set KPIS_CHROMIUM to a Chromium executable"
    )


@pytest.mark.skipif(shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists(),
                    reason="Chromium not installed")
def test_missing_node_says_what_to_install(tmp_path):
    write_page(tmp_path, "clean.html", CLEAN)
    proc = subprocess.run([sys.executable, str(CHECK), str(tmp_path)], capture_output=True,
                          text=True, env={"PATH": str(tmp_path / "empty-bin")}, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("error: node and npm not found on PATH: install Node.js 18+ "
                                   "and npm (Debian: apt-get install nodejs npm)")

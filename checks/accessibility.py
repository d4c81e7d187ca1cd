#!/usr/bin/env python3
"""Check the HTML reports against WCAG 2.2 AA with axe-core in headless Chromium.

    python3 checks/accessibility.py [FOLDER] [--json FILE] [--best-practice] [--width PX]

Runs axe-core (rules tagged WCAG 2.0, 2.1 and 2.2, levels A and AA) on every ``*.html`` page under
FOLDER (default ``reports/``) and prints, per page, each violation: rule id, impact, number of
elements, help text and the first element's selector; then one summary line.

Exit status: 0 when no page has a serious or critical violation; 1 when one does, or a page could
not be checked; 2 on bad usage (folder missing, no pages) or when node, npm or Chromium is missing.

The browser is Debian's ``chromium`` package (``/usr/bin/chromium`` or ``$KPIS_CHROMIUM``), run by
puppeteer-core; nothing here downloads a browser. axe-core and puppeteer-core are pinned in
``checks/package-lock.json`` and installed into ``checks/node_modules`` on first use with
``npm ci --ignore-scripts``. Pages are loaded from ``file://`` and every network request is blocked.

Automated checks find roughly a third to a half of WCAG failures; see docs/accessibility.md for the
manual checks that go with this one.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

CHECKS = Path(__file__).resolve().parent
RUNNER = CHECKS / "axe_runner.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")
FAILING_IMPACTS = ("critical", "serious")
IMPACT_ORDER = ("critical", "serious", "moderate", "minor")
DEFAULT_CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")

INSTALL_NODE = "install Node.js 18+ and npm (Debian: apt-get install nodejs npm)"
INSTALL_CHROMIUM = (
    "install Debian's chromium package (apt-get install chromium) or set KPIS_CHROMIUM "
    "to a Chromium executable"
)


class Unavailable(Exception):
    """A tool the check needs is missing; the message says what to install."""


def find_chromium(explicit: str | None = None) -> str:
    """The Chromium executable: --chromium, else $KPIS_CHROMIUM, else Debian's paths, else PATH.

    A path the user names (option or variable) must work; there is no falling back past it.
    """
    named = explicit or os.environ.get("KPIS_CHROMIUM")
    if named:
        if Path(named).is_file() and os.access(named, os.X_OK):
            return named
        raise Unavailable(f"Chromium not found at {named}: {INSTALL_CHROMIUM}")
    for cand in DEFAULT_CHROMIUM:
        if Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise Unavailable(f"Chromium not found (looked for /usr/bin/chromium): {INSTALL_CHROMIUM}")


def find_node() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        missing = " and ".join(n for n, p in (("node", node), ("npm", npm)) if not p)
        raise Unavailable(f"{missing} not found on PATH: {INSTALL_NODE}")
    return node, npm


def _installed_matches_lock() -> bool:
    """True when checks/node_modules holds the exact versions package-lock.json pins."""
    lock = json.loads((CHECKS / "package-lock.json").read_text(encoding="utf-8"))
    for name in ("axe-core", "puppeteer-core"):
        want = lock["packages"][f"node_modules/{name}"]["version"]
        pkg = CHECKS / "node_modules" / name / "package.json"
        if not pkg.is_file():
            return False
        if json.loads(pkg.read_text(encoding="utf-8")).get("version") != want:
            return False
    return True


def ensure_node_modules(npm: str) -> None:
    """Install the pinned npm packages into checks/node_modules unless they are already there.

    ``--ignore-scripts`` and PUPPETEER_SKIP_DOWNLOAD stop any install script fetching a browser.
    """
    if _installed_matches_lock():
        return
    print("installing axe-core and puppeteer-core into checks/node_modules (npm ci) ...",
          file=sys.stderr)
    env = dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="1", PUPPETEER_SKIP_CHROMIUM_DOWNLOAD="1")
    proc = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=CHECKS, env=env, capture_output=True, text=True,
    )
    if proc.returncode != 0 or not _installed_matches_lock():
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise Unavailable(
            f"npm ci in {CHECKS} failed ({last}): needs access to the npm registry once, "
            f"or {INSTALL_NODE}"
        )


def run_axe(pages: list[Path], chromium: str, node: str, width: int,
            best_practice: bool = False) -> dict:
    """Run checks/axe_runner.js on the pages; its JSON result."""
    tags = [*WCAG_TAGS, *(["best-practice"] if best_practice else [])]
    cmd = [node, str(RUNNER), "--chromium", chromium, "--tags", ",".join(tags),
           "--width", str(width), *map(str, pages)]
    env = dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="1")
    proc = subprocess.run(cmd, cwd=CHECKS, env=env, capture_output=True, text=True)
    if proc.returncode == 3:
        tag = "chromium-launch-failed: "
        detail = [ln[len(tag):] for ln in proc.stderr.splitlines() if ln.startswith(tag)]
        why = " ".join((detail or ["no detail"])[0].split())
        raise Unavailable(f"Chromium at {chromium} did not start ({why}): {INSTALL_CHROMIUM}")
    if proc.returncode != 0:
        raise RuntimeError(f"axe runner failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def _first_target(violation: dict) -> str:
    nodes = violation.get("nodes") or []
    if not nodes:
        return "-"
    target = nodes[0].get("target") or ["-"]
    # A target is a list of selectors (one per iframe/shadow level); show them joined.
    return " >> ".join(t if isinstance(t, str) else " ".join(t) for t in target)


def report(result: dict, root: Path, out=sys.stdout) -> int:
    """Print per page violations and a summary line; the exit status (0 or 1)."""
    by_impact: Counter[str] = Counter()
    failing_pages, errors, pages_with_any = 0, 0, 0
    for page in result["pages"]:
        rel = os.path.relpath(page["path"], root)
        if page.get("error"):
            errors += 1
            print(f"{rel}: NOT CHECKED: {page['error']}", file=out)
            continue
        violations = sorted(
            page["violations"],
            key=lambda v: (IMPACT_ORDER.index(v["impact"]) if v["impact"] in IMPACT_ORDER else 9,
                           v["id"]),
        )
        blocked = page.get("blocked_requests") or []
        note = (f"  (blocked {len(blocked)} network request(s), first: {blocked[0]})"
                if blocked else None)
        if not violations:
            print(f"{rel}: no violations", file=out)
            if note:
                print(note, file=out)
            continue
        pages_with_any += 1
        if any(v["impact"] in FAILING_IMPACTS for v in violations):
            failing_pages += 1
        print(f"{rel}: {len(violations)} violation(s)", file=out)
        for v in violations:
            by_impact[v["impact"] or "unknown"] += 1
            bp = "" if any(t.startswith("wcag") for t in v["tags"]) else " (best practice)"
            print(f"  {v['id']} [{v['impact']}]{bp} {len(v['nodes'])} node(s): {v['help']}"
                  f" | first: {_first_target(v)}", file=out)
        if note:
            print(note, file=out)
    n = len(result["pages"])
    counts = ", ".join(f"{by_impact[i]} {i}" for i in IMPACT_ORDER if by_impact[i]) or "none"
    serious = by_impact["critical"] + by_impact["serious"]
    verdict = "FAIL" if serious or errors else "OK"
    not_checked = f"; {errors} page(s) not checked" if errors else ""
    print(
        f"{verdict}: axe-core {result['axe_version']} ({', '.join(result['tags'])}) in "
        f"{result['chromium_version']} on {n} page(s): violations {counts}; "
        f"{failing_pages} page(s) with serious or critical violations{not_checked}",
        file=out,
    )
    return 1 if verdict == "FAIL" else 0


def _write_json(path: Path, result: dict) -> None:
    """Write atomically: a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="checks/accessibility.py",
        description="Run axe-core (WCAG 2.0/2.1/2.2 A and AA) on every *.html page in a folder.",
    )
    parser.add_argument("folder", nargs="?", default="reports",
                        help="folder of HTML pages, searched recursively (default: reports)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the full axe results here")
    parser.add_argument("--chromium", help="Chromium executable (default: $KPIS_CHROMIUM, then "
                        "/usr/bin/chromium)")
    parser.add_argument("--best-practice", action="store_true",
                        help="also run axe's best-practice rules (landmarks, one <h1>, heading "
                        "order); their serious violations fail the check too")
    parser.add_argument("--width", type=int, default=1280,
                        help="viewport width in CSS pixels (default 1280; try 320 for reflow)")
    args = parser.parse_args(argv)

    folder = Path(args.folder).resolve()  # the runner opens pages from its own folder
    if not folder.is_dir():
        print(f"error: folder {folder} does not exist (build the reports first: kpis report)",
              file=sys.stderr)
        return 2
    pages = sorted(p for p in folder.rglob("*.html") if "node_modules" not in p.parts)
    if not pages:
        print(f"error: no *.html pages in {folder}", file=sys.stderr)
        return 2
    if args.width < 1:
        print(f"error: --width must be a positive number of pixels, not {args.width}",
              file=sys.stderr)
        return 2
    try:
        chromium = find_chromium(args.chromium)
        node, npm = find_node()
        ensure_node_modules(npm)
        result = run_axe(pages, chromium, node, args.width, args.best_practice)
    except Unavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        _write_json(args.json, result)
    return report(result, folder)


if __name__ == "__main__":
    sys.exit(main())

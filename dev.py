#!/usr/bin/env python3
"""One-command entry points for a fresh machine that has only Python 3.11 and pip.

    python3 dev.py report   set up .venv (if needed), clean the data and build reports/
    python3 dev.py test     set up .venv (if needed), run ruff and the whole test suite

Any further arguments are passed on: `python3 dev.py report -p latest_period 2020-06`,
`python3 dev.py test -k clean`. The virtual environment is rebuilt only when
pyproject.toml or requirements.lock change (a hash is kept in .venv/kpis-installed).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / "kpis-installed"


def _fingerprint() -> str:
    h = hashlib.sha256()
    for name in ("pyproject.toml", "requirements.lock"):
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def ensure_env() -> None:
    """Create .venv and install kpis with its pinned dependencies, once per change."""
    if sys.version_info[:2] != (3, 11):
        print(f"warning: kpis is pinned for Python 3.11, this is {sys.version.split()[0]}",
              file=sys.stderr)
    if not (BIN / "python").exists():
        print("setting up .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    print("installing kpis and its pinned dependencies into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "-c", str(ROOT / "requirements.lock"),
                    "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(_fingerprint())


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"report", "test", "setup"}:
        print(__doc__)
        return 2
    ensure_env()
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.setdefault("MPLBACKEND", "Agg")
    if argv[0] == "setup":
        return 0
    if argv[0] == "report":
        cmd = [str(BIN / "kpis"), "report", *argv[1:]]
        return subprocess.run(cmd, cwd=ROOT, env=env).returncode
    lint = subprocess.run([str(BIN / "ruff"), "check", "src", "tests", "benchmarks", "dev.py"],
                          cwd=ROOT, env=env).returncode
    tests = subprocess.run([str(BIN / "python"), "-m", "pytest", *argv[1:]], cwd=ROOT, env=env)
    return tests.returncode or lint


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

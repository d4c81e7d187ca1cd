"""The notebooks run top to bottom under nbval (--nbval-lax).

They are committed without outputs, so there is nothing to compare: we inject parameters
(papermill --prepare-only, pointing at the test fixture) into copies and let nbval execute every
cell and fail on any error. Cells are not compared (lax mode), so volatile output is no problem.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "scorecard_small.csv"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs_with_parameters_tag(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code")


@pytest.mark.slow
def test_nbval_lax(tmp_path: Path) -> None:
    for path in NOTEBOOKS:
        papermill.execute_notebook(str(path), str(tmp_path / path.name), prepare_only=True,
                                   parameters={"scorecard_path": str(FIXTURE)})
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--nbval-lax", str(tmp_path)], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


@pytest.mark.slow
def test_defaults_run_top_to_bottom_as_in_jupyterlab(tmp_path: Path) -> None:
    """Each notebook, opened where it lives and run with its own default parameters (no
    injection), works: with no processed data yet it builds the scorecard from data/raw in memory,
    and reading never writes (data/processed is not created)."""
    import shutil

    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    shutil.copytree(ROOT / "data" / "raw", tmp_path / "data" / "raw")
    for path in sorted((tmp_path / "notebooks").glob("*.ipynb")):
        papermill.execute_notebook(str(path), str(tmp_path / f"out-{path.name}"),
                                   cwd=str(path.parent), kernel_name="python3",
                                   progress_bar=False)
    assert not (tmp_path / "data" / "processed").exists()
    # the domain notebook's default domain produced its findings
    out = nbformat.read(tmp_path / "out-domain.ipynb", as_version=4)
    text = "".join(str(o.get("data", {}).get("text/markdown", "")) for c in out.cells
                   if c.cell_type == "code" for o in c.get("outputs", []))
    assert text.strip()

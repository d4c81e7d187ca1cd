"""Warm kernels: a reused kernel gives each notebook a clean namespace, and a failure does not
leak into the next notebook."""

from pathlib import Path

import nbformat
import pytest

from kpis.reporting import kernel
from kpis.reporting.build import _execute
from kpis.reporting.plan import Job


def notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(s) for s in sources)]
    nbformat.write(nb, path)
    return path


@pytest.fixture
def work(tmp_path):
    yield tmp_path
    kernel.discard()


def test_reused_kernel_has_a_clean_namespace(work):
    first = notebook(work / "a.ipynb", "leak = 41\nimport matplotlib\n"
                                       "matplotlib.rcParams['lines.linewidth'] = 9\n"
                                       "import os\npid = os.getpid()\n"
                                       "open('pid.txt', 'w').write(str(pid))")
    second = notebook(work / "b.ipynb",
                      "assert 'leak' not in dir(), 'namespace not wiped'\n"
                      "import matplotlib\nassert matplotlib.rcParams['lines.linewidth'] == 1.5\n"
                      "import os\nassert str(os.getpid()) == open('pid.txt').read()")
    out = work / "out"
    out.mkdir()
    a = _execute(Job("a", first, {"x": 2}, "A"), out, work, 1, 2)
    b = _execute(Job("b", second, {"x": 2}, "B"), out, work, 2, 2)
    assert (a.status, b.status) == ("ok", "ok"), (a.error, b.error)
    assert (out / "b.html").exists()


def test_failure_discards_the_kernel(work):
    bad = notebook(work / "bad.ipynb", "leak = 1\nraise ValueError('boom')")
    good = notebook(work / "good.ipynb", "assert 'leak' not in dir()")
    out = work / "out"
    out.mkdir()
    failed = _execute(Job("bad", bad, {}, "Bad"), out, work, 1, 2)
    assert failed.status == "failed" and "ValueError: boom" in failed.error
    assert str(work) not in kernel._warm  # shut down after the failure
    ok = _execute(Job("good", good, {}, "Good"), out, work, 2, 2)
    assert ok.status == "ok", ok.error


def test_fresh_kernel_option(work):
    nb = notebook(work / "c.ipynb", "y = x * 2")
    out = work / "out"
    out.mkdir()
    job = _execute(Job("c", nb, {"x": 5}, "C"), out, work, 1, 1, fresh_kernel=True)
    assert job.status == "ok", job.error
    assert str(work) not in kernel._warm


def test_preloaded_kernel_has_the_modules_a_clean_namespace_and_the_charts_theme(work):
    """A worker's kernel is started before its first notebook with what the notebooks import
    (kernel.PRELOAD); every notebook then sees the charts' theme (seaborn whitegrid: axes.grid
    on), as a new kernel shows it once kpis.reporting.plots is imported, even after a notebook
    that changed it (before, matplotlib's defaults came back instead: no grid)."""
    check = ("import sys, matplotlib\n"
             "assert 'kpis.reporting.plots' in sys.modules, 'not preloaded'\n"
             "assert '_fig' not in dir() and 'plots' not in dir(), 'namespace not wiped'\n"
             "assert matplotlib.rcParams['axes.grid'] is True, 'theme lost'\n")
    first = notebook(work / "a.ipynb", check + "matplotlib.rcParams['axes.grid'] = False")
    second = notebook(work / "b.ipynb", check)
    km = kernel.warm_kernel(work, preload=True)
    out = work / "out"
    out.mkdir()
    a = _execute(Job("a", first, {}, "A"), out, work, 1, 2)
    b = _execute(Job("b", second, {}, "B"), out, work, 2, 2)
    assert (a.status, b.status) == ("ok", "ok"), (a.error, b.error)
    assert kernel._warm[str(work)] is km  # the same kernel ran both
    assert a.cpu > 0 and b.cpu > 0

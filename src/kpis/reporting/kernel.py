"""Jupyter kernels for executing the report notebooks.

Starting a kernel and importing pandas, matplotlib and seaborn costs about 1.5 s per notebook,
more than most of our notebooks take to run. So each worker process keeps one warm kernel and
reuses it: before every notebook the user namespace is wiped (`%reset -f`), open figures are
closed and matplotlib's settings restored, so a notebook sees a clean namespace, only with its
modules already imported. After any failure the kernel is shut down and the next notebook gets a
new one. (`kpis report --fresh-kernels` starts a new kernel for every notebook instead; the
test suite also runs every notebook in a fresh kernel, so no notebook relies on another's state.)

Kernels talk over IPC sockets with a private path prefix, not TCP ports: parallel workers cannot
race for a port, and ipykernel does not warn that it is 'running over TCP without encryption'.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import multiprocessing
import multiprocessing.util
import os
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager, KernelManager

RESET = """\
%reset -f
import sys as _sys
import matplotlib as _mpl
import matplotlib.pyplot as _plt
_plt.close("all")
_mpl.rcdefaults()
if "kpis.reporting.plots" in _sys.modules:  # its theme, as a new kernel has it once imported
    _sys.modules["kpis.reporting.plots"].theme()
del _mpl, _plt, _sys
"""

#: What a new warm kernel imports before its first notebook (`warm_kernel(preload=True)`):
#: the modules every report notebook imports, and one small chart drawn so matplotlib has its
#: fonts loaded. `kpis report` starts the kernels this way while it prepares the data, so no
#: notebook waits for them; RESET then wipes the namespace (the modules stay imported).
PRELOAD = """\
import matplotlib.pyplot as _plt
from IPython.display import Markdown, display
from kpis.reporting import compare, findings, fmt, load, plots, tables, teams
from kpis.reporting.figure import png_tight
from kpis.scorecard import distance
_fig, _ax = _plt.subplots(figsize=(2, 1))
_ax.plot([0, 1], [0, 1], label="x")
_ax.legend()
_fig.tight_layout()
png_tight(_fig)
_plt.close("all")
"""

#: The backend every report kernel draws with, whatever the parent process's MPLBACKEND says
#: (dev.py sets Agg for headless tests; a kernel that inherits it prints '<Figure size ...>').
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

_warm: dict[str, KernelManager] = {}


def _ipc_prefix() -> str:
    return str(Path(tempfile.gettempdir()) / f"kpis-{uuid.uuid4().hex[:12]}")


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager (for papermill's `kernel_manager_class`) that uses IPC transport."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("transport", "ipc")
        kwargs.setdefault("ip", _ipc_prefix())
        super().__init__(**kwargs)


def _run(km: KernelManager, code: str) -> bool:
    """Run `code` in the kernel, waiting for it; True if it ran without error."""
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive(code, timeout=120, store_history=False,
                                       output_hook=lambda msg: None)
    finally:
        kc.stop_channels()
    return reply["content"]["status"] == "ok"


def warm_kernel(cwd: Path, kernel_name: str = "python3", preload: bool = False
                ) -> KernelManager:
    """This process's kernel for notebooks run in `cwd`, started if needed, else wiped clean.
    `preload`: a new kernel imports `PRELOAD` before it is returned (a failure there is left
    for the notebooks to report)."""
    key = str(cwd)
    km = _warm.get(key)
    if km is not None and km.is_alive():
        if preload or _run(km, RESET):
            return km
        discard(cwd)
    km = KernelManager(kernel_name=kernel_name, transport="ipc", ip=_ipc_prefix())
    km.start_kernel(cwd=key, env={**os.environ, "MPLBACKEND": INLINE_BACKEND})
    if not _warm:
        # Pool workers leave through os._exit, which skips atexit: multiprocessing's own
        # finalizers still run, so the kernel is shut down with its worker.
        multiprocessing.util.Finalize(None, discard, exitpriority=10)
    _warm[key] = km
    if preload:
        _run(km, PRELOAD)
    return km


def cpu_seconds(km: KernelManager | None) -> float:
    """CPU seconds (user + system) the kernel's process has used so far; 0.0 where it cannot
    be read (no /proc, a kernel not started by this process)."""
    proc = getattr(getattr(km, "provisioner", None), "process", None)
    try:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (AttributeError, OSError, ValueError, IndexError):
        return 0.0


def discard(cwd: Path | None = None) -> None:
    """Shut down this process's warm kernel for `cwd` (all of them if None)."""
    for key in [str(cwd)] if cwd is not None else list(_warm):
        km = _warm.pop(key, None)
        if km is None:
            continue
        try:
            if km.is_alive():
                km.shutdown_kernel(now=True)
        finally:
            km.cleanup_resources()


def kill_all() -> None:
    """Kill every kernel this process started, at once (a worker told to stop: kpis.stopping).
    Kernels run in sessions of their own, so each is killed with its process group; papermill's
    fresh kernels are found as this process's children."""
    from kpis.stopping import kill_children

    kill_children()
    for km in list(_warm.values()):
        with contextlib.suppress(Exception):
            km.cleanup_resources()
    _warm.clear()


def warm_up(cwd: Path, fresh_kernel: bool) -> None:
    """Worker, before its first notebook (while the parent prepares the data): import
    papermill, build the HTML exporter and start this worker's kernel with the modules every
    notebook imports (kpis.reporting.kernel.PRELOAD). A failure here is not reported: the
    first notebook starts its own kernel and says what is wrong."""
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    import papermill  # noqa: F401

    from kpis.reporting import html

    html.exporter()
    if fresh_kernel:
        return
    try:
        warm_kernel(cwd, preload=True)
    except Exception:  # noqa: BLE001 - see the docstring
        discard(cwd)


def report_pool(jobs: int, cwd: Path, fresh_kernels: bool) -> cf.ProcessPoolExecutor:
    """The pool that runs the notebooks, its workers started now and warming up (`warm_up`)
    while the caller goes on preparing the data."""
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    pool = cf.ProcessPoolExecutor(max_workers=max(1, jobs), mp_context=ctx,
                                  initializer=worker_init)
    for _ in range(max(1, jobs)):
        pool.submit(warm_up, cwd, fresh_kernels)
    return pool


def worker_init() -> None:
    """Pool worker: Ctrl-C is the parent's to handle; on SIGTERM or when the parent is gone,
    kill this worker's kernels and leave (kpis.stopping)."""
    from kpis import stopping

    stopping.worker_init(hard=True)
    stopping.on_terminate(kill_all)
    forget_parent_loops()


def forget_parent_loops() -> None:
    """In a forked worker: forget the event-loop machinery jupyter_core kept in the parent.
    A fork copies only the calling thread, so a task runner the parent had started (to run
    a coroutine from inside a running loop, as papermill does) has no thread in the child,
    and the child's first kernel would wait on it for ever (seen when a process had executed
    a notebook itself before starting the pool: the test suite). The child makes its own."""
    utils = sys.modules.get("jupyter_core.utils")
    if utils is None:
        return
    runners = getattr(utils, "_runner_map", None)
    if isinstance(runners, dict):
        runners.clear()
    loop_var = getattr(utils, "_loop", None)
    if loop_var is not None:
        loop_var.set(None)


atexit.register(discard)


def default_jobs() -> int:
    """Notebooks at once when --jobs is not given: the CPU cores + 1. A notebook in a warm
    kernel spends about a third of its wall time waiting (kernel messages, saving, HTML export
    in its worker), so one more worker than cores fills those gaps: the 15-team council build
    took 56.1 s with 2 workers, 50.8 s with 3, on the project's 2-core machine [measured]."""
    return (os.cpu_count() or 1) + 1

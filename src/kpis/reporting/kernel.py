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
import contextlib
import multiprocessing.util
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager, KernelManager

RESET = """\
%reset -f
import matplotlib as _mpl
import matplotlib.pyplot as _plt
_plt.close("all")
_mpl.rcdefaults()
del _mpl, _plt
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


def warm_kernel(cwd: Path, kernel_name: str = "python3") -> KernelManager:
    """This process's kernel for notebooks run in `cwd`, started if needed, else wiped clean."""
    key = str(cwd)
    km = _warm.get(key)
    if km is not None and km.is_alive():
        kc = km.blocking_client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            reply = kc.execute_interactive(RESET, timeout=60, store_history=False,
                                           output_hook=lambda msg: None)
        finally:
            kc.stop_channels()
        if reply["content"]["status"] == "ok":
            return km
        discard(cwd)
    km = KernelManager(kernel_name=kernel_name, transport="ipc", ip=_ipc_prefix())
    km.start_kernel(cwd=key, env={**os.environ, "MPLBACKEND": INLINE_BACKEND})
    if not _warm:
        # Pool workers leave through os._exit, which skips atexit: multiprocessing's own
        # finalizers still run, so the kernel is shut down with its worker.
        multiprocessing.util.Finalize(None, discard, exitpriority=10)
    _warm[key] = km
    return km


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


atexit.register(discard)

"""Stopping cleanly: Ctrl-C (SIGINT) and SIGTERM end a command within seconds, with no traceback,
no temporary folder and no process left behind.

- `install()` (the CLI, once): SIGTERM raises `Terminated`, a KeyboardInterrupt, so every
  `finally` that removes a temporary file or folder runs; the CLI exits 130 (SIGINT) or 143
  (SIGTERM).
- `worker_init()` (every pool worker): SIGINT is ignored (Ctrl-C reaches the whole process group;
  the parent decides), SIGTERM runs the worker's clean-ups (e.g. killing its Jupyter kernel)
  and raises `Terminated` or leaves at once, and a thread watches the parent: when it is gone
  (even killed with SIGKILL) the worker sends itself SIGTERM. Jupyter kernels watch their own
  parent (the worker) through JPY_PARENT_PID, which jupyter_client sets.
- `stop_pool(pool)`: terminate a ProcessPoolExecutor's workers now, not after their tasks.
- `deferred()`: hold SIGINT/SIGTERM over a step that must not be cut in half (a folder swap).

Scratch folders (`scratch_dir`): a report set or a synthetic council is built in a scratch
folder and renamed over its target, so the scratch folder must be on the target's filesystem.
It lives in the system temporary folder when that is on the same filesystem (a crash leaves
nothing in the project), else in a git-ignored `.kpis-build/` beside the target. Each folder's
name carries the pid of the process that made it; folders of processes that no longer run are
swept before a new one is made.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import InvalidStateError, ProcessPoolExecutor
from pathlib import Path

#: Seconds between a worker's checks that its parent is still there.
POLL = 0.5

_cleanups: list[Callable[[], None]] = []


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so clean-ups run; `code` is the exit code (128 + 15)."""

    code = 143


def exit_code(err: BaseException) -> int:
    """130 for Ctrl-C, 143 for SIGTERM."""
    return getattr(err, "code", 130) if isinstance(err, Terminated) else 130


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def install() -> None:
    """In the main process: SIGTERM raises `Terminated` (SIGINT already raises
    KeyboardInterrupt)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)
        signal.signal(signal.SIGINT, signal.default_int_handler)


def on_terminate(cleanup: Callable[[], None]) -> None:
    """Run `cleanup` in this worker when it is told to stop (before it exits)."""
    _cleanups.append(cleanup)


@contextlib.contextmanager
def cleanup_if_stopped(cleanup: Callable[[], None]) -> Iterator[None]:
    """Run `cleanup` if this worker is told to stop inside the block (e.g. remove a temporary
    file it is writing); forget it when the block ends."""
    _cleanups.append(cleanup)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            _cleanups.remove(cleanup)


def _run_cleanups() -> None:
    while _cleanups:
        with contextlib.suppress(Exception):
            _cleanups.pop()()


def _worker_term(hard: bool) -> Callable[[int, object], None]:
    def handler(signum: int, frame: object) -> None:
        _run_cleanups()
        if hard:
            os._exit(128 + signum)
        raise Terminated()
    return handler


def _watch(parent: int, hard: bool) -> None:
    while True:
        time.sleep(POLL)
        if os.getppid() != parent:
            if hard:  # do not wait for the main thread to come back to Python code
                _run_cleanups()
                os._exit(128 + signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGTERM)
            return


def worker_init(hard: bool = True) -> None:
    """Initializer of a pool worker (see the module docstring). `hard`: SIGTERM ends the worker
    at once after its clean-ups (its scratch files are in a folder the parent removes);
    otherwise it raises `Terminated` so the task's own `finally` blocks run first."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_term(hard))
    threading.Thread(target=_watch, args=(os.getppid(), hard), daemon=True,
                     name="kpis-parent-watch").start()


def _quiet_cancelled(args: threading.ExceptHookArgs) -> None:
    """The pool's manager thread, finding its workers gone, sets an error on futures that
    were just cancelled (InvalidStateError, CPython 3.11): expected here, not worth a traceback."""
    if args.exc_type is not None and issubclass(args.exc_type, InvalidStateError):
        return
    threading.__excepthook__(args)


def stop_pool(pool: ProcessPoolExecutor, grace: float = 3.0) -> None:
    """Stop a process pool now: queued tasks cancelled, workers sent SIGTERM, then SIGKILL if
    they are still there after `grace` seconds."""
    threading.excepthook = _quiet_cancelled
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    deadline = time.monotonic() + grace
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join(1.0)
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)


def _children(pid: int) -> list[int]:
    """Pids of `pid`'s child processes (from /proc; empty where there is none)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(stat.parent.name))
    return out


def kill_children() -> None:
    """SIGKILL this process's children, each with its process group when it leads one (a
    Jupyter kernel starts a session of its own)."""
    for child in _children(os.getpid()):
        with contextlib.suppress(OSError):
            if os.getpgid(child) == child:
                os.killpg(child, signal.SIGKILL)
            else:
                os.kill(child, signal.SIGKILL)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Block SIGINT and SIGTERM for the duration (they are delivered when it ends)."""
    sigs = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)

LOCAL = ".kpis-build"
_NAME = re.compile(r"^kpis-[\w.-]+?-(\d+)-[^-]+$")


def umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _existing(path: Path) -> Path:
    path = path.resolve()
    while not path.exists():
        path = path.parent
    return path


def base_for(target: Path) -> Path:
    """Where scratch folders for `target` go: the system temporary folder if it is on the same
    filesystem as `target`'s folder, else `.kpis-build/` beside `target`."""
    here = _existing(Path(target).parent)
    tmp = Path(tempfile.gettempdir())
    if tmp.exists() and os.stat(tmp).st_dev == os.stat(here).st_dev:
        return tmp
    return Path(target).parent / LOCAL


def sweep(base: Path) -> None:
    """Remove the scratch folders in `base` left by processes that are gone."""
    if not base.is_dir():
        return
    for p in base.iterdir():
        m = _NAME.match(p.name)
        if m and p.is_dir() and not _alive(int(m.group(1))):
            shutil.rmtree(p, ignore_errors=True)


def scratch_dir(target: Path, what: str) -> Path:
    """A new, empty scratch folder for building `target` (permissions as the umask gives a new
    folder, not mkdtemp's 0700)."""
    base = base_for(target)
    base.mkdir(parents=True, exist_ok=True)
    sweep(base)
    path = Path(tempfile.mkdtemp(prefix=f"kpis-{what}-{os.getpid()}-", dir=base))
    path.chmod(0o777 & ~umask())
    return path

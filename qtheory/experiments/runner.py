"""Run a sweep: skip finished cells, run the rest in parallel (joblib, or a Dask cluster), write each record
as soon as its task returns, show progress.

Parallel unit: a *task* = the cells sharing one problem and one penalty rule (their exact quantities are
computed once).  Workers only compute; the calling process writes every record (atomically), so a killed
sweep keeps every record written so far, and a re-run computes exactly the missing cells.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from qtheory.experiments.cells import RECORD_VERSION, run_task
from qtheory.experiments.spec import Cell, Sweep, group_cells
from qtheory.experiments.store import Store
from qtheory.progress import Progress
from qtheory.validation import check_output_dir, check_positive_int


@dataclass(frozen=True)
class SweepRun:
    """What one call of :func:`run_sweep` did."""

    name: str
    store: Store
    cells: list[Cell]
    skipped: int
    ran: int
    seconds: float

    def records(self) -> list[dict[str, Any]]:
        """Records of this sweep's cells (all finished after a complete run)."""
        return list(self.store.records([c.id for c in self.cells]))


#: seconds to wait for a Dask scheduler before giving up with an error
DASK_CONNECT_SECONDS = 10.0
#: seconds between looks at cells that another process is computing
POLL_SECONDS = 0.2


def _claimed_tasks(tasks: list[list[Cell]], store: Store, held: set[str]) -> Iterator[list[Cell]]:
    """Each task cut down to the cells this process could claim (claims taken lazily, as tasks are handed
    out); a task with no claimable cell is left to the process that holds it."""
    for task in tasks:
        mine = []
        for cell in task:
            if cell.id not in held:
                if not store.claim(cell.id):
                    continue
                if store.finished(cell.id, RECORD_VERSION):  # written (and released) by another process meanwhile
                    store.release(cell.id)
                    continue
                held.add(cell.id)
            mine.append(cell)
        if mine:
            yield mine


def _die_with_parent() -> None:
    """Ask Linux to kill this worker process when its parent dies (SIGTERM or SIGKILL of the sweep), so no
    worker outlives the sweep holding its stdout and stderr; a no-op elsewhere."""
    global _PARENT_WATCH
    if _PARENT_WATCH or not sys.platform.startswith("linux"):
        return
    import ctypes
    import os
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - no prctl
        return
    _PARENT_WATCH = True
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)


_PARENT_WATCH = False


def _worker_task(cells: list[Cell]) -> tuple[list, float]:
    """:func:`run_task` in a joblib worker that dies with its parent."""
    _die_with_parent()
    return run_task(cells)


def _joblib_results(tasks: Iterable[list[Cell]], jobs: int) -> Iterator[tuple[list, float]]:
    if jobs == 1:
        for task in tasks:
            yield run_task(task)
        return
    import warnings

    from joblib import Parallel, delayed

    with warnings.catch_warnings():
        # loky restarts a worker whose memory grew (large enumeration tables); its finished results are kept
        warnings.filterwarnings("ignore", message="A worker stopped while some jobs", category=UserWarning)
        yield from Parallel(n_jobs=jobs, return_as="generator_unordered")(delayed(_worker_task)(t) for t in tasks)


def check_dask_address(address: str, timeout: float = DASK_CONNECT_SECONDS) -> None:
    """An address of a Dask scheduler that answers: a malformed address, or a TCP address where nothing accepts
    a connection within ``timeout`` seconds, is an error naming ``--dask``."""
    try:
        from distributed.comm import parse_address, parse_host_port
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ValueError("--dask needs the optional dependency dask[distributed] (pip install 'dask[distributed]')") from exc
    wanted = "an address such as tcp://host:8786"
    try:
        scheme, location = parse_address(str(address))
        if scheme in ("tcp", "tls"):
            host, port = parse_host_port(location)
            if not host or not 0 < int(port) < 65536:
                raise ValueError(f"no host or port in {location!r}")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"--dask == {address!r} is not {wanted} ({exc})") from None
    if scheme in ("tcp", "tls"):
        import socket

        try:
            socket.create_connection((host, int(port)), timeout=timeout).close()
        except OSError as exc:
            raise ValueError(
                f"--dask == {address!r}: no scheduler answered within {timeout:g} s ({exc}); must be {wanted} "
                "where a Dask scheduler runs"
            ) from None


def dask_client(address: str, timeout: float = DASK_CONNECT_SECONDS) -> Any:
    """A connected ``distributed.Client`` (:func:`check_dask_address` first; connecting takes at most
    ``timeout`` seconds)."""
    check_dask_address(address, timeout)
    from distributed import Client

    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ValueError(f"--dask == {address!r}: could not connect within {timeout:g} s ({exc})") from None


def _dask_results(tasks: Iterable[list[Cell]], client: Any) -> Iterator[tuple[list, float]]:
    from distributed import as_completed

    futures = [client.submit(run_task, t, pure=False) for t in tasks]
    for future in as_completed(futures, loop=client.loop):
        yield future.result()
        future.release()


def run_sweep(
    sweep: Sweep,
    out_dir: str | Path,
    *,
    jobs: int = 1,
    dask: str | None = None,
    quick: bool = False,
    progress: bool | None = None,
) -> SweepRun:
    """Run every unfinished cell of ``sweep`` and store its record under ``out_dir/<name>/cells``.

    ``jobs``: joblib workers (processes; 1 runs in this process).  ``dask``: address of a Dask distributed
    scheduler (``tcp://host:8786``), used instead of joblib.  ``quick``: the sweep's quick variant.
    ``progress``: False shows nothing; True or None a progress bar on stderr when it is a terminal, plain
    throttled lines otherwise (:class:`qtheory.progress.Progress`).

    Other processes may run the same sweep into the same ``out_dir`` at the same time: cells are claimed
    (:meth:`Store.claim`), a cell another live process holds is waited for, one whose process died is taken
    over, so every process returns with the full set.
    """
    jobs = check_positive_int(jobs, "jobs")
    check_output_dir(out_dir, "out_dir")
    cells = sweep.cells(quick=quick)
    client = dask_client(dask) if dask else None  # before anything is written
    store = Store(out_dir, sweep.name)
    held: set[str] = set()
    bar = None
    ran = 0
    finished = False
    try:
        store.prepare(sweep.raw)
        pending = [c for c in cells if not store.finished(c.id, RECORD_VERSION)]
        skipped = len(cells) - len(pending)
        t0 = time.perf_counter()
        bar = _bar(len(pending), sweep.name, progress)
        while pending:
            tasks = _claimed_tasks(group_cells(pending), store, held)
            results = _dask_results(tasks, client) if client is not None else _joblib_results(tasks, jobs)
            for records, seconds in results:
                for cid, record in records:
                    store.write(cid, record)
                    store.release(cid)
                    held.discard(cid)
                ran += len(records)
                store.log_timing({"cells": [cid for cid, _ in records], "seconds": round(seconds, 3)})
                if bar is not None:
                    bar.update(len(records))
            pending = _wait_for_others(pending, store)
        finished = True
    finally:
        for cid in held:
            store.release(cid)
        if bar is not None:
            bar.close(failed=not finished)
        if client is not None:
            client.close()
    return SweepRun(sweep.name, store, cells, skipped, ran, time.perf_counter() - t0)


def _wait_for_others(pending: list[Cell], store: Store) -> list[Cell]:
    """The cells still unfinished, after waiting while every one of them is held by another live process."""
    while True:
        pending = [c for c in pending if not store.finished(c.id, RECORD_VERSION)]
        if not pending or not all(store.claimed_by_other(c.id) for c in pending):
            return pending
        time.sleep(POLL_SECONDS)


def _bar(total: int, name: str, progress: bool | None) -> Progress | None:
    if progress is False or total == 0:
        return None
    return Progress(f"sweep {name}", total, unit="cells", enabled=progress)

"""Run a sweep: skip finished cells, run the rest in parallel (joblib, or a Dask cluster), write each record
as soon as its task returns, show progress.

Parallel unit: a *task* = the cells sharing one problem and one penalty rule (their exact quantities are
computed once).  Workers only compute; the calling process writes every record (atomically), so a killed
sweep keeps every record written so far, and a re-run computes exactly the missing cells.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from qtheory.experiments.cells import RECORD_VERSION, run_task
from qtheory.experiments.spec import Cell, Sweep, group_cells
from qtheory.experiments.store import Store
from qtheory.progress import Progress
from qtheory.validation import check_positive_int


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


def _pending_tasks(cells: list[Cell], store: Store) -> tuple[list[list[Cell]], int]:
    todo = [c for c in cells if not store.finished(c.id, RECORD_VERSION)]
    return group_cells(todo), len(cells) - len(todo)


def _joblib_results(tasks: list[list[Cell]], jobs: int) -> Iterator[tuple[list, float]]:
    if jobs == 1:
        for task in tasks:
            yield run_task(task)
        return
    import warnings

    from joblib import Parallel, delayed

    with warnings.catch_warnings():
        # loky restarts a worker whose memory grew (large enumeration tables); its finished results are kept
        warnings.filterwarnings("ignore", message="A worker stopped while some jobs", category=UserWarning)
        yield from Parallel(n_jobs=jobs, return_as="generator_unordered")(delayed(run_task)(t) for t in tasks)


def _dask_results(tasks: list[list[Cell]], address: str) -> Iterator[tuple[list, float]]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ValueError("--dask needs the optional dependency dask[distributed] (pip install 'dask[distributed]')") from exc
    with Client(address, set_as_default=False) as client:
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
    """
    jobs = check_positive_int(jobs, "jobs")
    cells = sweep.cells(quick=quick)
    store = Store(out_dir, sweep.name)
    store.prepare(sweep.raw)
    tasks, skipped = _pending_tasks(cells, store)
    t0 = time.perf_counter()
    results: Iterable[tuple[list, float]]
    results = _dask_results(tasks, dask) if dask else _joblib_results(tasks, jobs)
    bar = _bar(sum(len(t) for t in tasks), sweep.name, progress)
    ran = 0
    finished = False
    try:
        for records, seconds in results:
            for cid, record in records:
                store.write(cid, record)
            ran += len(records)
            store.log_timing({"cells": [cid for cid, _ in records], "seconds": round(seconds, 3)})
            if bar is not None:
                bar.update(len(records))
        finished = True
    finally:
        if bar is not None:
            bar.close(failed=not finished)
    return SweepRun(sweep.name, store, cells, skipped, ran, time.perf_counter() - t0)


def _bar(total: int, name: str, progress: bool | None) -> Progress | None:
    if progress is False or total == 0:
        return None
    return Progress(f"sweep {name}", total, unit="cells", enabled=progress)

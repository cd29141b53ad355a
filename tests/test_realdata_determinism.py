"""A real-data cell of the sweeps gives byte-identical records whatever the thread counts of BLAS and torch
and whichever CPU kernels they pick (AVX-512, AVX2 or plain SSE code paths, forced through environment
variables): the numbers in the committed report do not depend on the machine's cores or vector units."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
from qtheory.experiments.cells import run_task
from qtheory.experiments.spec import default_sweeps_dir, load_sweep
from qtheory.experiments.store import dumps

cells = [c for c in load_sweep(default_sweeps_dir() / "realdata.toml").cells(quick=True)
         if c.config["dataset"] == "breast_cancer"]
(cell_id, record), = run_task(cells[:1])[0]
sys.stdout.write(dumps(record))
"""

#: one thread and the machine's own kernels, against two threads and the oldest kernels each library has
SETTINGS = {
    "1 thread, native kernels": {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    "2 threads, generic kernels": {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2",
                                   "ATEN_CPU_CAPABILITY": "default", "OPENBLAS_CORETYPE": "Prescott"},
}


def _record(env: dict[str, str]) -> str:
    full = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), **env}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=full, timeout=600,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.slow
def test_realdata_cell_is_identical_across_thread_counts_and_cpu_kernels():
    records = {name: _record(env) for name, env in SETTINGS.items()}
    first, second = records.values()
    assert '"test_error"' in first and '"bound_V1"' in first
    assert first == second, "a real-data record depends on threads or CPU kernels"

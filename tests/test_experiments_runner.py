"""The sweep runner: parallel runs give byte-identical results, a killed sweep resumes with nothing lost or
duplicated, re-runs skip finished cells, and a Dask cluster gives the same results as local workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qtheory.experiments.runner import run_sweep
from qtheory.experiments.spec import load_sweep

SWEEP = """
name = "resume"
delta = 0.1
[problem.grid]
K = 4
step = 0.25
[problem.model]
kind = "mlp"
layers = [1, 2, 1]
activation = "tanh"
[problem.loss]
kind = "squared"
B = 9.0
[problem.data]
kind = "teacher"
N = 80
n = 60
noise = 0.3
teacher_values = [1.0, 0.0, 1.0, 0.0]
[penalty]
a_over_U = 0.9
alam_over_d = 1.5
nu_fraction = 0.5
[axes]
"problem.data.seed" = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
[[solvers]]
kind = "global"
[[solvers]]
kind = "qcd"
start = "random"
repeats = 6
[quick.axes]
"problem.data.seed" = [0, 1, 2]
"""


def files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "resume" / "cells").glob("[!.]*.json"))}


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "resume.toml"
    path.write_text(SWEEP)
    return path


@pytest.fixture(scope="module")
def reference(sweep_file, tmp_path_factory) -> dict[str, bytes]:
    """The whole sweep, uninterrupted, on two joblib worker processes."""
    out = tmp_path_factory.mktemp("reference")
    run = run_sweep(load_sweep(sweep_file), out, jobs=2, progress=False)
    assert run.ran == len(run.cells) == 12 * 7 and run.skipped == 0
    return files(out)


def test_killed_sweep_resumes_with_nothing_lost_or_duplicated(sweep_file, reference, tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "qtheory", "sweep", str(sweep_file), "--out", str(out), "--jobs", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    cells = out / "resume" / "cells"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list(cells.glob("*.json"))) >= 14:  # two tasks written, the rest to come
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the sweep finished before it could be killed: make it longer"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    before = files(out)
    assert 14 <= len(before) < len(reference)
    for name, data in before.items():  # every file left by the killed run is complete and correct
        assert data == reference[name]
    mtimes = {p.name: p.stat().st_mtime_ns for p in cells.glob("[!.]*.json")}
    (cells / ".tmp-torn.json").write_text('{"id": "x", "half')  # what a kill during a write would leave

    run = run_sweep(load_sweep(sweep_file), out, jobs=1, progress=False)
    assert run.skipped == len(before) and run.ran == len(reference) - len(before)
    after = files(out)
    assert after == reference  # nothing lost, nothing duplicated, same bytes
    assert not list(cells.glob(".tmp-*"))
    assert all(cells.joinpath(n).stat().st_mtime_ns == t for n, t in mtimes.items())  # finished cells untouched
    again = run_sweep(load_sweep(sweep_file), out, jobs=2, progress=False)
    assert again.ran == 0 and again.skipped == len(reference) and files(out) == reference


def test_sweep_command_reports_and_writes_results(sweep_file, reference, tmp_path, capsys):
    from qtheory.cli import main

    rc = main(["sweep", str(sweep_file), "--quick", "--out", str(tmp_path), "--no-progress", "--report"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "21 cells, 0 already done, 21 run" in out and "violations: 0" in out and "# Tightness report" in out
    got = files(tmp_path)
    assert len(got) == 21 and all(reference[name] == data for name, data in got.items())
    record = json.loads(next(iter(got.values())))
    assert '"seconds"' not in json.dumps(record) and '"time' not in json.dumps(record)  # no times in results
    assert (tmp_path / "resume" / "timings.jsonl").is_file()
    assert main(["sweep", str(tmp_path / "missing.toml")]) == 2


def test_dask_cluster_gives_the_same_results(sweep_file, reference, tmp_path):
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        run = run_sweep(load_sweep(sweep_file), tmp_path, dask=cluster.scheduler_address, quick=True, progress=False)
    assert run.ran == 21
    got = files(tmp_path)
    assert len(got) == 21 and all(reference[name] == data for name, data in got.items())


def test_records_of_another_code_version_are_recomputed(sweep_file, reference, tmp_path):
    from qtheory.experiments.cells import RECORD_VERSION

    first = run_sweep(load_sweep(sweep_file), tmp_path, quick=True, progress=False)
    cells = tmp_path / "resume" / "cells"
    stale = sorted(cells.glob("[!.]*.json"))[:2]
    for path in stale:  # as left by an older version of the measurement code
        record = json.loads(path.read_text())
        path.write_text(json.dumps({**record, "version": RECORD_VERSION - 1}))
    again = run_sweep(load_sweep(sweep_file), tmp_path, quick=True, progress=False)
    assert again.ran == 2 and again.skipped == first.ran - 2
    assert files(tmp_path) == {name: reference[name] for name in files(tmp_path)}

"""The sweep runner: parallel runs give byte-identical results, a killed sweep resumes with nothing lost or
duplicated, re-runs skip finished cells, and a Dask cluster gives the same results as local workers."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qtheory.experiments.runner import run_sweep
from qtheory.experiments.spec import load_sweep
from qtheory.experiments.store import Store

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
            if len(list(cells.glob("[!.]*.json"))) >= 14:  # two tasks written (in-progress .tmp-* files excluded)
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


# ------------------------------------------------------------------------------------------ concurrency
def _sweep_cmd(sweep_file: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "qtheory", "sweep", str(sweep_file), "--out", str(out), "--no-progress", *extra]


def test_two_processes_on_one_out_share_the_cells_and_both_get_the_full_set(sweep_file, reference, tmp_path):
    out = tmp_path / "out"
    procs = [subprocess.Popen(_sweep_cmd(sweep_file, out, "--quick"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outputs]
    ran = []
    for stdout, _ in outputs:
        done = re.search(r"(\d+) cells, (\d+) already done, (\d+) run", stdout)
        assert done and int(done[1]) == 21
        ran.append(int(done[3]))
    assert sum(ran) == 21  # each cell computed by exactly one of the two processes
    got = files(out)
    assert len(got) == 21 and all(reference[name] == data for name, data in got.items())
    assert not list((out / "resume" / "cells").glob(".tmp-*")) and not list((out / "resume" / "claims").iterdir())


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_corrupt_cells_stale_claims_and_stray_files_are_handled(sweep_file, reference, tmp_path):
    first = run_sweep(load_sweep(sweep_file), tmp_path, quick=True, progress=False)
    root = tmp_path / "resume"
    paths = sorted((root / "cells").glob("[!.]*.json"))
    paths[0].write_bytes(paths[0].read_bytes()[: len(paths[0].read_bytes()) // 2])  # truncated by a crash
    paths[1].write_text("\x00garbage")  # corrupt
    paths[2].write_bytes(paths[3].read_bytes())  # another cell's record
    paths[4].unlink()
    dead = _dead_pid()
    (root / "claims" / f"{paths[4].stem}.pid").write_text(str(dead))  # a claim left by a killed process
    (root / "cells" / f".tmp-{dead}-abc.json").write_text('{"half')  # its torn temporary file
    alive = root / "cells" / f".tmp-{os.getppid()}-abc.json"  # a live process's file in progress: kept
    alive.write_text("{")
    again = run_sweep(load_sweep(sweep_file), tmp_path, quick=True, progress=False)
    assert again.ran == 4 and again.skipped == first.ran - 4
    assert files(tmp_path) == {p.name: reference[p.name] for p in paths}
    assert alive.exists() and not (root / "cells" / f".tmp-{dead}-abc.json").exists()
    with pytest.raises(ValueError, match=r"corrupt cell record"):
        paths[1].write_text("{")
        list(Store(tmp_path, "resume").records())


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_workers_die_with_the_sweep(sweep_file, tmp_path, sig):
    proc = subprocess.Popen(_sweep_cmd(sweep_file, tmp_path, "--jobs", "2"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while time.monotonic() < deadline and proc.poll() is None and len(workers) < 2:
            workers = {p for p in _descendants(proc.pid) if "loky" in _cmdline(p) or "joblib" in _cmdline(p)}
            time.sleep(0.1)
        assert proc.poll() is None and len(workers) >= 2, "no joblib workers seen"
        proc.send_signal(sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(p) for p in workers):
            time.sleep(0.1)
        left = [p for p in workers if _alive(p)]
        for p in left:
            os.kill(p, signal.SIGKILL)
        assert not left, "joblib workers outlived the sweep"
    finally:
        if proc.poll() is None:
            proc.kill()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"

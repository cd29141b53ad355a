"""Exhaustive enumeration: structured paths against straightforward batched numpy evaluation.

Problem: a 2-2-1 tanh network without biases, K = 5, step 0.2 (11^6 = 1,771,561 code vectors), n = 500
training samples from a teacher population, clipped squared loss.  Both methods must return the same
minimum of L_n (and a minimizer achieving it); the script fails otherwise.

    python benchmarks/enumeration_speed.py            # all paths, then the whole `qtheory solve` process
    python benchmarks/enumeration_speed.py --skip-batched
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from qtheory.problem import problem_from_config
from qtheory.solve.enumerate import enumerate_exact

CONFIG = {
    "name": "bench_2_2_1",
    "grid": {"K": 5, "step": 0.2},
    "model": {"kind": "mlp", "layers": [2, 2, 1], "activation": "tanh", "bias": False},
    "loss": {"kind": "squared", "B": 16.0},
    "data": {"kind": "csv", "path": "bench.csv"},
}


def make_problem(B: float, workdir: Path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 2))
    y = np.tanh(X @ [0.8, -0.4]) * 0.6 - 0.4 * np.tanh(X @ [-0.2, 0.6]) + 0.1 * rng.standard_normal(500)
    csv = workdir / "bench.csv"
    np.savetxt(csv, np.column_stack([X, y]), delimiter=",", header="x1,x2,y", comments="")
    cfg = {**CONFIG, "loss": {"kind": "squared", "B": B}}
    return problem_from_config(cfg, base_dir=workdir), cfg


def timed(fn, repeat: int = 1):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-batched", action="store_true", help="skip the slow reference path")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, numpy {np.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pb, cfg = make_problem(16.0, work)  # |f| <= 2 and |y| <= 2: the clip is provably inactive
        print(pb.describe())
        t_quad, quad = timed(lambda: enumerate_exact(pb), repeat=3)
        print(f"structured (quadratic output layer): {t_quad:8.3f} s  min L_n = {quad.Ln_min:.15g}  codes {quad.Ln_argmin.tolist()}")
        pb_clip, _ = make_problem(0.05, work)  # the clip is active: general structured path
        t_struct, struct = timed(lambda: enumerate_exact(pb_clip))
        print(f"structured (clip active, B = 0.05):  {t_struct:8.3f} s  min L_n = {struct.Ln_min:.15g}  [{struct.method}]")
        if not args.skip_batched:
            t_batch, batch = timed(lambda: enumerate_exact(pb, method="batched", max_seconds=1e5))
            print(f"batched reference (forward all):     {t_batch:8.3f} s  min L_n = {batch.Ln_min:.15g}  codes {batch.Ln_argmin.tolist()}")
            assert abs(batch.Ln_min - quad.Ln_min) <= 1e-12, "the two methods disagree on the minimum"
            assert abs(pb.empirical_risk(quad.Ln_argmin) - batch.Ln_min) <= 1e-12
            print(f"speed-up of the structured path: {t_batch / t_quad:.0f}x")
            t_bclip, bclip = timed(lambda: enumerate_exact(pb_clip, method="batched", max_seconds=1e5))
            assert abs(bclip.Ln_min - struct.Ln_min) <= 1e-12, "clip-active paths disagree"
            print(f"batched reference, clip active:      {t_bclip:8.3f} s  (structured speed-up {t_bclip / t_struct:.1f}x)")
        toml = work / "bench.toml"
        toml.write_text(
            'name = "bench_2_2_1"\n[grid]\nK = 5\nstep = 0.2\n[model]\nkind = "mlp"\nlayers = [2, 2, 1]\n'
            'activation = "tanh"\nbias = false\n[loss]\nkind = "squared"\nB = 16.0\n[data]\nkind = "csv"\npath = "bench.csv"\n'
        )
        cmd = [sys.executable, "-m", "qtheory", "solve", str(toml), "--json"]
        t_proc, _ = timed(lambda: subprocess.run(cmd, check=True, capture_output=True), repeat=3)
        print(f"whole `qtheory solve` process (start-up included): {t_proc:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

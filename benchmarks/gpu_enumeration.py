"""Exhaustive ternary least squares by meet-in-the-middle enumeration on a CUDA GPU (CPU fallback).

Times the exhaustive enumeration (qtheory.solve.mitm) of all 3^d ternary codes of min (1/n) ||y - X beta||^2 at
n = 50 (X Gaussian, y independent of X with the scale of X w for a random ternary w), checks every optimum
against the branch-and-bound solver (same codes and objective required), and then increases d while the
predicted time (x3 per extra coordinate) stays within ``--budget`` seconds, reporting the largest d solved
within the budget.

On a CUDA device: d = 20, 22, 24 by default, float32 scoring with the proven float64 re-check (see the
qtheory.solve.mitm docstring).  Without CUDA: d = 12, 14, 16 by default on the CPU in float64 (the CPU numbers
say nothing about a GPU).

Usage: python benchmarks/gpu_enumeration.py [--sizes 20 22 24] [--budget 60] [--precision auto]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import numpy as np

from qtheory.grid import Grid
from qtheory.solve.bnb import solve_linear_bnb
from qtheory.solve.mitm import solve_linear_mitm


def make_problem(d: int, seed: int, n: int):
    rng = np.random.default_rng([seed, d, 7])
    X = rng.standard_normal((n, d))
    y = np.sqrt(2.0 * d / 3.0) * rng.standard_normal(n)
    return X, y


def one_run(d: int, args: argparse.Namespace, device: str) -> tuple[float, str]:
    X, y = make_problem(d, args.seed, args.n)
    grid = Grid.ternary()
    if device == "cuda":
        import torch

        torch.cuda.synchronize()
    t0 = time.perf_counter()
    sol = solve_linear_mitm(X, y, grid, device=device, precision=args.precision)
    seconds = time.perf_counter() - t0
    ref = solve_linear_bnb(X, y, grid)
    if not (ref.certified and np.array_equal(ref.codes, sol.codes) and abs(ref.objective - sol.objective) <= 1e-9 * max(1.0, ref.objective)):
        raise SystemExit(
            f"d = {d}: enumeration and branch-and-bound disagree: {sol.objective!r} {sol.codes.tolist()} vs "
            f"{ref.objective!r} {ref.codes.tolist()}"
        )
    points = 3.0**d
    line = (f"{d:>3} {points:>12.3e} {seconds:>9.3f} {points / seconds:>12.3e} {sol.info['precision']:>8} "
            f"{sol.info['candidates']:>10} {sol.info['delta']:>10.2e}  {sol.objective:.9f}  same as bnb")
    return seconds, line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="d values (default 20 22 24 on CUDA, 12 14 16 on CPU)")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds for the largest-d search (default 60)")
    parser.add_argument("--precision", default="auto", choices=["auto", "float32", "float64"])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-search-d", type=int, default=34, help="stop the largest-d search here (default 34)")
    args = parser.parse_args(argv)

    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        print(f"device: {torch.cuda.get_device_name(0)} (CUDA {torch.version.cuda}, torch {torch.__version__})")
    else:
        print(f"device: CPU only, no CUDA device ({platform.processor() or platform.machine()}, torch {torch.__version__}); "
              "these are CPU numbers, not GPU numbers")
    sizes = args.sizes or ([20, 22, 24] if device == "cuda" else [12, 14, 16])
    solve_linear_mitm(*make_problem(8, 0, args.n), Grid.ternary(), device=device, precision=args.precision)  # warm-up
    header = f"{'d':>3} {'codes':>12} {'seconds':>9} {'codes/s':>12} {'prec':>8} {'rechecked':>10} {'Delta':>10}  objective"
    print(header)
    print("-" * len(header))
    times = {}
    for d in sizes:
        seconds, line = one_run(d, args, device)
        times[d] = seconds
        print(line, flush=True)

    print(f"\nlargest d solved within {args.budget:g} s:")
    d = max(times)
    best = max((k for k, t in times.items() if t <= args.budget), default=None)
    while d < args.max_search_d:
        predicted = times[d] * 3.0
        if predicted > args.budget:
            break
        d += 1
        seconds, line = one_run(d, args, device)
        times[d] = seconds
        print(line, flush=True)
        if seconds > args.budget:
            break
        best = d
    if best is None:
        print("  none of the sizes fit the budget")
    else:
        print(f"  d = {best} ({3.0**best:.3e} codes in {times[best]:.2f} s on {device})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

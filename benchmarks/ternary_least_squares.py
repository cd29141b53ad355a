"""Ternary least squares: branch-and-bound (qtheory.solve.bnb) against cvxpy + SCIP, side by side.

Problem: min over beta in {-1, 0, 1}^d of (1/n) ||y - X beta||^2, X of shape (n, d) with i.i.d. N(0, 1) entries.
Families:
* planted: y = X w* + noise, w* uniform on {-1, 0, 1}^d, noise N(0, sigma^2) (``--noise``, default 1);
* hard: y independent of X, y ~ N(0, s^2 I) with s^2 = (2/3) d (the variance of x . w for a uniform random
  ternary w, so that y has the scale of the planted targets) times ``--hard-scale``^2.

Both methods must reach the same optimum: when SCIP reports optimal, the two objectives (re-evaluated in
float64 from the codes) must agree within 1e-6 relative, else the script fails; when SCIP hits its time cap,
the branch-and-bound objective must be no worse than SCIP's incumbent.  SCIP is given its fastest formulation
here (:func:`qtheory.solve.mip.solve_linear_mip`: the quadratic in the compact QR form, integer codes).

Usage: python benchmarks/ternary_least_squares.py [--max-d 28] [--scip-time-limit 60] [--seeds 3]
       [--sizes 12 16 20 24 28] [--hard-scale 1] [--families planted hard]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

from qtheory.grid import Grid
from qtheory.solve.bnb import solve_linear_bnb
from qtheory.solve.mip import solve_linear_mip

SIZES = (12, 16, 20, 24, 28)


def make_problem(family: str, d: int, seed: int, n: int, noise: float, hard_scale: float):
    rng = np.random.default_rng([seed, d, 0 if family == "planted" else 1])
    X = rng.standard_normal((n, d))
    if family == "planted":
        w_star = rng.integers(-1, 2, d)
        y = X @ w_star + noise * rng.standard_normal(n)
    else:
        y = hard_scale * np.sqrt(2.0 * d / 3.0) * rng.standard_normal(n)
    return X, y


def run(args: argparse.Namespace) -> int:
    grid = Grid.ternary()
    sizes = [d for d in args.sizes if d <= args.max_d]
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPU cores, python {platform.python_version()}")
    if hasattr(os, "getloadavg"):
        print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    import cvxpy
    import pyscipopt

    print(f"numpy {np.__version__}, cvxpy {cvxpy.__version__}, pyscipopt {pyscipopt.__version__}")
    print(f"n = {args.n}, seeds = {args.seeds}, noise = {args.noise}, hard scale = {args.hard_scale}, "
          f"SCIP cap = {args.scip_time_limit:g} s\n")
    header = f"{'d':>3} {'family':>8} {'seed':>4} {'bnb s':>9} {'nodes':>10} {'SCIP s':>9} {'speedup':>8}  objective"
    print(header)
    print("-" * len(header))
    rows = []
    failures = 0
    for d in sizes:
        for family in args.families:
            for seed in range(args.seeds):
                X, y = make_problem(family, d, seed, args.n, args.noise, args.hard_scale)
                t0 = time.perf_counter()
                ours = solve_linear_bnb(X, y, grid)
                t_bnb = time.perf_counter() - t0
                t0 = time.perf_counter()
                scip = solve_linear_mip(X, y, grid, solver="SCIP", formulation="miqp", time_limit=args.scip_time_limit)
                t_scip = time.perf_counter() - t0
                capped = not scip.certified
                tol = 1e-6 * max(1.0, abs(ours.objective))
                if not ours.certified:
                    failures += 1
                    note = "bnb NOT CERTIFIED"
                elif scip.certified and abs(scip.objective - ours.objective) > tol:
                    failures += 1
                    note = f"MISMATCH: SCIP {scip.objective!r}"
                elif capped and ours.objective > scip.objective + tol:
                    failures += 1
                    note = f"MISMATCH: SCIP incumbent {scip.objective!r} is better"
                else:
                    same = np.array_equal(ours.codes, scip.codes)
                    note = "same codes" if same else "same value, other codes"
                    if capped:
                        note = f"SCIP capped (status {scip.status}, incumbent {scip.objective:.6f})"
                speed = t_scip / t_bnb
                scip_txt = f">{t_scip:8.2f}" if capped else f"{t_scip:9.2f}"
                speed_txt = f">{speed:7.1f}" if capped else f"{speed:8.1f}"
                print(f"{d:>3} {family:>8} {seed:>4} {t_bnb:9.3f} {ours.info['nodes']:>10} {scip_txt} {speed_txt}  "
                      f"{ours.objective:.9f}  {note}", flush=True)
                rows.append(dict(d=d, family=family, t_bnb=t_bnb, t_scip=t_scip, capped=capped, speed=speed))

    print("\nsummary (per d and family: median and max branch-and-bound time, median and min speedup over SCIP)")
    print(f"{'d':>3} {'family':>8} {'bnb med s':>10} {'bnb max s':>10} {'SCIP med s':>11} {'speedup med':>12} {'speedup min':>12}")
    verdict = []
    for d in sizes:
        for family in args.families:
            sel = [r for r in rows if r["d"] == d and r["family"] == family]
            cap = any(r["capped"] for r in sel)
            mark = ">" if cap else " "
            med_speed = statistics.median(r["speed"] for r in sel)
            min_speed = min(r["speed"] for r in sel)
            print(f"{d:>3} {family:>8} {statistics.median(r['t_bnb'] for r in sel):10.3f} "
                  f"{max(r['t_bnb'] for r in sel):10.3f} {mark}{statistics.median(r['t_scip'] for r in sel):10.2f} "
                  f"{mark}{med_speed:11.1f} {mark}{min_speed:11.1f}")
            if d == 20:
                verdict.append(f"d = 20 {family}: min speedup {min_speed:.1f}x (target >= 5x): "
                               f"{'met' if min_speed >= 5 else 'NOT met'}")
            if d == 28:
                worst = max(r["t_bnb"] for r in sel)
                verdict.append(f"d = 28 {family}: slowest exact solve {worst:.2f} s (target < 60 s): "
                               f"{'met' if worst < 60 else 'NOT met'}")
    print("('>' marks rows where SCIP hit its time cap: its time and the speedup are lower bounds)\n")
    for line in verdict:
        print(line)
    if failures:
        print(f"\n{failures} instance(s) FAILED the same-optimum check")
        return 1
    print("\nall instances: same optimum (both certified, or branch-and-bound no worse than SCIP's capped incumbent)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="values of d (default 12 16 20 24 28)")
    parser.add_argument("--max-d", type=int, default=max(SIZES), help="skip sizes above this d (default 28)")
    parser.add_argument("--scip-time-limit", type=float, default=60.0, help="SCIP cap per instance, seconds (default 60)")
    parser.add_argument("--seeds", type=int, default=3, help="instances per (d, family) (default 3)")
    parser.add_argument("--n", type=int, default=50, help="samples (default 50)")
    parser.add_argument("--noise", type=float, default=1.0, help="noise sd of the planted family (default 1)")
    parser.add_argument("--hard-scale", type=float, default=1.0, help="scale factor of y in the hard family (default 1)")
    parser.add_argument("--families", nargs="+", default=["planted", "hard"], choices=["planted", "hard"])
    args = parser.parse_args(argv)
    if not [d for d in args.sizes if 1 <= d <= args.max_d]:
        parser.error(f"no size in --sizes {args.sizes} is in [1, --max-d == {args.max_d}]")
    if args.scip_time_limit <= 0 or args.seeds < 1 or args.n < 1:
        parser.error("--scip-time-limit must be > 0, --seeds and --n >= 1")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())

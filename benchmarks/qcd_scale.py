"""Q-CD at scale: a linear model on +-1 inputs (the analytic population R(p, beta*, sigma, B)) to a certified
nu-local solution, from the zero start and from a sparse STE warm start.

Problems (``[data] kind = "rademacher"``): grid K = 4, d = 0.25 (|Q| = 9); teacher with s* = 8 non-zero codes
(teacher_seed 3); Gaussian noise sigma = 0.5; squared loss clipped at B = 4; MCP a = 0.45 < 1/U (U_Q <= 2),
a lam = 1.5 d; nu = 10^-3.  Sizes: p = 10^5, n = 10^3 and p = 10^4, n = 10^4 (``--sizes`` to choose).

Printed per run: seconds per sweep (CPU of this process and wall), seconds to the certificate (all sweeps plus
the one-pass certificate, start excluded; the one-time import of sympy is done before timing), the warm start's
seconds, moves, non-zeros, whether certified, the
exact realized excess L(beta^) - L*_Q (E1, E2), and the peak resident memory of the process.  On a shared
machine the wall time grows with the load while the CPU time measures the work.

Usage: python benchmarks/qcd_scale.py [--sizes 100000x1000,10000x10000] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import time


def problem_config(p: int, n: int, seed: int = 0) -> dict:
    d, a = 0.25, 0.45
    return {"name": f"rademacher-p{p}-n{n}", "grid": {"K": 4, "step": d}, "model": {"kind": "linear"},
            "loss": {"kind": "squared", "B": 4.0},
            "data": {"kind": "rademacher", "p": p, "n": n, "seed": seed, "teacher_nonzeros": 8, "teacher_seed": 3,
                     "sigma": 0.5},
            "penalty": {"a": a, "lam": 1.5 * d / a}}


def run_one(p: int, n: int, start: str, nu: float) -> dict:
    from qtheory.problem import problem_from_config
    from qtheory.solve.qcd import qcd, start_codes

    t0 = time.perf_counter()
    pb = problem_from_config(problem_config(p, n))
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    codes0, _ = start_codes(pb, start, seed=0)
    start_seconds = time.perf_counter() - t0
    sweeps = []
    res = qcd(pb, nu, start=codes0, progress=sweeps.append)
    excess = float(pb.population_risk(res.codes)) - pb.L_star()
    return {"p": p, "n": n, "start": start, "build_seconds": build, "start_seconds": start_seconds,
            "seconds_to_certificate": res.seconds, "sweeps": res.sweeps, "moves": res.moves,
            "cpu_per_sweep": [round(s["cpu_seconds"], 3) for s in sweeps],
            "wall_per_sweep": [round(s["wall_seconds"], 3) for s in sweeps],
            "certified": bool(res.local), "nonzeros": int((res.codes != 0).sum()),
            "start_nonzeros": int((codes0 != 0).sum()), "excess": excess,
            "reference_checks": res.reference_checks,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000x1000,10000x10000", help="comma-separated PxN")
    ap.add_argument("--starts", default="zero,ste", help="comma-separated starts (zero, ste, round, random)")
    ap.add_argument("--nu", type=float, default=1e-3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits

    t0 = time.perf_counter()
    import qtheory.theory  # noqa: F401  (sympy and scipy: imported once, before any timing)

    if not args.json:
        print(f"import of qtheory.theory (sympy, scipy): {time.perf_counter() - t0:.2f} s, not counted below")
    rows = []
    with threadpool_limits(limits=1):
        for size in args.sizes.split(","):
            p, n = (int(x) for x in size.split("x"))
            for start in args.starts.split(","):
                row = run_one(p, n, start, args.nu)
                rows.append(row)
                if not args.json:
                    print(f"p={p} n={n} start={start}: {row['moves']} moves in {row['sweeps']} sweeps, "
                          f"{row['seconds_to_certificate']:.2f} s to the certificate (certified: {row['certified']}), "
                          f"warm start {row['start_seconds']:.2f} s ({row['start_nonzeros']} non-zeros), "
                          f"sample {row['build_seconds']:.2f} s")
                    print(f"  per sweep: cpu {row['cpu_per_sweep']} s, wall {row['wall_per_sweep']} s; "
                          f"{row['nonzeros']} non-zeros, exact excess {row['excess']:.6g}; "
                          f"peak memory {row['peak_rss_mib']:.0f} MiB")
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

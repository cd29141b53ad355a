"""Measured tightness of A0 and A, and L1's failure frequency, over R training samples of toy populations.

For each toy problem of ``qtheory.empirical.TOY_PROBLEMS``, R independent training samples of its fixed
finite population are drawn; on each, Q^p is enumerated (exact L_n, L, F) and
``qtheory.empirical.check_sample`` measures L1's event, A0's dense event, and A0 / A at the exact global
minimizers and at random Gamma-suboptimal points.  Printed:

* L1's failure frequency with its Clopper-Pearson interval and the one-sided binomial test of
  "frequency <= delta'" (false-alarm rate alpha); the same for the dense event;
* negative controls on the same samples: the single-beta Hoeffding radius B sqrt(ln(2/delta')/(2n)) used
  for all beta, D(0) used for all beta (L1 without its complexity term), and D(k) with ln(p|Q|) replaced
  by ln|Q| (L1 without its ln p);
* max_k dev(k)/D(k) (how close the realized deviations come to L1's radius);
* per bound, on the samples where its event holds: pairs checked, pairs where a violation was possible
  (bound < max L - L*_Q), violations; and the planted "excess <= Gamma" (no statistical term);
* tightness = bound / realized excess (median, min, max) per bound and per kind of point.

Usage: python benchmarks/theory_tightness.py [--R 300] [--delta 0.1] [--alpha 0.01] [--seed 2024]
       [--problems linear01 tanh_squared] [--n N] [--n-points 8] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from qtheory.empirical import (
    TOY_PROBLEMS,
    as_problem,
    bound_checks,
    event_test,
    iter_resample,
    single_point_radius,
    tightness_summary,
    toy_config,
)


def radius_without_log_p(record) -> np.ndarray:
    """D(k) with ln(p|Q|) replaced by ln|Q| ("L1 without its ln p"), from ``qtheory.theory``'s D(k) by
    substituting ln p = 0: a statement docs/theory.md calls false but loose in practice."""
    import sympy as sp

    from qtheory.theory import DEVIATION_RADIUS
    from qtheory.theory.numeric import call
    from qtheory.theory.symbols import p as p_symbol

    expr = DEVIATION_RADIUS.subs(sp.log(p_symbol), 0)
    values = {"B": record.B, "n": record.n, "p": record.p, "Qsize": record.Qsize, "delta": record.delta,
              "k": np.arange(record.p + 1)}
    return call(expr, {key: np.asarray(v, dtype=float) for key, v in values.items()})


def run(name: str, R: int, delta: float, alpha: float, seed: int, n: int | None, n_points: int) -> dict:
    cfg = toy_config(name, **({"n": n} if n is not None else {}))
    pb = as_problem(cfg)
    t0 = time.perf_counter()
    records = list(iter_resample(cfg, R, seed, delta, n_points=n_points, progress=sys.stderr.isatty()))
    seconds = time.perf_counter() - t0
    tests = {
        "L1 event": event_test(records, alpha=alpha),
        "dense event (A0)": event_test(records, lambda r: r.dense_radius, alpha=alpha),
        "control: single-beta radius for all beta": event_test(
            records, lambda r: single_point_radius(B=r.B, n=r.n, delta=r.delta), alpha=alpha
        ),
        "control: D(0) for all beta": event_test(records, lambda r: r.radius_by_k[0], alpha=alpha),
        "control: D(k) without its ln p": event_test(records, radius_without_log_p, alpha=alpha),
    }
    ratios = np.array([r.l1_ratio for r in records])
    checks = {f"{b} on {e}": bound_checks(records, b, e) for b, e in (("A", "l1"), ("A0", "dense"), ("A0", "l1"))}
    pairs = [pt for r in records if r.l1_holds for pt in r.points]
    planted = sum(pt.excess > pt.gamma + 1e-12 for pt in pairs)
    return {
        "problem": pb.describe(), "R": R, "seed": seed, "delta": delta, "alpha": alpha, "seconds": seconds,
        "tests": tests, "ratio": ratios, "checks": checks, "planted": (planted, len(pairs)),
        "tightness": tightness_summary(records), "records": records,
    }


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"


def report(res: dict) -> None:
    print(f"\n== {res['problem']}")
    print(f"   R = {res['R']} samples (seeds ({res['seed']}, r)), delta' = {res['delta']:g}, "
          f"{res['seconds']:.1f} s (shared machine)")
    for label, t in res["tests"].items():
        print(f"   {label:42s} {t.describe()}")
    r = res["ratio"]
    print(f"   max_k dev(k)/D(k): median {np.median(r):.3f}, max {r.max():.3f}")
    for label, c in res["checks"].items():
        print(f"   {label:12s} samples {c.samples:4d}, pairs {c.checked:5d}, violation possible {c.informative:5d}, "
              f"violations {len(c.violations)}")
    v, tot = res["planted"]
    print(f"   planted 'excess <= Gamma' (no statistical term) on L1's event: violated at {v} of {tot} pairs")
    head = ("points", "excess=0", "median", "min", "max")
    print(f"   {'tightness = bound / excess':28s} " + " ".join(f"{h:>{w}s}" for h, w in zip(head, (7, 9, 8, 8, 8))))
    for key, s in res["tightness"].items():
        print(f"   {key:28s} {s['points']:7d} {s['zero_excess']:9d} {_fmt(s['median']):>8s} {_fmt(s['min']):>8s} "
              f"{_fmt(s['max']):>8s}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--R", type=int, default=300)
    parser.add_argument("--delta", type=float, default=0.1)
    parser.add_argument("--alpha", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--problems", nargs="+", default=list(TOY_PROBLEMS), choices=list(TOY_PROBLEMS))
    parser.add_argument("--n", type=int, default=None, help="training sample size (default: the problem's)")
    parser.add_argument("--n-points", type=int, default=8, help="random points per Gamma level and bound")
    parser.add_argument("--json", default=None, help="also write every per-sample record to this file")
    args = parser.parse_args(argv)
    results = []
    for name in args.problems:
        res = run(name, args.R, args.delta, args.alpha, args.seed, args.n, args.n_points)
        report(res)
        results.append(res)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({res["problem"]: [r.to_dict() for r in res["records"]] for res in results}, fh)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

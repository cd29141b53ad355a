"""Incremental vs full evaluation of Q-CD candidates, side by side, on a 64-32-10 MLP on digits.

Problem: scikit-learn's digits, seeded 80/20 split (1438 training samples, standardized), a 64-32-10 tanh MLP
with biases (p = 2410), ternary weights {-0.1, 0, 0.1}, clipped multi-class logistic loss (B = 10), MCP
penalty a = 2, lam = 0.001.

Measured:
* full re-evaluation of one candidate: one forward pass of the whole net + loss + penalty from the parameter
  values (numpy, the fastest full path), and the reference ``Problem.objective`` from codes;
* incremental evaluation: every candidate of every coordinate (2 per coordinate where both levels exist)
  scored from one state by ``IncrementalEvaluator.evaluate``, time per candidate;
* Q-CD: time of every sweep of a run from a random start (or ``--start round|ste``; cyclic order, nu = 0),
  and of the final certificate.

Also checks that incremental and full values agree (max |difference| over sampled candidates).

Times are CPU seconds of this process (``time.process_time``) and wall seconds; on a shared machine the
wall time grows with the load while the CPU time measures the work.  BLAS runs with ``--threads`` threads
(default 1: the products are small; Q-CD and the certificate use one BLAS thread in any case).

Usage: python benchmarks/incremental_qcd.py [--repeats R] [--threads T] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="repetitions of each timing (median reported)")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads for the full re-evaluation (default 1)")
    ap.add_argument("--full-samples", type=int, default=200, help="candidates timed by full re-evaluation")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--start", choices=("random", "round", "ste"), default="random",
                    help="Q-CD start: uniform random codes (default), or a rounded float / STE solution")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    import numpy as np
    from threadpoolctl import threadpool_limits

    from qtheory.incremental import IncrementalEvaluator
    from qtheory.problem import problem_from_config
    from qtheory.solve.certify import certify_local
    from qtheory.solve.qcd import qcd

    cfg = {
        "name": "digits_64_32_10",
        "grid": {"kind": "ternary", "step": 0.1},
        "model": {"kind": "mlp", "layers": [64, 32, 10], "activation": "tanh", "bias": True},
        "loss": {"kind": "logistic", "B": 10.0},
        "data": {"kind": "sklearn", "dataset": "digits", "seed": 0, "test_fraction": 0.2},
        "penalty": {"a": 2.0, "lam": 0.001},
    }
    out: dict = {"problem": None, "threads": args.threads, "load_average": os.getloadavg()}
    with threadpool_limits(args.threads):
        pb = problem_from_config(cfg)
        out["problem"] = pb.describe()
        rng = np.random.default_rng(args.seed)
        codes = rng.integers(-1, 2, pb.p).astype(np.int64)
        ev = IncrementalEvaluator(pb, codes)

        def timed(fn, count: int) -> tuple[float, float]:
            """(CPU, wall) seconds per item, medians over the repeats."""
            cpu, wall = [], []
            for _ in range(args.repeats):
                c0, w0 = time.process_time(), time.perf_counter()
                fn()
                cpu.append((time.process_time() - c0) / count)
                wall.append((time.perf_counter() - w0) / count)
            return statistics.median(cpu), statistics.median(wall)

        # ---- incremental: all candidates from one state
        cands = ev.evaluate(range(pb.p))
        t_inc, w_inc = timed(lambda: ev.evaluate(range(pb.p)), len(cands))

        # ---- full re-evaluation of sampled candidates (same candidates, values compared)
        beta = pb.values(codes)
        X, y = pb.train.X, pb.train.y
        pen_levels = pb.penalty.elementwise(pb.layer_grids[0].levels)
        pen_idx = pb.indices_from_codes(codes)
        sample = rng.choice(len(cands), size=min(args.full_samples, len(cands)), replace=False)

        assert all(g == pb.layer_grids[0] for g in pb.layer_grids)
        lay1, lay2 = pb.network.layout

        rows = np.arange(pb.n)
        yi = y.astype(np.int64)

        def lean_risk(f: np.ndarray) -> float:
            # clipped multi-class logistic loss with a max-shifted logsumexp (the fastest full formula)
            m = f.max(axis=1)
            lse = m + np.log(np.exp(f - m[:, None]).sum(axis=1))
            return float(np.minimum(lse - f[rows, yi], pb.loss.B).mean())

        def full_F(k: int, risk=None) -> float:
            # the whole net from the parameter values: two BLAS matrix products, tanh, loss, penalty
            j, t = int(cands.j[k]), int(cands.new_index[k])
            b = beta.copy()
            b[j] = pb.param_grids[j].levels[t]
            idx = pen_idx.copy()
            idx[j] = t
            W1 = b[: lay1.bias_start].reshape(lay1.n_out, lay1.n_in)
            W2 = b[lay2.weight_start : lay2.bias_start].reshape(lay2.n_out, lay2.n_in)
            hidden = np.tanh(X @ W1.T + b[lay1.bias_start : lay2.weight_start])
            f = hidden @ W2.T + b[lay2.bias_start :]
            return float((risk(f) if risk else pb.loss.risk(f, y)) + pen_levels[idx].sum())

        vals = [full_F(int(k)) for k in sample]
        worst = float(np.max(np.abs(np.array(vals) - cands.F[sample])))
        t_full, w_full = timed(lambda: [full_F(int(k)) for k in sample], len(sample))
        lean = [full_F(int(k), lean_risk) for k in sample]
        worst = max(worst, float(np.max(np.abs(np.array(lean) - cands.F[sample]))))
        t_lean, w_lean = timed(lambda: [full_F(int(k), lean_risk) for k in sample], len(sample))

        ref_sample = sample[:3]

        def reference() -> None:
            for k in ref_sample:
                new = codes.copy()
                new[cands.j[k]] = pb.param_grids[int(cands.j[k])].codes[cands.new_index[k]]
                pb.objective(new, "penalized")

        t_ref, _ = timed(reference, len(ref_sample))

        # ---- Q-CD sweeps (CPU and wall seconds of each sweep, with the moves it accepted)
        sweeps: list[dict] = []

        def progress(info: dict) -> None:
            done = sum(sw["moves"] for sw in sweeps)
            sweeps.append({"cpu": info["cpu_seconds"], "wall": info["wall_seconds"], "moves": info["moves"] - done})

        start = codes if args.start == "random" else args.start
        if args.start != "random":  # train first, so that the sweep times below exclude training
            from qtheory.solve.qcd import start_codes

            start = start_codes(pb, args.start, seed=args.seed)[0]
        res = qcd(pb, 0.0, start=start, progress=progress)
        c0, w0 = time.process_time(), time.perf_counter()
        cert = certify_local(pb, res.codes, 0.0)
        t_cert, w_cert = time.process_time() - c0, time.perf_counter() - w0

    out.update(
        candidates=len(cands),
        incremental_us_per_candidate=t_inc * 1e6,
        incremental_wall_us_per_candidate=w_inc * 1e6,
        full_us_per_candidate=t_full * 1e6,
        full_wall_us_per_candidate=w_full * 1e6,
        full_lean_us_per_candidate=t_lean * 1e6,
        full_lean_wall_us_per_candidate=w_lean * 1e6,
        speedup_vs_full_lean=t_lean / t_inc,
        reference_objective_us_per_candidate=t_ref * 1e6,
        speedup_vs_full=t_full / t_inc,
        max_abs_difference=worst,
        qcd_sweep_seconds=sweeps,
        qcd_moves=res.moves,
        qcd_sweeps=res.sweeps,
        qcd_F0=res.F0,
        qcd_F=res.F,
        qcd_local=res.local,
        qcd_reference_checks=res.reference_checks,
        certificate_seconds=t_cert,
        certificate_wall_seconds=w_cert,
        certificate_method=cert.method,
    )
    if args.json:
        print(json.dumps(out))
    else:
        print(out["problem"])
        print(f"BLAS threads {args.threads}; load average at start {out['load_average']} (machine may be shared)")
        print(f"candidates per full sweep: {len(cands)}            CPU time      (wall time)")
        print(f"full re-evaluation:   {t_full * 1e6:9.1f} us/candidate ({w_full * 1e6:9.1f})  BLAS forward + Loss.risk + penalty")
        print(f"full, lean loss:      {t_lean * 1e6:9.1f} us/candidate ({w_lean * 1e6:9.1f})  BLAS forward + max-shifted logsumexp")
        print(f"reference objective:  {t_ref * 1e6:9.1f} us/candidate              Problem.objective from codes")
        print(f"incremental:          {t_inc * 1e6:9.1f} us/candidate ({w_inc * 1e6:9.1f})  -> {t_full / t_inc:.1f}x / {t_lean / t_inc:.1f}x faster (CPU)")
        print(f"one sweep of candidate evaluations, no move: {t_inc * len(cands):.3f} s CPU ({w_inc * len(cands):.3f} s wall)")
        print(f"max |incremental - full| over {len(sample)} candidates: {worst:.3g}")
        print(f"Q-CD from the {args.start} start: {res.moves} moves in {res.sweeps} sweeps, F {res.F0:.6g} -> {res.F:.6g}, "
              f"local={res.local}, reference checks {res.reference_checks}")
        for i, sw in enumerate(sweeps, 1):
            print(f"  sweep {i}: {sw['moves']:5d} moves, {sw['cpu']:.3f} s CPU ({sw['wall']:.3f} s wall)")
        print(f"certificate ({cert.method}): {t_cert:.3f} s CPU ({w_cert:.3f} s wall), local={cert.local}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

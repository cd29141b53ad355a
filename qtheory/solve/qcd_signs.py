"""Q-CD and its nu-local certificate at scale, for a linear model on +-1 inputs (``SignProblem``).

The rule is docs/theory.md's C exactly: a sweep visits the coordinates in order (cyclic, or a seeded permutation
per sweep); at coordinate j it tries s = +1, then s = -1, and accepts the first move with
F(m + s e_j) < F(m) - nu; it stops after a sweep with no accepted move.  The moves of a *block* of
consecutive coordinates are scored at once from the current point (:mod:`qtheory.solve.sign_moves`: one
product X_block^T b).  Every candidate of the block before the first accepted one is rejected at the point
the sequential rule would test it (nothing has moved yet), so the accepted moves are exactly those of the
sequential rule; after a move the rest of the block is scored again from the new point.  Block sizes adapt:
doubled after a block without moves (up to :data:`MAX_BLOCK`), halved after a move.

The certificate scores all 2p neighbours in one pass and re-evaluates by the reference (a fresh float64
evaluation of F, ``Problem.objective``) every neighbour whose score lies within the proven round-off margin of
-nu; violations are reported from the reference only.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from qtheory.populations.sign_problem import SignProblem
from qtheory.solve.certify import Certificate
from qtheory.solve.sign_moves import SignState

MIN_BLOCK = 16
MAX_BLOCK = 8192


def certify_signs(problem: SignProblem, codes: Any, nu: float) -> Certificate:
    """The nu-local certificate of ``codes`` (module doc)."""
    state = SignState(problem, codes)
    return _certificate(state, nu)


def _certificate(state: SignState, nu: float) -> Certificate:
    p = state.problem.p
    tol = state.margin()
    step = max(1, MAX_BLOCK)
    violations, n_checked, n_ref = [], 0, 0
    for lo in range(0, p, step):
        sc = state.scores(slice(lo, min(p, lo + step)))
        n_checked += int(np.isfinite(sc).sum())
        for idx in np.flatnonzero(sc.ravel() < -nu + tol).tolist():
            j, s = lo + idx // 2, 1 - 2 * (idx % 2)
            n_ref += 1
            Fnb = state.neighbour_F(j, s)
            if Fnb < state.F - nu:
                violations.append((j, s, float(state.F - Fnb)))
    return Certificate(not violations, violations, state.F, nu, "screened-signs", n_checked, n_ref)


def qcd_signs(problem: SignProblem, nu: float, codes0: np.ndarray, start_name: str, order: str,
              seed: int | None, max_moves: int | None,
              progress: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Q-CD from ``codes0`` (arguments as :func:`qtheory.solve.qcd.qcd`); returns the fields of its
    ``QCDResult``."""
    import qtheory.theory  # noqa: F401  (sympy: a one-time import, kept out of the timing)

    t0 = time.perf_counter()
    state = SignState(problem, codes0)
    F0 = state.F
    rng = np.random.default_rng(0 if seed is None else seed)
    trace: list[dict[str, Any]] = []
    counter = {"moves": 0, "sweeps": 0, "evaluations": 0, "reference": 0}
    p = problem.p
    hit_cap = False
    while True:
        sweep_order = np.arange(p) if order == "cyclic" else rng.permutation(p)
        before = counter["moves"]
        c0, w0 = time.process_time(), time.perf_counter()
        hit_cap = not _sweep(state, sweep_order, order == "cyclic", nu, counter, trace, max_moves)
        counter["sweeps"] += 1
        if progress is not None:
            progress({"sweep": counter["sweeps"], "moves": counter["moves"], "F": state.F,
                      "cpu_seconds": time.process_time() - c0, "wall_seconds": time.perf_counter() - w0})
        if hit_cap or counter["moves"] == before:
            break
    cert = _certificate(state, nu)
    return dict(
        codes=state.codes.copy(), F=cert.F, F0=F0, moves=counter["moves"], trace=trace, local=cert.local,
        hit_cap=hit_cap, start_codes=np.asarray(codes0, dtype=np.int64), nu=nu, start=start_name, order=order,
        seed=seed, sweeps=counter["sweeps"], evaluations=counter["evaluations"],
        reference_checks=counter["reference"], seconds=time.perf_counter() - t0, certificate=cert,
        info={"method": "sign-residual blocks"},
    )


def _sweep(state: SignState, order: np.ndarray, contiguous: bool, nu: float, counter: dict[str, Any],
           trace: list, max_moves: int | None) -> bool:
    """One sweep; returns False when the move cap stopped it."""
    pos, p, block = 0, order.size, MIN_BLOCK
    while pos < p:
        js = order[pos : pos + block]
        scores = state.scores(slice(pos, pos + js.size) if contiguous else js)
        counter["evaluations"] += int(np.isfinite(scores).sum())
        idx = state.first_accepted(js, scores, nu, counter)
        if idx is None:
            pos += js.size
            block = min(2 * block, MAX_BLOCK)
            continue
        if max_moves is not None and counter["moves"] >= max_moves:
            return False
        j, s = int(js[idx // 2]), 1 - 2 * (idx % 2)
        state.apply(j, s)
        counter["moves"] += 1
        trace.append({"move": counter["moves"], "j": j, "direction": s, "F": state.F})
        pos += idx // 2 + 1
        block = max(MIN_BLOCK, block // 2)
    return True

"""Algorithm C (Q-CD): monotone decrease, move count, sweep cost, local optimality of the output.

The algebraic steps are proved symbolically; the algorithm's behaviour is checked exhaustively on every
objective table F: Q^p -> {0, .., r} of a few small grids, from every start, with nu = 0 and nu = 1/2,
by running the algorithm exactly as docs/theory.md states it (sweep j = 1..p, sign +1 then -1, accept a move if
F drops by more than nu, stop after a sweep with no accepted move).
"""

from __future__ import annotations

import itertools

import numpy as np
import sympy as sp

from proofs_check.core import Step, certificate, exhaustive, identity
from qtheory.theory import C
from qtheory.theory.symbols import F0, nu

RESULT = "C"
F_old, F_new, F_m, F_min, F_ref, F_out = sp.symbols("F_old F_new F_m F_min F_ref F_out", real=True)
m = sp.Symbol("m", integer=True, nonnegative=True)
r1, r2, r3 = sp.symbols("r1 r2 r3", nonnegative=True)
pos = sp.Symbol("e", positive=True)
nu_pos = sp.Symbol("nu", positive=True)

# (p, K, values): every table F: Q^p -> values
SCOPES = ((1, 1, 4), (1, 2, 3), (1, 3, 3), (2, 1, 2))


def qcd(table: np.ndarray, start: tuple[int, ...], K: int, nu_: float) -> tuple[tuple[int, ...], list, list]:
    """Q-CD on a table indexed by codes + K; returns the output, the accepted F drops, evaluations per sweep."""
    m_ = list(start)
    drops, evals = [], []
    visited = {tuple(m_)}
    while True:
        accepted, count = False, 0
        for j in range(len(m_)):
            for sgn in (+1, -1):
                if abs(m_[j] + sgn) > K:
                    continue
                count += 1
                cand = m_.copy()
                cand[j] += sgn
                f_now, f_cand = table[tuple(c + K for c in m_)], table[tuple(c + K for c in cand)]
                if f_cand < f_now - nu_:
                    drops.append(f_now - f_cand)
                    m_ = cand
                    accepted = True
                    if tuple(m_) in visited:
                        raise AssertionError(f"point {m_} repeated")
                    visited.add(tuple(m_))
        evals.append(count)
        if not accepted:
            return tuple(m_), drops, evals


def sweep_rule(problem, nu: float, start) -> tuple[np.ndarray, list[tuple[int, int]], int]:
    """docs/theory.md's sweep rule, stated literally, on a toolkit problem: sweep j = 1..p, for s = +1 then -1
    where the level exists, accept the move if F(m + s e_j) < F(m) - nu (F by the reference evaluation
    ``objective_F``); stop after a sweep with no accepted move.  Returns (output codes, accepted moves as
    (j, s) in order, number of sweeps including the last one)."""
    from qtheory.solve.certify import objective_F

    m_ = np.asarray(start, dtype=np.int64).copy()
    index = problem.indices_from_codes(m_)
    moves: list[tuple[int, int]] = []
    sweeps = 0
    while True:
        sweeps += 1
        accepted = False
        for j in range(problem.p):
            for sgn in (+1, -1):
                t = int(index[j]) + sgn
                if not 0 <= t < problem.radices[j]:
                    continue
                cand = m_.copy()
                cand[j] = problem.param_grids[j].codes[t]
                if objective_F(problem, cand) < objective_F(problem, m_) - nu:
                    m_, index[j], accepted = cand, t, True
                    moves.append((j, sgn))
        if not accepted:
            return m_, moves, sweeps


def _is_local(table: np.ndarray, out: tuple[int, ...], K: int, nu_: float) -> bool:
    f = table[tuple(c + K for c in out)]
    for j in range(len(out)):
        for sgn in (+1, -1):
            if abs(out[j] + sgn) <= K:
                cand = list(out)
                cand[j] += sgn
                if table[tuple(c + K for c in cand)] < f - nu_:
                    return False
    return True


def _exhaustive_qcd() -> tuple[bool, str]:
    runs = 0
    for p, K, r in SCOPES:
        q = 2 * K + 1
        codes = list(itertools.product(range(-K, K + 1), repeat=p))
        for values in itertools.product(range(r), repeat=q**p):
            table = np.array(values, dtype=float).reshape((q,) * p)
            for start in codes:
                f0 = table[tuple(c + K for c in start)]
                for nu_ in (0.0, 0.5):
                    out, drops, evals = qcd(table, start, K, nu_)
                    runs += 1
                    where = f"p={p}, K={K}, F={values}, start={start}, nu={nu_}"
                    if any(dr <= nu_ for dr in drops):
                        return False, f"a drop <= nu at {where}"
                    if nu_ > 0 and len(drops) > f0 / nu_:
                        return False, f"{len(drops)} moves > F0/nu at {where}"
                    if len(drops) > q**p - 1:
                        return False, f"{len(drops)} moves > |Q|^p - 1 at {where}"
                    if max(evals) > 2 * p:
                        return False, f"a sweep with {max(evals)} > 2p evaluations at {where}"
                    if not _is_local(table, out, K, nu_) or table[tuple(c + K for c in out)] > f0:
                        return False, f"output not a nu-local solution below F0 at {where}"
    return True, f"{runs} runs"


STEPS: list[Step] = [
    certificate(RESULT, "(1) an accepted move lowers F by more than nu", F_old - F_new - nu, pos,
                {F_new: F_old - nu - pos}, strict=True),
    certificate(RESULT, "(2) m moves: F0 - F_m > m nu, F_m >= min F >= 0 (L_n, P >= 0) give m <= F0/nu",
                F0 / nu_pos - m, (r1 + r2 + r3) / nu_pos, {F0: r1 + m * nu_pos + r2 + r3}),
    identity(RESULT, "(2) the decomposition of F0/nu - m", F0 / nu_pos - m,
             (F0 - F_m - m * nu_pos) / nu_pos + (F_m - F_min) / nu_pos + F_min / nu_pos),
    exhaustive(RESULT, "(1)-(4) on every objective table, every start, nu in {0, 1/2}",
               "tables Q^p -> {0..r-1}: (p,K,r) in " + ", ".join(map(str, SCOPES)), _exhaustive_qcd),
    certificate(RESULT, "(4) Gamma <= F(beta^0) - F(beta*_eps) since F(beta^) <= F(beta^0)",
                (F0 - F_ref) - (F_out - F_ref), r1, {F_out: F0 - r1}),
    identity(RESULT, "toolkit's C value is F0/nu for nu > 0", C.value.subs(nu, nu_pos), F0 / nu_pos),
]

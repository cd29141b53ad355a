"""Algorithm C (Q-CD): monotone decrease, move count, sweep cost, local optimality of the output.

The move-count algebra is proved symbolically.  The claims about the algorithm are checked on the toolkit's
own ``qtheory.solve.qcd``, from every start of small problems whose objectives take non-integer values (so
that nu = half the median gap between neighbours decides moves and cannot act like nu = 0), against the rule
stated literally (:func:`sweep_rule`).  The rule itself is also run on every integer objective table of a few
tiny grids (claims (1)-(4) of the statement, independent of any model).
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

#: starts per problem for the checks on the toolkit's Q-CD (drawn with a fixed seed)
STARTS = 12
# (p, K, values): every table F: Q^p -> values
SCOPES = ((1, 1, 4), (1, 2, 3), (1, 3, 3), (2, 1, 2))


def _rule(F, start, neighbour, nu_: float) -> tuple[tuple[int, ...], list[tuple[int, int]], list, list]:
    """The sweep rule of docs/theory.md, stated literally, for an objective ``F(codes)`` and ``neighbour(codes, j,
    s)`` (the codes one level up (s = +1) or down (s = -1) in coordinate j, or None where that level does not
    exist): sweep j = 1..p, for s = +1 then -1, accept the move if F(m + s e_j) < F(m) - nu; stop after a sweep
    with no accepted move.  Returns (output, accepted moves (j, s) in order, their F drops, evaluations per
    sweep); a repeated point is an error."""
    m_ = tuple(start)
    moves, drops, evals = [], [], []
    visited = {m_}
    while True:
        accepted, count = False, 0
        for j in range(len(m_)):
            for sgn in (+1, -1):
                cand = neighbour(m_, j, sgn)
                if cand is None:
                    continue
                count += 1
                f_now, f_cand = F(m_), F(cand)
                if f_cand < f_now - nu_:
                    moves.append((j, sgn))
                    drops.append(f_now - f_cand)
                    m_, accepted = cand, True
                    if m_ in visited:
                        raise AssertionError(f"point {list(m_)} repeated")
                    visited.add(m_)
        evals.append(count)
        if not accepted:
            return m_, moves, drops, evals


def qcd(table: np.ndarray, start: tuple[int, ...], K: int, nu_: float) -> tuple[tuple[int, ...], list, list]:
    """Q-CD on a table indexed by codes + K; returns the output, the accepted F drops, evaluations per sweep."""

    def neighbour(m_, j, sgn):
        return m_[:j] + (m_[j] + sgn,) + m_[j + 1:] if abs(m_[j] + sgn) <= K else None

    out, _, drops, evals = _rule(lambda c: table[tuple(x + K for x in c)], start, neighbour, nu_)
    return out, drops, evals


def sweep_rule(problem, nu: float, start) -> tuple[np.ndarray, list[tuple[int, int]], int]:
    """The sweep rule (:func:`_rule`) on a toolkit problem, F by the reference evaluation ``objective_F``.
    Returns (output codes, accepted moves as (j, s) in order, number of sweeps including the last one)."""
    from qtheory.solve.certify import objective_F

    def neighbour(m_, j, sgn):
        t = int(problem.indices_from_codes(np.asarray(m_, dtype=np.int64))[j]) + sgn
        if not 0 <= t < problem.radices[j]:
            return None
        return m_[:j] + (int(problem.param_grids[j].codes[t]),) + m_[j + 1:]

    F = lambda c: float(objective_F(problem, np.asarray(c, dtype=np.int64)))  # noqa: E731
    out, moves, _, evals = _rule(F, tuple(int(c) for c in start), neighbour, nu)
    return np.asarray(out, dtype=np.int64), moves, len(evals)


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


def _problems():
    """Small problems with non-integer objectives: a linear model (zero-one loss, n = 16, with a penalty),
    an MLP (squared loss, MCP), a linear model (hinge); fixed seeds."""
    from qtheory.data import Dataset
    from qtheory.grid import Grid
    from qtheory.losses import Loss
    from qtheory.models import Network
    from qtheory.problem import Penalty, Problem

    rng = np.random.default_rng(2026)
    out = []
    for layers, loss, n, K, step, pen in (((2, 1), "zero_one", 16, 2, 0.5, (1.0, 0.25)),
                                          ((1, 2, 1), "squared", 12, 1, 0.5, (2.0, 0.5)),
                                          ((3, 1), "hinge", 10, 1, 1.0, None)):
        net = Network("linear" if len(layers) == 2 else "mlp", layers, "tanh", False)
        X = rng.standard_normal((n, layers[0]))
        y = rng.standard_normal(n) if loss == "squared" else rng.choice([-1.0, 1.0], n)
        out.append(Problem(net, [Grid.uniform(K, step)] * len(net.layout), Loss(loss, 1.0 if loss == "zero_one" else 4.0),
                           Dataset(X, y), penalty=Penalty(*pen) if pen else None))
    return out


def _toolkit_qcd_claims() -> tuple[bool, str]:
    """Claims (1)-(4) of C on ``qtheory.solve.qcd`` itself, every start, nu in {0, half the median gap}."""
    from qtheory.solve.certify import certify_local, objective_F
    from qtheory.solve.qcd import qcd as toolkit_qcd

    runs = differ = 0
    extra = 0.0
    rng = np.random.default_rng(0)
    for pb in _problems():
        codes = np.array(list(itertools.product(*[g.codes for g in pb.param_grids])), dtype=np.int64)
        table = np.asarray(objective_F(pb, codes)).reshape(tuple(pb.radices))
        gaps = np.concatenate([np.abs(np.diff(table, axis=j)).ravel() for j in range(pb.p)])
        nu_half = float(np.median(gaps[gaps > 1e-12])) / 2
        for start in codes[rng.choice(len(codes), min(len(codes), STARTS), replace=False)]:
            outs = []
            for nu_ in (0.0, nu_half):
                res = toolkit_qcd(pb, nu_, start=start, max_moves=int(codes.shape[0]) + 1)
                runs += 1
                where = f"{pb.network.kind} {pb.loss.kind}, start={start.tolist()}, nu={nu_:.4g}"
                path = [start.copy()]
                for t in res.trace:
                    nxt = path[-1].copy()
                    idx = pb.indices_from_codes(nxt)
                    nxt[t["j"]] = pb.param_grids[t["j"]].codes[idx[t["j"]] + t["direction"]]
                    path.append(nxt)
                F_path = [float(objective_F(pb, c_)) for c_ in path]
                if any(a_ - b_ <= nu_ for a_, b_ in zip(F_path, F_path[1:])):
                    return False, f"(1) a move that does not lower F by more than nu at {where}"
                bound = float(C.evaluate(F0=res.F0, nu=nu_)) if nu_ > 0 else codes.shape[0] - 1
                if res.moves > bound or res.hit_cap:
                    return False, f"(2) {res.moves} moves > {bound} at {where}"
                # (3): the rule evaluates at most 2p neighbours per sweep; the toolkit scores candidates in
                # blocks and re-scores the rest of a block after an accepted move, at most 2p more per move
                if res.evaluations > 2 * pb.p * (res.sweeps + res.moves):
                    return False, f"(3) {res.evaluations} evaluations > 2p (sweeps + moves) at {where}"
                extra = max(extra, res.evaluations / (2 * pb.p * res.sweeps))
                cert = certify_local(pb, res.codes, nu_)
                if not (res.local and cert.local) or res.F > res.F0:
                    return False, f"(4) output not a certified nu-local solution below F0 at {where}"
                want_codes, want_moves, want_sweeps = sweep_rule(pb, nu_, start)
                if [(t["j"], t["direction"]) for t in res.trace] != want_moves or res.sweeps != want_sweeps:
                    return False, f"the moves differ from the sweep rule at {where}"
                outs.append((res.codes.tolist(), res.moves))
            differ += outs[0] != outs[1]
    if not differ:
        return False, "nu = half the median gap never changed a run: the check cannot tell nu from 0"
    return True, (f"{runs} runs; nu changed the outcome in {differ} of {runs // 2} starts; evaluations up to "
                  f"{extra:.2f} x 2p per sweep (block re-scoring after moves)")


STEPS: list[Step] = [
    exhaustive(RESULT, "(1), (2), (4), the sweep rule, and the cost (3) plus re-scoring, on qtheory.solve.qcd",
               f"3 problems (zero-one + MCP, MLP squared + MCP, hinge), {STARTS} starts each, nu in {{0, median gap/2}}",
               _toolkit_qcd_claims),
    certificate(RESULT, "(2) m moves: F0 - F_m > m nu, F_m >= min F >= 0 (L_n, P >= 0) give m <= F0/nu",
                F0 / nu_pos - m, (r1 + r2 + r3) / nu_pos, {F0: r1 + m * nu_pos + r2 + r3}),
    identity(RESULT, "(2) the decomposition of F0/nu - m", F0 / nu_pos - m,
             (F0 - F_m - m * nu_pos) / nu_pos + (F_m - F_min) / nu_pos + F_min / nu_pos),
    exhaustive(RESULT, "(1)-(4) on every objective table, every start, nu in {0, 1/2}",
               "tables Q^p -> {0..r-1}: (p,K,r) in " + ", ".join(map(str, SCOPES)), _exhaustive_qcd),
    identity(RESULT, "toolkit's C value is F0/nu for nu > 0", lambda: C.value.subs(nu, nu_pos), F0 / nu_pos),
]

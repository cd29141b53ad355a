"""The nu-local certificate (Q-S3ONC), the grid-smoothness constant U_Q and a check of L2's hypotheses.

docs/theory.md: beta^ in Q^p is a *nu-local solution* when for every coordinate j and each sign s in {+1, -1} with
a neighbouring level m_j + s on the grid,

    F(beta^ + s d e_j) >= F(beta^) - nu,          F = L_n + P  (P = 0 when the problem has no penalty).

Assumption S: L_n(beta + d e_j) + L_n(beta - d e_j) - 2 L_n(beta) <= U d^2 for every beta in Q^p and every j
with both neighbours on the grid; U_Q is the smallest such U.

Exactness.  ``certify_local`` decides with the reference evaluation ``Problem.objective`` (float64), using
the comparison ``F(neighbour) < F(beta^) - nu`` of Q-CD itself.  For large problems (more than
``REFERENCE_FLOPS`` floating-point operations for the 2p reference forward passes) it first screens the
neighbours with the incremental evaluator and re-evaluates by the reference every neighbour whose incremental
decrease is not below nu by more than the evaluator's round-off margin; every reported violation and its
decrease come from the reference evaluation (``Certificate.method`` says which path ran).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qtheory.problem import Problem
from qtheory.validation import check_memory, check_positive_int, check_positive_real

#: above this many flops for the 2p reference forward passes, certify_local screens incrementally first
REFERENCE_FLOPS = 2e9
#: exact U_Q by enumeration when the enumeration is estimated to take at most this long ...
EXACT_MAX_SECONDS = 120.0
#: ... and its tables fit in this much memory
EXACT_MAX_MEMORY = 2 * 2**30
_CHUNK_BYTES = 32 * 2**20


# ===================================================================================== F
def objective_F(problem: Problem, codes: Any) -> float | np.ndarray:
    """F = L_n + P at one code vector (float) or a batch (m, p) (array); P = 0 without a penalty.

    Batches are evaluated in chunks of bounded memory by ``Problem.objective`` (the reference evaluation).
    """
    arr = np.asarray(codes)
    which = "penalized" if problem.penalty is not None else "empirical"
    if arr.ndim == 1:
        return float(problem.objective(arr, which))
    width = max(problem.network.layers)
    chunk = max(1, _CHUNK_BYTES // (8 * problem.n * (width + problem.network.n_outputs + 2)))
    out = np.empty(arr.shape[0], dtype=np.float64)
    for lo in range(0, arr.shape[0], chunk):
        out[lo : lo + chunk] = problem.objective(arr[lo : lo + chunk], which)
    return out


def neighbour_moves(problem: Problem, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every move of the certificate: arrays (j, direction, new level index), s = +1 before s = -1."""
    index = problem.indices_from_codes(codes)
    radices = problem.radices
    js, dirs, new = [], [], []
    for j in range(problem.p):
        for s in (1, -1):
            t = int(index[j]) + s
            if 0 <= t < radices[j]:
                js.append(j)
                dirs.append(s)
                new.append(t)
    return np.array(js, dtype=np.int64), np.array(dirs, dtype=np.int64), np.array(new, dtype=np.int64)


def _reference_flops(problem: Problem) -> float:
    layers = problem.network.layers
    per_sample = sum(2 * a * b for a, b in zip(layers[:-1], layers[1:]))
    return 2.0 * problem.p * problem.n * per_sample


# ===================================================================================== certificate
@dataclass
class Certificate:
    """Outcome of the nu-local test.

    local : True when no neighbour has F(neighbour) < F - nu.
    violations : every violating move as (j, direction, decrease) with decrease = F - F(neighbour) > nu,
        ordered by coordinate, s = +1 before s = -1.
    F : F at the codes (reference evaluation).
    method : "reference" (all 2p neighbours by ``Problem.objective``) or "screened" (see the module doc).
    n_checked : neighbours tested; n_reference : of those, evaluated by ``Problem.objective``.
    """

    local: bool
    violations: list[tuple[int, int, float]]
    F: float
    nu: float = 0.0
    method: str = "reference"
    n_checked: int = 0
    n_reference: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "local": bool(self.local),
            "violations": [[int(j), int(s), float(dec)] for j, s, dec in self.violations],
            "F": float(self.F),
            "nu": float(self.nu),
            "method": self.method,
            "neighbours": int(self.n_checked),
            "reference_evaluations": int(self.n_reference),
        }


def certify_local(problem: Problem, codes: Any, nu: float, *, method: str = "auto") -> Certificate:
    """Decide whether ``codes`` is a nu-local solution (Q-S3ONC) and list every violation.

    ``method``: ``"reference"`` evaluates all (at most 2p) neighbours by ``Problem.objective``;
    ``"screened"`` scores them incrementally first (module doc); ``"auto"`` picks reference unless the
    reference passes would exceed ``REFERENCE_FLOPS``.
    """
    nu = check_positive_real(nu, "nu", allow_zero=True)
    if method not in ("auto", "reference", "screened"):
        raise ValueError(f"method == {method!r}, must be 'auto', 'reference' or 'screened'")
    codes = problem.check_codes(codes)
    from qtheory.populations.sign_problem import is_sign_problem

    if method != "reference" and is_sign_problem(problem):  # +-1 inputs: one scoring pass (qcd_signs)
        from qtheory.solve.qcd_signs import certify_signs

        return certify_signs(problem, codes, nu)
    js, dirs, new = neighbour_moves(problem, codes)
    n_checked = int(js.size)
    if method == "auto":
        method = "reference" if _reference_flops(problem) <= REFERENCE_FLOPS else "screened"
    F = float(objective_F(problem, codes))
    if method == "screened":
        from qtheory.incremental import IncrementalEvaluator, single_thread_blas

        with single_thread_blas():
            ev = IncrementalEvaluator(problem, codes)
            cands = ev.evaluate(list(range(problem.p)))
        keep = ev.needs_reference(cands, nu)
        js, dirs, new = cands.j[keep], cands.direction[keep], cands.new_index[keep]
    if js.size:
        check_memory(8.0 * js.size * problem.p, f"a batch of {js.size} neighbour code vectors", "method",
                     remedy="use method 'auto'")
        batch = np.repeat(codes[None, :], js.size, axis=0)
        for r, (j, t) in enumerate(zip(js.tolist(), new.tolist())):
            batch[r, j] = problem.param_grids[j].codes[t]
        F_nb = np.atleast_1d(objective_F(problem, batch))
    else:
        F_nb = np.zeros(0)
    bad = F_nb < F - nu
    violations = [(int(j), int(s), float(F - f)) for j, s, f, b in zip(js, dirs, F_nb, bad) if b]
    return Certificate(not violations, violations, F, nu, method, n_checked, int(js.size))


# ===================================================================================== U_Q
@dataclass
class Smoothness:
    """The grid-smoothness constant of assumption S.

    U : max over beta and j of (L_n(beta + d_j e_j) + L_n(beta - d_j e_j) - 2 L_n(beta)) / d_j^2.
    exact : True when every (beta, j) was enumerated (then U = U_Q); False for a sampled *lower estimate*.
    n_samples : number of second differences evaluated; n_points : distinct centre points beta.
    where : (codes of beta, j) attaining U.
    """

    U: float
    exact: bool
    n_samples: int
    n_points: int = 0
    where: tuple[list[int], int] | None = None
    steps: list[float] = field(default_factory=list)

    def describe(self) -> str:
        if self.exact:
            return f"U_Q = {self.U:.6g} (exact, enumeration of {self.n_points} points, {self.n_samples} second differences)"
        return (
            f"U >= {self.U:.6g} (sampled lower estimate of U_Q from {self.n_samples} second differences at "
            f"{self.n_points} random points; NOT exact)"
        )


def _steps(problem: Problem) -> np.ndarray:
    """d_j for every parameter; refuses grids that are not uniform (U_Q is defined for a uniform step)."""
    steps = []
    for j, g in enumerate(problem.param_grids):
        if not g.is_uniform:
            raise ValueError(
                f"U_Q is defined for uniform grids Q = {{m d : |m| <= K}} (second differences with step d); "
                f"parameter {j} is on {g.describe()}, which has no step d"
            )
        steps.append(float(g.step))
    return np.asarray(steps)


def grid_smoothness(
    problem: Problem,
    exact: bool | None = None,
    samples: int = 200,
    seed: int = 0,
    *,
    quantities: Any = None,
) -> Smoothness:
    """U_Q of assumption S: exact by enumeration, or a sampled lower estimate.

    On a grid with one step d this is docs/theory.md's U_Q.  When layers have uniform grids with different steps
    d_l, each coordinate's second difference is divided by its own d_j^2 (the analogue with per-coordinate
    steps); grids that are not uniform are refused.

    ``exact``: True enumerates (``enumerate_exact`` with ``keep_tables``; raises when it is too large), False
    samples, None enumerates when the enumeration is estimated to fit ``EXACT_MAX_SECONDS`` and
    ``EXACT_MAX_MEMORY`` and samples otherwise.  ``quantities``: an ``ExactQuantities`` with tables to reuse.
    Sampling draws ``samples`` code vectors uniformly from Q^p (seeded) and takes at each the second
    difference along every coordinate with both neighbours; the maximum is a lower estimate of U_Q.
    """
    steps = _steps(problem)
    samples = check_positive_int(samples, "samples")
    seed = check_positive_int(seed, "seed", min_val=0)
    if quantities is not None and "empirical" in getattr(quantities, "tables", {}):
        return _exact_smoothness(problem, quantities.tables["empirical"], steps)
    if exact is None:
        exact = _enumerable(problem)
    from qtheory.populations.sign_problem import is_sign_problem

    if not exact and is_sign_problem(problem):  # +-1 inputs: U_Q <= 2 proven, and a sampled lower estimate
        from qtheory.solve.sign_smoothness import sign_smoothness

        return sign_smoothness(problem, samples, seed)
    if exact:
        from qtheory.solve.enumerate import enumerate_exact

        q = enumerate_exact(problem, keep_tables=True, max_memory_bytes=max(EXACT_MAX_MEMORY, 4 * 2**30))
        return _exact_smoothness(problem, q.tables["empirical"], steps)
    from qtheory.incremental import single_thread_blas

    with single_thread_blas():
        return _sampled_smoothness(problem, steps, samples, seed)


def _enumerable(problem: Problem) -> bool:
    """Whether enumerating Q^p with tables fits EXACT_MAX_SECONDS and EXACT_MAX_MEMORY."""
    n_tables = 1 + int(problem.population is not None) + int(problem.penalty is not None)
    if problem.n_codes * 8 * (n_tables + 1) > EXACT_MAX_MEMORY:  # also spares the estimate huge numbers
        return False
    from qtheory.solve.enumerate import estimate_enumeration

    return estimate_enumeration(problem).seconds <= EXACT_MAX_SECONDS


def second_differences(tables: np.ndarray, j: int, step: float, lead: int = 0) -> np.ndarray:
    """(T(beta + d_j e_j) + T(beta - d_j e_j) - 2 T(beta)) / d_j^2 along coordinate j of tables in canonical
    shape (radices), at every beta with both neighbours; the first ``lead`` axes index several tables."""
    ax, m = lead + j, tables.shape[lead + j]
    return (
        np.take(tables, np.arange(2, m), axis=ax)
        + np.take(tables, np.arange(0, m - 2), axis=ax)
        - 2.0 * np.take(tables, np.arange(1, m - 1), axis=ax)
    ) / step**2


def _exact_smoothness(problem: Problem, table: np.ndarray, steps: np.ndarray) -> Smoothness:
    """max over axes j of the second differences of the L_n table (canonical shape = radices) / d_j^2."""
    best, where, count = -math.inf, None, 0
    for j in range(table.ndim):
        if table.shape[j] < 3:
            continue
        sd = second_differences(table, j, steps[j])
        count += sd.size
        flat = int(np.argmax(sd))
        if sd.flat[flat] > best:
            best = float(sd.flat[flat])
            idx = np.array(np.unravel_index(flat, sd.shape))
            idx[j] += 1  # centre of the second difference
            where = ([int(c) for c in problem.codes_from_indices(idx)], j)
    return Smoothness(best, True, count, int(table.size), where, steps.tolist())


def _sampled_smoothness(problem: Problem, steps: np.ndarray, samples: int, seed: int) -> Smoothness:
    """Second differences at ``samples`` code vectors drawn uniformly from Q^p, along every coordinate
    whose level has both neighbours there (so each pair (beta, j) of assumption S is equally likely)."""
    from qtheory.incremental import IncrementalEvaluator

    rng = np.random.default_rng(seed)
    radices = problem.radices
    best, where, count = -math.inf, None, 0
    ev = None
    for _ in range(samples):
        idx = np.array([rng.integers(r) for r in radices.tolist()], dtype=np.int64)
        codes = problem.codes_from_indices(idx).astype(np.int64)
        if ev is None:
            ev = IncrementalEvaluator(problem, codes, penalty=False)
        else:
            ev.reset(codes)
        inner = np.flatnonzero((idx >= 1) & (idx <= radices - 2))
        if inner.size == 0:
            continue
        c = ev.evaluate(inner)
        up = c.direction == 1  # both moves exist for these coordinates: pairs (+1, -1) in order
        sd = (c.Ln[up] + c.Ln[~up] - 2.0 * ev.Ln) / steps[c.j[up]] ** 2
        count += sd.size
        k = int(np.argmax(sd))
        if sd[k] > best:
            best = float(sd[k])
            where = ([int(x) for x in codes], int(c.j[up][k]))
    return Smoothness(best, False, count, samples, where, steps.tolist())


# ===================================================================================== L2
@dataclass
class L2Check:
    """Which hypotheses of L2 hold at (a, lam, d, U, nu, R = K d).

    holds : hypothesis label -> bool (labels of ``qtheory.theory.L2``); all_hold : all of them.
    threshold : a lam - d; c_Q : a lam^2/2 - d^2/(2a); nu_limit : (1/a - U) d^2/2 (all from qtheory.theory).
    """

    holds: dict[str, bool]
    all_hold: bool
    threshold: float
    c_Q: float
    nu_limit: float
    numbers: dict[str, float]

    def failing(self) -> list[str]:
        return [label for label, ok in self.holds.items() if not ok]

    def to_json(self) -> dict[str, Any]:
        return {"holds": dict(self.holds), "all_hold": self.all_hold, "threshold": self.threshold,
                "c_Q": self.c_Q, "nu_limit": self.nu_limit, "numbers": dict(self.numbers)}


def l2_numbers(problem: Problem, U: float | Smoothness, nu: float = 0.0) -> dict[str, float]:
    """(a, lam, d, U, nu, Qsize) of L2 for a problem with a penalty and one uniform grid containing 0."""
    if problem.penalty is None:
        raise ValueError(f"L2 needs an MCP penalty (a, lam); problem {problem.name!r} has no [penalty]")
    grids = {g for g in problem.param_grids}
    if len(grids) != 1:
        raise ValueError("L2 is stated for one grid Q shared by all parameters; this problem uses several grids")
    (g,) = grids
    if not (g.is_uniform and g.has_zero):
        raise ValueError(f"L2 needs a uniform grid {{m d : |m| <= K}} containing 0, got {g.describe()}")
    U_val = U.U if isinstance(U, Smoothness) else float(U)
    return {"a": problem.penalty.a, "lam": problem.penalty.lam, "d": float(g.step), "U": U_val,
            "nu": check_positive_real(nu, "nu", allow_zero=True), "Qsize": g.size}


def check_l2_hypotheses(problem: Problem, U: float | Smoothness, nu: float) -> L2Check:
    """Which of a < 1/U, d < a lam, a lam <= R = K d and nu < (1/a - U) d^2/2 hold (formulas from L2)."""
    from qtheory.theory import L2

    num = l2_numbers(problem, U, nu)
    holds = L2.check(**num)
    nu_rel = L2.hypotheses["nu < (1/a - U)*d^2/2"]
    nu_limit = float(L2.evaluate_expr(nu_rel.rhs, **{k: num[k] for k in ("a", "U", "d")}))
    threshold = float(L2.evaluate(**{k: num[k] for k in ("a", "lam", "d")}))
    c_Q = float(L2.evaluate_extra("c_Q", **{k: num[k] for k in ("a", "lam", "d")}))
    return L2Check(holds, all(holds.values()), threshold, c_Q, nu_limit, num)

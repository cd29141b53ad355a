"""Claim-level tests: each result of THEORY.md checked at a construction where its bound is nearly tight, with
exact probabilities (binomial sums) instead of Monte Carlo, and the bound read from ``qtheory.theory``
(never typed a second time).  A false version of a bound that is smaller than the true one by more than the
test's *power* margin fails the test.

Power of each test: the smallest factor c such that the bound times c still passes (computed here by
:func:`claim_constructions.power` and printed with ``-s``; ``benchmarks/mutation.py --power`` tabulates it).
The marker ``claim`` selects these tests (``pytest -m claim``); ``benchmarks/mutation.py`` runs only them.
"""

from __future__ import annotations

import numpy as np
import pytest
from claim_constructions import (
    a0_failure,
    l1_failure,
    penalized_failure,
    power,
    v1_failure,
    v2_failure,
)

from qtheory.data import Dataset
from qtheory.grid import Grid
from qtheory.losses import Loss
from qtheory.models import Network
from qtheory.problem import Penalty, Problem
from qtheory.solve.certify import certify_local, check_l2_hypotheses, grid_smoothness, objective_F
from qtheory.solve.qcd import qcd
from qtheory.theory import RESULTS, quantity

pytestmark = pytest.mark.claim


def _report(name: str, c_star: float, detail: str = "") -> None:
    print(f"\npower {name}: bound x {c_star:.4f} still passes{'; ' + detail if detail else ''}")


# ============================================================================================== L1
@pytest.mark.parametrize(
    "n, p, K, delta, min_power",
    [(1000, 1, 1, 0.01, 0.75), (10_000, 1, 10**9, 0.01, 0.9), (10_000, 1000, 1, 0.01, 0.8)],
    ids=["zero-vector", "many-levels", "many-weights"],
)
def test_L1_exact_failure_probability_at_most_delta(n, p, K, delta, min_power):
    """L1's event fails with probability <= delta' on Bernoulli(1/2) losses, independent across the points of
    Q^p (the union bound is then nearly an equality).  Exact: 1 - prod_k (1 - P(|Bin(n,1/2)/n - 1/2| > D(k)))
    ^ #{k non-zeros}.  With n = 1000, delta' = 0.01, D(k) with 1/(4n) in place of 1/(2n) fails (0.0149 at
    the zero vector); p = 1000 makes the ln p of ln(p|Q|) count."""
    fail = l1_failure(n, K, delta, p=p)
    assert fail <= delta, f"L1's event fails with probability {fail:.4g} > delta' = {delta}"
    c_star = power(lambda c: l1_failure(n, K, delta, c, p=p), delta)
    _report(f"L1 ({n=}, {p=}, {K=}, {delta=})", c_star, f"failure probability {fail:.3g}")
    assert c_star >= min_power  # the construction keeps the power it was chosen for


# ============================================================================================== A0
@pytest.mark.parametrize("n, delta, Gamma, min_power", [(10_000, 0.05, 0.0, 0.55), (10_000, 1e-6, 0.0, 0.85),
                                                        (10_000, 0.05, 0.05, 0.8)])
def test_A0_two_complementary_hypotheses(n, delta, Gamma, min_power):
    """A0 on the complementary pair l(+1, z) = z, l(-1, z) = 1 - z (binary grid, p = 1): the probability that
    a Gamma-suboptimal ERM point has excess above Gamma + 2 D_dense is <= delta', for the worst mu.  One D_dense
    instead of two fails (0.07 > 0.05 at n = 10^4)."""
    fail = a0_failure(n, delta, Gamma)
    assert fail <= delta, f"A0 fails with probability {fail:.4g} > delta' = {delta}"
    c_star = power(lambda c: a0_failure(n, delta, Gamma, c), delta)
    _report(f"A0 ({n=}, {delta=}, {Gamma=})", c_star)
    assert c_star >= min_power


# ============================================================================================== A, B
PENALIZED = [("A", 1, False, 0.6), ("B", 2, False, 0.55), ("A", 1, True, 0.85), ("B", 2, True, 0.85)]


@pytest.mark.parametrize("name, K, pays, min_power", PENALIZED,
                         ids=[f"{r[0]}-{'reference-pays' if r[2] else 'zero-reference'}" for r in PENALIZED])
def test_A_and_B_one_weight_complementary_codes(name, K, pays, min_power):
    """A (a lam = d, the boundary of d <= a lam) and B (a lam = R = K d, U_Q exact per sample, nu = 0) on one
    weight whose zero code and codes +-K are complementary: the worst global minimizer of F has excess above
    the bound with probability <= delta'.  Zero reference: the bad point is non-zero and pays the penalty;
    ``reference pays``: the good point is non-zero and the cap s a lam^2/2 the bound charges is realized."""
    n, delta = 1000, 1e-4
    cap = 0.2 if pays else 0.35 * np.sqrt(quantity("A", B=1, n=n, p=1, Qsize=2 * K + 1))
    fail, info = penalized_failure(name, n, K, delta, cap, reference_pays=pays)
    assert fail <= delta, f"{name} fails with probability {fail:.4g} > delta' = {delta} ({info})"
    c_star = power(lambda c: penalized_failure(name, n, K, delta, cap, c, reference_pays=pays)[0], delta, iters=20)
    _report(f"{name} ({n=}, {K=}, {delta=}, reference pays: {pays})", c_star, f"bound {info['bound']:.4g}")
    assert c_star >= min_power


# ============================================================================================== L2
D_STEP, A_PEN, K_GRID = 0.25, 0.45, 4
LAM = 2.5 * D_STEP / A_PEN  # a lam = 2.5 d


def _one_weight(c: float, a: float = A_PEN, lam: float = LAM) -> Problem:
    """One parameter, four points x = +-1, y = x c: L_n(beta) = (beta - c)^2 exactly, so U_Q = 2 (no clip)."""
    X = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    return Problem(Network.linear(1), [Grid.uniform(K_GRID, D_STEP)], Loss("squared", 100.0),
                   Dataset(X, X[:, 0] * c), penalty=Penalty(a, lam))


def _l2_claim_holds(problem: Problem, code: int, nu: float) -> tuple[bool, dict]:
    """L2 at one point: if its hypotheses hold (U = exact U_Q) and ``code`` is nu-local, then |beta| > a lam - d
    and P(beta) >= c_Q ||beta||_0 (the toolkit's threshold and c_Q)."""
    U = grid_smoothness(problem, exact=True)
    hyp = check_l2_hypotheses(problem, U, nu)
    local = certify_local(problem, np.array([code]), nu).local
    beta = abs(code) * D_STEP
    info = {"U": U.U, "nu": nu, "nu_limit": hyp.nu_limit, "all_hold": hyp.all_hold, "local": local,
            "threshold": hyp.threshold, "c_Q": hyp.c_Q}
    if not (hyp.all_hold and local) or code == 0:
        return True, info
    pen = float(problem.penalty_value(np.array([code])))
    return bool(beta > hyp.threshold and pen >= hyp.c_Q), info


def test_L2_nu_limit_is_exactly_tight():
    """F symmetric about code 1 (d <= beta <= a lam - d): both neighbours are exactly (1/a - U) d^2/2 below,
    so code 1 is nu-local iff nu >= (1/a - U) d^2/2.  Every nu below the toolkit's limit must leave it
    non-local; L2 with the limit (1/a - U) d^2 (no /2) accepts nu = 0.75 (1/a - U) d^2 and fails."""
    t0 = D_STEP
    c = t0 * (1 - 1 / (2 * A_PEN)) + LAM / 2  # F'(t0) = 0 on [0, a lam]
    pb = _one_weight(c)
    limit = check_l2_hypotheses(pb, grid_smoothness(pb, exact=True), 0.0).nu_limit
    for frac in (0.0, 0.5, 0.75, 0.9, 0.99, 0.999999):
        ok, info = _l2_claim_holds(pb, 1, frac * limit)
        assert ok, f"L2 fails at nu = {frac} x the toolkit's limit: {info}"
    # power: the smallest nu at which code 1 is local is the true limit; report it relative to the toolkit's
    F = objective_F(pb, np.array([[0], [1], [2]]))
    drop = F[1] - min(F[0], F[2])  # code 1 is nu-local iff nu >= drop
    _report("L2 (nu limit)", 1.0, f"code 1 is local from nu = {drop / limit:.9f} x the toolkit's limit")
    assert drop / limit == pytest.approx(1.0, rel=1e-9)


def test_L2_threshold_is_attained_one_step_above():
    """A 0-local solution at the first code above a lam - d (code 2: 2d > 1.5 d) exists: the threshold cannot
    be raised by a step, and P(beta^) >= c_Q there (c_Q = P_lam(a lam - d))."""
    found = []
    for c in np.linspace(0.6, 0.7, 101):  # F(2d) <= F(d) and F(2d) <= F(3d) need c in about [0.652, 0.662]
        pb = _one_weight(float(c))
        ok, info = _l2_claim_holds(pb, 2, 0.0)
        assert ok, f"L2 fails at a 0-local point: {info}"
        if info["local"] and info["all_hold"]:
            found.append(float(c))
    assert found, "no data set makes code 2 a 0-local solution"


def test_L2_needs_a_lam_within_the_grid():
    """With a lam > R the window [d, a lam - d] reaches the last code K, which has one neighbour only: F
    decreasing towards K makes it 0-local below the threshold.  The toolkit must then report a lam <= R
    unmet (a lam = 5.5 d > R = 4 d); at a lam = R the claim holds."""
    for alam_steps, expect_hold in ((5.5, False), (4.0, True)):
        pb = _one_weight(3.0, lam=alam_steps * D_STEP / A_PEN)  # L_n = (beta - 3)^2: F decreases up to R
        ok, info = _l2_claim_holds(pb, K_GRID, 0.0)
        assert info["local"], info
        assert ok, f"L2 fails at a lam = {alam_steps} d: {info}"
        assert info["all_hold"] == expect_hold, info


# ============================================================================================== C
def test_C_move_bound_is_tight_on_a_linear_slope():
    """Hinge loss 1 - beta on beta in [-1, 1] (one weight, x = y = 1, d = 1/64): from code -64 every move lowers
    F by exactly d, and nu = d (1 - 2^-10); Q-CD makes 128 moves and F0/nu = 128/(1 - 2^-10).  The move
    bound halved fails; each accepted move lowers F by more than nu; the output is nu-local and F <= F0."""
    K = 64
    pb = Problem(Network.linear(1), [Grid.uniform(K, 1 / K)], Loss("hinge", 2.5), Dataset(np.ones((1, 1)), [1.0]))
    nu = (1 / K) * (1 - 2.0**-10)
    res = qcd(pb, nu, start=np.array([-K]))
    bound = float(RESULTS["C"].evaluate(F0=res.F0, nu=nu))
    assert res.moves <= bound
    F_path = [res.F0] + [t["F"] for t in res.trace]
    assert all(before - after > nu for before, after in zip(F_path, F_path[1:]))
    assert res.local and certify_local(pb, res.codes, nu).local and res.F <= res.F0
    _report("C (moves <= F0/nu)", res.moves / bound, f"{res.moves} moves, bound {bound:.4f}")
    assert res.moves / bound > 0.99


# ============================================================================================== V1, V2
@pytest.mark.parametrize("M", [1, 10**6])
def test_V1_exact_failure_probability_at_most_delta(M):
    """V1 on Bernoulli(mu) bits independent across the points of Q^1 (|Q| = 2K + 1) and across M configurations
    (V2's ln M), worst mu of a grid: P(some beta has L > kl^{-1}(L_n, c(k))) <= delta', exactly."""
    n, K, delta = 1000, 10**6, 0.01
    mus = np.geomspace(1e-3, 0.5, 16)
    fail, mu = v1_failure(n, K, delta, mus, M=M)
    assert fail <= delta, f"V1 fails with probability {fail:.4g} at mu = {mu:.4g}"
    c_star = power(lambda c: v1_failure(n, K, delta, mus, c, M=M)[0], delta, iters=16)
    _report(f"V1 ({n=}, {K=}, {M=}, {delta=})", c_star, f"worst mu {mu:.3g}; the factor multiplies kl^-1 - L_n")
    assert c_star >= 0.8


def test_V2_selection_among_M_configurations():
    """V2: M = 10^6 configurations, each an independent copy of the L1 construction; with ln M in the radius
    the union fails with probability <= delta', without it far more often."""
    n, K, delta, M = 10_000, 1, 0.01, 10**6
    fail = v2_failure(n, K, delta, M)
    assert fail <= delta, f"V2 fails with probability {fail:.4g}"
    c_star = power(lambda c: v2_failure(n, K, delta, M, c), delta)
    _report(f"V2 ({n=}, {M=}, {delta=})", c_star)
    assert c_star >= 0.85


# ============================================================================================== V3
def test_V3_bias_is_attained_by_a_kink_between_grid_points():
    """L(beta) = M_inf |beta - (m + 1/2) d| is M_inf-Lipschitz, its infimum over [-R, R] is 0 and its minimum
    over Q is M_inf d/2: V3's bias M_inf d/2 is attained exactly (a bias d/4 fails)."""
    for K, d, Linf, m0 in ((4, 0.25, 2.0, 1), (3, 0.5, 1.0, -2), (8, 0.125, 4.0, 5)):
        levels = Grid.uniform(K, d).levels
        centre = (m0 + 0.5) * d
        L_star_Q = float(np.min(Linf * np.abs(levels - centre)))
        inf_box = 0.0  # attained at beta = centre, inside [-R, R]
        bias = float(RESULTS["V3"].evaluate(Linf=Linf, d=d))
        assert L_star_Q <= inf_box + bias
        assert L_star_Q == bias  # exact in binary floating point for these steps
    _report("V3", 1.0, "attained exactly")

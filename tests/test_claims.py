"""Claim-level tests: each result of docs/theory.md checked at a construction where its bound is nearly tight, with
exact probabilities (binomial sums) instead of Monte Carlo, and the bound read from ``qtheory.theory``
(never typed a second time).  A false version of a bound that is smaller than the true one by more than the
test's *power* margin fails the test.

Power of each construction: the smallest factor c such that the bound times c still passes (computed by
:func:`claim_constructions.power`, printed with ``-s``; ``benchmarks/mutation.py --power`` tabulates it).
The claim tests (marker ``claim``; ``benchmarks/mutation.py`` runs only them) assert the claim; the power
tests (unmarked) assert that each construction keeps the power it was chosen for, so that a change of the
constructions cannot weaken the claim tests silently.
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



def _report(name: str, c_star: float, detail: str = "") -> None:
    print(f"\npower {name}: bound x {c_star:.4f} still passes{'; ' + detail if detail else ''}")


# ============================================================================================== probabilistic
def _penalized(name: str, K: int, pays: bool):
    n, delta = 1000, 1e-4

    def fail(c: float) -> float:
        cap = 0.2 if pays else 0.35 * float(np.sqrt(quantity("A", B=1, n=n, p=1, Qsize=2 * K + 1)))
        return penalized_failure(name, n, K, delta, cap, c, reference_pays=pays)[0]

    return fail, delta


MUS = np.geomspace(1e-3, 0.5, 16)

#: id -> (failure probability as a function of the shrink factor, delta', power floor).  Constructions:
#: L1: Bernoulli(1/2) bits independent across the points of Q^p (zero vector at n = 1000: D(k) with 1/(4n)
#:   fails with 0.0149 > 0.01; p = 1000 makes the ln p of ln(p|Q|) count).
#: A0: the complementary pair l(+1, z) = z, l(-1, z) = 1 - z (one D_dense fails: 0.07 > 0.05 at n = 10^4).
#: A (a lam = d, the boundary of d <= a lam), B (a lam = R = K d, U_Q exact per sample, nu = 0): one weight
#:   whose zero code and codes +-K are complementary; "zero-reference": the bad point is non-zero and pays
#:   the penalty; "reference-pays": the good point is non-zero and the cap s a lam^2/2 is realized.
#: V1: Bernoulli(mu) bits, worst mu of a grid, M configurations (V2's ln M).  V2: M copies of L1's.
CASES = {
    "L1-zero-vector": ((lambda c: l1_failure(1000, 1, 0.01, c)), 0.01, 0.75),
    "L1-many-levels": ((lambda c: l1_failure(10_000, 10**9, 0.01, c)), 0.01, 0.9),
    "L1-many-weights": ((lambda c: l1_failure(10_000, 1, 0.01, c, p=1000)), 0.01, 0.8),
    "A0-delta-0.05": ((lambda c: a0_failure(10_000, 0.05, 0.0, c)), 0.05, 0.55),
    "A0-delta-1e-6": ((lambda c: a0_failure(10_000, 1e-6, 0.0, c)), 1e-6, 0.85),
    "A0-Gamma-0.05": ((lambda c: a0_failure(10_000, 0.05, 0.05, c)), 0.05, 0.8),
    "A-zero-reference": (*_penalized("A", 1, False), 0.6),
    "B-zero-reference": (*_penalized("B", 2, False), 0.55),
    "A-reference-pays": (*_penalized("A", 1, True), 0.85),
    "B-reference-pays": (*_penalized("B", 2, True), 0.85),
    "V1": ((lambda c: v1_failure(1000, 10**6, 0.01, MUS, c)[0]), 0.01, 0.8),
    "V1-M-1e6": ((lambda c: v1_failure(1000, 10**6, 0.01, MUS, c, M=10**6)[0]), 0.01, 0.85),
    "V2-M-1e6": ((lambda c: v2_failure(10_000, 1, 0.01, 10**6, c)), 0.01, 0.9),
}
if "V4" in RESULTS:  # V1 with the exact count C(p,k)(|Q|-1)^k
    CASES["V4"] = ((lambda c: v1_failure(1000, 10**6, 0.01, MUS, c, name="V4")[0]), 0.01, 0.8)
    CASES["V4-M-1e6"] = ((lambda c: v1_failure(1000, 10**6, 0.01, MUS, c, M=10**6, name="V4")[0]), 0.01, 0.85)


@pytest.mark.claim
@pytest.mark.parametrize("case", list(CASES))
def test_exact_failure_probability_at_most_delta(case):
    """The claim (L1, A0, A, B, V1, V2) fails with probability at most delta' on its construction, exactly."""
    fail, delta, _ = CASES[case]
    prob = fail(1.0)
    assert prob <= delta, f"{case}: the claim fails with probability {prob:.4g} > delta' = {delta}"


@pytest.mark.parametrize("case", list(CASES))
def test_power_of_each_construction(case):
    """Each construction refutes every version of its bound smaller by more than its power margin."""
    fail, delta, floor = CASES[case]
    c_star = power(fail, delta, iters=20)
    _report(case, c_star, f"failure probability {fail(1.0):.3g} at delta' = {delta}")
    assert c_star >= floor


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


def _symmetric_about_code_1(a: float = A_PEN) -> Problem:
    """F symmetric about code 1 (d <= beta <= a lam - d, a lam = 2.5 d): F'(d) = 0 on [0, a lam]."""
    lam = 2.5 * D_STEP / a
    return _one_weight(D_STEP * (1 - 1 / (2 * a)) + lam / 2, a=a, lam=lam)


@pytest.mark.claim
@pytest.mark.parametrize("a", [A_PEN, 0.25])
def test_L2_nu_limit_is_exactly_tight(a):
    """F symmetric about code 1: both neighbours are exactly (1/a - U) d^2/2 below, so code 1 is nu-local iff
    nu >= (1/a - U) d^2/2.  Every nu below the toolkit's limit (and at it: the hypothesis is strict) must leave
    the claim true; L2 with the limit (1/a - U) d^2 (no /2) accepts nu = 0.75 (1/a - U) d^2 and fails.  With
    a = 1/4 every number is a dyadic rational (U_Q = 2, the limit d^2 and F are exact in floating point), so
    nu equal to the limit is tested exactly."""
    pb = _symmetric_about_code_1(a)
    limit = check_l2_hypotheses(pb, grid_smoothness(pb, exact=True), 0.0).nu_limit
    for frac in (0.0, 0.5, 0.75, 0.9, 0.99, 0.999999, 1.0):
        ok, info = _l2_claim_holds(pb, 1, frac * limit)
        assert ok, f"L2 fails at nu = {frac} x the toolkit's limit: {info}"


def test_L2_nu_limit_power():
    """The construction is exactly tight: code 1 becomes nu-local at nu = the toolkit's limit (so no larger
    limit is true)."""
    pb = _symmetric_about_code_1()
    limit = check_l2_hypotheses(pb, grid_smoothness(pb, exact=True), 0.0).nu_limit
    F = objective_F(pb, np.array([[0], [1], [2]]))
    drop = F[1] - min(F[0], F[2])  # code 1 is nu-local iff nu >= drop
    _report("L2 (nu limit)", 1.0, f"code 1 is local from nu = {drop / limit:.9f} x the toolkit's limit")
    assert drop / limit == pytest.approx(1.0, rel=1e-9)
    assert _l2_claim_holds(pb, 1, drop * (1 + 1e-9))[1]["local"]


@pytest.mark.claim
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


@pytest.mark.claim
def test_L2_needs_a_lam_within_the_grid():
    """With a lam > R the window [d, a lam - d] reaches the last code K, which has one neighbour only: F
    decreasing towards K makes it 0-local below the threshold, so the toolkit must report a lam <= R unmet
    (a lam = 5.5 d > R = 4 d); at a lam = R the claim holds."""
    for alam_steps in (5.5, 4.0):
        ok, info = _l2_claim_holds(_one_weight(3.0, lam=alam_steps * D_STEP / A_PEN), K_GRID, 0.0)
        assert ok, f"L2 fails at a lam = {alam_steps} d: {info}"


def test_L2_grid_boundary_construction():
    """The previous construction is not vacuous: code K is 0-local in both cases, and L2's hypotheses hold at
    a lam = R (L_n = (beta - 3)^2 decreases up to R)."""
    for alam_steps, expect in ((5.5, False), (4.0, True)):
        info = _l2_claim_holds(_one_weight(3.0, lam=alam_steps * D_STEP / A_PEN), K_GRID, 0.0)[1]
        assert info["local"] and info["all_hold"] == expect, info


# ============================================================================================== C
@pytest.mark.claim
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
    assert res.moves == 2 * K  # the construction: every move is one step up the slope
    F_path = [res.F0] + [t["F"] for t in res.trace]
    assert all(before - after > nu for before, after in zip(F_path, F_path[1:]))
    assert res.local and certify_local(pb, res.codes, nu).local and res.F <= res.F0
    _report("C (moves <= F0/nu)", res.moves / bound, f"{res.moves} moves, bound {bound:.4f}")


# ============================================================================================== V3
@pytest.mark.claim
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

"""U_Q (assumption S), L2's threshold on Q-CD outputs with its negative control, and B on every sample where
L1's event holds (Gamma exact by enumeration)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_local_support import make_problem, trial_problem, with_penalty

from qtheory.grid import Grid
from qtheory.problem import Penalty
from qtheory.solve.certify import check_l2_hypotheses, grid_smoothness, objective_F
from qtheory.solve.enumerate import enumerate_exact
from qtheory.solve.qcd import qcd
from qtheory.theory import B as RESULT_B
from qtheory.theory import deviation_radius

D = 0.25  # the trial's grid step


# ------------------------------------------------------------------------------------------------ U_Q
def _brute_force_U(problem) -> float:
    """max over beta, j of the second difference of L_n / d^2, straight from the definition of S."""
    grid = problem.layer_grids[0]
    radices = problem.radices
    best = -np.inf
    for flat in range(int(np.prod(radices))):
        idx = np.array(np.unravel_index(flat, tuple(radices)))
        for j in range(problem.p):
            if 0 < idx[j] < radices[j] - 1:
                pts = np.repeat(idx[None, :], 3, axis=0)
                pts[:, j] += [-1, 0, 1]
                Ln = problem.empirical_risk(problem.codes_from_indices(pts))
                best = max(best, (Ln[0] + Ln[2] - 2 * Ln[1]) / grid.step**2)
    return best


@pytest.mark.parametrize("loss", ["squared", "logistic"])
def test_exact_U_Q_matches_definition_and_sampling_is_a_lower_estimate(loss):
    problem = make_problem(3, layers=(2, 1, 1), loss=loss, n=20, K=2, step=0.5)
    exact = grid_smoothness(problem)
    assert exact.exact and exact.n_points == 5**3
    assert exact.n_samples == 3 * 3 * 5**2  # centres with both neighbours, per axis
    assert abs(exact.U - _brute_force_U(problem)) <= 1e-9
    codes, j = exact.where
    assert exact.U == pytest.approx(
        (lambda c: (problem.empirical_risk(c[0]) + problem.empirical_risk(c[2]) - 2 * problem.empirical_risk(c[1])))(
            [np.array(codes) + s * np.eye(problem.p, dtype=np.int64)[j] for s in (-1, 0, 1)]
        ) / 0.25, abs=1e-9)
    sampled = grid_smoothness(problem, exact=False, samples=30, seed=1)
    assert not sampled.exact and 0 < sampled.n_samples <= 30 * 3 and sampled.n_points == 30
    assert sampled.U <= exact.U + 1e-12
    assert "NOT exact" in sampled.describe() and "lower estimate" in sampled.describe()


def test_smoothness_refuses_grids_without_a_step_and_uses_per_layer_steps():
    problem = make_problem(0, layers=(2, 1, 1), n=10, K=2, step=0.5)
    custom = dataclasses.replace(problem, layer_grids=[Grid.from_levels([-1.0, 0.0, 0.3, 2.0])] * 2)
    with pytest.raises(ValueError, match="uniform"):
        grid_smoothness(custom)
    # two layers with different steps: each axis divided by its own d_j^2 (brute force per axis)
    mixed = dataclasses.replace(problem, layer_grids=[Grid.uniform(2, 0.5), Grid.uniform(2, 0.25)])
    sm = grid_smoothness(mixed)
    assert sm.exact and sm.steps == [0.5, 0.5, 0.25]
    tab = enumerate_exact(mixed, keep_tables=True).tables["empirical"]
    per_axis = []
    for j, dj in enumerate(sm.steps):
        t = np.moveaxis(tab, j, 0)
        per_axis.append(((t[2:] + t[:-2] - 2 * t[1:-1]) / dj**2).max())
    assert sm.U == pytest.approx(max(per_axis), abs=1e-12)
    with pytest.raises(ValueError, match="one grid"):
        check_l2_hypotheses(dataclasses.replace(mixed, penalty=Penalty(1.0, 1.0)), sm, 0.0)


def test_check_l2_hypotheses_names_each_failure():
    problem = with_penalty(make_problem(0, layers=(2, 1, 1), K=4, step=0.25), a=0.5, lam=1.25)  # a lam = 2.5 d
    ok = check_l2_hypotheses(problem, 1.0, 0.01)
    assert ok.all_hold and ok.failing() == []
    assert ok.threshold == pytest.approx(0.625 - 0.25)
    # independent transcription of the limit (1/a - U) d^2/2, on purpose, to check the wiring
    assert ok.nu_limit == pytest.approx((1 / 0.5 - 1.0) * 0.25**2 / 2)
    assert check_l2_hypotheses(problem, 2.5, 0.0).failing() == ["a*U < 1", "nu < (1/a - U)*d^2/2"]
    assert check_l2_hypotheses(problem, 1.0, 1.0).failing() == ["nu < (1/a - U)*d^2/2"]
    too_wide = with_penalty(problem, a=0.5, lam=2.5)  # a lam = 1.25 > R = 1
    assert check_l2_hypotheses(too_wide, 1.0, 0.0).failing() == ["a*lam <= R"]
    too_narrow = with_penalty(problem, a=0.5, lam=0.4)  # a lam = 0.2 < d
    assert "d < a*lam" in check_l2_hypotheses(too_narrow, 1.0, 0.0).failing()
    with pytest.raises(ValueError, match="penalty"):
        check_l2_hypotheses(make_problem(0, layers=(2, 1, 1)), 1.0, 0.0)


# ------------------------------------------------------------------------------------------------ L2
def _l2_runs(seeds, a_factor: float, ratios, starts: int, nu_fraction: float | None):
    """Q-CD outputs on the trial problem: (non-zeros, threshold violations, P < c_Q ||beta||_0 counts)."""
    nonzeros = below = penalty_short = 0
    for seed in seeds:
        base = trial_problem(seed)
        sm = grid_smoothness(base)
        assert sm.exact and sm.U > 0
        a = a_factor / sm.U
        for ratio in ratios:
            problem = with_penalty(base, a, ratio * D / a)
            l2 = check_l2_hypotheses(problem, sm, 0.0)
            nu = 0.0 if nu_fraction is None else nu_fraction * l2.nu_limit
            l2 = check_l2_hypotheses(problem, sm, nu)
            assert l2.all_hold == (a_factor < 1)
            rng = np.random.default_rng(seed)
            for _ in range(starts):
                res = qcd(problem, nu, start="random", seed=int(rng.integers(2**31)))
                assert res.local
                beta = problem.values(res.codes)
                nz = res.codes != 0
                nonzeros += int(nz.sum())
                below += int(np.sum(nz & (np.abs(beta) <= l2.threshold)))
                if problem.penalty_value(res.codes) < l2.c_Q * nz.sum() - 1e-12:
                    penalty_short += 1
    return nonzeros, below, penalty_short


def test_l2_threshold_on_qcd_outputs_and_negative_control():
    seeds = range(8)
    # L2's hypotheses hold: a = 0.9/U_Q (exact), a lam = 2.5 d and 3.5 d, nu = half its limit
    nonzeros, below, short = _l2_runs(seeds, 0.9, (2.5, 3.5), starts=8, nu_fraction=0.5)
    assert nonzeros >= 20, "the test is vacuous without non-zeros"
    assert below == 0 and short == 0
    # negative control, same problems and starts: a = 4/U_Q breaks a < 1/U (nu = 0), and Q-CD outputs put
    # non-zeros at or below a lam - d (about 20 of 130 non-zeros on these seeds)
    nonzeros_c, below_c, short_c = _l2_runs(seeds, 4.0, (2.5, 3.5), starts=8, nu_fraction=None)
    assert below_c > 0 and short_c > 0


# ------------------------------------------------------------------------------------------------ B
@pytest.mark.slow
def test_B_holds_whenever_L1_event_holds():
    delta = 0.1
    events = checked = 0
    for seed in range(6):
        base = trial_problem(seed, n=60)
        base = dataclasses.replace(base, loss=dataclasses.replace(base.loss, B=4.0))
        q0 = enumerate_exact(base, keep_tables=True)
        sm = grid_smoothness(base, quantities=q0)
        a = 0.9 / sm.U
        problem = with_penalty(base, a, 2.5 * D / a)
        q = enumerate_exact(problem, keep_tables=True)
        Ln, L = q.tables["empirical"], q.tables["population"]
        # ||beta||_0 of every code vector (canonical table axes: level index per parameter)
        k = np.zeros(Ln.shape, dtype=np.int64)
        for j, g in enumerate(problem.param_grids):
            shape = [1] * problem.p
            shape[j] = g.size
            k += (g.codes != 0).reshape(shape)
        numbers = dict(B=4.0, n=problem.n, p=problem.p, Qsize=problem.Qsize, delta=delta)
        if not np.all(np.abs(Ln - L) <= deviation_radius(k, **numbers)):
            continue  # L1's event fails on this sample: B claims nothing here
        events += 1
        l2 = check_l2_hypotheses(problem, sm, 0.0)
        nu = 0.5 * l2.nu_limit
        assert check_l2_hypotheses(problem, sm, nu).all_hold
        for start in range(5):
            res = qcd(problem, nu, start="random", seed=start)
            excess = problem.population_risk(res.codes) - q.L_star
            for s in range(1, problem.p + 1):
                ref, _ = q.best_sparse(s)
                gamma = max(0.0, res.F - objective_F(problem, ref))  # exact: F(beta^) <= F(beta*_eps) + Gamma
                args = dict(numbers, s=s, eps=q.eps(s), Gamma=gamma, a=problem.penalty.a,
                            lam=problem.penalty.lam, d=D)
                assert excess <= RESULT_B.evaluate(**args)
                assert problem.nonzeros(res.codes) <= RESULT_B.evaluate_extra("sparsity_bound", **args)
                checked += 1
    assert events >= 3 and checked > 0

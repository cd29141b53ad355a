"""Incremental evaluation equals full re-evaluation (to float round-off) on random moves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_local_support import make_problem, problems, random_codes

from qtheory.incremental import IncrementalEvaluator
from qtheory.solve.certify import objective_F

TOL = 1e-10


def _moved(problem, codes, j, t):
    new = codes.copy()
    new[j] = problem.param_grids[j].codes[t]
    return new


def _check_all_candidates(problem, ev) -> None:
    cands = ev.evaluate(range(problem.p))
    assert len(cands) == sum(len(g.neighbours(int(c))) for g, c in zip(problem.param_grids, ev.codes))
    batch = np.array([_moved(problem, ev.codes, j, t) for j, t in zip(cands.j, cands.new_index)])
    full = np.atleast_1d(objective_F(problem, batch)) if len(batch) else np.zeros(0)
    ok = ~cands.fragile  # a zero-one margin within round-off of a tie may flip: decided by reference
    assert np.all(np.abs(cands.F[ok] - full[ok]) <= TOL), np.max(np.abs(cands.F[ok] - full[ok]))
    if problem.penalty is not None:
        pen = np.atleast_1d(problem.penalty_value(batch))
        assert np.allclose(cands.P, pen, rtol=0, atol=TOL)
    # moves on units whose outgoing weights are all zero leave L_n unchanged bit for bit in the reference
    if np.any(cands.ln_unchanged):
        ref_now = float(problem.empirical_risk(ev.codes[None, :])[0])
        ref_new = np.atleast_1d(problem.empirical_risk(batch[cands.ln_unchanged]))
        assert np.all(ref_new == ref_now)


@given(problems(), st.integers(0, 2**31 - 1))
@settings(max_examples=40)
def test_incremental_equals_full_along_random_moves(problem, seed):
    rng = np.random.default_rng(seed)
    ev = IncrementalEvaluator(problem, random_codes(problem, rng))
    for _ in range(4):
        assert abs(ev.F - objective_F(problem, ev.codes)) <= TOL
        _check_all_candidates(problem, ev)
        j = int(rng.integers(problem.p))
        moves = problem.param_grids[j].neighbours(int(ev.codes[j]))
        code = moves[int(rng.integers(len(moves)))]
        ev.apply(j, int(problem.param_grids[j].index_of(np.asarray(code))))
        assert ev.codes[j] == code


@pytest.mark.parametrize("loss", ["squared", "logistic", "hinge", "zero_one"])
@pytest.mark.parametrize("layers", [(5, 4), (5, 6, 4), (4, 3, 3, 4), (3, 2, 2, 2, 1)])
def test_incremental_multiclass_and_deep(loss, layers):
    kind = "linear" if len(layers) == 2 else "mlp"
    problem = make_problem(7, layers=layers, kind=kind, bias=True, loss=loss, n=50, K=3, step=0.3,
                           penalty=(2.0, 0.2))
    rng = np.random.default_rng(1)
    ev = IncrementalEvaluator(problem, random_codes(problem, rng))
    for _ in range(3):
        _check_all_candidates(problem, ev)
        c = ev.evaluate(range(problem.p))
        k = int(rng.integers(len(c)))
        ev.apply(int(c.j[k]), int(c.new_index[k]))
        assert abs(ev.F - objective_F(problem, ev.codes)) <= TOL


@pytest.mark.parametrize("K", [1, 2])
@pytest.mark.parametrize("step,B", [(400.0, 1.0), (2.0, 0.7), (0.1, 50.0)])
def test_grouped_logistic_kernel_paths(K, step, B):
    # K = 1 with 6 outputs: output-weight columns hold {-d, 0, d} (one-exponential form); K = 2: general
    # grouping; big steps make |u w| large (direct path); small B makes the clip active (per-sample path)
    problem = make_problem(3, layers=(4, 3, 6), bias=True, loss="logistic", n=40, K=K, step=step, B=B,
                           activation="relu")
    ev = IncrementalEvaluator(problem, random_codes(problem, np.random.default_rng(0)))
    if K == 1:
        V = ev.W[-1]
        assert any(set(np.unique(V[:, h]).tolist()) == {-step, 0.0, step} for h in range(V.shape[1]))
    _check_all_candidates(problem, ev)


def test_evaluator_rejects_bad_codes():
    problem = make_problem(0, layers=(2, 2, 1), K=1)
    with pytest.raises(ValueError, match="codes"):
        IncrementalEvaluator(problem, np.array([0, 0, 0, 0, 0, 2]))
    with pytest.raises(ValueError, match="p = 6"):
        IncrementalEvaluator(problem, np.zeros(5, dtype=np.int64))

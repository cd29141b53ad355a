"""Output bounds over a grid box: they enclose the outputs of every code vector, are attained for a linear
model, and the clip test built on them agrees with a direct check over all code vectors."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_local_support import problems

from qtheory.solve.output_bounds import linear_output_bounds, network_output_bounds, squared_residual_bound


def _all_outputs(problem, X):
    """Outputs of every code vector of the grid box (a small problem: enumerated directly)."""
    grids = problem.param_grids
    rows = [problem.network.forward(np.array(vals, dtype=np.float64), X)
            for vals in itertools.product(*[g.levels for g in grids])]
    return np.stack(rows)  # (|Q|^p, n, C)


@settings(max_examples=40, deadline=None)
@given(problems(deep=True), st.data())
def test_bounds_enclose_every_code_vector(problem, data):
    if int(np.prod(problem.radices, dtype=object)) > 20_000:
        codes = [np.array([data.draw(st.sampled_from(list(g.levels))) for g in problem.param_grids])
                 for _ in range(200)]
        outs = np.stack([problem.network.forward(c, problem.train.X) for c in codes])
    else:
        outs = _all_outputs(problem, problem.train.X)
    lo, hi = network_output_bounds(problem.network, problem.param_grids, problem.train.X)
    tol = 1e-9 * (1 + np.abs(outs).max())
    assert np.all(outs >= lo[None] - tol) and np.all(outs <= hi[None] + tol)
    if problem.network.kind == "linear" and int(np.prod(problem.radices, dtype=object)) <= 20_000:
        # a linear model's bounds are its exact range over the box
        assert np.allclose(outs.min(axis=0), lo) and np.allclose(outs.max(axis=0), hi)
        if problem.network.n_outputs == 1:
            lin = linear_output_bounds(problem.train.X, problem.param_grids, problem.network.bias)
            assert np.allclose(lin[0], lo[:, 0]) and np.allclose(lin[1], hi[:, 0])
    # the residual bound is at least every code vector's squared residual
    y = problem.train.y
    if problem.network.n_outputs == 1:
        resid = (outs[..., 0] - y[None]) ** 2
    else:
        target = np.eye(problem.network.n_outputs)[y.astype(np.int64)]
        resid = ((outs - target[None]) ** 2).sum(axis=-1)
    bound = squared_residual_bound(problem.network, problem.param_grids, problem.train.X, y)
    assert np.all(resid <= bound[None] * (1 + 1e-12) + 1e-12)

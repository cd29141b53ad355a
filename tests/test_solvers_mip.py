"""MIP formulations (cvxpy + SCIP / HiGHS) against brute-force enumeration, and their conventions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qtheory.grid import Grid
from qtheory.solve.linear_exact import affine_bounds, linear_outputs, objective, relu_n_params, relu_outputs
from qtheory.solve.mip import solve_linear_mip, solve_relu_mip
from test_solvers_common import as_list, brute_force, close, grids_for, linear_forward, random_data, relu_forward

MIP_RTOL = 1e-6

# (loss, B, formulation): every formulation of the linear model
LINEAR_CASES = [
    ("squared", None, "miqp"),
    ("squared", None, "milp"),
    ("squared", 0.5, "miqp"),
    ("squared", 0.5, "milp"),
    ("hinge", None, "auto"),
    ("hinge", 0.7, "auto"),
    ("zero_one", None, "auto"),
]


@st.composite
def linear_problems(draw, loss):
    n = draw(st.integers(2, 9))
    d = draw(st.integers(1, 3))
    bias = draw(st.booleans())
    grid = draw(grids_for(d + bias))
    X, y, w = random_data(draw(st.integers(0, 2**31 - 1)), n, d, labels=loss != "squared", weighted=draw(st.booleans()))
    return X, y, w, grid, bias


@pytest.mark.parametrize("loss, B, formulation", LINEAR_CASES)
@settings(max_examples=10)
@given(data=st.data())
def test_linear_mip_matches_brute_force(loss, B, formulation, data):
    X, y, w, grid, bias = data.draw(linear_problems(loss))
    p = X.shape[1] + bias
    best, values, points = brute_force(X, y, as_list(grid, p), linear_forward(bias), loss, B, w)
    sol = solve_linear_mip(X, y, grid, loss=loss, B=B, weights=w, bias=bias, formulation=formulation)
    assert sol.certified and sol.status == "optimal", sol
    assert close(sol.objective, best, MIP_RTOL)
    row = int(np.argmin(np.abs(points - sol.weights).sum(axis=1)))
    assert np.array_equal(points[row], sol.weights)  # the codes are a grid point with that value
    assert close(values[row], sol.objective, 1e-12)


@st.composite
def relu_problems(draw, loss):
    n = draw(st.integers(2, 6))
    d = draw(st.integers(1, 2))
    hidden = draw(st.integers(1, 2))
    bias = draw(st.booleans()) if loss != "squared" else False
    p = relu_n_params(d, hidden, bias)
    grid = draw(grids_for(p))
    X, y, w = random_data(draw(st.integers(0, 2**31 - 1)), n, d, labels=loss != "squared", weighted=draw(st.booleans()))
    return X, y, w, grid, hidden, bias


@settings(max_examples=15)
@given(st.data())
def test_relu_mip_matches_brute_force_classification(data):
    loss, B = data.draw(st.sampled_from([("hinge", None), ("hinge", 0.7), ("zero_one", None)]))
    X, y, w, grid, hidden, bias = data.draw(relu_problems(loss))
    p = relu_n_params(X.shape[1], hidden, bias)
    best, _, _ = brute_force(X, y, as_list(grid, p), relu_forward(hidden, bias), loss, B, w)
    sol = solve_relu_mip(X, y, grid, hidden=hidden, loss=loss, B=B, weights=w, bias=bias)
    assert sol.certified and sol.status == "optimal"
    assert close(sol.objective, best, MIP_RTOL)


@settings(max_examples=6)
@given(st.data())
def test_relu_mip_matches_brute_force_squared(data):
    B = data.draw(st.sampled_from([None, 0.5]))
    X, y, w, grid, hidden, bias = data.draw(relu_problems("squared"))
    p = relu_n_params(X.shape[1], hidden, bias)
    best, _, _ = brute_force(X, y, as_list(grid, p), relu_forward(hidden, bias), "squared", B, w)
    sol = solve_relu_mip(X, y, grid, hidden=hidden, loss="squared", B=B, weights=w, bias=bias)
    assert sol.certified and sol.status == "optimal"
    assert close(sol.objective, best, MIP_RTOL)


def test_relu_mip_with_biases_squared():
    """One fixed squared-loss case with both biases (the MIQP is slower, so not drawn repeatedly)."""
    X, y, _ = random_data(5, 6, 2, labels=False)
    grid = Grid.ternary(0.5)
    best, _, _ = brute_force(X, y, [grid] * 9, relu_forward(2, True), "squared")
    sol = solve_relu_mip(X, y, grid, hidden=2, bias=True)
    assert sol.certified and close(sol.objective, best, MIP_RTOL)


def test_parameter_order_matches_the_model_code():
    """The solvers' evaluation follows the problem-file convention implemented by qtheory.models."""
    from qtheory.models import Network

    rng = np.random.default_rng(0)
    X = rng.standard_normal((7, 3))
    for bias in (False, True):
        betas = rng.standard_normal((5, relu_n_params(3, 2, bias)))
        net = Network.mlp([3, 2, 1], "relu", bias)
        assert np.allclose(relu_outputs(X, betas, 2, bias), net.forward_batch(betas, X)[..., 0])
        assert np.allclose(relu_forward(2, bias)(X, betas), net.forward_batch(betas, X)[..., 0])
        lin = rng.standard_normal((5, 3 + bias))
        assert np.allclose(linear_outputs(X, lin, bias), Network.linear(3, 1, bias).forward_batch(lin, X)[..., 0])


def test_clipped_losses_match_the_loss_code():
    from qtheory.losses import Loss

    rng = np.random.default_rng(1)
    f = 3 * rng.standard_normal((4, 9))
    y_reg = rng.standard_normal(9)
    y_cls = np.where(rng.standard_normal(9) > 0, 1.0, -1.0)
    w = rng.dirichlet(np.ones(9))
    for kind, y in (("squared", y_reg), ("hinge", y_cls), ("zero_one", y_cls)):
        B = 1.0 if kind == "zero_one" else 0.8
        ours = objective(kind, None if kind == "zero_one" else B, f, y, w)
        assert np.allclose(ours, Loss(kind, B).risk(f[..., None], y, w))


def test_affine_bounds_are_exact():
    rng = np.random.default_rng(2)
    M = rng.standard_normal((5, 3))
    grid = Grid.from_levels([-1.0, 0.25, 2.0])
    _, _, pts = brute_force(np.zeros((1, 3)), np.zeros(1), [grid] * 3, linear_forward(False), "squared")
    lo, hi = affine_bounds(M, np.full(3, -1.0), np.full(3, 2.0))
    vals = pts @ M.T
    assert np.allclose(lo, vals.min(axis=0)) and np.allclose(hi, vals.max(axis=0))


def test_inactive_clip_is_detected_and_changes_nothing():
    X, y, _ = random_data(3, 8, 3, labels=False)
    grid = Grid.ternary(0.5)
    plain = solve_linear_mip(X, y, grid)
    clipped = solve_linear_mip(X, y, grid, B=1e4)
    assert clipped.info["clip_active_samples"] == 0
    assert close(plain.objective, clipped.objective, 1e-9)
    active = solve_linear_mip(X, y, grid, B=0.1)
    assert active.info["clip_active_samples"] > 0


def test_zero_one_margin_resolution():
    """A sample that is classified correctly only with a margin of 1e-8: below the default resolution tau the
    MILP counts it as an error (documented limitation); a margin parameter below 1e-8 resolves it."""
    X = np.array([[1e-8], [1.0], [-1.0]])
    y = np.array([1.0, 1.0, -1.0])
    grid = Grid.ternary()
    best, _, _ = brute_force(X, y, [grid], linear_forward(False), "zero_one")
    assert best == 0.0
    default = solve_linear_mip(X, y, grid, loss="zero_one")
    assert default.info["margin"] > 1e-8
    fine = solve_linear_mip(X, y, grid, loss="zero_one", margin=1e-10)
    assert fine.certified and fine.objective == 0.0
    # whenever the default run lands on the in-gap point, it must say so instead of certifying
    if default.objective == 0.0:
        assert not default.certified and default.status == "margin_gap"


def test_time_limit_gives_uncertified_incumbent():
    from qtheory.solve.bnb import solve_linear_bnb

    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 22))
    y = np.sqrt(2 * 22 / 3) * rng.standard_normal(50)
    exact = solve_linear_bnb(X, y, Grid.ternary())
    sol = solve_linear_mip(X, y, Grid.ternary(), time_limit=0.5)
    assert sol.status in ("time_limit", "time_limit_no_incumbent", "optimal")
    if sol.status != "optimal":
        assert not sol.certified
    assert sol.objective >= exact.objective * (1 - 1e-9)


def test_time_out_without_incumbent_returns_a_grid_point_uncertified():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    y = rng.standard_normal(30)
    sol = solve_relu_mip(X, y, Grid.ternary(), hidden=3, bias=True, time_limit=0.001)
    assert not sol.certified and sol.status in ("time_limit", "time_limit_no_incumbent")
    assert np.all(np.isin(sol.codes, Grid.ternary().codes))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: solve_linear_mip(np.ones((3, 1)), np.array([1.0, 0.5, -1.0]), Grid.ternary(), loss="hinge"), "labels in"),
        (lambda: solve_linear_mip(np.ones((3, 1)), np.ones(3), Grid.binary(), encoding="integer"), "encoding == 'integer' needs uniform grids"),
        (lambda: solve_linear_mip(np.ones((3, 1)), np.ones(3), Grid.ternary(), loss="zero_one", B=2.0), "B == 2.0"),
        (lambda: solve_linear_mip(np.ones((3, 1)), np.ones(3), Grid.ternary(), solver="HIGHS"), "cannot solve this quadratic"),
        (lambda: solve_linear_mip(np.ones((3, 1)), np.ones(3), Grid.ternary(), B=-1.0), "B == -1.0"),
        (lambda: solve_relu_mip(np.ones((3, 1)), np.ones(3), Grid.ternary(), hidden=0), "hidden == 0"),
        (lambda: solve_relu_mip(np.ones((3, 2)), np.ones(3), [Grid.ternary()] * 4, hidden=2), "p == 6"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()

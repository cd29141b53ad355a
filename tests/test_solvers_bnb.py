"""Branch-and-bound for quantized least squares: agreement with brute force and validity of the bound."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qtheory.grid import Grid
from qtheory.solve.bnb import TriangularForm, branch_and_bound, initial_point, solve_linear_bnb
from qtheory.solve.linear_exact import solve_linear_exact
from test_solvers_common import as_list, brute_force, close, grids_for, linear_forward, random_data


@st.composite
def least_squares_problems(draw):
    n = draw(st.integers(1, 12))
    d = draw(st.integers(1, 5))
    bias = draw(st.booleans())
    grid = draw(grids_for(d + bias))
    seed = draw(st.integers(0, 2**31 - 1))
    scale = draw(st.sampled_from([0.3, 1.0, 4.0]))
    weighted = draw(st.booleans())
    X, y, w = random_data(seed, n, d, labels=False, scale=scale, weighted=weighted)
    return X, y, w, grid, bias


@given(least_squares_problems())
def test_bnb_matches_brute_force(problem):
    X, y, w, grid, bias = problem
    p = X.shape[1] + bias
    best, values, points = brute_force(X, y, as_list(grid, p), linear_forward(bias), "squared", weights=w)
    sol = solve_linear_bnb(X, y, grid, weights=w, bias=bias)
    assert sol.certified and sol.status == "optimal"
    assert close(sol.objective, best, 1e-9)
    # the returned codes are a minimizer of the brute-force table
    row = int(np.argmin(np.abs(points - sol.weights).sum(axis=1)))
    assert np.array_equal(points[row], sol.weights)
    assert close(values[row], best, 1e-9)


def _random_form(seed: int, n: int, p: int, levels):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, p))
    b = 2.0 * rng.standard_normal(n)
    return A, b, TriangularForm.build(A, b, levels)


@settings(max_examples=15)
@given(st.integers(0, 10**6), st.integers(1, 8), st.integers(1, 5), st.sampled_from(["ternary", "custom", "wide"]))
def test_pruning_bound_never_exceeds_subtree_minimum(seed, n, p, kind):
    """For every node of the tree: lower_bound(node) <= min of f over the node's subtree (exhaustive), with
    equality at the leaves.  n < p is included (then the ridge mu > 0 is used)."""
    rng = np.random.default_rng(seed + 1)
    if kind == "ternary":
        levels = [np.array([-1.0, 0.0, 1.0])] * p
    elif kind == "custom":
        levels = [np.sort(rng.choice(np.arange(-6, 7) * 0.5, size=3, replace=False)) for _ in range(p)]
    else:
        levels = [np.linspace(-3, 3, 4)] * p
    A, b, form = _random_form(seed, n, p, levels)
    assert (form.mu > 0) == (n < p)
    lev_pos = form.levels
    # f for every point, indexed by level indices in position order
    f = {}
    for idx in itertools.product(*[range(lv.size) for lv in lev_pos]):
        beta = np.empty(p)
        beta[form.perm] = [lev_pos[k][i] for k, i in enumerate(idx)]
        r = b - A @ beta
        f[idx] = float(r @ r)
    slack = 1e-9 * (1.0 + max(abs(v) for v in f.values()))
    for depth in range(p + 1):  # number of fixed positions, from the last
        for suffix in itertools.product(*[range(lv.size) for lv in lev_pos[p - depth :]]):
            sub_min = min(v for idx, v in f.items() if idx[p - depth :] == suffix)
            bound = form.lower_bound(suffix)
            assert bound <= sub_min + slack, (depth, suffix, bound, sub_min)
            if depth == p:
                assert abs(bound - sub_min) <= slack


def test_each_bound_term_is_a_lower_bound_on_the_rest():
    """D^int and D^dual, separately, never exceed min over the box (continuous) of the remaining rows."""
    rng = np.random.default_rng(7)
    p = 6
    levels = [np.array([-1.0, 0.0, 1.0])] * p
    _, _, form = _random_form(3, 20, p, levels)
    for k in range(1, p + 1):
        T = 5.0 * rng.standard_normal((200, k))
        # the integer minimum over the grid is >= the box minimum, which the bounds must not exceed
        grid_pts = np.array(list(itertools.product(*[levels[0]] * k)))
        rest = np.min(np.sum((T[:, None, :] - grid_pts @ form.R[:k, :k].T) ** 2, axis=2), axis=1)
        assert np.all(form.interval_term(k, T) <= rest + 1e-9)
        assert np.all(form.dual_term(k, T) <= rest + 1e-9)


def test_dual_bound_is_tight_at_the_box_minimizer():
    """With enough projected-gradient steps the dual bound reaches the continuous box minimum."""
    from scipy.optimize import lsq_linear

    rng = np.random.default_rng(11)
    p = 5
    levels = [np.array([-1.0, 0.0, 1.0])] * p
    _, _, form = _random_form(5, 30, p, levels)
    T = 6.0 * rng.standard_normal((20, p))
    bound = form.dual_term(p, T, steps=5000)
    for t, bnd in zip(T, bound):
        box = lsq_linear(form.R, t, bounds=(-1.0, 1.0), tol=1e-12)
        exact = float(np.sum((t - form.R @ box.x) ** 2))
        assert bnd <= exact + 1e-9
        assert bnd >= exact - 1e-6 * (1.0 + exact)


def test_rank_deficient_and_underdetermined():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 3))
    X = np.hstack([X, X[:, :1]])  # duplicate column: exact ties between codes
    y = rng.standard_normal(6)
    grid = Grid.uniform(2, 0.5)
    best, _, _ = brute_force(X, y, [grid] * 4, linear_forward(False), "squared")
    assert close(solve_linear_bnb(X, y, grid).objective, best, 1e-9)
    X2 = rng.standard_normal((3, 6))  # n < p
    y2 = rng.standard_normal(3)
    best2, _, _ = brute_force(X2, y2, [Grid.ternary()] * 6, linear_forward(False), "squared")
    sol = solve_linear_bnb(X2, y2, Grid.ternary())
    assert sol.info["mu"] > 0 and close(sol.objective, best2, 1e-9)


def test_time_limit_returns_incumbent_with_valid_lower_bound():
    rng = np.random.default_rng(4)
    n, d = 20, 8
    X = rng.standard_normal((n, d))
    y = 3.0 * rng.standard_normal(n)
    grid = Grid.uniform(2, 0.5)
    best, _, _ = brute_force(X, y, [grid] * d, linear_forward(False), "squared")
    sw = np.full(n, np.sqrt(1.0 / n))
    A, b = X * sw[:, None], y * sw
    levels = [grid.levels] * d
    form = TriangularForm.build(A, b, levels)
    res = branch_and_bound(form, initial_point(form, A, b, levels), time_limit=0.0)
    assert not res.complete
    assert res.lower_bound <= best * (1 + 1e-12) and best <= res.value * (1 + 1e-12)
    sol = solve_linear_bnb(X, y, grid, time_limit=1e-9)
    assert sol.status in ("time_limit", "optimal")
    if sol.status == "time_limit":
        assert not sol.certified and sol.info["lower_bound"] <= best * (1 + 1e-12)
    assert sol.objective >= best * (1 - 1e-12)


def test_planted_ternary_recovers_the_optimum_of_a_larger_problem():
    """d = 14 (3^14 = 4.8e6 points) cross-checked against the meet-in-the-middle enumeration."""
    from qtheory.solve.mitm import solve_linear_mitm

    rng = np.random.default_rng(2)
    X = rng.standard_normal((30, 14))
    y = X @ rng.integers(-1, 2, 14) + 0.5 * rng.standard_normal(30)
    a = solve_linear_bnb(X, y, Grid.ternary())
    b = solve_linear_mitm(X, y, Grid.ternary(), device="cpu")
    assert a.certified and b.certified
    assert close(a.objective, b.objective, 1e-10)
    assert np.array_equal(a.codes, b.codes)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(X=np.ones((3, 2)), y=np.ones(4)), "y must have shape"),
        (dict(X=np.ones(3), y=np.ones(3)), "X must be a 2-D array"),
        (dict(X=np.ones((3, 2)), y=np.ones(3), weights=np.array([0.5, 0.7, -0.2])), "weights must be finite and >= 0"),
        (dict(X=np.ones((3, 2)), y=np.ones(3), weights=np.array([0.2, 0.2, 0.2])), "weights must sum to 1"),
        (dict(X=np.ones((3, 2)), y=np.ones(3), grid=[Grid.ternary()] * 3), "sequence of p == 2 Grids"),
        (dict(X=np.ones((3, 2)), y=np.ones(3), time_limit=0), "time_limit == 0"),
    ],
)
def test_bad_input_is_named(kwargs, message):
    args = dict(grid=Grid.ternary())
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        solve_linear_bnb(args.pop("X"), args.pop("y"), args.pop("grid"), **args)


def test_dispatcher_routes_and_refuses():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((8, 3))
    y = rng.standard_normal(8)
    assert solve_linear_exact(X, y, Grid.ternary()).method == "bnb"
    # a clip that no grid point reaches is still least squares; one that can be reached needs the MIP
    assert solve_linear_exact(X, y, Grid.ternary(), B=1e6).method == "bnb"
    with pytest.raises(ValueError, match="method == 'bnb' solves least squares only"):
        solve_linear_exact(X, y, Grid.ternary(), B=0.01, method="bnb")
    with pytest.raises(ValueError, match="method == 'fast'"):
        solve_linear_exact(X, y, Grid.ternary(), method="fast")
    labels = np.where(y > 0, 1.0, -1.0)
    assert solve_linear_exact(X, labels, Grid.ternary(), loss="hinge").method.startswith("mip")
    with pytest.raises(ValueError, match="labels in"):
        solve_linear_exact(X, y, Grid.ternary(), loss="hinge")

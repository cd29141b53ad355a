"""Enumeration against an independent brute force.

The brute force below re-implements the forward pass and the losses on purpose (an independent
transcription of models.py / losses.py), and loops over Q^p with itertools.product.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qtheory.data import Dataset, Population
from qtheory.grid import Grid
from qtheory.losses import Loss
from qtheory.models import Network
from qtheory.problem import Penalty, Problem
from qtheory.solve.enumerate import EnumerationTooLarge, enumerate_exact, estimate_enumeration


def _act(z, name):
    return {"tanh": np.tanh, "relu": lambda t: np.maximum(t, 0), "sigmoid": lambda t: 1 / (1 + np.exp(-t))}[name](z)


def brute_forward(net, beta, X):
    h, pos = X, 0
    widths = net.layers
    for li in range(len(widths) - 1):
        n_in, n_out = widths[li], widths[li + 1]
        W = np.array(beta[pos : pos + n_in * n_out]).reshape(n_out, n_in)
        pos += n_in * n_out
        z = h @ W.T
        if net.bias:
            z = z + np.array(beta[pos : pos + n_out])
            pos += n_out
        h = _act(z, net.activation) if li < len(widths) - 2 else z
    return h


def brute_loss(kind, B, f, y):
    out = []
    for fi, yi in zip(f, y):
        if fi.shape[0] == 1:
            v = fi[0]
            if kind == "squared":
                loss = min((v - yi) ** 2, B)
            elif kind == "logistic":
                loss = min(math.log1p(math.exp(-yi * v)) if -yi * v < 30 else -yi * v, B)
            elif kind == "hinge":
                loss = min(max(0.0, 1 - yi * v), B)
            else:
                loss = 1.0 if yi * v <= 1e-12 else 0.0  # ties (within 1e-12) are errors
        else:
            c = int(yi)
            others = max(fi[k] for k in range(len(fi)) if k != c)
            if kind == "squared":
                loss = min(sum((fi[k] - (1.0 if k == c else 0.0)) ** 2 for k in range(len(fi))), B)
            elif kind == "logistic":
                m = max(fi)
                loss = min(m + math.log(sum(math.exp(t - m) for t in fi)) - fi[c], B)
            elif kind == "hinge":
                loss = min(max(0.0, 1 + others - fi[c]), B)
            else:
                loss = 1.0 if fi[c] <= others + 1e-12 else 0.0
        out.append(loss)
    return np.array(out)


def brute_force(problem):
    """Every code vector with its L_n, L, F and k (independent of the package's evaluation code)."""
    rows = []
    pen = problem.penalty
    for codes in itertools.product(*[g.codes.tolist() for g in problem.param_grids]):
        beta = [g.levels[list(g.codes).index(c)] for g, c in zip(problem.param_grids, codes)]
        Ln = brute_loss(problem.loss.kind, problem.loss.B, brute_forward(problem.network, beta, problem.train.X), problem.train.y).mean()
        pop = problem.population
        L = None
        if pop is not None:
            L = float(brute_loss(problem.loss.kind, problem.loss.B, brute_forward(problem.network, beta, pop.X), pop.y) @ pop.weights)
        P = 0.0
        if pen is not None:
            for b in beta:  # MCP transcribed independently from docs/theory.md section 1
                t = abs(b)
                P += pen.lam * t - t * t / (2 * pen.a) if t <= pen.a * pen.lam else pen.a * pen.lam**2 / 2
        rows.append((np.array(codes), Ln, L, Ln + P, sum(c != 0 for c in codes)))
    return rows


@st.composite
def small_problems(draw):
    kind = draw(st.sampled_from(["linear", "mlp"]))
    loss_kind = draw(st.sampled_from(["squared", "logistic", "hinge", "zero_one"]))
    multi = draw(st.booleans()) and loss_kind != "squared" and kind == "linear"
    bias = draw(st.booleans())
    grid = draw(st.sampled_from([Grid.ternary(0.5), Grid.binary(0.7), Grid.uniform(2, 0.4), Grid.from_levels([-0.6, 0.0, 0.3, 0.9])]))
    d = draw(st.integers(1, 2))
    n_out = 2 if multi else 1
    if kind == "linear":
        net = Network.linear(d, n_out, bias)
    else:
        net = Network.mlp([d, draw(st.integers(1, 2)), 1], draw(st.sampled_from(["tanh", "relu", "sigmoid"])), bias)
    if grid.size ** net.n_params > 3000:
        net = Network.linear(1, n_out, bias) if kind == "linear" else Network.mlp([1, 1, 1], net.activation, bias)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    N = draw(st.integers(3, 12))
    X = rng.standard_normal((N, d if net.n_inputs == d else net.n_inputs))
    if loss_kind == "squared":
        y = rng.standard_normal(N)
    elif n_out == 1:
        y = rng.choice([-1.0, 1.0], N)
    else:
        y = rng.integers(0, n_out, N)
    w = rng.random(N) + 0.1
    pop = Population(X, y, w / w.sum())
    train = pop.sample(draw(st.integers(1, 10)), rng)
    B = draw(st.sampled_from([0.5, 2.0, 50.0])) if loss_kind != "zero_one" else 1.0
    penalty = Penalty(draw(st.sampled_from([1.5, 3.0])), draw(st.sampled_from([0.1, 0.3]))) if draw(st.booleans()) else None
    return Problem(net, [grid] * len(net.layout), Loss(loss_kind, B), train, population=pop, penalty=penalty)


@settings(max_examples=40)
@given(small_problems(), st.sampled_from(["auto", "batched"]))
def test_enumeration_equals_brute_force(problem, method):
    rows = brute_force(problem)
    ex = enumerate_exact(problem, method=method, keep_tables=True)
    Ln = np.array([r[1] for r in rows])
    L = np.array([r[2] for r in rows])
    F = np.array([r[3] for r in rows])
    k = np.array([r[4] for r in rows])
    assert ex.Ln_min == pytest.approx(Ln.min(), abs=1e-12)
    assert problem.empirical_risk(ex.Ln_argmin) == pytest.approx(Ln.min(), abs=1e-12)
    assert ex.L_star == pytest.approx(L.min(), abs=1e-12)
    for kk in range(problem.p + 1):
        expected = L[k == kk].min() if np.any(k == kk) else np.inf
        assert ex.min_L_by_k[kk] == pytest.approx(expected, abs=1e-12)
    # tables are in canonical order: the row order of itertools.product is the same mixed radix
    assert np.allclose(ex.tables["empirical"].ravel(), Ln, atol=1e-12)
    assert np.allclose(ex.tables["population"].ravel(), L, atol=1e-12)
    if problem.penalty is not None:
        assert ex.F_min == pytest.approx(F.min(), abs=1e-12)
        assert np.allclose(ex.tables["penalized"].ravel(), F, atol=1e-12)
        assert ex.gamma(rows[0][0]) == pytest.approx(F[0] - F.min(), abs=1e-12)
    if problem.param_grids[0].has_zero:
        for s in range(problem.p + 1):
            codes, value = ex.best_sparse(s)
            assert (codes != 0).sum() <= s
            assert value == pytest.approx(L[k <= s].min(), abs=1e-12)
            assert ex.eps(s) == pytest.approx(L[k <= s].min() - L.min(), abs=1e-12)


def test_structured_paths_agree_with_batched_on_mlp():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((30, 2))
    y = np.tanh(X @ [0.5, -0.3]) + 0.1 * rng.standard_normal(30)
    net = Network.mlp([2, 2, 1], "tanh", bias=True)
    g = Grid.ternary(0.5)
    for B in (0.05, 100.0):  # the clip active (structured) and provably inactive (quadratic)
        pb = Problem(net, [g, g], Loss("squared", B), Dataset(X, y))
        a = enumerate_exact(pb, method="batched", keep_tables=True)
        b = enumerate_exact(pb, keep_tables=True)
        assert b.method == ("quadratic" if B == 100.0 else "structured")
        assert np.allclose(a.tables["empirical"], b.tables["empirical"], atol=1e-12)
        assert a.Ln_min == b.Ln_min


def test_quadratic_path_multi_output():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2))
    y = rng.integers(0, 2, 20)
    net = Network.linear(2, 2, bias=False)
    pb = Problem(net, [Grid.ternary(0.3)], Loss("squared", 100.0), Dataset(X, y))
    a = enumerate_exact(pb, method="batched", keep_tables=True)
    b = enumerate_exact(pb, keep_tables=True)
    assert b.method == "quadratic"
    assert np.allclose(a.tables["empirical"], b.tables["empirical"], atol=1e-12)


def test_refuses_too_large_with_estimate_and_limit():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 10))
    pb = Problem(Network.mlp([10, 4, 1], "tanh"), [Grid.uniform(5, 0.1)] * 2, Loss("squared", 4.0), Dataset(X, rng.standard_normal(100)))
    with pytest.raises(EnumerationTooLarge, match=r"enumeration refused: .* code vectors .* about .* over the limit max_seconds = 600"):
        enumerate_exact(pb)
    est = estimate_enumeration(pb)
    assert est.n_codes == 11**44


def test_gamma_and_solution_certified():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((15, 3))
    y = X @ [0.5, 0.0, -0.5] + 0.1 * rng.standard_normal(15)
    pb = Problem(Network.linear(3), [Grid.ternary(0.5)], Loss("squared", 10.0), Dataset(X, y), penalty=Penalty(2.0, 0.2))
    ex = enumerate_exact(pb)
    sol = ex.solution("penalized")
    assert sol.certified and sol.status == "exhaustive"
    assert ex.gamma(sol.codes) == pytest.approx(0.0, abs=1e-12)
    assert ex.gamma(np.zeros(3, dtype=int)) >= 0
    with pytest.raises(ValueError, match="no finite population"):
        ex.minimizer("population")

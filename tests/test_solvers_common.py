"""Shared pieces of the solver tests: random small problems and an independent brute force.

The brute force below is deliberately separate from ``qtheory.solve.linear_exact``: it lists every grid point
with itertools and applies the loss formulas directly, so that the solvers are checked against code that
shares nothing with them but the definitions.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import strategies as st

from qtheory.grid import Grid


def brute_force(X, y, grids, forward, loss, B=None, weights=None):
    """(min value, all values, all points) of sum_i w_i l(f_i, y_i) over the product of the grids' levels.

    ``forward(X, betas)`` maps points (m, p) to outputs (m, n)."""
    n = X.shape[0]
    w = np.full(n, 1.0 / n) if weights is None else np.asarray(weights)
    points = np.array(list(itertools.product(*[g.levels for g in grids])), dtype=np.float64)
    f = forward(X, points)
    if loss == "squared":
        per = (f - y) ** 2
    elif loss == "hinge":
        per = np.maximum(0.0, 1.0 - y * f)
    else:
        per = np.where(y * f <= 0, 1.0, 0.0)
    if B is not None:
        per = np.minimum(per, B)
    values = np.sum(per * w, axis=1)
    return float(values.min()), values, points


def linear_forward(bias):
    def forward(X, betas):
        d = X.shape[1]
        out = betas[:, :d] @ X.T
        return out + betas[:, d : d + 1] if bias else out

    return forward


def relu_forward(hidden, bias):
    def forward(X, betas):
        n, d = X.shape
        H = hidden
        out = np.zeros((betas.shape[0], n))
        pos_v = H * d + (H if bias else 0)
        for h in range(H):
            pre = betas[:, h * d : (h + 1) * d] @ X.T
            if bias:
                pre = pre + betas[:, H * d + h][:, None]
            out += betas[:, pos_v + h][:, None] * np.maximum(pre, 0.0)
        if bias:
            out += betas[:, pos_v + H][:, None]
        return out

    return forward


@st.composite
def grid_strategy(draw, allow_binary: bool = True):
    kinds = ["ternary", "uniform", "custom"] + (["binary"] if allow_binary else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "ternary":
        return Grid.ternary(draw(st.sampled_from([0.5, 1.0, 1.5])))
    if kind == "uniform":
        return Grid.uniform(2, draw(st.sampled_from([0.25, 0.5])))
    if kind == "binary":
        return Grid.binary(draw(st.sampled_from([0.5, 1.0])))
    ints = draw(st.lists(st.integers(-6, 6), min_size=2, max_size=4, unique=True))
    return Grid.from_levels(sorted(0.25 * i for i in ints))


@st.composite
def grids_for(draw, p: int, allow_binary: bool = True):
    """One shared grid, or one grid per parameter."""
    if draw(st.booleans()):
        return draw(grid_strategy(allow_binary))
    return [draw(grid_strategy(allow_binary)) for _ in range(p)]


def as_list(grid, p):
    return [grid] * p if isinstance(grid, Grid) else list(grid)


def random_data(seed: int, n: int, d: int, *, labels: bool, scale: float = 1.0, weighted: bool = False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if labels:
        y = np.where(rng.standard_normal(n) >= 0, 1.0, -1.0)
    else:
        y = scale * rng.standard_normal(n)
    w = None
    if weighted:  # a finite population's weights: some may be zero
        w = rng.dirichlet(np.ones(n))
        w[rng.random(n) < 0.2] = 0.0
        if w.sum() == 0.0:
            w[0] = 1.0
        w = w / w.sum()
    return X, y, w


def close(a: float, b: float, rtol: float, scale: float = 1.0) -> bool:
    return abs(a - b) <= rtol * max(1.0, abs(scale), abs(a), abs(b))

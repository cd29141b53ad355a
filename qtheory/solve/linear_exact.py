"""Exact solvers on arrays: problem checks, the independent float64 objective, and the dispatcher.

The problems solved here are given directly as numpy arrays (no problem file):

* data X of shape (n, d), targets y of shape (n,), sample weights w_i >= 0 with sum_i w_i = 1
  (``weights=None`` means w_i = 1/n, the empirical risk; the weights of a finite population give its exact
  population risk);
* one grid per parameter, or one grid shared by all parameters (a ``Grid`` or a sequence of p grids);
* a loss l(f, y) among

  - ``squared``:  (f - y)^2, or the clipped min((f - y)^2, B) when ``B`` is given;
  - ``hinge``:    max(0, 1 - y f), or the clipped min(max(0, 1 - y f), B) when ``B`` is given
    (labels y in {-1, +1});
  - ``zero_one``: 1[y f <= 0] (labels y in {-1, +1}; f = 0 counts as an error; ``B`` must be None or 1);

* the objective sum_i w_i l(f(x_i; beta), y_i), minimized over beta in Q_1 x ... x Q_p.

Parameter order.  Linear model f(x) = x . beta_{1..d} (+ beta_{d+1} when ``bias``): the d weights, then the
bias.  One-hidden-layer ReLU network (``qtheory.solve.mip.solve_relu_mip``)
f(x) = sum_h v_h relu(w_h . x + c_h) + c_0: the (H, d) first-layer weight matrix row-major, then the H
first-layer biases (when ``bias``), then the H output weights, then the output bias (when ``bias``) -- the
problem-file convention "layer by layer, the (out, in) weight matrix row-major, then that layer's biases".

Every solver returns a :class:`~qtheory.solve.solution.Solution` built by :func:`finish_solution`: the codes
are re-scored here in float64 by :func:`objective` (a direct evaluation of the formula above, independent of
the solver's own algebra) and compared with the solver's objective; a mismatch beyond the stated tolerance
raises ``RuntimeError`` rather than returning a wrong certificate.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable, Sequence

import numpy as np

from qtheory.grid import Grid
from qtheory.solve.output_bounds import (  # noqa: F401  (re-exported: the solvers' shared bounds)
    affine_bounds,
    linear_output_bounds,
    max_squared_residual,
    squared_clip_inactive,
)
from qtheory.solve.solution import Solution
from qtheory.validation import check_choice, check_scalar

LOSSES = ("squared", "hinge", "zero_one")
LINEAR_METHODS = ("auto", "bnb", "mip", "mitm")
OBJECTIVE_NAMES = ("empirical", "penalized", "population")


# ===================================================================================== input checks
def check_data(
    X: Any, y: Any, weights: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate (X, y, weights); return float64 copies with weights filled in (1/n when None).

    X must be a finite (n, d) array with n >= 1, d >= 1; y a finite length-n vector; weights a length-n vector
    of non-negative finite numbers summing to 1 (within 1e-9).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X must be a 2-D array of shape (n, d) with n >= 1 and d >= 1, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X must be finite (no nan or inf)")
    n = X.shape[0]
    y = np.asarray(y, dtype=np.float64)
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},) to match X with {n} rows, got shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("y must be finite (no nan or inf)")
    if weights is None:
        w = np.full(n, 1.0 / n)
    else:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (n,):
            raise ValueError(f"weights must have shape ({n},) to match X with {n} rows, got shape {w.shape}")
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            bad = w[~(np.isfinite(w) & (w >= 0))][0]
            raise ValueError(f"weights must be finite and >= 0, got {bad!r}")
        total = float(np.sum(w))
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"weights must sum to 1 (within 1e-9), got sum {total!r}")
    return X, y, w


def check_loss(loss: str, B: Any, y: np.ndarray) -> tuple[str, float | None]:
    """Validate the loss name, the clip level B (> 0 or None) and the labels it needs; return (loss, B)."""
    check_choice(loss, "loss", LOSSES)
    if B is not None:
        B = float(check_scalar(B, "B", numbers.Real, min_val=0.0, include_boundaries="neither"))
    if loss == "zero_one":
        if B is not None and B != 1.0:
            raise ValueError(f"B == {B!r} for the zero_one loss, must be None or 1 (the loss is in {{0, 1}})")
        B = None
    if loss in ("hinge", "zero_one") and not np.all(np.isin(y, (-1.0, 1.0))):
        bad = y[~np.isin(y, (-1.0, 1.0))][0]
        raise ValueError(f"y contains {bad!r}: the {loss} loss needs labels in {{-1, +1}}")
    return loss, B


def as_grids(grid: Grid | Sequence[Grid], p: int, name: str = "grid") -> tuple[Grid, ...]:
    """One grid per parameter: a shared ``Grid`` repeated p times, or a sequence of exactly p grids."""
    if isinstance(grid, Grid):
        return (grid,) * p
    try:
        grids = tuple(grid)
    except TypeError:
        raise TypeError(f"{name} must be a Grid or a sequence of {p} Grids, got {type(grid).__name__}") from None
    if len(grids) != p:
        raise ValueError(f"{name} must be one Grid or a sequence of p == {p} Grids, got {len(grids)}")
    for j, g in enumerate(grids):
        if not isinstance(g, Grid):
            raise TypeError(f"{name}[{j}] must be a Grid, got {type(g).__name__}")
    return grids


def check_objective_name(objective_name: str | None, weights: Any) -> str:
    """Default "empirical" (no weights) or "population" (weights given); any of OBJECTIVE_NAMES accepted."""
    if objective_name is None:
        return "empirical" if weights is None else "population"
    return check_choice(objective_name, "objective_name", OBJECTIVE_NAMES)


def check_time_limit(time_limit: Any) -> float | None:
    """None (no limit) or a positive number of seconds."""
    if time_limit is None:
        return None
    return float(check_scalar(time_limit, "time_limit", numbers.Real, min_val=0.0, include_boundaries="neither"))


# ===================================================================================== the models
def linear_outputs(X: np.ndarray, betas: np.ndarray, bias: bool) -> np.ndarray:
    """f(x_i) = x_i . beta_{1..d} (+ beta_{d+1}) for one beta (p,) -> (n,) or many (m, p) -> (m, n)."""
    betas = np.asarray(betas, dtype=np.float64)
    d = X.shape[1]
    f = betas[..., :d] @ X.T
    if bias:
        f = f + betas[..., d : d + 1]
    return f


def relu_n_params(d: int, hidden: int, bias: bool) -> int:
    """p of the one-hidden-layer ReLU network: H d weights (+ H biases) + H output weights (+ 1 bias)."""
    return hidden * d + hidden + (hidden + 1 if bias else 0)


def relu_layout(d: int, hidden: int, bias: bool) -> dict[str, np.ndarray]:
    """Parameter indices: W (H, d) row-major, then c (H) when ``bias``, then v (H), then c0 when ``bias``."""
    H = hidden
    W = np.arange(H * d).reshape(H, d)
    pos = H * d
    out = {"W": W}
    if bias:
        out["c"] = np.arange(pos, pos + H)
        pos += H
    out["v"] = np.arange(pos, pos + H)
    pos += H
    if bias:
        out["c0"] = np.array([pos])
    return out


def relu_split(betas: np.ndarray, d: int, hidden: int, bias: bool):
    """Views (W (.., H, d), c (.., H) or None, v (.., H), c0 (..,) or None) of flat parameter vectors."""
    betas = np.asarray(betas, dtype=np.float64)
    lay = relu_layout(d, hidden, bias)
    W = betas[..., lay["W"]]
    c = betas[..., lay["c"]] if bias else None
    v = betas[..., lay["v"]]
    c0 = betas[..., lay["c0"][0]] if bias else None
    return W, c, v, c0


def relu_outputs(X: np.ndarray, betas: np.ndarray, hidden: int, bias: bool) -> np.ndarray:
    """f(x_i) = sum_h v_h relu(w_h . x_i + c_h) + c_0 for one beta (p,) -> (n,) or many (m, p) -> (m, n)."""
    W, c, v, c0 = relu_split(betas, X.shape[1], hidden, bias)
    a = np.einsum("...hj,ij->...ih", W, X)
    if c is not None:
        a = a + c[..., None, :]
    f = np.einsum("...ih,...h->...i", np.maximum(a, 0.0), v)
    if c0 is not None:
        f = f + c0[..., None]
    return f


# ===================================================================================== the loss
def per_sample_loss(loss: str, B: float | None, f: np.ndarray, y: np.ndarray) -> np.ndarray:
    """l(f_i, y_i) elementwise (the formulas of the module docstring)."""
    f = np.asarray(f, dtype=np.float64)
    if loss == "squared":
        raw = (f - y) ** 2
    elif loss == "hinge":
        raw = np.maximum(0.0, 1.0 - y * f)
    else:
        return (y * f <= 0).astype(np.float64)
    return raw if B is None else np.minimum(raw, B)


def objective(loss: str, B: float | None, f: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum_i w_i l(f_i, y_i) for outputs f of shape (n,) or (m, n)."""
    return per_sample_loss(loss, B, f, y) @ w


# ===================================================================================== results
def index_values(idx: np.ndarray, grids: Sequence[Grid]) -> np.ndarray:
    """beta_j = level number idx_j (0-based, increasing order) of grid j."""
    return np.array([g.levels[int(i)] for g, i in zip(grids, idx)], dtype=np.float64)


def finish_solution(
    idx: np.ndarray,
    grids: Sequence[Grid],
    evaluate: Callable[[np.ndarray], float],
    solver_objective: float,
    *,
    method: str,
    certified: bool,
    status: str,
    objective_name: str,
    rtol: float,
    scale: float,
    info: dict[str, Any] | None = None,
) -> Solution:
    """Re-score the point with level indices ``idx`` in float64 by ``evaluate`` (values -> objective).

    The solver's own objective must agree: |solver - float64| <= rtol * max(1, scale, |float64|); otherwise
    ``RuntimeError`` (the certificate would be about some other point or problem).  ``scale`` is a magnitude of
    the terms of the objective (e.g. sum_i w_i y_i^2 for the squared loss), so that the comparison is relative
    to the size of the numbers the solver actually handled.  The Solution carries the integer codes of the
    levels (``Grid.code_at``).
    """
    idx = np.asarray(idx, dtype=np.int64).reshape(-1)
    if idx.size != len(grids) or np.any(idx < 0) or np.any(idx >= np.array([g.size for g in grids])):
        raise RuntimeError(f"{method}: level indices {idx.tolist()} do not fit the grids")
    codes = np.array([int(g.code_at(int(i))) for g, i in zip(grids, idx)], dtype=np.int64)
    values = index_values(idx, grids)
    value = float(evaluate(values))
    tol = rtol * max(1.0, abs(scale), abs(value))
    if not np.isfinite(solver_objective) or abs(solver_objective - value) > tol:
        raise RuntimeError(
            f"{method}: solver objective {solver_objective!r} differs from the float64 re-evaluation {value!r} "
            f"by more than {tol:.3g}; refusing to return an unverified solution"
        )
    out_info = dict(info or {})
    out_info["solver_objective"] = float(solver_objective)
    return Solution(
        codes=codes,
        weights=values,
        objective=value,
        objective_name=objective_name,
        method=method,
        certified=bool(certified),
        status=status,
        info=out_info,
    )


# ===================================================================================== dispatcher
def solve_linear_exact(
    X: Any,
    y: Any,
    grid: Grid | Sequence[Grid],
    *,
    loss: str = "squared",
    B: float | None = None,
    weights: Any = None,
    bias: bool = False,
    method: str = "auto",
    time_limit: float | None = None,
    objective_name: str | None = None,
) -> Solution:
    """Global minimizer of sum_i w_i l(x_i . beta (+ b), y_i) over Q_1 x ... x Q_p.

    Parameters: the d weights, then the bias when ``bias`` (p = d + bias); ``grid`` is one Grid for all or p
    Grids in that order.  ``method``:

    * ``bnb`` -- branch-and-bound for least squares (:mod:`qtheory.solve.bnb`); needs the squared loss with
      no clip, or a clip that can never be active on this grid box (then min(r^2, B) = r^2 everywhere);
    * ``mip`` -- MIP through cvxpy (:mod:`qtheory.solve.mip`): every loss;
    * ``mitm`` -- meet-in-the-middle exhaustive enumeration (:mod:`qtheory.solve.mitm`; torch), same loss
      condition as ``bnb``;
    * ``auto`` -- ``bnb`` when its condition holds, else ``mip``.

    ``time_limit`` (seconds) applies to ``bnb`` and ``mip``; on time-out the best point found is returned with
    ``certified=False``.  ``objective_name`` labels the result (default "empirical" without weights,
    "population" with weights).
    """
    Xa, ya, w = check_data(X, y, weights)
    loss, B = check_loss(loss, B, ya)
    check_choice(method, "method", LINEAR_METHODS)
    p = Xa.shape[1] + int(bool(bias))
    grids = as_grids(grid, p)
    least_squares = loss == "squared" and bool(
        np.all(squared_clip_inactive(*linear_output_bounds(Xa, grids, bias), ya, B))
    )
    if method == "auto":
        method = "bnb" if least_squares else "mip"
    if method in ("bnb", "mitm") and not least_squares:
        raise ValueError(
            f"method == {method!r} solves least squares only: it needs loss 'squared' with B None, or a clip B "
            f"that no grid point reaches (got loss {loss!r}, B {B!r}); use method 'mip'"
        )
    common = dict(weights=w, bias=bias, objective_name=check_objective_name(objective_name, weights))
    if method == "bnb":
        from qtheory.solve.bnb import solve_linear_bnb

        return solve_linear_bnb(Xa, ya, grids, time_limit=time_limit, **common)
    if method == "mitm":
        from qtheory.solve.mitm import solve_linear_mitm

        return solve_linear_mitm(Xa, ya, grids, **common)
    from qtheory.solve.mip import solve_linear_mip

    return solve_linear_mip(Xa, ya, grids, loss=loss, B=B, time_limit=time_limit, **common)


__all__ = [
    "LOSSES",
    "affine_bounds",
    "as_grids",
    "check_data",
    "check_loss",
    "check_objective_name",
    "check_time_limit",
    "finish_solution",
    "index_values",
    "linear_output_bounds",
    "linear_outputs",
    "max_squared_residual",
    "objective",
    "per_sample_loss",
    "relu_layout",
    "relu_n_params",
    "relu_outputs",
    "relu_split",
    "solve_linear_exact",
    "squared_clip_inactive",
]

"""The continuous quantities of V3 on a toy problem: inf over [-R, R]^p of L, and M_inf.

Computed where the toy problem makes them exact: a model whose output is linear in beta (f(x; beta) =
phi(x).beta, checked numerically on the support) with the squared loss l = min((f - y)^2, B), on a population
where the clip cannot bind on the box: max over [-R, R]^p of |phi(x).beta - y| = R ||phi(x)||_1 + |y| <= sqrt(B)
at every support point.  Then L(beta) = sum_i w_i (phi_i.beta - y_i)^2 on the whole box, a convex quadratic:

* ``Lcont`` = min over [-R, R]^p of L, by bounded-variable least squares (an active-set method that stops at
  the exact minimizer up to floating-point round-off);
* ``Linf`` (M_inf) = the smallest M with |L(beta) - L(beta')| <= M ||beta - beta'||_inf on the box =
  max over the box of ||grad L||_1 (the 1-norm is dual to the max-norm), with grad L(beta) =
  2 sum_i w_i (phi_i.beta - y_i) phi_i affine in beta: ||grad L||_1 is convex, so its maximum is at one of the
  2^p vertices, all enumerated (p <= :data:`MAX_VERTEX_P`).

Elsewhere both are NaN (a claim using them is then undefined there, never violated).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

#: largest p for which the 2^p vertices of the box are enumerated for M_inf
MAX_VERTEX_P = 14


def linear_features(problem: Any) -> np.ndarray | None:
    """phi(x_i) (N, p) with f(x_i; beta) = phi(x_i).beta on the population support, or None when the model's
    output is not linear in beta (or has several outputs)."""
    net, pop = problem.network, problem.population
    if pop is None or net.n_outputs != 1:
        return None
    p = problem.p
    X = pop.X
    phi = net.forward_batch(np.eye(p), X)[:, :, 0].T
    zero = net.forward_batch(np.zeros((1, p)), X)[0, :, 0]
    probe = np.random.default_rng(0).uniform(-1.0, 1.0, size=(2, p))
    out = net.forward_batch(probe, X)[:, :, 0]
    scale = 1.0 + np.abs(out).max()
    if np.abs(zero).max() > 1e-12 * scale or np.abs(out - probe @ phi.T).max() > 1e-9 * scale:
        return None
    return phi


def continuous_quantities(problem: Any, R: float) -> dict[str, float]:
    """``{"Lcont": min over [-R, R]^p of L, "Linf": M_inf}`` (module doc); NaN where not computable."""
    nan = {"Lcont": math.nan, "Linf": math.nan}
    if problem.loss.kind != "squared":
        return nan
    phi = linear_features(problem)
    if phi is None:
        return nan
    pop = problem.population
    y = np.asarray(pop.y, dtype=float).reshape(-1)
    w = np.asarray(pop.weights, dtype=float)
    if np.any(R * np.abs(phi).sum(axis=1) + np.abs(y) > math.sqrt(float(problem.loss.B))):
        return nan  # the clip may bind somewhere on the box
    from scipy.optimize import lsq_linear

    sw = np.sqrt(w)
    fit = lsq_linear(sw[:, None] * phi, sw * y, bounds=(-R, R), method="bvls", tol=1e-14)
    beta = np.clip(fit.x, -R, R)
    Lcont = float(np.sum(w * (phi @ beta - y) ** 2))
    out = {"Lcont": Lcont, "Linf": math.nan}
    p = phi.shape[1]
    if p <= MAX_VERTEX_P:
        G = 2.0 * (phi * w[:, None]).T @ phi
        c = 2.0 * (phi * w[:, None]).T @ y
        vertices = R * np.array(list(itertools.product((-1.0, 1.0), repeat=p)))
        out["Linf"] = float(np.abs(vertices @ G.T - c).sum(axis=1).max())
    return out


__all__ = ["MAX_VERTEX_P", "continuous_quantities", "linear_features"]

"""Bounds on a network's outputs over a whole grid box, and the test that the squared loss's clip never acts.

For a parameter box lo_j <= beta_j <= hi_j (the extreme levels of each parameter's grid):

* first layer (inputs x fixed): z_o(x) = sum_a W_oa x_a + b_o is affine in the parameters, so its exact
  [min, max] over the box is separable (:func:`affine_bounds`), attained at grid points;
* hidden activations (tanh, sigmoid, ReLU) are nondecreasing, so [act(lo), act(hi)] bounds act(z);
* later layers (inputs h in [h_lo, h_hi], weights in [w_lo, w_hi]): with centres and radii hc, hr, wc, wr,
  |h w - hc wc| <= |hc| wr + hr |wc| + hr wr, so sum_a h_a w_a lies in hc.wc -+ (|hc|.wr + hr.|wc| + hr.wr)
  (a valid, slightly wider, enclosure computed with matrix products only).

For a linear model the first-layer bounds are the outputs' exact range over the box.  The squared loss
min(sum_o (f_o - t_o)^2, B) equals its unclipped form on the whole box when the largest residual
sum_o max((lo_o - t_o)^2, (hi_o - t_o)^2) (a convex function peaks at an end point) is at most B.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from qtheory.grid import Grid
from qtheory.models import Network, activate


def affine_bounds(
    M: np.ndarray | sp.spmatrix, lo: np.ndarray, hi: np.ndarray, offset: Any = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Exact [min, max] of M beta + offset over the box lo <= beta <= hi (each row is separable: its minimum
    takes lo_j where M_rj > 0 and hi_j where M_rj < 0, its maximum the opposite).  Over a grid box (lo, hi the
    extreme levels) the extremes are attained at grid points, so the bounds are exact there too.

    ``lo``, ``hi`` of shape (p,) give bounds of shape (rows,); of shape (p, k) (one box per column, e.g. the
    weight rows of k units) they give bounds of shape (rows, k)."""
    Mp = M.maximum(0) if sp.issparse(M) else np.maximum(M, 0.0)
    Mn = M.minimum(0) if sp.issparse(M) else np.minimum(M, 0.0)
    low = Mp @ lo + Mn @ hi + offset
    high = Mp @ hi + Mn @ lo + offset
    shape = (M.shape[0], *np.shape(lo)[1:])
    return np.asarray(low, dtype=np.float64).reshape(shape), np.asarray(high, dtype=np.float64).reshape(shape)


def _box(grids: Sequence[Grid]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([g.levels[0] for g in grids]), np.array([g.levels[-1] for g in grids])


def linear_output_bounds(X: np.ndarray, grids: Sequence[Grid], bias: bool) -> tuple[np.ndarray, np.ndarray]:
    """Exact [min, max] of f(x_i) = x_i . beta (+ b) over the grid box, for every sample i."""
    Xa = np.hstack([X, np.ones((X.shape[0], 1))]) if bias else X
    return affine_bounds(Xa, *_box(grids))


def network_output_bounds(network: Network, grids: Sequence[Grid], X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi] of every output f_o(x_i) over the grid box (``grids``: one per parameter), each of shape
    (n, n_outputs): exact for the first layer, interval (midpoint-radius) enclosures after it (module doc)."""
    X = np.asarray(X, dtype=np.float64)
    lo_all, hi_all = _box(grids)
    for i, layer in enumerate(network.layout):
        w_sl = slice(layer.weight_start, layer.weight_start + layer.n_out * layer.n_in)
        w_lo, w_hi = lo_all[w_sl].reshape(layer.n_out, layer.n_in), hi_all[w_sl].reshape(layer.n_out, layer.n_in)
        if i == 0:
            z_lo, z_hi = affine_bounds(X, w_lo.T, w_hi.T)
        else:
            h_lo, h_hi = activate(z_lo, network.activation), activate(z_hi, network.activation)
            hc, hr = (h_lo + h_hi) / 2, (h_hi - h_lo) / 2
            wc, wr = (w_lo + w_hi) / 2, (w_hi - w_lo) / 2
            centre = hc @ wc.T
            radius = np.abs(hc) @ wr.T + hr @ np.abs(wc).T + hr @ wr.T
            z_lo, z_hi = centre - radius, centre + radius
        if layer.bias_start is not None:
            b_sl = slice(layer.bias_start, layer.bias_start + layer.n_out)
            z_lo, z_hi = z_lo + lo_all[b_sl], z_hi + hi_all[b_sl]
    return z_lo, z_hi


def max_squared_residual(fmin: np.ndarray, fmax: np.ndarray, y: np.ndarray) -> np.ndarray:
    """max of (f_i - y_i)^2 over f_i in [fmin_i, fmax_i]: a convex function peaks at an end point."""
    return np.maximum((fmin - y) ** 2, (fmax - y) ** 2)


def squared_clip_inactive(fmin: np.ndarray, fmax: np.ndarray, y: np.ndarray, B: float | None) -> np.ndarray:
    """Per sample: whether (f_i - y_i)^2 <= B for every f_i in [fmin_i, fmax_i], so min(r^2, B) = r^2 on the
    whole grid box.  With B = None every sample counts as inactive (no clip)."""
    if B is None:
        return np.ones(y.shape, dtype=bool)
    return max_squared_residual(fmin, fmax, y) <= B


def squared_residual_bound(network: Network, grids: Sequence[Grid], X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per sample, an upper bound on sum_o (f_o(x_i) - t_o)^2 over the grid box: t = y for one output, the
    one-hot vector of class y otherwise."""
    lo, hi = network_output_bounds(network, grids, X)
    if network.n_outputs == 1:
        return max_squared_residual(lo[:, 0], hi[:, 0], np.asarray(y, dtype=np.float64))
    target = np.eye(network.n_outputs)[np.asarray(y, dtype=np.int64)]
    return max_squared_residual(lo, hi, target).sum(axis=1)


__all__ = [
    "affine_bounds",
    "linear_output_bounds",
    "max_squared_residual",
    "network_output_bounds",
    "squared_clip_inactive",
    "squared_residual_bound",
]

"""Warm starts for Q-CD on a linear model over +-1 inputs at any p (numpy, no dense float copy of X).

Straight-through estimator, as :mod:`qtheory.ste` does for small nets: latent weights w, forward pass with the
rounded codes q(w) (``Grid.round``, half-to-even), backward pass as if q were the identity; full-batch Adam on
the unclipped squared loss (1/n) sum_i (x_i.q(w) - y_i)^2 plus, for ``"ste"``, the MCP penalty of the
*latent* weights P(w) (gradient sign(w) (lam - |w|/a)_+), which pulls small weights below d/2 so that they
round to 0: a sparse start.  ``"round"`` trains the float weights (forward with w itself, no penalty) and
rounds them.  Weights stay in [-R, R].  Each step costs two products with the float32 copy of the signs (``SignProblem.signs32``).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from qtheory.populations.sign_problem import SignProblem

DEFAULT_EPOCHS = 40
DEFAULT_LR = 0.05


def sign_warm_start(problem: SignProblem, kind: str, *, seed: int = 0, epochs: int = DEFAULT_EPOCHS,
                    lr: float = DEFAULT_LR, progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Codes of the ``"ste"`` (sparse: MCP on the latent weights) or ``"round"`` warm start (module doc);
    ``progress`` is called with the epochs done after each epoch."""
    if kind not in ("ste", "round"):
        raise ValueError(f"start == {kind!r}, must be 'ste' or 'round' here")
    grid = problem.param_grids[0]
    R, d = grid.R, problem.step
    y, n = problem.train.y, problem.n
    Xt = problem.signs32()  # +-1 exactly; training needs no more precision than float32
    rng = np.random.default_rng(seed)
    w = 1e-3 * d * rng.standard_normal(problem.p)
    m1, m2 = np.zeros_like(w), np.zeros_like(w)
    b1, b2 = 0.9, 0.999
    pen = problem.penalty if kind == "ste" else None
    for t in range(1, epochs + 1):
        if kind == "ste":
            codes = grid.round(w)
            pred = d * problem.sign_products(codes)
        else:
            pred = (w.astype(np.float32) @ Xt).astype(np.float64)
        grad = 2.0 * (Xt @ (pred - y).astype(np.float32)).astype(np.float64) / n
        if pen is not None:
            grad += np.sign(w) * np.maximum(pen.lam - np.abs(w) / pen.a, 0.0)
        m1 = b1 * m1 + (1 - b1) * grad
        m2 = b2 * m2 + (1 - b2) * grad * grad
        w -= lr * (m1 / (1 - b1**t)) / (np.sqrt(m2 / (1 - b2**t)) + 1e-8)
        np.clip(w, -R, R, out=w)
        if progress is not None:
            progress(t)
    return grid.round(w).astype(np.int64)


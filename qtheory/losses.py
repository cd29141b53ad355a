"""Bounded losses 0 <= l <= B (docs/theory.md section 1).

Targets: a regression target y (one output), labels in {-1, +1} for binary classification (one output,
prediction sign f), or class indices 0..C-1 for C-class classification (one output per class).

* ``squared``: min(sum_k (f_k - t_k)^2, B) with t = y (regression), or t = one-hot(y) for class indices.
* ``logistic``: min(log(1 + exp(-y f)), B) (binary); min(logsumexp(f) - f_y, B) (multi-class).
* ``hinge``: min(max(0, 1 - y f), B) (binary); min(max(0, 1 + max_{k != y} f_k - f_y), B) (multi-class).
* ``zero_one``: 1[y f <= tau] (binary: f = 0 counts as an error); 1[f_y <= max_{k != y} f_k + tau]
  (multi-class: ties count as errors). B = 1.  The tie tolerance tau = 1e-12 makes exact ties (e.g. two
  hidden units cancelling) errors whatever the floating-point summation order of f.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qtheory.validation import check_choice, check_positive_real

LOSS_KINDS = ("squared", "logistic", "hinge", "zero_one")
TIE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Loss:
    kind: str
    B: float = 1.0

    def __post_init__(self) -> None:
        check_choice(self.kind, "loss.kind", LOSS_KINDS)
        check_positive_real(self.B, "loss.B")
        if self.kind == "zero_one" and self.B != 1.0:
            raise ValueError(f"loss.B == {self.B!r} for the zero_one loss, must be 1 (the loss is in {{0, 1}})")

    @property
    def is_classification(self) -> bool:
        return self.kind != "squared"

    def check_targets(self, y: np.ndarray, n_outputs: int, name: str = "y") -> np.ndarray:
        """Validate targets against this loss and the number of outputs; return them as float64/int64."""
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"{name} must be 1-D (one target per sample), got shape {y.shape}")
        if not np.all(np.isfinite(y.astype(np.float64))):
            raise ValueError(f"{name} must be finite")
        if n_outputs == 1:
            if self.is_classification and not np.all(np.isin(y, (-1, 1))):
                bad = y[~np.isin(y, (-1, 1))][0]
                raise ValueError(f"{name} contains {bad!r}: the {self.kind} loss with one output needs labels in {{-1, +1}}")
            return y.astype(np.float64)
        if not np.all((y == np.round(y)) & (y >= 0) & (y < n_outputs)):
            raise ValueError(
                f"{name} must hold class indices 0..{n_outputs - 1} for a model with {n_outputs} outputs"
            )
        return y.astype(np.int64)

    def per_sample(self, outputs: np.ndarray, y: np.ndarray) -> np.ndarray:
        """l(beta, z_i) for outputs of shape (..., n, outputs) and targets y of shape (n,): shape (..., n)."""
        outputs = np.asarray(outputs, dtype=np.float64)
        n_out = outputs.shape[-1]
        if outputs.shape[-2] != y.shape[0]:
            raise ValueError(f"outputs have {outputs.shape[-2]} samples but y has {y.shape[0]}")
        if n_out == 1:
            return self.single_output_losses_inplace(outputs[..., 0].copy(), y)
        cls = y.astype(np.int64)
        if self.kind == "squared":
            target = np.eye(n_out)[cls]
            return np.minimum(np.sum((outputs - target) ** 2, axis=-1), self.B)
        f_true = np.take_along_axis(outputs, np.broadcast_to(cls[:, None], outputs.shape[:-1] + (1,)), -1)[..., 0]
        if self.kind == "logistic":
            lse = np.logaddexp.reduce(outputs, axis=-1)
            return np.minimum(lse - f_true, self.B)
        others = np.where(np.eye(n_out, dtype=bool)[cls], -np.inf, outputs)
        best_other = np.max(others, axis=-1)
        if self.kind == "hinge":
            return np.minimum(np.maximum(0.0, 1.0 + best_other - f_true), self.B)
        return (f_true <= best_other + TIE_TOLERANCE).astype(np.float64)

    def single_output_losses_inplace(self, f: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per-sample losses of one-output predictions f (..., n), computed in place in ``f`` (overwritten)."""
        if self.kind == "zero_one":
            return (y * f <= TIE_TOLERANCE).astype(np.float64)
        if self.kind == "squared":
            f -= y
            np.square(f, out=f)
        elif self.kind == "logistic":
            f *= -y
            np.logaddexp(0.0, f, out=f)
        else:  # hinge
            f *= -y
            f += 1.0
            np.maximum(f, 0.0, out=f)
        np.minimum(f, self.B, out=f)
        return f

    def risk(self, outputs: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Weighted risk sum_i w_i l(beta, z_i) (mean when ``weights`` is None): shape (...)."""
        losses = self.per_sample(outputs, y)
        if weights is None:
            return losses.mean(axis=-1)
        return losses @ weights

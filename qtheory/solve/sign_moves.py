"""Every coordinate move of a linear model on +-1 inputs scored at once from the residual (squared loss, clip).

For codes m with exact products Z = X m (integers), residuals r_i = d Z_i - y_i and g(u) = min(u^2, B), the
move m + s e_j changes sample i's loss by g(r_i + s d x_ij) - g(r_i).  Because x_ij = +-1 this change is

    a_i + s x_ij b_i,   a_i = (c+_i + c-_i)/2,  b_i = (c+_i - c-_i)/2,  c+-_i = g(r_i +- d) - g(r_i),

exactly, clip included, so for all coordinates at once

    L_n(m + s e_j) - L_n(m) = mean(a) + s (X^T b)_j / n,
    F(m + s e_j) - F(m)     = that + P_lam((m_j + s) d) - P_lam(m_j d):   one X^T b per scoring pass.

The product X^T b is taken in float32 (a float32 copy of the signs, exact as +-1, cached on the problem:
4 n p bytes; BLAS sgemv is several times faster than converting int8 rows to float64 on every pass).

Round-off: the scored change and the reference change F(neighbour) - F(m) (each F a fresh float64
evaluation) differ by at most the margin :meth:`SignState.margin`: the float32 product contributes at most
(gamma_n^(32) + u32) sum_i |b_i| / n (any summation order; u32 = 2^-24, gamma_k = k u / (1 - k u)), the float64
parts at most gamma_k^(64) over the k = n + p + 8 terms involved times the magnitudes summed; a safety factor
multiplies both.  A decision whose scored change lies within the margin of -nu is taken on the reference
evaluation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qtheory.populations.sign_problem import SignProblem

_U = 2.0**-53
_U32 = 2.0**-24
#: safety factor on the summation bound
_SAFETY = 8.0


class SignState:
    """The current codes of a :class:`SignProblem` with its exact products Z, residual terms a, b and F."""

    def __init__(self, problem: SignProblem, codes: np.ndarray) -> None:
        self.problem = problem
        self.K = problem.family.K
        self.d = problem.step
        self.B = float(problem.loss.B)
        self.n = problem.n
        self.X32 = problem.signs32()
        levels = problem.param_grids[0].levels
        self.pen = (problem.penalty.elementwise(levels) if problem.penalty is not None
                    else np.zeros(levels.size))  # P_lam at code c is pen[c + K]
        self.codes = problem.check_codes(codes).copy()
        self.Z = problem.sign_products(self.codes)
        self._refresh()

    # ------------------------------------------------------------------ state
    def _refresh(self) -> None:
        pb = self.problem
        r = self.d * self.Z - pb.train.y
        g0 = pb.losses_from_products(self.Z)
        self.Ln = float(g0.mean())
        # P_lam of the same levels summed in the same order as Problem.penalty_value: the same float64
        self.P = float(self.pen[self.codes + self.K].sum()) if pb.penalty is not None else 0.0
        self.F = self.Ln + self.P  # == Problem.objective at these codes, bit for bit
        cp = np.minimum((r + self.d) ** 2, self.B) - g0
        cm = np.minimum((r - self.d) ** 2, self.B) - g0
        self.a_mean = float(((cp + cm) / 2).mean())
        self.b = (cp - cm) / 2
        self.b32 = self.b.astype(np.float32)
        self.b_abs = float(np.abs(self.b).sum())

    def margin(self) -> float:
        """Bound on |scored change - reference change| (module doc)."""
        k = self.n + self.problem.p + 8
        gamma = k * _U / (1 - k * _U)
        gamma32 = self.n * _U32 / (1 - self.n * _U32)
        float64 = gamma * (4 * self.B + self.b_abs / self.n + 2 * abs(self.P) + 2 * float(self.pen.max()) + abs(self.F))
        return _SAFETY * (float64 + (gamma32 + _U32) * self.b_abs / self.n)

    def apply(self, j: int, s: int) -> None:
        """Move coordinate j one level in direction s and refresh."""
        self.codes[j] += s
        self.Z += s * self.X32[j].astype(np.float64)
        self._refresh()

    # ------------------------------------------------------------------ scores
    def scores(self, js: np.ndarray | slice) -> np.ndarray:
        """Scored F(m + s e_j) - F(m) for the coordinates ``js``: shape (len, 2), column 0 for s = +1, column 1
        for s = -1; +inf where the level does not exist."""
        m = self.codes[js]
        xb = (self.X32[js] @ self.b32).astype(np.float64)
        base = self.pen[m + self.K]
        out = np.full((m.size, 2), np.inf)
        up, down = m < self.K, m > -self.K
        out[up, 0] = self.a_mean + xb[up] / self.n + self.pen[m[up] + 1 + self.K] - base[up]
        out[down, 1] = self.a_mean - xb[down] / self.n + self.pen[m[down] - 1 + self.K] - base[down]
        return out

    def neighbour_F(self, j: int, s: int) -> float:
        """F(m + s e_j) by the reference evaluation."""
        nb = self.codes.copy()
        nb[j] += s
        return float(self.problem.objective(nb, "penalized" if self.problem.penalty is not None else "empirical"))

    def first_accepted(self, js: np.ndarray, scores: np.ndarray, nu: float, counter: dict[str, Any]) -> int | None:
        """Index into the flattened (coordinate, s = +1 then -1) candidates of the first move with
        F(neighbour) < F - nu, in order; ambiguous scores are decided by the reference evaluation."""
        tol = self.margin()
        flat = scores.ravel()
        flagged = np.flatnonzero(flat < -nu + tol)
        for idx in flagged.tolist():
            if flat[idx] < -nu - tol:
                return idx
            counter["reference"] += 1
            j, s = int(js[idx // 2]), 1 - 2 * (idx % 2)
            if self.neighbour_F(j, s) < self.F - nu:
                return idx
        return None


"""ln C(p, k), the logarithm of a binomial coefficient, symbolically and numerically (V4's exact count).

V4 charges a network with k non-zero codes ln #{beta in Q^p : ||beta||_0 = k} = ln C(p, k) + k ln(|Q| - 1).
C(p, k) overflows a float long before p = 10^5 (C(10^5, 5 10^4) ~ 10^30100), so only its logarithm is ever
formed.  Numerically, with m = min(k, p - k) (C(p, k) = C(p, m)):

- m <= ``_SMALL``: ln C(p, m) = sum_{i=0}^{m-1} ln((p - i)/(i + 1)), numpy's pairwise sum of m terms that are
  all >= 0 (since i < m <= p/2), so no cancellation: relative error ~1e-15 (the difference of log-gammas
  loses ~1e-11 to cancellation when p = 10^5 and m = 1, and scipy's ``betaln`` ~1e-13 at m = 268);
- otherwise: -ln(p + 1) - ln B(m + 1, p - m + 1) (scipy's ``betaln``; ln C(p, m) >= m ln(p/m) is then large
  enough that its absolute error is a small relative one).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp
from scipy import special

#: below this m = min(k, p - k), ln C(p, m) is summed term by term
_SMALL = 10**6


def _log_binomial_scalar(p: float, k: float) -> float:
    if not (0 <= k <= p) or k != math.floor(k) or p != math.floor(p):
        return math.nan
    m = int(min(k, p - k))
    if m == 0:
        return 0.0
    if m <= _SMALL:
        i = np.arange(m, dtype=float)
        return float(np.sum(np.log((p - i) / (i + 1))))
    return float(-math.log1p(p) - special.betaln(m + 1, p - m + 1))


_VECTOR = np.vectorize(_log_binomial_scalar, otypes=[float])


def log_binomial(p: Any, k: Any) -> np.ndarray:
    """ln C(p, k) elementwise for integers 0 <= k <= p; see the module docstring.  Raises ``ValueError``
    naming k and its range [0, p] otherwise (V4 counts networks with k of p weights non-zero)."""
    p, k = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(k, dtype=float))
    out = _VECTOR(p, k)
    if np.any(np.isnan(out)):
        i = np.flatnonzero(np.isnan(out))[0]
        kk, pp = k.flat[i], p.flat[i]
        shown = int(kk) if np.isfinite(kk) and float(kk).is_integer() else float(kk)
        raise ValueError(f"k == {shown!r}, must be an integer in [0, p] = [0, {pp:g}]")
    return out[()]


class logbinomial(sp.Function):
    """Symbolic ln C(p, k); numeric evaluation (and lambdify) use :func:`log_binomial`.

    :meth:`as_log` gives ln(binomial(p, k)), the form the proof checks reason about.
    """

    nargs = 2

    @classmethod
    def eval(cls, pp: sp.Expr, kk: sp.Expr) -> sp.Expr | None:
        if kk == 0 or kk == pp:
            return sp.Integer(0)
        if pp.is_Integer and kk.is_Integer:
            return sp.log(sp.binomial(pp, kk))
        return None

    def as_log(self) -> sp.Expr:
        return sp.log(sp.binomial(*self.args))

    def _eval_evalf(self, prec: int) -> sp.Float | None:
        pp, kk = self.args
        if pp.is_number and kk.is_number:
            return sp.Float(float(log_binomial(float(pp), float(kk))), prec)
        return None

    def _latex(self, printer: Any) -> str:
        pp, kk = (printer._print(x) for x in self.args)
        return rf"\ln \binom{{{pp}}}{{{kk}}}"


def as_log_binomials(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every ln C(p, k) written as ln(binomial(p, k))."""
    return expr.replace(lambda e: isinstance(e, logbinomial), lambda e: e.as_log())


#: names lambdify maps to numeric implementations
NUMERIC_FUNCTIONS: dict[str, Any] = {"logbinomial": log_binomial}

__all__ = ["NUMERIC_FUNCTIONS", "as_log_binomials", "log_binomial", "logbinomial"]

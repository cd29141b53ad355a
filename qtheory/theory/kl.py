"""The binary relative entropy kl(q||r) and its upper inverse kl^{-1}(q, c) (docs/theory.md, V1).

kl(q||r) = q ln(q/r) + (1-q) ln((1-q)/(1-r)),  with 0 ln 0 = 0,
kl^{-1}(q, c) = max{ r in [q, 1] : kl(q||r) <= c }.

kl(q||.) is continuous and increasing on [q, 1) and tends to +inf at 1 when q < 1, so the maximum is the
unique root of kl(q||r) = c in [q, 1) (q < 1), and 1 when q = 1.  Closed forms used exactly:
kl^{-1}(q, 0) = q, kl^{-1}(0, c) = 1 - exp(-c), kl^{-1}(1, c) = 1.  Otherwise vectorized Newton's method
from above, which converges monotonically because kl(q||.) is convex (see :func:`_newton_from_above`);
kl itself is evaluated without cancellation (see :func:`kl_divergence`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from qtheory.theory.numeric import as_checked
from qtheory.theory.symbols import Domain


def kl_divergence(q: Any, r: Any) -> np.ndarray:
    """kl(q||r) for q, r in [0, 1] (elementwise; +inf where r hits 0 or 1 with q on the other side).

    With h = r - q, kl(q||r) = q phi(h/q) + (1-q) phi(-h/(1-q)), phi(x) = x - ln(1+x) >= 0 (the linear
    parts cancel exactly), and phi is summed as a series near 0, so kl keeps full relative accuracy even
    when r is within 1e-150 of q (the naive formula cancels to 0 there).
    """
    q, r = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(r, dtype=float))
    h = r - q
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = (q > 0) & (q < 1)
        qs = np.where(inner, q, 0.5)
        rs = np.where(inner, r, 0.5)
        mid = qs * _phi(h / qs, rs / qs) + (1 - qs) * _phi(-h / (1 - qs), (1 - rs) / (1 - qs))
        at0 = -np.log1p(-np.where(q == 0, r, 0.0))  # kl(0||r) = -ln(1-r)
        at1 = -np.log(np.where(q == 1, r, 1.0))  # kl(1||r) = -ln r
    return np.asarray(np.where(q == 0, at0, np.where(q == 1, at1, mid)), dtype=float)


def _phi(x: np.ndarray, one_plus_x: np.ndarray) -> np.ndarray:
    """phi(x) = x - ln(1+x) for x >= -1: the series sum_{j>=2} (-x)^j / j for |x| < 0.1 (21 terms,
    truncation below 1e-22 relative), the direct form x - ln(one_plus_x) otherwise, with 1 + x passed in as
    computed from r (r/q or (1-r)/(1-q)): forming 1 + x from x rounds it to 0 when r is within an ulp of 1
    (x = -1 + 1e-16), which made kl infinite there and sent Newton's iterate to -inf."""
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 0.1
    xs = np.where(small, x, 0.0)
    series = np.zeros_like(xs)
    power = xs * xs
    for j in range(2, 23):
        series += power / j * (1 if j % 2 == 0 else -1)
        power = power * xs
    with np.errstate(divide="ignore", invalid="ignore"):
        direct = x - np.log(np.where(small, 1.0, one_plus_x))
    return np.where(small, series, direct)


def kl_inverse(q: Any, c: Any) -> np.ndarray:
    """kl^{-1}(q, c) = max{r in [q, 1] : kl(q||r) <= c}, elementwise for q in [0, 1] and c in [0, inf].

    Exact to 1e-12 (in practice to a few ulps); closed forms at q = 0 (1 - exp(-c)), q = 1 (1) and c = 0
    (q).  Raises ``ValueError`` naming the argument for q outside [0, 1] or c < 0 / NaN.
    """
    q = as_checked(q, "q", Domain(False, 0.0, 1.0))
    c = np.asarray(c, dtype=float)
    if np.any(np.isnan(c)) or np.any(c < 0):
        bad = c[np.isnan(c) | (c < 0)].flat[0]
        raise ValueError(f"c == {float(bad)!r}, must be a real in [0, inf]")
    q, c = np.broadcast_arrays(q, c)
    inner = (q > 0) & (q < 1) & (c > 0) & np.isfinite(c)
    r = _newton_from_above(np.where(inner, q, 0.5), np.where(inner, c, 1.0))
    out = np.where(q == 0, -np.expm1(-c), r)
    out = np.where(c == 0, q, out)
    out = np.where(np.isinf(c) | (q == 1), 1.0, out)
    return np.clip(out, q, 1.0)[()]


def _newton_from_above(q: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Root of f(r) = kl(q||r) - c on (q, 1) for 0 < q < 1, c > 0, by Newton's method from above.

    f is increasing and convex on [q, 1) (f'' = ((r-q)^2 + q(1-q)) / (r(1-r))^2 > 0), so Newton's iterates
    started at a point r0 >= root decrease monotonically to the root and never undershoot it.  Start:
    r0 = min(q + sqrt(c/2), 1 - exp(-(c + H(q))/(1-q))), both >= root (Pinsker, and -q ln r >= 0), H the
    binary entropy.  When r0 rounds to 1 the root is within 1e-16 of 1 and 1 is returned.
    """
    entropy = -(q * np.log(q) + (1 - q) * np.log1p(-q))
    r = np.minimum(q + np.sqrt(c / 2), -np.expm1(-(c + entropy) / (1 - q)))
    r = np.minimum(r, 1.0)
    for _ in range(_MAX_NEWTON):
        live = r < 1.0
        rl = np.where(live, r, 0.5)
        f = kl_divergence(q, rl) - c
        slope = (rl - q) / (rl * (1 - rl))
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(live & (slope > 0) & (f > 0), f / slope, 0.0)
        new = r - step
        if np.all(new == r):
            break
        r = new
    return r


_MAX_NEWTON = 200


class klinv(sp.Function):
    """Symbolic kl^{-1}(q, c); numeric evaluation (and lambdify) use :func:`kl_inverse`."""

    nargs = 2

    @classmethod
    def eval(cls, q: sp.Expr, c: sp.Expr) -> sp.Expr | None:
        if c == 0:
            return q
        if q == 0:
            return 1 - sp.exp(-c)
        if q == 1:
            return sp.Integer(1)
        return None

    def _eval_evalf(self, prec: int) -> sp.Float | None:
        q, c = self.args
        if q.is_number and c.is_number:
            return sp.Float(float(kl_inverse(float(q), float(c))), prec)
        return None

    def _latex(self, printer: Any) -> str:
        q, c = (printer._print(x) for x in self.args)
        return rf"\mathrm{{kl}}^{{-1}}\left({q},\ {c}\right)"


def kl_expr(q: sp.Expr, r: sp.Expr) -> sp.Expr:
    """Symbolic kl(q||r) (for 0 < q, r < 1)."""
    return q * sp.log(q / r) + (1 - q) * sp.log((1 - q) / (1 - r))


#: names lambdify maps to numeric implementations
NUMERIC_FUNCTIONS: dict[str, Any] = {"klinv": kl_inverse}

"""The building blocks of docs/theory.md section 1 as sympy expressions, and their numeric forms.

- MCP:  P_lam(t) = lam |t| - t^2/(2a)  if |t| <= a lam,  else  a lam^2/2.
- Deviation radius, k = 0..p:  D(k) = B sqrt( (k ln(p|Q|) + ln(2(p+1)/delta')) / (2n) ).
- Dense radius:  D_dense = B sqrt( (p ln|Q| + ln(2/delta')) / (2n) ).
- A = B^2 ln(p|Q|) / (2n),  C0 = B^2 ln(2(p+1)/delta') / (2n)  (so D(k) <= sqrt(A k) + sqrt(C0)).
- pi_min = P_lam(d) = lam d - d^2/(2a)   (theorem A, needs d <= a lam).
- c_Q = P_lam(a lam - d) = a lam^2/2 - d^2/(2a)   (lemma L2, needs d < a lam).
- R = K d = (|Q| - 1) d / 2, the range of the symmetric grid {m d : |m| <= K}.

Logarithms of products and quotients are written as sums of logarithms (``log(2) + log(p+1) -
log(delta)``), so that a tiny delta' or a huge p|Q| never overflows before the logarithm is taken.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from qtheory.theory.numeric import as_checked, call, lambdified, names_of
from qtheory.theory.symbols import B, Domain, Qsize, a, d, delta, k, lam, n, p, t

_REAL = Domain(False)


def log_confidence(extra: sp.Expr = sp.Integer(0)) -> sp.Expr:
    """ln(2(p+1)/delta') + extra, written as a sum of logarithms."""
    return sp.log(2) + sp.log(p + 1) - sp.log(delta) + extra


#: ln(p|Q|), the price of one non-zero coordinate
LOG_PQ = sp.log(p) + sp.log(Qsize)


def mcp(x: sp.Expr = t) -> sp.Piecewise:
    """P_lam(x) as an exact Piecewise in |x|."""
    return sp.Piecewise((lam * sp.Abs(x) - x**2 / (2 * a), sp.Abs(x) <= a * lam), (a * lam**2 / 2, True))


def radius(kk: sp.Expr = k, extra_log: sp.Expr = sp.Integer(0)) -> sp.Expr:
    """D(kk) = B sqrt((kk ln(p|Q|) + ln(2(p+1)/delta') + extra_log) / (2n)).

    ``extra_log`` is ln M for V2's selection among M configurations (0 otherwise).
    """
    return B * sp.sqrt((kk * LOG_PQ + log_confidence(extra_log)) / (2 * n))


DEVIATION_RADIUS = radius(k)
DENSE_RADIUS = B * sp.sqrt((p * sp.log(Qsize) + sp.log(2) - sp.log(delta)) / (2 * n))
A_CONST = B**2 * LOG_PQ / (2 * n)
C0_CONST = B**2 * log_confidence() / (2 * n)
PI_MIN = lam * d - d**2 / (2 * a)
C_Q = a * lam**2 / 2 - d**2 / (2 * a)
GRID_RANGE = (Qsize - 1) * d / 2

_MCP = mcp(t)


def mcp_penalty(t: Any, a: Any, lam: Any) -> np.ndarray:
    """Elementwise MCP P_lam(t) (exact Piecewise of :func:`mcp`, lambdified once).

    P_lam(t) = lam |t| - t^2/(2a) if |t| <= a lam, else a lam^2/2; a > 0, lam > 0, t any finite real.
    """
    values = {"t": as_checked(t, "t", _REAL), "a": as_checked(a, "a"), "lam": as_checked(lam, "lam")}
    return _call_t(_MCP, values)


def deviation_radius(k: Any, *, B: Any, n: Any, p: Any, Qsize: Any, delta: Any) -> np.ndarray:
    """D(k) = B sqrt((k ln(p|Q|) + ln(2(p+1)/delta')) / (2n)) for k = 0..p (vectorized in every argument)."""
    values = _checked(B=B, n=n, p=p, Qsize=Qsize, delta=delta, k=k)
    _check_k_le_p(values["k"], values["p"])
    return call(DEVIATION_RADIUS, values)


def dense_radius(*, B: Any, n: Any, p: Any, Qsize: Any, delta: Any) -> np.ndarray:
    """D_dense = B sqrt((p ln|Q| + ln(2/delta')) / (2n)) (vectorized)."""
    return call(DENSE_RADIUS, _checked(B=B, n=n, p=p, Qsize=Qsize, delta=delta))


def _checked(**values: Any) -> dict[str, np.ndarray]:
    return {name: as_checked(v, name) for name, v in values.items()}


def _check_k_le_p(kk: np.ndarray, pp: np.ndarray) -> None:
    kk, pp = np.broadcast_arrays(kk, pp)
    if np.any(kk > pp):
        i = np.flatnonzero(kk > pp)[0]
        raise ValueError(f"k == {int(kk.flat[i])}, must be an integer in [0, p] = [0, {int(pp.flat[i])}]")


def _call_t(expr: sp.Expr, values: dict[str, np.ndarray]) -> np.ndarray:
    syms = (t, a, lam)
    args = np.broadcast_arrays(values["t"], values["a"], values["lam"])
    return np.asarray(lambdified(expr, syms)(*args), dtype=float)



#: the named quantities of section 1, by the names docs/theory.md uses
QUANTITIES: dict[str, sp.Expr] = {
    "D": DEVIATION_RADIUS,
    "D_dense": DENSE_RADIUS,
    "A": A_CONST,
    "C0": C0_CONST,
    "pi_min": PI_MIN,
    "c_Q": C_Q,
    "R": GRID_RANGE,
}


def quantity(name: str, **numbers: Any) -> np.ndarray:
    """One of :data:`QUANTITIES` (``"A"``, ``"C0"``, ``"pi_min"``, ``"c_Q"``, ...) at ``numbers`` (vectorized).

    Example: ``quantity("c_Q", a=2.0, lam=0.5, d=0.25)`` is a lam^2/2 - d^2/(2a) = 0.234375.
    """
    from qtheory.validation import check_choice

    expr = QUANTITIES[check_choice(name, "name", tuple(QUANTITIES))]
    needed = sorted(names_of([expr]))
    unknown = sorted(set(numbers) - set(needed))
    if unknown:
        raise ValueError(f"unknown symbol {', '.join(unknown)} for {name}; it uses {' '.join(needed)}")
    missing = [x for x in needed if x not in numbers]
    if missing:
        raise ValueError(f"{name} needs a value for {', '.join(missing)}")
    return call(expr, _checked(**numbers))[()]

"""Section 1 facts used by every proof: the MCP penalty P_lam and the deviation radius D(k).

Regions are parametrized by fresh nonnegative symbols: ``lam = (x + w)/a`` encodes 0 <= x <= a lam, and
``x = a lam + h`` with h > 0 encodes x > a lam.
"""

from __future__ import annotations

import sympy as sp

from proofs_check.core import Step, certificate, identity, sign, squares
from qtheory.theory import A_CONST, C0_CONST, DEVIATION_RADIUS, mcp, radius
from qtheory.theory.symbols import Qsize, a, d, delta, k, lam

RESULT = "setting"
x, w, h = sp.symbols("x w h", nonnegative=True)
hp = sp.Symbol("h", positive=True)
y = sp.Symbol("y", nonnegative=True)
P = mcp  # P_lam(.) exactly as the toolkit evaluates it


def quad(z: sp.Expr) -> sp.Expr:
    """The branch |t| <= a lam of P_lam."""
    return lam * z - z**2 / (2 * a)


CAP = a * lam**2 / 2
INSIDE = {lam: (x + w) / a}  # 0 <= x <= a lam
ell = sp.Symbol("ell", positive=True)
DELTA = {delta: sp.exp(-ell)}  # 0 < delta' < 1
qq = sp.Symbol("q", integer=True, nonnegative=True)
QSIZE = {Qsize: qq + 2}  # |Q| >= 2

STEPS: list[Step] = [
    identity(RESULT, "MCP: integral of (a lam - u)_+/a, |t| <= a lam", lambda: sp.integrate((a * lam - y) / a, (y, 0, x)),
             quad(x)),
    identity(RESULT, "MCP: integral of (a lam - u)_+/a, |t| > a lam",
             lambda: sp.integrate((a * lam - y) / a, (y, 0, a * lam)), CAP),
    identity(RESULT, "MCP: Piecewise is the quadratic on [0, a lam]", P(x), quad(x), INSIDE),
    identity(RESULT, "MCP: Piecewise is a lam^2/2 beyond a lam", lambda: P(a * lam + hp), CAP),
    identity(RESULT, "MCP: even, P(-t) = P(t)", lambda: P(-x), P(x)),
    identity(RESULT, "MCP: continuous at |t| = a lam", lambda: P(a * lam), CAP),
    certificate(RESULT, "MCP: P >= 0 on [0, a lam]", P(x), x * (x + 2 * w) / (2 * a), INSIDE),
    certificate(RESULT, "MCP: P <= a lam^2/2 on [0, a lam]", CAP - P(x), w**2 / (2 * a), INSIDE),
    certificate(RESULT, "MCP: nondecreasing in |t| inside [0, a lam]", P(x + h) - P(x), h * (h + 2 * w) / (2 * a),
                {lam: (x + h + w) / a}),
    certificate(RESULT, "MCP: nondecreasing in |t| across a lam", P(a * lam + hp) - P(x), w**2 / (2 * a), INSIDE),
    identity(RESULT, "MCP: nondecreasing in |t| beyond a lam", lambda: P(a * lam + hp + h) - P(a * lam + hp), 0),
    identity(RESULT, "MCP: second difference -d^2/a on [0, a lam]", P(x + 2 * d) + P(x) - 2 * P(x + d), -d**2 / a,
             {lam: (x + 2 * d + w) / a}),
    identity(RESULT, "D(k)^2 = A k + C0", DEVIATION_RADIUS**2, A_CONST * k + C0_CONST),
    squares(RESULT, "sqrt(A k + C0) <= sqrt(A k) + sqrt(C0)", sp.sqrt(A_CONST * k + C0_CONST),
            sp.sqrt(A_CONST * k) + sp.sqrt(C0_CONST), DELTA),
    identity(RESULT, "D(k+1)^2 - D(k)^2 = A (D nondecreasing in k)", radius(k + 1) ** 2 - radius(k) ** 2, A_CONST),
    sign(RESULT, "A > 0 (|Q| >= 2)", A_CONST, QSIZE, strict=True),
    sign(RESULT, "C0 > 0 (0 < delta' < 1)", C0_CONST, DELTA, strict=True),
]

"""Lemma L2 (threshold of nu-local solutions).

Hypotheses parametrized by nonnegative symbols: a lam = 2d + x + w with |beta^_j| = t = d + x (so
d <= t <= a lam - d); U = 1/a - g with g > 0 (a U < 1); nu = g d^2/2 - z with z > 0 (nu < (1/a - U) d^2/2).
"""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from proofs_check.core import HYPOTHESIS, Step, certificate, exhaustive, identity, linear_certificate
from proofs_check.setting import w, x
from qtheory.theory import C_Q, GRID_RANGE, L2, mcp
from qtheory.theory.symbols import Qsize, U, a, d, lam, nu

RESULT = "L2"
g, z = sp.symbols("g z", positive=True)
hp = sp.Symbol("h", positive=True)
v = sp.Symbol("v", nonnegative=True)
#: L2's consequence used by B: a coordinate with |beta_j| > a lam - d pays at least c_Q
PENALTY_STEP = "P(beta^) >= c_Q ||beta^||_0: P_lam(t) >= c_Q for t > a lam - d"
t = d + x
WINDOW = {lam: (2 * d + x + w) / a}  # d <= t <= a lam - d
# F at beta^ - d e_j, beta^, beta^ + d e_j; L_n likewise
Fm, F0_, Fp, Lm, L0, Lp = sp.symbols("F_minus F_0 F_plus L_minus L_0 L_plus", real=True)
second_F = Fp + Fm - 2 * F0_
rest = sp.Symbol("P_rest", real=True)  # penalty of the other coordinates
e1, e2 = sp.symbols("e1 e2", nonnegative=True)  # nu-local slacks
second_P = mcp(t + d) + mcp(t - d) - 2 * mcp(t)


def _window_on_grid() -> tuple[bool, str]:
    """For codes m with d <= |m| d <= a lam - d and a lam <= K d: both m - 1 and m + 1 are codes of Q, and
    both neighbours' values |m +- 1| d lie in [0, a lam] (where the penalty is the quadratic branch)."""
    count = 0
    for K in range(1, 13):
        for alam_steps in [Fraction(i, 4) for i in range(4, 4 * K + 1)]:  # a lam / d in [1, K], quarter steps
            for m in range(-K, K + 1):
                if 1 <= abs(m) <= alam_steps - 1:
                    count += 1
                    on_grid = abs(m + 1) <= K and abs(m - 1) <= K
                    inside = all(0 <= abs(m + s) <= alam_steps for s in (-1, 1))
                    if not (on_grid and inside):
                        return False, f"K={K}, a lam/d={alam_steps}, m={m}"
    return True, f"{count} (K, a lam/d, m) cases"


STEPS: list[Step] = [
    exhaustive(RESULT, "both neighbours are grid points in [0, a lam] when a lam <= R = K d",
               "K <= 12, a lam/d in [1, K] by quarters, every code m", _window_on_grid),
    identity(RESULT, "R = K d with |Q| = 2K + 1", lambda: GRID_RANGE, ((Qsize - 1) / 2) * d),
    identity(RESULT, "penalty's second difference at t is -d^2/a", second_P, -d**2 / a, WINDOW),
    linear_certificate(
        RESULT, "F's second difference <= (U - 1/a) d^2 (F = L_n + P, only coordinate j moves)",
        (Lp + mcp(t + d) + rest) + (Lm + mcp(t - d) + rest) - 2 * (L0 + mcp(t) + rest), (U - 1 / a) * d**2,
        {"assumption S: U d^2 - (L_n's second difference)": U * d**2 - (Lp + Lm - 2 * L0)}, WINDOW,
        requires={"assumption S: U d^2 - (L_n's second difference)": HYPOTHESIS},
    ),
    certificate(RESULT, "nu-local: F's second difference + 2 nu >= 0",
                second_F + 2 * nu, (Fp - F0_ + nu) + (Fm - F0_ + nu),
                {Fp: F0_ - nu + e1, Fm: F0_ - nu + e2}),
    certificate(RESULT, "contradiction: -2 nu - (U - 1/a) d^2 > 0 under nu < (1/a - U) d^2/2",
                -2 * nu - (U - 1 / a) * d**2, 2 * z, {U: 1 / a - g, nu: g * d**2 / 2 - z}, strict=True),
    identity(RESULT, "c_Q = P_lam(a lam - d) when d < a lam", mcp(a * lam - d), C_Q, {lam: (d + w) / a}),
    # t = a lam - d + h with 0 < h <= d (d = h + v), a lam = d + w >= d: t stays in [0, a lam]
    certificate(RESULT, PENALTY_STEP + ", inside [0, a lam]", mcp(a * lam - d + hp) - C_Q,
                hp * (hp + 2 * v) / (2 * a), {d: hp + v, lam: (hp + v + w) / a}),
    certificate(RESULT, PENALTY_STEP + ", beyond a lam", mcp(a * lam + hp) - C_Q, d**2 / (2 * a)),
    identity(RESULT, "toolkit's L2 threshold is a lam - d and c_Q is docs/theory.md's", lambda: L2.value - C_Q,
             a * lam - d - (a * lam**2 / 2 - d**2 / (2 * a))),
]

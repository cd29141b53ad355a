"""Theorem A (penalized, global or Gamma-suboptimal): the chain with pi_min = P_lam(d)."""

from __future__ import annotations

import sympy as sp

from proofs_check.chain import TARGET_EXCESS, am_gm_certificate, requires, slacks
from proofs_check.core import Step, certificate, identity, linear_certificate, sign
from proofs_check.setting import w
from qtheory.theory import A, A_CONST, C0_CONST, PI_MIN, mcp, radius
from qtheory.theory.symbols import Gamma, a, d, eps, k, lam, s

RESULT = "A"
m = sp.Symbol("m", integer=True, positive=True)  # |code| of a non-zero coordinate
PI_POS = D_LE_ALAM = {lam: (d + w) / a}  # d <= a lam
PENALTY_STEP = "P(beta_j) >= pi_min for a non-zero code with |beta_j| <= a lam (P nondecreasing in |t|)"
AM_GM_STEP = "sqrt(A k) - pi_min k <= A/(4 pi_min)"

STEPS: list[Step] = [
    identity(RESULT, "pi_min = P_lam(d) when d <= a lam", mcp(d), PI_MIN, D_LE_ALAM),
    sign(RESULT, "pi_min > 0 when d <= a lam", PI_MIN, PI_POS, strict=True),
    sign(RESULT, "non-zero code: |m d| - d >= 0 (so P(beta_j) >= P(d))", m * d - d),
    certificate(RESULT, PENALTY_STEP, mcp(m * d) - PI_MIN, d * (m - 1) * (d * (m - 1) + 2 * w) / (2 * a),
                {lam: (m * d + w) / a}),
    certificate(RESULT, AM_GM_STEP, A_CONST / (4 * PI_MIN) - (sp.sqrt(A_CONST * k) - PI_MIN * k),
                am_gm_certificate(PI_MIN), PI_POS),
    identity(RESULT, "the maximum A/(4 pi_min) is attained at k = A/(4 pi_min^2)",
             lambda: (sp.sqrt(A_CONST * k) - PI_MIN * k).subs(k, A_CONST / (4 * PI_MIN**2)), A_CONST / (4 * PI_MIN),
             PI_POS),
    linear_certificate(RESULT, "chain: L(beta^) - L*_Q <= toolkit's A value", TARGET_EXCESS, A.value,
                       slacks(PI_MIN, "pi_min"),
                       requires=requires("pi_min", f"{RESULT} / {PENALTY_STEP}", f"{RESULT} / {AM_GM_STEP}")),
    identity(RESULT, "toolkit's A value is docs/theory.md's", lambda: A.value,
             eps + Gamma + s * a * lam**2 / 2 + radius(s) + sp.sqrt(C0_CONST) + A_CONST / (4 * (lam * d - d**2 / (2 * a)))),
]

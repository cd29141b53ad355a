"""The comparison chain shared by theorems A and B (penalized objective, L1 at two points).

With F = L_n + P, a point beta^ with k non-zeros and F(beta^) <= F(beta*_eps) + Gamma, and a penalty lower
bound P(beta^) >= c k (c = pi_min for A, c_Q for B), on L1's event:

L(beta^) - L*_Q = eps + Gamma + s a lam^2/2 + D(s) + sqrt(C0) + A/(4c) - (sum of the slacks below),

every slack being >= 0 by a checked step or a hypothesis.  ``slacks(c)`` returns them.
"""

from __future__ import annotations

import sympy as sp

from proofs_check.core import HYPOTHESIS
from qtheory.theory import A_CONST, C0_CONST, radius
from qtheory.theory.symbols import Gamma, a, eps, k, lam, s

# L(beta^), L_n(beta^), P(beta^), L(beta*_eps), L_n(beta*_eps), P(beta*_eps), L*_Q
L_h, Ln_h, P_h, L_r, Ln_r, P_r, L_Q = sp.symbols("L_h Ln_h P_h L_r Ln_r P_r L_Q", real=True)
#: ||beta*_eps||_0 <= s
k_r = sp.Symbol("k_r", integer=True, nonnegative=True)


def slacks(c: sp.Expr, name: str) -> dict[str, sp.Expr]:
    """The slacks of the chain with penalty lower bound P(beta^) >= c k (``name`` is c's name)."""
    return {
        "comparison (hypothesis): F(beta*_eps) + Gamma - F(beta^)": Ln_r + P_r + Gamma - Ln_h - P_h,
        "L1 at beta^": Ln_h + radius(k) - L_h,
        "L1 at beta*_eps": L_r + radius(k_r) - Ln_r,
        "D nondecreasing, k_r <= s (setting)": radius(s) - radius(k_r),
        "P(beta*_eps) <= s a lam^2/2 (MCP cap, setting)": s * a * lam**2 / 2 - P_r,
        f"P(beta^) >= {name} k": P_h - c * k,
        "L(beta*_eps) <= L*_Q + eps (definition)": L_Q + eps - L_r,
        "D(k) <= sqrt(A k) + sqrt(C0) (setting)": sp.sqrt(A_CONST * k) + sp.sqrt(C0_CONST) - radius(k),
        f"sqrt(A k) - {name} k <= A/(4 {name})": A_CONST / (4 * c) - (sp.sqrt(A_CONST * k) - c * k),
    }


def requires(name: str, penalty_step: str, am_gm_step: str) -> dict[str, str]:
    """What makes each slack of :func:`slacks` >= 0: a hypothesis, or a step ("RESULT / name") of the run.

    ``penalty_step`` proves P(beta^) >= c k, ``am_gm_step`` proves sqrt(A k) - c k <= A/(4c).
    """
    l1 = "L1 / inversion: 2 exp(-2 n D(k)^2 / B^2) = delta'_k"
    return {
        "comparison (hypothesis): F(beta*_eps) + Gamma - F(beta^)": HYPOTHESIS,
        "L1 at beta^": l1,
        "L1 at beta*_eps": l1,
        "D nondecreasing, k_r <= s (setting)": "setting / D(k+1)^2 - D(k)^2 = A (D nondecreasing in k)",
        "P(beta*_eps) <= s a lam^2/2 (MCP cap, setting)": "setting / MCP: P <= a lam^2/2 on [0, a lam]",
        f"P(beta^) >= {name} k": penalty_step,
        "L(beta*_eps) <= L*_Q + eps (definition)": HYPOTHESIS,
        "D(k) <= sqrt(A k) + sqrt(C0) (setting)": "setting / sqrt(A k + C0) <= sqrt(A k) + sqrt(C0)",
        f"sqrt(A k) - {name} k <= A/(4 {name})": am_gm_step,
    }


def am_gm_certificate(c: sp.Expr) -> sp.Expr:
    """A/(4c) - (sqrt(A k) - c k) = (2 c sqrt(k) - sqrt(A))^2 / (4c)."""
    return (2 * c * sp.sqrt(k) - sp.sqrt(A_CONST)) ** 2 / (4 * c)


TARGET_EXCESS = L_h - L_Q

"""Theorem B (tractable local solutions): the chain with c_Q, the sparsity bound, the tuning t*."""

from __future__ import annotations

import sympy as sp

from proofs_check.chain import TARGET_EXCESS, am_gm_certificate, requires, slacks
from proofs_check.core import Step, certificate, identity, linear_certificate, numeric_grid, sign
from proofs_check.l2 import PENALTY_STEP
from proofs_check.setting import QSIZE, w
from qtheory.theory import A_CONST, B, C0_CONST, C_Q, PI_MIN, radius
from qtheory.theory.bounds import T_EXPR, T_TUNE
from qtheory.theory.symbols import B as B_sym
from qtheory.theory.symbols import Gamma, Qsize, a, d, eps, k, lam, n, s

RESULT = "B"
hp = sp.Symbol("h", positive=True)
D_LT_ALAM = {lam: (d + hp) / a}  # d < a lam
TWO_D = {lam: (2 * d + w) / a}  # a lam >= 2d
tt = T_TUNE
STATED_T_STAR = sp.sqrt(4 * A_CONST / (3 * s))
AM_GM_STEP = "sqrt(A k) - c_Q k <= A/(4 c_Q)"
REQUIRES = requires("c_Q", f"L2 / {PENALTY_STEP}, inside [0, a lam]", f"{RESULT} / {AM_GM_STEP}")


def _tuning_condition() -> tuple[bool, str]:
    """B.tune at many points: the flag a lam* >= 2d equals sqrt(a t*) >= 2d, and where it holds the tuned
    bound (which used c_Q >= 3t/8, valid only then) is at least B's bound at lam* (same eps, Gamma)."""
    import itertools

    import numpy as np

    held = 0
    for n_, p_, q_, s_, a_, d_ in itertools.product((50, 10**5), (3, 1000), (3, 255), (1, 3), (0.05, 1.0, 20.0),
                                                   (1e-3, 0.5)):
        if s_ > p_:
            continue
        num = dict(B=1.0, n=n_, p=p_, Qsize=q_, delta=0.05, s=s_, eps=0.0, Gamma=0.0)
        out = B.tune(a=a_, d=d_, **num)
        cond = bool(np.sqrt(a_ * out["t"]) >= 2 * d_)
        if out["a*lam >= 2d"] != cond:
            return False, f"flag {out['a*lam >= 2d']} != sqrt(a t*) >= 2d at {num}, a={a_}, d={d_}"
        if cond:
            held += 1
            direct = float(B.evaluate(a=a_, lam=out["lam"], d=d_, **num))
            if out["bound"] < direct * (1 - 1e-12):
                return False, f"tuned bound {out['bound']} < B's value {direct} at {num}, a={a_}, d={d_}"
    return held > 0, f"condition held at {held} points"


HALF_GAP = T_EXPR + sp.sqrt(A_CONST * k) - C_Q * k  # >= L(beta^) - L*_Q >= 0 without the last slack

STEPS: list[Step] = [
    sign(RESULT, "c_Q > 0 when d < a lam", C_Q, D_LT_ALAM, strict=True),
    certificate(RESULT, AM_GM_STEP, A_CONST / (4 * C_Q) - (sp.sqrt(A_CONST * k) - C_Q * k),
                am_gm_certificate(C_Q), D_LT_ALAM),
    linear_certificate(RESULT, "chain: L(beta^) - L*_Q <= toolkit's B value", TARGET_EXCESS, B.value,
                       slacks(C_Q, "c_Q"), requires=REQUIRES),
    identity(RESULT, "toolkit's B value is docs/theory.md's", lambda: B.value,
             eps + Gamma + s * a * lam**2 / 2 + radius(s) + sp.sqrt(C0_CONST) + A_CONST / (4 * (a * lam**2 / 2 - d**2 / (2 * a)))),
    linear_certificate(RESULT, "sparsity: 0 <= L(beta^) - L*_Q <= T + sqrt(A k) - c_Q k", TARGET_EXCESS, HALF_GAP,
                       {k: v for k, v in slacks(C_Q, "c_Q").items() if not k.startswith("sqrt(A k)")},
                       requires={k: v for k, v in REQUIRES.items() if not k.startswith("sqrt(A k)")}),
    certificate(RESULT, "AM-GM: c_Q k/2 + A/(2 c_Q) - sqrt(A k) >= 0",
                C_Q * k / 2 + A_CONST / (2 * C_Q) - sp.sqrt(A_CONST * k),
                (C_Q * sp.sqrt(k) - sp.sqrt(A_CONST)) ** 2 / (2 * C_Q), D_LT_ALAM),
    identity(RESULT, "sparsity: bound - k = (2/c_Q)(T + sqrt(A k) - c_Q k) + (2/c_Q)(AM-GM slack)",
             B.extras["sparsity_bound"] - k,
             2 / C_Q * HALF_GAP + 2 / C_Q * (C_Q * k / 2 + A_CONST / (2 * C_Q) - sp.sqrt(A_CONST * k))),
    identity(RESULT, "toolkit's sparsity bound is docs/theory.md's 2T/c_Q + A/c_Q^2", lambda: B.extras["sparsity_bound"],
             2 * T_EXPR / C_Q + A_CONST / C_Q**2),
    certificate(RESULT, "tuning: c_Q - 3t/8 >= 0 when a lam >= 2d (t = a lam^2)", C_Q - 3 * a * lam**2 / 8,
                w * (w + 4 * d) / (8 * a), TWO_D),
    certificate(RESULT, "tuning: 2A/(3t) - A/(4 c_Q) >= 0 when a lam >= 2d",
                2 * A_CONST / (3 * a * lam**2) - A_CONST / (4 * C_Q),
                A_CONST * (8 * C_Q - 3 * a * lam**2) / (12 * a * lam**2 * C_Q), TWO_D),
    sign(RESULT, "tuning: 8 c_Q - 3t >= 0 (factor of the previous certificate)", 8 * C_Q - 3 * a * lam**2, TWO_D),
    identity(RESULT, "t* = sqrt(4A/(3s)) is stationary for s t/2 + 2A/(3t)",
             lambda: sp.diff(s * tt / 2 + 2 * A_CONST / (3 * tt), tt).subs(tt, STATED_T_STAR), 0),
    sign(RESULT, "s t/2 + 2A/(3t) is convex in t > 0", sp.diff(s * tt / 2 + 2 * A_CONST / (3 * tt), tt, 2), QSIZE,
         strict=True),
    identity(RESULT, "toolkit's t* is docs/theory.md's", B.t_star_expr, STATED_T_STAR),
    identity(RESULT, "tuned bound: s t*/2 + 2A/(3t*) = 2 sqrt(sA/3) = B sqrt(2 s ln(p|Q|)/(3n))",
             lambda: (s * tt / 2 + 2 * A_CONST / (3 * tt)).subs(tt, STATED_T_STAR), 2 * sp.sqrt(s * A_CONST / 3)),
    identity(RESULT, "toolkit's tuned bound is eps + Gamma + 2 sqrt(sA/3) + D(s) + sqrt(C0)", B.tuned_bound_expr,
             eps + Gamma + 2 * sp.sqrt(s * A_CONST / 3) + radius(s) + sp.sqrt(C0_CONST)),
    identity(RESULT, "d -> 0 at fixed (a, lam): B's sparsity term tends to A/(2 a lam^2)",
             lambda: sp.limit(A_CONST / (4 * C_Q), d, 0, "+"), A_CONST / (2 * a * lam**2)),
    identity(RESULT, "d -> 0 at fixed (a, lam): A's term A/(4 pi_min) blows up (4 pi_min/A -> 0)",
             lambda: sp.limit(4 * PI_MIN / A_CONST, d, 0, "+"), 0),
    identity(RESULT, "d -> 0 with the smallest grid allowed (|Q| = 2 a lam/d + 1): B's term ~ ln(1/d) B^2/(4 a lam^2 n)",
             lambda: sp.limit(sp.expand_log(A_CONST.subs(Qsize, 2 * a * lam / d + 1) / (4 * C_Q) / sp.log(1 / d),
                                            force=True), d, 0, "+"), B_sym**2 / (4 * a * lam**2 * n)),
    numeric_grid(RESULT, "tune() reports a lam* >= 2d, and the tuned bound is >= B's value at lam* when it holds",
                 "B = 1, n in {50, 10^5}, p in {3, 10^3}, |Q| in {3, 255}, s in {1, 3}, a in {0.05, 1, 20}, "
                 "d in {1e-3, 0.5}", _tuning_condition),
]

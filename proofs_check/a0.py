"""A0 (quantized ERM, no penalty): dense union bound, the chain, the sample complexity."""

from __future__ import annotations

import sympy as sp

from proofs_check.core import HYPOTHESIS, Step, identity, linear_certificate
from qtheory.theory import A0, DENSE_RADIUS
from qtheory.theory.result import TARGET
from qtheory.theory.symbols import B, Gamma, Qsize, delta, eps, n, p

RESULT = "A0"
# L(beta~), L_n(beta~), L(beta*_Q), L_n(beta*_Q) (beta*_Q: a minimizer of L over Q^p), min_{Q^p} L_n
L_t, Ln_t, L_q, Ln_q, Ln_min = sp.symbols("L_t Ln_t L_q Ln_q Ln_min", real=True)
D = DENSE_RADIUS
INVERSION_NAME = "inversion: 2 exp(-2 n D_dense^2 / B^2) = delta'/|Q|^p (dense event, with Hoeffding)"
INVERSION = f"{RESULT} / {INVERSION_NAME}"
STATED_N = 2 * B**2 * (p * sp.log(Qsize) + sp.log(2 / delta)) / eps**2

STEPS: list[Step] = [
    identity(RESULT, INVERSION_NAME, 2 * sp.exp(-2 * n * D**2 / B**2),
             delta / Qsize**p),
    linear_certificate(
        RESULT, "L(beta~) - L*_Q <= Gamma + 2 D_dense", L_t - L_q, A0.value,
        {
            "deviation at beta~: L_n(beta~) + D_dense - L(beta~)": Ln_t + D - L_t,
            "Gamma-suboptimal: min L_n + Gamma - L_n(beta~)": Ln_min + Gamma - Ln_t,
            "min: L_n(beta*_Q) - min L_n": Ln_q - Ln_min,
            "deviation at beta*_Q: L(beta*_Q) + D_dense - L_n(beta*_Q)": L_q + D - Ln_q,
        },
        requires={
            "deviation at beta~: L_n(beta~) + D_dense - L(beta~)": INVERSION,
            "Gamma-suboptimal: min L_n + Gamma - L_n(beta~)": HYPOTHESIS,
            "min: L_n(beta*_Q) - min L_n": HYPOTHESIS,
            "deviation at beta*_Q: L(beta*_Q) + D_dense - L_n(beta*_Q)": INVERSION,
        },
    ),
    identity(RESULT, "sample complexity: 2 D_dense = eps at docs/theory.md's n", lambda: (2 * D).subs(n, STATED_N), eps),
    identity(RESULT, "toolkit's closed-form n at Gamma = 0, tau = eps is docs/theory.md's",
             lambda: A0.sample_size_expr().subs({Gamma: 0, TARGET: eps}), STATED_N),
    identity(RESULT, "toolkit's D_dense is the stated one", lambda: D, B * sp.sqrt((p * sp.log(Qsize) + sp.log(2 / delta)) / (2 * n))),
]

"""V3 (quantization bias): rounding to the grid moves each coordinate by at most d/2."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from proofs_check.core import HYPOTHESIS, Step, exhaustive, identity, linear_certificate
from qtheory.theory import V3
from qtheory.theory.symbols import Linf, d

RESULT = "V3"
u1, u2 = sp.symbols("u1 u2", nonnegative=True)  # distances of x to the grid points below and above
L_round, L_beta, dist = sp.symbols("L_round L_beta dist", real=True)


def _rounding_distance() -> tuple[bool, str]:
    """For x = j/(2 * 12) * d in [-R, R] (d = 1), the nearest code m (|m| <= K) has |x - m| <= 1/2."""
    count = 0
    for K in range(1, 9):
        for j in range(-24 * K, 24 * K + 1):
            x = Fraction(j, 24)
            best = min(abs(x - mm) for mm in range(-K, K + 1))
            count += 1
            if best > Fraction(1, 2):
                return False, f"K={K}, x={x}: distance {best}"
    return True, f"{count} points"


STEPS: list[Step] = [
    identity(RESULT, "x between grid points m d, (m+1) d: (d/2 - u1) + (d/2 - u2) = 0, so min(u1, u2) <= d/2",
             (d / 2 - u1) + (d / 2 - u2), 0, {u2: d - u1}),
    exhaustive(RESULT, "nearest grid point within d/2 on [-R, R]", "K <= 8, x on a 1/24-step grid, d = 1",
               _rounding_distance),
    linear_certificate(RESULT, "L(round beta) <= L(beta) + M_inf d/2", L_round - L_beta, Linf * d / 2,
                       {"Lipschitz: L(beta) + M_inf |round beta - beta|_inf - L(round beta)":
                        L_beta + Linf * dist - L_round,
                        "rounding: M_inf (d/2 - |round beta - beta|_inf)": Linf * (d / 2 - dist)},
                       requires={"Lipschitz: L(beta) + M_inf |round beta - beta|_inf - L(round beta)": HYPOTHESIS,
                                 "rounding: M_inf (d/2 - |round beta - beta|_inf)":
                                     f"{RESULT} / nearest grid point within d/2 on [-R, R]"}),
    identity(RESULT, "toolkit's V3 value is M_inf d/2", lambda: V3.value, Linf * d / 2),
]

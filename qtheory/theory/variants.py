"""Our variants V1 (Occam-kl certificate), V2 (selection among M configurations) and V3 (quantization
bias) of docs/theory.md section 3 as :class:`Result`s."""

from __future__ import annotations

from typing import Any

import sympy as sp

from qtheory.theory.kl import klinv
from qtheory.theory.quantities import LOG_PQ, log_confidence, radius
from qtheory.theory.result import Result
from qtheory.theory.symbols import Linf, Ln, M, d, k, n, p

#: V1's complexity term c = (k ln(p|Q|) + ln(2(p+1) sqrt(n)/delta') + ln M)/n  (ln M: V2's selection cost)
V1_COMPLEXITY = (k * LOG_PQ + log_confidence(sp.log(n) / 2 + sp.log(M))) / n

V1 = Result(
    name="V1",
    title="Occam-kl certificate",
    statement=(
        "For a [0,1]-valued loss, with probability >= 1 - delta', for all beta in Q^p: L(beta) <= "
        "kl^{-1}(L_n(beta), (||beta||_0 ln(p|Q|) + ln(2(p+1) sqrt(n)/delta') + ln M)/n), for n >= 8 (Maurer's "
        "bound for one beta plus L1's union; M = 1 without selection, ln M is V2's cost)."
    ),
    value_label=r"\mathrm{kl}^{-1}(L_n, c)",
    value=klinv(Ln, V1_COMPLEXITY),
    hypotheses={"n >= 8": sp.Ge(n, 8), "k <= p": sp.Le(k, p)},
    extras={"complexity": V1_COMPLEXITY},
    defaults={"M": 1},
    budget={"L_n": Ln, "kl gap": klinv(Ln, V1_COMPLEXITY) - Ln},
)

V2 = Result(
    name="V2",
    title="selection among M configurations",
    statement=(
        "Choosing among M configurations after seeing the data is a union over them: run every certificate at "
        "confidence delta'/M, i.e. add ln M to its complexity term.  The value is L1's radius so adjusted, "
        "B sqrt((k ln(p|Q|) + ln(2(p+1)/delta') + ln M)/(2n)); V1 takes M directly."
    ),
    value_label=r"D_M(k)",
    value=radius(k, sp.log(M)),
    hypotheses={"k <= p": sp.Le(k, p)},
)

V3 = Result(
    name="V3",
    title="quantization bias",
    statement=(
        "If L is M_inf-Lipschitz in the max-norm on [-R, R]^p then L*_Q <= inf_{[-R,R]^p} L + M_inf d/2 "
        "(round every coordinate to the nearest grid point, at most d/2 away)."
    ),
    value_label=r"M_\infty d / 2",
    value=Linf * d / 2,
)


def selection_delta(delta: Any, M: Any) -> Any:
    """V2: the per-configuration confidence delta'/M that makes a certificate hold over M selections."""
    return delta / M


__all__ = ["V1", "V1_COMPLEXITY", "V2", "V3", "selection_delta"]

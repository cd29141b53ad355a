"""Our variants V1 (Occam-kl certificate), V4 (V1 with the exact count), V2 (selection among M
configurations) and V3 (quantization bias) of docs/theory.md section 3 as :class:`Result`s."""

from __future__ import annotations

from typing import Any

import sympy as sp

from qtheory.theory.counting import logbinomial
from qtheory.theory.kl import klinv
from qtheory.theory.quantities import LOG_PQ, log_confidence, radius
from qtheory.theory.result import Result
from qtheory.theory.symbols import Linf, Ln, M, Qsize, d, k, n, p

#: V1's complexity term c = (k ln(p|Q|) + ln(2(p+1) sqrt(n)/delta') + ln M)/n  (ln M: V2's selection cost)
V1_COMPLEXITY = (k * LOG_PQ + log_confidence(sp.log(n) / 2 + sp.log(M))) / n



def _kl_certificate(name: str, title: str, statement: str, value_label: str, complexity: sp.Expr) -> Result:
    """A certificate kl^{-1}(L_n, complexity) of a [0,1] loss (V1, V4): Maurer's bound needs n >= 8, the
    count k <= p; M (V2's selection) defaults to 1."""
    return Result(name=name, title=title, statement=statement, value_label=value_label,
                  value=klinv(Ln, complexity), hypotheses={"n >= 8": sp.Ge(n, 8), "k <= p": sp.Le(k, p)},
                  extras={"complexity": complexity}, defaults={"M": 1},
                  budget={"L_n": Ln, "kl gap": klinv(Ln, complexity) - Ln})


V1 = _kl_certificate(
    "V1",
    "Occam-kl certificate",
    "For a [0,1]-valued loss, with probability >= 1 - delta', for all beta in Q^p: L(beta) <= "
    "kl^{-1}(L_n(beta), (||beta||_0 ln(p|Q|) + ln(2(p+1) sqrt(n)/delta') + ln M)/n), for n >= 8 (Maurer's "
    "bound for one beta plus L1's union; M = 1 without selection, ln M is V2's cost).",
    r"\mathrm{kl}^{-1}(L_n, c)",
    V1_COMPLEXITY,
)

#: ln #{beta in Q^p : ||beta||_0 = k} = ln C(p, k) + k ln(|Q| - 1), for a grid Q that contains 0
EXACT_COUNT = logbinomial(p, k) + k * sp.log(Qsize - 1)

#: V4's complexity term (ln C(p,k) + k ln(|Q|-1) + ln(2(p+1) sqrt(n)/delta') + ln M)/n  (ln M: V2's cost)
V4_COMPLEXITY = (EXACT_COUNT + log_confidence(sp.log(n) / 2 + sp.log(M))) / n

V4 = _kl_certificate(
    "V4",
    "V1 with the exact count",
    "For a [0,1]-valued loss and a grid Q that contains 0, with probability >= 1 - delta', for all beta in "
    "Q^p: L(beta) <= kl^{-1}(L_n(beta), (ln C(p,k) + k ln(|Q|-1) + ln(2(p+1) sqrt(n)/delta') + ln M)/n), "
    "k = ||beta||_0, for n >= 8 (V1's proof with the exact number C(p,k)(|Q|-1)^k of points with k "
    "non-zeros in place of (p|Q|)^k; never larger than V1).  Without 0 in Q every point has k = p and "
    "there are |Q|^p of them, not (|Q|-1)^p: the count, and the bound, do not hold.",
    r"\mathrm{kl}^{-1}(L_n, c_{\mathrm{exact}})",
    V4_COMPLEXITY,
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


__all__ = ["EXACT_COUNT", "V1", "V1_COMPLEXITY", "V2", "V3", "V4", "V4_COMPLEXITY", "selection_delta"]

"""V4 (V1 with the exact count): the count of points with exactly k non-zeros, the union with the exact count,
V4 <= V1, and the numeric ln C(p, k).

Per point, V4 uses V1's one-network bound (Maurer and Markov, checked in :mod:`proofs_check.v1`) at the
confidence delta'_k = delta' / ((p+1) C(p,k) (|Q|-1)^k M); the steps here check what changes: the confidences
of all points sum to delta' exactly, the complexity term is ln(2 sqrt(n)/delta'_k)/n, and it is never
larger than V1's, so V4 <= V1 (kl^{-1}(q, .) is nondecreasing, :mod:`proofs_check.v1`).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import sympy as sp

from proofs_check.core import Step, exhaustive, identity, sign
from proofs_check.l1 import _count_by_enumeration, small_grids
from qtheory.theory import V1, V4
from qtheory.theory.counting import as_log_binomials, log_binomial
from qtheory.theory.kl import klinv
from qtheory.theory.symbols import M, Ln, Qsize, delta, k, n, p
from qtheory.theory.variants import V1_COMPLEXITY, V4_COMPLEXITY

RESULT = "V4"
j = sp.Symbol("j", integer=True, nonnegative=True)
qq = sp.Symbol("q", integer=True, nonnegative=True)
COUNT = sp.binomial(p, k) * (Qsize - 1) ** k
#: delta'_k: the confidence spent on each point with k non-zeros (and each of M configurations)
DELTA_K = delta / ((p + 1) * COUNT * M)


def _union_exact() -> tuple[bool, str]:
    """Summed over every point of Q^p (by enumeration), the confidences delta'_k add up to delta' exactly."""
    checked = 0
    for pp, qs, nonzeros in small_grids():
        total = sum(Fraction(1, (pp + 1) * math.comb(pp, int(kk)) * (qs - 1) ** int(kk)) for kk in nonzeros)
        checked += 1
        if total != 1:
            return False, f"p={pp}, |Q|={qs}: sum / delta' = {total}"
    return True, f"{checked} (p, |Q|) pairs, every sum / delta' = 1 exactly"


def _log_binomial_accuracy() -> tuple[bool, str]:
    """The numeric ln C(p, k) against math.log of the exact integer C(p, k)."""
    cases = [(pp, kk) for pp in range(1, 61) for kk in range(pp + 1)]
    for pp in (650, 10**5):
        cases += [(pp, kk) for kk in sorted({*range(0, 40), *range(pp - 40, pp + 1),
                                             *np.linspace(0, pp, 9).astype(int).tolist()}) if 0 <= kk <= pp]
    worst = 0.0
    for pp, kk in cases:
        exact = math.log(math.comb(pp, kk))
        got = float(log_binomial(pp, kk))
        err = abs(got - exact) / max(exact, 1.0)
        worst = max(worst, err)
        if err > 1e-13:
            return False, f"p={pp}, k={kk}: {got!r} against {exact!r}"
    return True, f"{len(cases)} (p, k) pairs up to p = 10^5, largest relative error {worst:.1e}"


def _v4_le_v1() -> tuple[bool, str]:
    """The toolkit's V4 <= V1 on a grid of (Ln, k, n, p, |Q|), p up to 10^5 and k up to p."""
    worst = -np.inf
    for pp in (1, 3, 10, 650, 10**5):
        kk = np.unique(np.linspace(0, pp, 12).astype(int))[:, None, None, None]
        num = dict(Ln=np.array([0.0, 0.05, 0.3, 1.0]), k=kk, n=np.array([8, 100, 10**5])[:, None],
                   p=pp, Qsize=np.array([2, 3, 5, 257])[:, None, None], delta=0.05, M=12)
        gap = np.asarray(V4.evaluate(**num)) - np.asarray(V1.evaluate(**num))
        worst = max(worst, float(np.max(gap)))
    return worst <= 1e-12, f"largest V4 - V1 = {worst:.2e}"


STEPS: list[Step] = [
    exhaustive(RESULT, "#{||beta||_0 = k} = C(p,k)(|Q|-1)^k (0 in Q)", "all of Q^p, p <= 5, |Q| <= 7, |Q|^p <= 20000",
               _count_by_enumeration),
    identity(RESULT, "union: summed over k = 0..p and the M configurations, delta'",
             lambda: M * sp.summation(delta / ((p + 1) * M), (k, 0, p)), delta),
    exhaustive(RESULT, "union: sum over every point of Q^p of delta'_k = delta' exactly", "exact rationals",
               _union_exact),
    identity(RESULT, "complexity: ln(2 sqrt(n)/delta'_k)/n is the toolkit's V4 complexity",
             sp.log(2 * sp.sqrt(n) / DELTA_K) / n, as_log_binomials(V4_COMPLEXITY)),
    identity(RESULT, "toolkit's V4 value is kl^{-1}(L_n, docs/theory.md's complexity)", as_log_binomials(V4.value),
             klinv(Ln, (sp.log(COUNT) + sp.log(2 * (p + 1) * sp.sqrt(n) / delta) + sp.log(M)) / n)),
    identity(RESULT, "V1's complexity - V4's = ln((p|Q|)^k / (C(p,k)(|Q|-1)^k))/n",
             V1_COMPLEXITY - as_log_binomials(V4_COMPLEXITY), sp.log((p * Qsize) ** k / COUNT) / n),
    sign(RESULT, "C(p,k)(|Q|-1)^k/(p|Q|)^k nonincreasing in k, 1 at k = 0: the log above is >= 0",
         (k + 1) * p * Qsize - (p - k) * (Qsize - 1), {p: k + j, Qsize: qq + 1}),
    exhaustive(RESULT, "V4 <= V1 (kl^{-1}(q, .) nondecreasing, see V1)", "p <= 10^5, 12 k in [0, p], |Q| <= 257",
               _v4_le_v1),
    exhaustive(RESULT, "numeric ln C(p,k) equals ln of the exact integer", "relative error <= 1e-13",
               _log_binomial_accuracy),
]

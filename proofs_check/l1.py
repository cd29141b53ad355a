"""L1 (sparsity-aware uniform deviation): counting, union bound, Hoeffding inversion.

The count bound C(p,k)(|Q|-1)^k <= (p|Q|)^k is proved by induction on k: it is 1 at k = 0, and the ratio
of consecutive terms, (p-k)(|Q|-1) / ((k+1) p|Q|), is at most 1 (the sign step); the exhaustive step
checks the same inequality directly on a finite range.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import sympy as sp
from scipy import stats

from proofs_check.core import Step, cited, identity, numeric_grid, exhaustive, sign
from qtheory.theory import DEVIATION_RADIUS, L1
from qtheory.theory.symbols import B, Qsize, delta, k, n, p

RESULT = "L1"
j = sp.Symbol("j", integer=True, nonnegative=True)
qq = sp.Symbol("q", integer=True, nonnegative=True)
#: delta'_k: the failure probability given to each beta with k non-zeros
DELTA_K = delta / ((p + 1) * (p * Qsize) ** k)


def small_grids():
    """(p, |Q|, non-zero count of every point of Q^p) for p <= 5, |Q| <= 7, |Q|^p <= 20000, with
    Q = {0 (the zero level), 1, .., |Q|-1}."""
    for pp in range(1, 6):
        for qs in range(2, 8):
            if qs**pp <= 20000:
                yield pp, qs, (np.array(list(itertools.product(range(qs), repeat=pp))) != 0).sum(axis=1)


def _count_by_enumeration() -> tuple[bool, str]:
    """#{codes in Q^p with k non-zeros} == C(p,k)(|Q|-1)^k, Q = {0 (the zero level), 1, .., |Q|-1}."""
    checked = 0
    for pp, qs, nonzeros in small_grids():
        counts = np.bincount(nonzeros, minlength=pp + 1)
        for kk in range(pp + 1):
            checked += 1
            if counts[kk] != math.comb(pp, kk) * (qs - 1) ** kk:
                return False, f"p={pp}, |Q|={qs}, k={kk}: {counts[kk]} != {math.comb(pp, kk) * (qs - 1) ** kk}"
    return True, f"{checked} (p, |Q|, k) triples"


def _count_bound() -> tuple[bool, str]:
    """C(p,k)(|Q|-1)^k <= (p|Q|)^k in exact integers."""
    for pp in range(1, 41):
        for qs in range(2, 258):
            for kk in range(pp + 1):
                if math.comb(pp, kk) * (qs - 1) ** kk > (pp * qs) ** kk:
                    return False, f"p={pp}, |Q|={qs}, k={kk}"
    return True, ""


def _union_sum() -> tuple[bool, str]:
    """sum_k #{k non-zeros} * delta'_k <= delta', exact rationals (delta' = 1)."""
    worst = Fraction(0)
    for pp in range(1, 31):
        for qs in range(2, 18):
            total = sum(
                Fraction(math.comb(pp, kk) * (qs - 1) ** kk, (pp + 1) * (pp * qs) ** kk) for kk in range(pp + 1)
            )
            worst = max(worst, total)
            if total > 1:
                return False, f"p={pp}, |Q|={qs}: sum = {float(total)}"
    return True, f"largest sum / delta' = {float(worst):.4f}"


def _hoeffding_bernoulli() -> tuple[bool, str]:
    """P(|mean - mu| > t) <= 2 exp(-2 n t^2) for Bernoulli(mu) samples, exact binomial tails."""
    worst = 0.0
    for nn in (1, 2, 5, 10, 20, 50, 100, 200):
        m = np.arange(nn + 1)
        for mu in np.linspace(0.01, 0.99, 25):
            pmf = stats.binom.pmf(m, nn, mu)
            for t in np.linspace(0.01, 0.6, 30):
                tail = pmf[np.abs(m / nn - mu) > t].sum()
                worst = max(worst, tail / (2 * np.exp(-2 * nn * t * t)))
    return worst <= 1 + 1e-12, f"largest tail / bound = {worst:.3f}"


STEPS: list[Step] = [
    exhaustive(RESULT, "#{||beta||_0 = k} = C(p,k)(|Q|-1)^k", "all of Q^p, p <= 5, |Q| <= 7, |Q|^p <= 20000",
               _count_by_enumeration),
    sign(RESULT, "C(p,k)(|Q|-1)^k/(p|Q|)^k nonincreasing in k (so <= 1)",
         (k + 1) * p * Qsize - (p - k) * (Qsize - 1), {p: k + j, Qsize: qq + 1}),
    exhaustive(RESULT, "C(p,k)(|Q|-1)^k <= (p|Q|)^k", "exact integers, p <= 40, |Q| <= 257, k <= p", _count_bound),
    exhaustive(RESULT, "union: sum_k C(p,k)(|Q|-1)^k delta'_k <= delta'", "exact rationals, p <= 30, |Q| <= 17",
               _union_sum),
    cited(RESULT, "Hoeffding: P(|L_n - L| > t) <= 2 exp(-2 n t^2 / B^2)", "Hoeffding (1963), Theorem 2"),
    numeric_grid(RESULT, "Hoeffding on Bernoulli losses", "n <= 200, 25 means, 30 thresholds",
                 _hoeffding_bernoulli),
    identity(RESULT, "inversion: 2 exp(-2 n D(k)^2 / B^2) = delta'_k",
             2 * sp.exp(-2 * n * DEVIATION_RADIUS**2 / B**2), DELTA_K),
    identity(RESULT, "toolkit's L1 value is docs/theory.md's D(k)", lambda: L1.value,
             B * sp.sqrt((k * sp.log(p * Qsize) + sp.log(2 * (p + 1) / delta)) / (2 * n))),
    sign(RESULT, "delta'_k > 0", DELTA_K, strict=True),
]

"""V1 (Occam-kl certificate): Maurer's bound, the union of L1, and the properties of kl^{-1}."""

from __future__ import annotations

import numpy as np
import sympy as sp
from scipy import special, stats

from proofs_check.core import Step, certificate, cited, identity, numeric_grid, sign
from qtheory.theory import V1
from qtheory.theory.kl import kl_expr, klinv
from qtheory.theory.symbols import M, Ln, Qsize, delta, k, n, p
from qtheory.theory.variants import V1_COMPLEXITY

RESULT = "V1"
q, r = sp.symbols("q r", positive=True)
hh, vv = sp.symbols("h v", positive=True)
cc = sp.Symbol("c", positive=True)
E = sp.Symbol("E", positive=True)  # E exp(n kl(L_n || L))
INTERIOR = {r: 1 / (1 + vv), q: 1 / (1 + vv) - hh}  # 0 < r < 1, q = r - h <= r


def _maurer_bernoulli() -> tuple[bool, str]:
    """E exp(n kl(L_n || mu)) <= 2 sqrt(n) for Bernoulli(mu), exact sums in log space."""
    worst = 0.0
    for nn in list(range(8, 41)) + [60, 100, 200, 500, 1000]:
        j = np.arange(nn + 1)
        qhat = j / nn
        for mu in np.concatenate([np.linspace(0.001, 0.999, 61), [1e-6, 1 - 1e-6]]):
            kl = special.rel_entr(qhat, mu) + special.rel_entr(1 - qhat, 1 - mu)
            log_e = special.logsumexp(stats.binom.logpmf(j, nn, mu) + nn * kl)
            worst = max(worst, float(np.exp(log_e - np.log(2 * np.sqrt(nn)))))
    return worst <= 1 + 1e-12, f"largest E exp(n kl) / (2 sqrt n) = {worst:.4f}"


Q_GRID = (0.0, 1e-9, 1e-4, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1 - 1e-6, 1.0)
C_GRID = (1e-10, 1e-6, 1e-3, 0.01, 0.1, 0.5, 1.0, 3.0, 10.0, 50.0)


def _mp_root(q: float, c: float) -> "mpmath.mpf":
    """max{r in [q, 1] : kl(q||r) <= c} at 50 digits, by 160 bisection steps (kl(q||.) increases on [q, 1))."""
    import mpmath

    with mpmath.workdps(50):
        qm, cm = mpmath.mpf(q), mpmath.mpf(c)

        def kl(r):
            out = mpmath.mpf(0)
            if qm > 0:
                out += qm * mpmath.log(qm / r)
            if qm < 1:
                if r >= 1:  # kl(q||1) = +inf for q < 1
                    return mpmath.inf
                out += (1 - qm) * mpmath.log((1 - qm) / (1 - r))
            return out

        if qm == 1:
            return mpmath.mpf(1)
        lo, hi = qm, mpmath.mpf(1)
        for _ in range(160):  # 2^-160 < 1e-48, within the 50 digits
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if kl(mid) <= cm else (lo, mid)
        return lo


def _kl_inverse_numeric() -> tuple[bool, str]:
    """The toolkit's kl_inverse r on a grid of (q, c): r in [q, 1]; bracketing: kl(q||r - 1e-12) <= c <
    kl(q||r + 1e-12) (the largest r with kl <= c is within 1e-12); within 1e-12 of a 50-digit root;
    nondecreasing in c and in q."""
    from qtheory.theory import kl_divergence, kl_inverse

    worst = 0.0
    table = np.array([[float(kl_inverse(q_, c_)) for c_ in C_GRID] for q_ in Q_GRID])
    for i, q_ in enumerate(Q_GRID):
        for j, c_ in enumerate(C_GRID):
            r_ = table[i, j]
            if not q_ <= r_ <= 1:
                return False, f"kl^-1({q_}, {c_}) = {r_} outside [q, 1]"
            lower, upper = max(q_, r_ - 1e-12), r_ + 1e-12
            if float(kl_divergence(q_, lower)) > c_ or (upper < 1 and float(kl_divergence(q_, upper)) <= c_):
                return False, f"the root of kl(q||r) = c is not within 1e-12 of kl^-1 at q = {q_}, c = {c_}"
            err = abs(r_ - float(_mp_root(q_, c_)))
            worst = max(worst, err)
            if err > 1e-12:
                return False, f"kl^-1({q_}, {c_}) = {r_!r} is {err:.3g} from the 50-digit root"
    if np.any(np.diff(table, axis=1) < 0) or np.any(np.diff(table, axis=0) < 0):
        return False, "kl^-1 decreases in c or in q somewhere on the grid"
    return True, f"largest distance to the 50-digit root {worst:.2g}"


STEPS: list[Step] = [
    numeric_grid(RESULT, "toolkit's kl^-1: bracketing, monotone, = 50-digit mpmath root",
                 f"{len(Q_GRID)} q x {len(C_GRID)} c", _kl_inverse_numeric),
    cited(RESULT, "Maurer: E exp(n kl(L_n || L)) <= 2 sqrt(n) for [0,1] losses, n >= 8",
          "Maurer (2004), A note on the PAC Bayesian theorem, Theorem 1"),
    numeric_grid(RESULT, "Maurer on Bernoulli losses (the extreme case)", "8 <= n <= 1000, 63 means",
                 _maurer_bernoulli),
    certificate(RESULT, "Markov: P(exp(n kl) >= 2 sqrt(n)/delta') <= E delta'/(2 sqrt n) <= delta'",
                delta - E * delta / (2 * sp.sqrt(n)), delta * hh / (2 * sp.sqrt(n)), {E: 2 * sp.sqrt(n) - hh}),
    identity(RESULT, "union: ln(2 sqrt(n)/delta'_k)/n with delta'_k = delta'/((p+1)(p|Q|)^k M) is the complexity",
             sp.log(2 * sp.sqrt(n) / (delta / ((p + 1) * (p * Qsize) ** k * M))) / n, V1_COMPLEXITY),
    identity(RESULT, "d kl(q||r)/dr = (r - q)/(r(1 - r))", sp.diff(kl_expr(q, r), r), (r - q) / (r * (1 - r))),
    sign(RESULT, "kl(q||.) nondecreasing on [q, 1): kl^{-1} is the root of kl(q||r) = c",
         (r - q) / (r * (1 - r)), INTERIOR),
    identity(RESULT, "d^2 kl(q||r)/dr^2 = ((r - q)^2 + q(1 - q))/(r(1 - r))^2", sp.diff(kl_expr(q, r), r, 2),
             ((r - q) ** 2 + q * (1 - q)) / (r * (1 - r)) ** 2),
    sign(RESULT, "kl(q||.) convex on (0, 1): Newton's iterates from above decrease to the root",
         ((r - q) ** 2 + q * (1 - q)) / (r * (1 - r)) ** 2, {r: 1 / (1 + vv), q: 1 / (1 + hh)}, strict=True),
    identity(RESULT, "kl(q||q) = 0 (so kl^{-1}(q, c) >= q)", lambda: kl_expr(q, q), 0),
    identity(RESULT, "Newton start: kl(q||r) = -H(q) - q ln r - (1-q) ln(1-r)", kl_expr(q, r),
             q * sp.log(q) + (1 - q) * sp.log(1 - q) - q * sp.log(r) - (1 - q) * sp.log(1 - r)),
    sign(RESULT, "Newton start: -q ln r >= 0, so r0 = 1 - exp(-(c + H)/(1-q)) >= root", -q * sp.log(r),
         {r: 1 / (1 + vv)}),
    identity(RESULT, "q = 0: kl(0||r) = -ln(1-r), root 1 - exp(-c)", lambda: (-sp.log(1 - r)).subs(r, 1 - sp.exp(-cc)),
             cc),
    identity(RESULT, "Pinsker via g = kl - 2(r-q)^2: g(q) = 0", lambda: (kl_expr(q, r) - 2 * (r - q) ** 2).subs(r, q), 0),
    identity(RESULT, "Pinsker: g'(r) = (r - q)(1 - 2r)^2/(r(1 - r))", sp.diff(kl_expr(q, r) - 2 * (r - q) ** 2, r),
             (r - q) * (1 - 2 * r) ** 2 / (r * (1 - r))),
    sign(RESULT, "Pinsker: g' >= 0 on [q, 1), so kl^{-1}(q, c) <= q + sqrt(c/2)",
         (r - q) * (1 - 2 * r) ** 2 / (r * (1 - r)), INTERIOR),
    identity(RESULT, "toolkit's V1 complexity is docs/theory.md's (M = 1)", lambda: V1_COMPLEXITY.subs(M, 1),
             (k * sp.log(p * Qsize) + sp.log(2 * (p + 1) * sp.sqrt(n) / delta)) / n),
    identity(RESULT, "toolkit's V1 value is kl^{-1}(L_n, docs/theory.md's complexity)", lambda: V1.value,
             klinv(Ln, (k * sp.log(p * Qsize) + sp.log(2 * (p + 1) * sp.sqrt(n) / delta) + sp.log(M)) / n)),
]

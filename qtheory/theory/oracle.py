"""The excess-risk arguments of A0, A and B run with any deviation radius in place of D, and the oracle
radius of a population (docs/theory.md, section 6).

A0's proof uses only the dense event  sup_{Q^p} |L_n - L| <= D_dense;  A's and B's proofs use only L1's event
|L_n(beta) - L(beta)| <= D(||beta||_0) for all beta.  On the event  |L_n(beta) - L(beta)| <= r(||beta||_0)  for
all beta (a radius r(k), k = 0..p, and r_dense >= max_k r(k)), the same arguments give

    A0:  L(beta~) - L*_Q <= Gamma + 2 r_dense
    A:   L(beta^) - L*_Q <= eps + Gamma + s a lam^2/2 + r(<=s) + max_{k=0..p} (r(k) - pi_min k)
    B:   L(beta^) - L*_Q <= eps + Gamma + s a lam^2/2 + r(<=s) + max_{k=0..p} (r(k) - c_Q k)

with r(<=s) = max_{k<=s} r(k) (= r(s) for the nondecreasing D; ||beta*_eps||_0 <= s).
(A, B: compare F at beta^ and beta*_eps, apply the event at both points, P(beta*_eps) <= s a lam^2/2 and
P(beta^) >= c k with k = ||beta^||_0; the last step keeps the exact maximum over k).  With r = D the
maximum is at most sqrt(C0) + A/(4c) (D(k) <= sqrt(A k) + sqrt(C0), max_k sqrt(A k) - c k <= A/(4c)), so
the printed bounds are the case r = D followed by that closed-form step.

The *oracle radius* O(k) of a population at sample size n is the (1 - delta') quantile of
dev(k) = sup{|L_n(beta) - L(beta)| : ||beta||_0 = k} over the training samples, and O_dense that of
sup_{Q^p} |L_n - L|.  Any radius r valid with probability >= 1 - delta' has P(dev(k) <= r(k)) >= 1 - delta'
for each k, hence r(k) >= O(k): O is the smallest radius any uniform bound could have on that population.
The *oracle bound* is the argument above at r = O.  Then, exactly,

    bound / excess = (bound / oracle bound) x (oracle bound / excess):

the first factor is what concentration and the union bound cost, the second what the excess-risk argument
costs.  Terms come from the results' own budgets (:meth:`Result.terms`); only the radius terms are swapped.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

#: the budget terms of each result that the argument replaces by radius terms
_RADIUS_TERMS: dict[str, tuple[str, ...]] = {
    "A0": ("2 D_dense",),
    "A": ("D(s)", "sqrt(C0)", "A/(4 pi_min)"),
    "B": ("D(s)", "sqrt(C0)", "A/(4 c_Q)"),
}


def penalized_radius_max(radius_by_k: np.ndarray, c: float) -> float:
    """max_{k=0..p} (r(k) - c k) for a radius r given at k = 0..p (entries -inf / nan: k absent, skipped)."""
    r = np.asarray(radius_by_k, dtype=float)
    ks = np.arange(r.size)
    vals = np.where(np.isfinite(r), r - float(c) * ks, -np.inf)
    return float(np.max(vals))


def argument_terms(name: str, terms: Mapping[str, float], *, radius_by_k: np.ndarray | None = None,
                   radius_dense: float | None = None, s: int | None = None, c: float | None = None) -> dict[str, float]:
    """The budget of result ``name`` (A0, A or B; ``terms`` from its :meth:`Result.terms` at one point) with
    D replaced by the radius r (module docstring): A0 needs ``radius_dense``; A and B need ``radius_by_k``
    (k = 0..p), the reference sparsity ``s`` and ``c`` = pi_min (A) or c_Q (B)."""
    if name not in _RADIUS_TERMS:
        raise ValueError(f"name == {name!r}, must be one of {', '.join(_RADIUS_TERMS)}")
    missing = [t for t in _RADIUS_TERMS[name] if t not in terms]
    if missing:
        raise ValueError(f"terms of {name} lack {', '.join(missing)}")
    out = {label: float(v) for label, v in terms.items() if label not in _RADIUS_TERMS[name]}
    if name == "A0":
        if radius_dense is None:
            raise ValueError("A0's argument needs radius_dense")
        out["2 r_dense"] = 2.0 * float(radius_dense)
        return out
    if radius_by_k is None or s is None or c is None:
        raise ValueError(f"{name}'s argument needs radius_by_k, s and c")
    r = np.asarray(radius_by_k, dtype=float)
    if not 0 <= int(s) < r.size:
        raise ValueError(f"s == {s!r}, must be an integer in [0, {r.size - 1}]")
    out["r(<=s)"] = float(np.max(np.where(np.isfinite(r[: int(s) + 1]), r[: int(s) + 1], -np.inf)))
    out["max_k r(k) - c k"] = penalized_radius_max(r, c)
    return out


__all__ = ["argument_terms", "penalized_radius_max"]

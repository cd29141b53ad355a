"""Theorem A (penalized, global or Gamma-suboptimal), as stated in docs/theory.md: if d <= a lam and
F(beta^) <= F(beta*_eps) + Gamma, then with probability >= 1 - delta'
L(beta^) - L*_Q <= eps + Gamma + s a lam^2/2 + D(s) + sqrt(C0) + A/(4 pi_min).

Checked at every point of Q^p with its smallest admissible Gamma, Gamma_ref = max(0, F(beta^) - F(beta*_eps))
(0 at every global minimizer of F).  Expected verdict: not refuted."""

from qtheory.theory import RESULTS
from qtheory.theory.symbols import Gamma
from qtheory.variants import Gamma_ref, Variant, excess

A = RESULTS["A"]

VARIANTS = [
    Variant(
        name="A",
        claim=excess <= A.value.subs(Gamma, Gamma_ref),
        solutions="any",
        probabilistic=True,
        assumptions=A.hypotheses,
        description=A.statement,
    )
]

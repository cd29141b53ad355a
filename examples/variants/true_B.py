"""Theorem B (tractable local solutions), as stated in docs/theory.md: under L2's conditions, every nu-local
solution beta^ with F(beta^) <= F(beta*_eps) + Gamma has, with probability >= 1 - delta',
L(beta^) - L*_Q <= T + A/(4 c_Q) and ||beta^||_0 <= 2T/c_Q + A/c_Q^2.

Checked at every nu-local solution of Q^p, with Gamma_ref = max(0, F(beta^) - F(beta*_eps)).  Penalties are
drawn relative to the exact U_Q (a = f/U_Q, f < 1) and nu below L2's limit, so that L2's conditions hold
on most draws.  Expected verdict: not refuted."""

import sympy as sp

from qtheory.strategies import ProblemSpace
from qtheory.theory import RESULTS
from qtheory.theory.symbols import Gamma
from qtheory.variants import Gamma_ref, Variant, excess, k

B = RESULTS["B"]
sub = {Gamma: Gamma_ref}

VARIANTS = [
    Variant(
        name="B",
        claim=sp.And(excess <= B.value.subs(sub), k <= B.extras["sparsity_bound"].subs(sub)),
        solutions="local",
        probabilistic=True,
        assumptions=B.hypotheses,
        space=ProblemSpace(penalty="smooth", nu="l2", min_K=2),
        description=B.statement,
    )
]

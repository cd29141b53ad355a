"""Planted false, thin window: lemma L2 with its smoothness hypothesis weakened to a < 2/U (nu = 0).  For
1/U <= a < 2/U the penalty's concavity -d^2/a no longer beats the loss's curvature U d^2 everywhere, and a
nu-local solution can keep a coordinate with 0 < |beta^_j| <= a lam - d; the violating problems form a
narrow band (one weight, a noiseless teacher, a U between about 1.2 and 2, a lam between about 2.5 d and
4 d).  Expected verdict: refuted."""

from qtheory.strategies import ProblemSpace
from qtheory.theory import RESULTS
from qtheory.theory.symbols import U, a
from qtheory.variants import Variant, min_nz

L2 = RESULTS["L2"]
weakened = {"a*U < 2": a * U < 2, **{k: v for k, v in L2.hypotheses.items() if k in ("d < a*lam", "a*lam <= R")}}

VARIANTS = [
    Variant(
        name="L2 with a < 2/U",
        claim=min_nz > L2.value,
        solutions="local",
        assumptions=weakened,
        space=ProblemSpace(penalty="smooth", a_frac=(0.05, 1.99), nu="zero", min_K=2),
    )
]

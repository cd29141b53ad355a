"""Lemma L2 (threshold of nu-local solutions), as stated in docs/theory.md: under assumption S with a < 1/U,
d < a lam <= R and 0 <= nu < (1/a - U) d^2/2, every nu-local solution has beta^_j = 0 or
|beta^_j| > a lam - d for every j.  Deterministic (no probability).  Expected verdict: not refuted."""

from qtheory.strategies import ProblemSpace
from qtheory.theory import RESULTS
from qtheory.variants import Variant, min_nz

L2 = RESULTS["L2"]

VARIANTS = [
    Variant(
        name="L2",
        claim=min_nz > L2.value,  # min over non-zero coordinates of |beta^_j| (+inf if none) > a lam - d
        solutions="local",
        assumptions=L2.hypotheses,
        space=ProblemSpace(penalty="smooth", nu="l2", min_K=2),
        description=L2.statement,
    )
]

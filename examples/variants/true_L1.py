"""L1 (sparsity-aware uniform deviation), as stated in docs/theory.md: with probability >= 1 - delta', for every
beta in Q^p at once, |L_n(beta) - L(beta)| <= D(||beta||_0).  Expected verdict: not refuted."""

from qtheory.theory import RESULTS
from qtheory.variants import Variant, dev

L1 = RESULTS["L1"]

VARIANTS = [
    Variant(
        name="L1",
        claim=dev <= L1.value,  # D(k) with k = ||beta||_0 of each point
        solutions="any",  # every point of Q^p: the event is uniform over beta
        probabilistic=True,
        assumptions=L1.hypotheses,
        description=L1.statement,
    )
]

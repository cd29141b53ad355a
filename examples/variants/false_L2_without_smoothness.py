"""Planted false: lemma L2 without a < 1/U.  With the smoothness hypothesis dropped (and hence L2's limit
on nu, which implies it: nu = 0 here), a = f/U_Q with f up to 8: the penalty's concavity no longer
dominates the loss's curvature, and nu-local solutions with 0 < |beta^_j| <= a lam - d appear (docs/theory.md's
negative control: a = 4/U_Q put 14 of 65 non-zeros below the threshold).  Expected verdict: refuted."""

from qtheory.strategies import ProblemSpace
from qtheory.theory import RESULTS
from qtheory.variants import Variant, min_nz

L2 = RESULTS["L2"]
kept = {label: rel for label, rel in L2.hypotheses.items() if label in ("d < a*lam", "a*lam <= R")}

VARIANTS = [
    Variant(
        name="L2 without a < 1/U",
        claim=min_nz > L2.value,
        solutions="local",
        assumptions=kept,
        space=ProblemSpace(penalty="smooth", a_frac=(0.05, 8.0), nu="zero", min_K=2),
    )
]

"""Planted false: "every Q-CD output is a global minimizer of F".  Q-CD stops at a nu-local solution,
which on a non-convex F (or with nu > 0) need not be global.  Expected verdict: refuted."""

from qtheory.strategies import ProblemSpace
from qtheory.variants import F, Fmin, Variant

VARIANTS = [
    Variant(
        name="Q-CD output is global",
        claim=F <= Fmin,
        solutions="qcd",
        space=ProblemSpace(nu="f0", nu_frac=(0.0, 0.5)),
    )
]

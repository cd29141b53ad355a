"""Planted false: theorem A without its statistical and penalty terms, "excess <= Gamma" (with probability
>= 1 - delta', every global minimizer of F has L(beta^) - L*_Q <= Gamma = 0).  A global minimizer of F is
fitted to the sample and penalized, not to the population: it misses the population optimum on most
samples.  Expected verdict: refuted."""

from qtheory.theory.symbols import Gamma
from qtheory.variants import Variant, excess

VARIANTS = [
    Variant(
        name="excess <= Gamma",
        claim=excess <= Gamma,
        solutions="global",
        probabilistic=True,
    )
]

"""Rare violations, for benchmarks/variant_harness.py: theorem A0 with its dense radius 2 D_dense replaced by
D(k), on one-weight sign classifiers (linear model, one input, no bias, 0-1 loss, no penalty) with the
default ranges of K, N, n and label noise; delta' = 0.01.  Only a corner of this space (noise about 0.3,
N about 20, n about 16) violates the claim more often than delta'.  Expected verdict: refuted."""

from qtheory.strategies import ProblemSpace
from qtheory.theory.quantities import DEVIATION_RADIUS
from qtheory.theory.symbols import Gamma
from qtheory.variants import Variant, excess

CLAIM = excess <= Gamma + DEVIATION_RADIUS  # not a result of docs/theory.md: written out on purpose
ONE_WEIGHT = {"penalty": "none", "delta": (0.01, 0.01), "models": ("linear",), "max_inputs": 1, "bias": (False,),
              "losses": ("zero_one",)}

VARIANTS = [
    Variant(name="A0 with D(k), one weight", claim=CLAIM, solutions="global", probabilistic=True,
            space=ProblemSpace(**ONE_WEIGHT)),
    Variant(name="A0 with D(k), one weight, noise 0.3, n 16, N 20", claim=CLAIM, solutions="global",
            probabilistic=True, space=ProblemSpace(**ONE_WEIGHT, max_K=1, N=(20, 20), n=(16, 16), noise=(0.3, 0.3))),
    Variant(name="A0 with D(k), whole default space", claim=CLAIM, solutions="global", probabilistic=True,
            space=ProblemSpace(penalty="none", delta=(0.01, 0.01))),
]

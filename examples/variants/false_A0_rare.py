"""Planted false, rare violations: theorem A0 with its dense radius 2 D_dense replaced by the sparse radius
D(k) (half of 2 D(k)), on one-weight sign problems (0-1 loss, label noise 0.1..0.3, n = 12..20).  ERM picks
the wrong sign on a few percent of training samples; on the worst populations the claim fails on about 3%
of them, three times delta' = 0.01, which a fixed test on tens of samples cannot tell from 1%.  Expected
verdict: refuted (by the sequential test)."""

from qtheory.strategies import ProblemSpace
from qtheory.theory.quantities import DEVIATION_RADIUS
from qtheory.theory.symbols import Gamma
from qtheory.variants import Variant, excess

VARIANTS = [
    Variant(
        name="A0 with the sparse radius",
        # the claim under test, written out on purpose: it is not a result of docs/theory.md
        claim=excess <= Gamma + DEVIATION_RADIUS,
        solutions="global",
        probabilistic=True,
        space=ProblemSpace(
            penalty="none", delta=(0.01, 0.01), models=("linear",), max_inputs=1, bias=(False,),
            losses=("zero_one",), max_K=1, N=(20, 20), n=(12, 20), noise=(0.1, 0.3),
        ),
    )
]

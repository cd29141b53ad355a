"""Planted false: algorithm C's move bound halved, moves <= F(beta^0)/(2 nu).  Every accepted move
decreases F by more than nu, which allows up to F(beta^0)/nu moves, not half of that: with nu close to
the decrease of each move the halved bound fails.  Same problems and nu as true_C.py.
Expected verdict: refuted."""

from qtheory.strategies import ProblemSpace
from qtheory.theory import RESULTS
from qtheory.variants import Variant, moves

C = RESULTS["C"]

VARIANTS = [
    Variant(
        name="C with the move bound halved",
        claim=moves <= C.value / 2,
        solutions="qcd",
        space=ProblemSpace(nu="f0", nu_frac=(0.0, 0.9), max_starts=3),
    )
]

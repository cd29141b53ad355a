"""Algorithm C (Q-CD), as stated in docs/theory.md: every accepted move decreases F by more than nu; with
nu > 0 at most F(beta^0)/nu moves; the output is a nu-local solution (reference certificate) with
F(beta^) <= F(beta^0).  Deterministic.  nu is drawn on the scale of F at the zero codes.
Expected verdict: not refuted."""

import sympy as sp

from qtheory.strategies import ProblemSpace
from qtheory.theory import RESULTS
from qtheory.theory.symbols import F0, nu
from qtheory.variants import F, Variant, local, min_drop, moves

C = RESULTS["C"]

VARIANTS = [
    Variant(
        name="C",
        claim=sp.And(moves <= C.value, min_drop > nu, F <= F0, sp.Ge(local, 1)),
        solutions="qcd",
        space=ProblemSpace(nu="f0", nu_frac=(0.0, 0.9), max_starts=3),
        description=C.statement,
    )
]

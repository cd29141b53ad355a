"""Planted false: a uniform deviation radius with no complexity term, the one-point Hoeffding radius
B sqrt(ln(2/delta')/(2n)) claimed for every beta in Q^p at once (with probability >= 1 - delta'), at very
small n.  Hoeffding's inequality holds for one fixed beta; the maximum deviation over the |Q|^p points is
larger.  Expected verdict: refuted."""

import sympy as sp

from qtheory.strategies import ProblemSpace
from qtheory.theory.symbols import B, delta, n
from qtheory.variants import Variant, dev

VARIANTS = [
    Variant(
        name="uniform radius without complexity term",
        # the claim under test, written out on purpose: it is not a result of docs/theory.md
        claim=dev <= B * sp.sqrt(sp.log(2 / delta) / (2 * n)),
        solutions="any",
        probabilistic=True,
        space=ProblemSpace(n=(1, 10), penalty="none"),
    )
]

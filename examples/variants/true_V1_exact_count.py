"""V1 with the exact number of networks with k non-zeros, C(p, k) (|Q| - 1)^k, in place of its upper bound
(p|Q|)^k: the count L1's proof starts from, so the same union argument applies.  With probability
>= 1 - delta', for all beta in Q^p, L(beta) <= kl^{-1}(L_n(beta), (ln C(p, k) + k ln(|Q| - 1) +
ln(2(p+1) sqrt(n)/delta'))/n) for the 0-1 loss.  On breast_cancer's p = 31, |Q| = 3, k = 10 it charges
ln C(31, 10) + 10 ln 2 = 24.5 nats where V1 charges 10 ln 93 = 45.3.  Expected verdict: not refuted."""

import sympy as sp

from qtheory.strategies import ProblemSpace
from qtheory.theory import RESULTS
from qtheory.theory.kl import klinv
from qtheory.theory.quantities import log_confidence
from qtheory.theory.symbols import Ln, Qsize, k, n, p
from qtheory.variants import Variant, risk

V1 = RESULTS["V1"]
EXACT_COUNT = sp.log(sp.binomial(p, k)) + k * sp.log(Qsize - 1)  # ln #{beta in Q^p : ||beta||_0 = k}

VARIANTS = [
    Variant(
        name="V1 with the exact count",
        claim=risk <= klinv(Ln, (EXACT_COUNT + log_confidence(sp.log(n) / 2)) / n),
        solutions="any",
        probabilistic=True,
        assumptions=V1.hypotheses,
        space=ProblemSpace(losses=("zero_one",)),
        description=__doc__.splitlines()[0],
    )
]

"""Assumption S for a linear model on +-1 inputs with the clipped squared loss: a proven U and a sampled U_Q.

With residuals r_i = x_i.beta - y_i and g(u) = min(u^2, B), the second difference of L_n along coordinate j is

    L_n(beta + d e_j) + L_n(beta - d e_j) - 2 L_n(beta) = (1/n) sum_i [g(r_i + d) + g(r_i - d) - 2 g(r_i)]

(x_ij = +-1 only swaps the two neighbours), the same for every j.  Each term is <= 2 d^2: if |r_i| <= sqrt(B),
g(r_i) = r_i^2 and g(r_i +- d) <= (r_i +- d)^2, whose sum is 2 r_i^2 + 2 d^2; if |r_i| > sqrt(B), g(r_i) = B
>= g(r_i +- d).  Hence U = 2 satisfies S for every sample (E3: 2 is attained without the clip; the clip can
only lower it).  U_Q itself (the smallest valid U) is a maximum over Q^p: enumeration gives it on small
problems; otherwise the largest second difference at sampled points is a lower estimate, reported beside the
proven upper bound 2, which is the value L2 is checked with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qtheory.populations.sign_problem import SignProblem
from qtheory.solve.certify import Smoothness

#: the proven upper bound on U_Q for +-1 inputs and the clipped squared loss
U_UPPER = 2.0
#: at most this many sign products (n p each) for the sampled lower estimate
_WORK = 2e9


@dataclass
class SmoothnessBound(Smoothness):
    """U = the proven upper bound used for L2; ``lower`` = the sampled lower estimate of U_Q."""

    lower: float = float("nan")

    def describe(self) -> str:
        return (f"U_Q <= {self.U:g} (proven for +-1 inputs and the clipped squared loss: the clip only lowers "
                f"second differences); sampled lower estimate U_Q >= {self.lower:.6g} from {self.n_points} points")


def second_difference(problem: SignProblem, codes: np.ndarray) -> float:
    """(L_n(beta + d e_j) + L_n(beta - d e_j) - 2 L_n(beta)) / d^2, the same for every j (module doc)."""
    d, B = problem.step, float(problem.loss.B)
    r = d * problem.sign_products(codes) - problem.train.y
    g = np.minimum(r * r, B)
    sd = np.minimum((r + d) ** 2, B) + np.minimum((r - d) ** 2, B) - 2 * g
    return float(sd.mean() / d**2)


def sign_smoothness(problem: SignProblem, samples: int, seed: int) -> SmoothnessBound:
    """The proven U = 2 with a lower estimate of U_Q at beta = 0, beta*, and random points of Q^p."""
    rng = np.random.default_rng(seed)
    K = problem.family.K
    points = [np.zeros(problem.p, dtype=np.int64), problem.family.teacher.copy()]
    budget = max(0, min(samples, int(_WORK // (problem.n * problem.p))) - len(points))
    points += [rng.integers(-K, K + 1, problem.p) for _ in range(budget)]
    values = [second_difference(problem, m) for m in points]
    k = int(np.argmax(values))
    return SmoothnessBound(U_UPPER, False, len(values), len(values), ([int(c) for c in points[k]] if problem.p <= 50
                                                                       else None, 0), [problem.step], max(values))

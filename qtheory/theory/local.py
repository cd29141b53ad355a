"""Lemma L2 (threshold of nu-local solutions) and algorithm C (Q-CD) of docs/theory.md as :class:`Result`s."""

from __future__ import annotations

import sympy as sp

from qtheory.theory.bounds import L2_HYPOTHESES
from qtheory.theory.quantities import C_Q
from qtheory.theory.result import Result
from qtheory.theory.symbols import F0, a, d, lam, nu

L2 = Result(
    name="L2",
    title="threshold lemma for nu-local solutions",
    statement=(
        "Under assumption S with a < 1/U (a U < 1), d < a lam <= R and 0 <= nu < (1/a - U) d^2/2, every nu-local "
        "solution has beta^_j = 0 or |beta^_j| > a lam - d for every j; hence P(beta^) >= c_Q ||beta^||_0 with "
        "c_Q = P_lam(a lam - d) = a lam^2/2 - d^2/(2a).  R = K d = (|Q| - 1) d/2."
    ),
    value_label=r"a \lambda - d",
    value=a * lam - d,
    hypotheses=dict(L2_HYPOTHESES),
    extras={"c_Q": C_Q},
)

C = Result(
    name="C",
    title="Q-CD: monotone descent to a nu-local solution",
    statement=(
        "Q-CD accepts a move only if F drops by more than nu, so with nu > 0 it makes at most "
        "(F(beta^0) - min F)/nu <= F0/nu moves (F >= 0); with nu = 0 it stops because Q^p is finite and no "
        "point repeats (the value is then +inf).  A sweep costs at most 2p evaluations of F; the output is a "
        "nu-local solution with F(beta^) <= F0."
    ),
    value_label=r"\text{moves} \le F_0 / \nu",
    value=sp.Piecewise((F0 / nu, nu > 0), (sp.oo, True)),
    hypotheses={"nu > 0": sp.Gt(nu, 0)},
)

__all__ = ["C", "L2"]

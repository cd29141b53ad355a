"""The symbols of docs/theory.md, with their sympy assumptions and their numeric domains.

Names follow the command line: ``B n p Qsize s k eps Gamma delta a lam d U nu M Linf Ln F0``.
``delta`` is the confidence level delta', ``Qsize`` is |Q|, ``d`` the grid step, ``Ln`` the empirical risk
L_n(beta) of a [0,1]-valued loss (V1), ``F0`` the starting objective F(beta^0) (C), ``Linf`` the max-norm
Lipschitz constant M_inf (V3) and ``M`` the number of configurations selected among (V2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp


@dataclass(frozen=True)
class Domain:
    """The admissible values of one symbol: an interval, optionally restricted to integers."""

    integer: bool
    low: float = -math.inf
    high: float = math.inf
    low_closed: bool = True
    high_closed: bool = True

    def describe(self) -> str:
        left = ("[" if self.low_closed else "(") + _fmt(self.low)
        right = _fmt(self.high) + ("]" if self.high_closed else ")")
        if self.low == -math.inf:
            left = "(-inf"
        if self.high == math.inf:
            right = "inf)"
        kind = "an integer" if self.integer else "a real"
        return f"{kind} in {left}, {right}"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


# name -> (sympy symbol, numeric domain, LaTeX name, meaning)
_TABLE: dict[str, tuple[sp.Symbol, Domain, str, str]] = {
    "B": (sp.Symbol("B", positive=True), Domain(False, 0.0, low_closed=False), "B", "loss bound, 0 <= l <= B"),
    "n": (sp.Symbol("n", positive=True, integer=True), Domain(True, 1), "n", "sample size"),
    "p": (sp.Symbol("p", positive=True, integer=True), Domain(True, 1), "p", "number of parameters"),
    "Qsize": (sp.Symbol("Qsize", positive=True, integer=True), Domain(True, 2), r"|Q|", "grid size |Q|"),
    "s": (sp.Symbol("s", positive=True, integer=True), Domain(True, 1), "s", "sparsity of the reference"),
    "k": (sp.Symbol("k", nonnegative=True, integer=True), Domain(True, 0), "k", "number of non-zero codes"),
    "eps": (sp.Symbol("epsilon", nonnegative=True), Domain(False, 0.0), r"\varepsilon", "reference excess eps"),
    "Gamma": (sp.Symbol("Gamma", nonnegative=True), Domain(False, 0.0), r"\Gamma", "suboptimality gap"),
    "delta": (
        sp.Symbol("delta", positive=True),
        Domain(False, 0.0, 1.0, low_closed=False, high_closed=False),
        r"\delta'",
        "confidence level delta'",
    ),
    "a": (sp.Symbol("a", positive=True), Domain(False, 0.0, low_closed=False), "a", "MCP concavity parameter"),
    "lam": (sp.Symbol("lambda", positive=True), Domain(False, 0.0, low_closed=False), r"\lambda", "MCP level"),
    "d": (sp.Symbol("d", positive=True), Domain(False, 0.0, low_closed=False), "d", "grid step"),
    "U": (sp.Symbol("U", real=True), Domain(False), "U", "grid smoothness constant"),
    "nu": (sp.Symbol("nu", nonnegative=True), Domain(False, 0.0), r"\nu", "local-solution tolerance"),
    "M": (sp.Symbol("M", positive=True, integer=True), Domain(True, 1), "M", "number of configurations"),
    "Linf": (sp.Symbol("M_inf", nonnegative=True), Domain(False, 0.0), r"M_\infty", "max-norm Lipschitz constant"),
    "Ln": (sp.Symbol("L_n", nonnegative=True), Domain(False, 0.0, 1.0), "L_n", "empirical [0,1] risk"),
    "F0": (sp.Symbol("F_0", nonnegative=True), Domain(False, 0.0), "F_0", "starting objective F(beta^0)"),
}

#: command-line name -> sympy symbol
SYMBOLS: dict[str, sp.Symbol] = {name: row[0] for name, row in _TABLE.items()}
#: command-line name -> numeric domain
DOMAINS: dict[str, Domain] = {name: row[1] for name, row in _TABLE.items()}
#: command-line name -> short meaning
MEANINGS: dict[str, str] = {name: row[3] for name, row in _TABLE.items()}
#: sympy symbol -> LaTeX name (docs/theory.md's notation)
LATEX_NAMES: dict[sp.Symbol, str] = {row[0]: row[2] for row in _TABLE.values()}
#: sympy symbol -> command-line name
NAME_OF: dict[sp.Symbol, str] = {row[0]: name for name, row in _TABLE.items()}

B, n, p, Qsize, s, k = (SYMBOLS[x] for x in ("B", "n", "p", "Qsize", "s", "k"))
eps, Gamma, delta = SYMBOLS["eps"], SYMBOLS["Gamma"], SYMBOLS["delta"]
a, lam, d, U, nu = (SYMBOLS[x] for x in ("a", "lam", "d", "U", "nu"))
M, Linf, Ln, F0 = (SYMBOLS[x] for x in ("M", "Linf", "Ln", "F0"))
#: a real parameter value (the argument of the MCP penalty)
t = sp.Symbol("t", real=True)


def latex(expr: sp.Basic) -> str:
    """LaTeX of ``expr`` with docs/theory.md's symbol names (delta', |Q|, M_inf, ...)."""
    return sp.latex(expr, symbol_names=LATEX_NAMES)

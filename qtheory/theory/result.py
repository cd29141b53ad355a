"""One result of docs/theory.md as a value: its bound expression, hypotheses, numeric evaluation, LaTeX and
sample size.

Rule for inputs: a value outside its own symbol's domain (delta' not in (0,1), n not a positive integer,
...) is an error; a relation *between* symbols that the result assumes (k <= p, d <= a lam, a U < 1, ...)
is a hypothesis: :meth:`Result.check` reports it met or not, and :meth:`Result.evaluate` still evaluates
the formula when it is unmet.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import sympy as sp

from qtheory.theory.numeric import as_checked, call, lambdified, names_of
from qtheory.theory.symbols import NAME_OF, latex, n

#: the target excess (or target bound value) in sample-size questions
TARGET = sp.Symbol("tau", positive=True)
_X = sp.Symbol("x", positive=True)  # x = 1/sqrt(n)
_MAX_LOG2_N = 62


@dataclass(frozen=True, eq=False)
class Result:
    """A result of docs/theory.md.

    ``value`` is the number the result provides (a bound's right-hand side, a radius, a threshold);
    ``hypotheses`` maps a readable name to a sympy relation between symbols; ``extras`` are further named
    quantities the result provides (c_Q, the sparsity bound, ...); ``defaults`` fill symbols left out;
    ``budget`` writes ``value`` as a sum of named terms (for B: eps, Gamma, s a lam^2/2, D(s), sqrt(C0),
    A/(4 c_Q)), whose sum is ``value`` identically (:meth:`budget_residual` is 0).
    """

    name: str
    title: str
    statement: str
    value_label: str
    value: sp.Expr
    hypotheses: Mapping[str, sp.Basic] = field(default_factory=dict)
    extras: Mapping[str, sp.Expr] = field(default_factory=dict)
    defaults: Mapping[str, float] = field(default_factory=dict)
    budget: Mapping[str, sp.Expr] = field(default_factory=dict)

    # ---- symbols -------------------------------------------------------------------------------
    @property
    def value_symbols(self) -> tuple[str, ...]:
        """Command-line names needed to evaluate :attr:`value`."""
        return tuple(sorted(names_of([self.value]), key=_order))

    @property
    def symbols(self) -> tuple[str, ...]:
        """Command-line names used by the value, the hypotheses or the extras."""
        exprs = [self.value, *self.hypotheses.values(), *self.extras.values()]
        return tuple(sorted(names_of(exprs), key=_order))

    def numbers(self, numbers: Mapping[str, Any], needed: tuple[str, ...]) -> dict[str, np.ndarray]:
        """Validate ``numbers`` (defaults filled in): every name known to this result, every value in its
        symbol's domain, nothing in ``needed`` missing."""
        unknown = sorted(set(numbers) - set(self.symbols))
        if unknown:
            raise ValueError(
                f"unknown symbol {', '.join(unknown)} for {self.name}; it uses {' '.join(self.symbols)}"
            )
        merged = {**{k: v for k, v in self.defaults.items() if k in self.symbols}, **numbers}
        missing = [x for x in needed if x not in merged]
        if missing:
            raise ValueError(f"{self.name} needs a value for {', '.join(missing)} (it uses {' '.join(needed)})")
        return {name: as_checked(v, name) for name, v in merged.items()}

    # ---- numbers -------------------------------------------------------------------------------
    def evaluate(self, **numbers: Any) -> np.ndarray:
        """The value at ``numbers`` (numpy arrays broadcast together); hypotheses are not enforced."""
        return call(self.value, self.numbers(numbers, self.value_symbols))[()]

    def evaluate_extra(self, extra: str, **numbers: Any) -> np.ndarray:
        """The extra quantity ``extra`` (e.g. ``"c_Q"``) at ``numbers``."""
        return self.evaluate_expr(self.extras[extra], **numbers)

    def evaluate_expr(self, expr: sp.Expr, **numbers: Any) -> np.ndarray:
        """Any expression in this result's symbols at ``numbers`` (validated like :meth:`evaluate`)."""
        needed = tuple(sorted(names_of([expr]), key=_order))
        return call(expr, self.numbers(numbers, needed))[()]

    def terms(self, **numbers: Any) -> dict[str, np.ndarray]:
        """The value as a sum of named terms (:attr:`budget`) at ``numbers``: term name -> its value.

        The terms sum to :meth:`evaluate` at the same numbers (up to round-off); a result without a budget
        has the single term ``value_label``.
        """
        if not self.budget:
            return {self.value_label: self.evaluate(**numbers)}
        values = self.numbers(numbers, self.value_symbols)
        shape = np.broadcast_shapes(*[np.shape(v) for v in values.values()]) if values else ()
        out = {}
        for label, expr in self.budget.items():
            used = {x: v for x, v in values.items() if x in names_of([expr])}
            out[label] = np.broadcast_to(call(expr, used), shape).copy()[()]
        return out

    def budget_residual(self) -> sp.Expr:
        """value - (sum of the budget's terms), simplified: 0 when the budget is exact."""
        if not self.budget:
            return sp.Integer(0)
        return sp.simplify(self.value - sp.Add(*self.budget.values()))

    def check(self, **numbers: Any) -> dict[str, bool]:
        """Each hypothesis at ``numbers``: met (True) or not (False); with arrays, met at every entry."""
        needed = tuple(sorted(names_of(self.hypotheses.values()), key=_order))
        values = self.numbers(numbers, needed)
        return {label: _holds(rel, values) for label, rel in self.hypotheses.items()}

    # ---- text ----------------------------------------------------------------------------------
    def latex(self) -> str:
        """``<value_label> = <value>`` in LaTeX, with docs/theory.md's symbol names."""
        return f"{self.value_label} = {latex(self.value)}"

    def hypotheses_latex(self) -> dict[str, str]:
        return {label: latex(rel) for label, rel in self.hypotheses.items()}

    # ---- sample size ---------------------------------------------------------------------------
    def sample_size_expr(self) -> sp.Expr | None:
        """Closed form of the n at which the value equals the target tau, or None if there is none.

        In x = 1/sqrt(n) the value of L1, A0, A, B and V2 is a polynomial c0 + c1 x + c2 x^2 with c1 > 0,
        c2 >= 0; solving c0 + c1 x + c2 x^2 = tau for its positive root gives
        n = ((c1 + sqrt(c1^2 + 4 c2 w)) / (2 w))^2 with w = tau - c0 > 0 (rationalized, no cancellation).
        """
        return _sample_size(self)[0]

    def sample_size(self, target: float, **numbers: Any) -> int:
        """Smallest integer n with value(n) <= target (the value is nonincreasing in n).

        Uses the closed form of :meth:`sample_size_expr` when there is one (checked, and corrected for
        rounding, by evaluating at neighbouring integers), a numeric search over n otherwise.  Raises
        ``ValueError`` when the target is at or below the n-independent part of the bound, or is not
        reached for any n <= 2^62.
        """
        if n not in self.value.free_symbols:
            raise ValueError(f"{self.name} does not depend on n: no sample size to compute")
        target = float(as_checked(target, "target", _positive()))
        given = {x: v for x, v in numbers.items() if x != "n"}
        self.numbers(given, tuple(x for x in self.value_symbols if x != "n"))

        def ok(nn: int) -> bool:
            return bool(self.evaluate(n=nn, **given) <= target)

        guess = None
        expr, c0 = _sample_size(self)
        if expr is not None:
            floor = float(self.evaluate_expr(c0, **_used(given, c0)))
            if target <= floor:
                raise ValueError(
                    f"target == {target!r}, must exceed {floor!r}, the part of {self.name}'s value that does not "
                    "shrink with n"
                )
            with np.errstate(all="ignore"):
                g = float(call(expr, {**self.numbers(_used(given, expr), ()), "tau": np.asarray(target)}))
            if math.isfinite(g) and g > 0:
                guess = max(1, min(2**_MAX_LOG2_N, math.ceil(g)))
        return _smallest(ok, guess, f"{self.name}'s value stays above the target {target!r} for n <= 2^62")


def _smallest(ok: Callable[[int], bool], guess: int | None, message: str) -> int:
    """Smallest integer n >= 1 with ok(n), for a monotone ok; start near ``guess`` when given."""
    if guess is not None and ok(guess) and (guess == 1 or not ok(guess - 1)):
        return guess
    hi = 1
    while not ok(hi):
        hi *= 2
        if hi > 2**_MAX_LOG2_N:
            raise ValueError(message)
    lo = hi // 2  # ok(lo) is False (or lo == 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


_C0, _C1, _C2, _W = sp.symbols("c0 c1 c2 w", positive=True)


@functools.lru_cache(maxsize=None)
def _quadratic_root() -> sp.Expr:
    """n = 1/x^2 for the positive root x of c0 + c1 x + c2 x^2 = tau, w = tau - c0 > 0, by sympy's solve;
    returned in the rationalized form after checking it equals solve's root."""
    roots = sp.solve(sp.Eq(_C1 * _X + _C2 * _X**2, _W), _X)
    (root,) = [r for r in roots if r.is_positive or (r.is_positive is None and _generic_positive(r))]
    stable = ((_C1 + sp.sqrt(_C1**2 + 4 * _C2 * _W)) / (2 * _W)) ** 2
    if sp.simplify(1 / root**2 - stable) != 0:  # pragma: no cover - a sympy regression
        raise RuntimeError("closed-form sample size: rationalized root differs from sympy's root")
    return stable


def _generic_positive(root: sp.Expr) -> bool:
    return complex(root.subs({_C1: 1, _C2: 1, _W: 1})).real > 0


@functools.lru_cache(maxsize=None)
def _sample_size(result: Result) -> tuple[sp.Expr | None, sp.Expr | None]:
    """(closed-form n at value = tau, the n-independent part c0), or (None, None)."""
    expr = result.value
    if n not in expr.free_symbols:
        return None, None
    in_x = sp.expand(expr.subs(n, 1 / _X**2))
    try:
        poly = sp.Poly(in_x, _X)
    except sp.PolynomialError:
        return None, None
    if poly.degree() > 2 or any(c.has(_X) for c in poly.all_coeffs()):
        return None, None
    c0, c1, c2 = (poly.coeff_monomial(_X**i) for i in range(3))
    if c1 == 0:
        return None, None
    if c2 == 0:
        closed = (c1 / (TARGET - c0)) ** 2
    else:
        closed = _quadratic_root().subs({_C1: c1, _C2: c2, _W: TARGET - c0})
    return closed, c0


def _used(numbers: Mapping[str, Any], expr: sp.Expr) -> dict[str, Any]:
    used = names_of([expr])
    return {x: v for x, v in numbers.items() if x in used}


def _holds(rel: sp.Basic, values: dict[str, np.ndarray]) -> bool:
    if rel in (sp.true, sp.false):
        return bool(rel)
    syms = tuple(sorted(rel.free_symbols, key=lambda x: x.name))
    args = np.broadcast_arrays(*[values[NAME_OF[x]] for x in syms])
    return bool(np.all(lambdified(rel, syms)(*args)))


def _positive():
    from qtheory.theory.symbols import Domain

    return Domain(False, 0.0, low_closed=False)


_ORDER = "B n p Qsize s k eps Gamma delta a lam d U nu M Linf Ln F0".split()


def _order(name: str) -> int:
    return _ORDER.index(name) if name in _ORDER else len(_ORDER)

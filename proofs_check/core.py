"""The checker: a proof step is a :class:`Step` whose ``run`` returns an :class:`Outcome`.

Methods, and what "pass" means for each:

- ``identity``: sympy reduces lhs - rhs to 0 (simplify, after expanding logarithms and powers of the
  positive symbols).
- ``sign``: sympy's assumption system decides expr >= 0 (or > 0) from the symbols' assumptions, after the
  stated substitution that parametrizes the step's hypotheses by fresh nonnegative symbols (e.g.
  a lam = d + w with w >= 0 encodes d <= a lam).  Undecided counts as a failure.
- ``certificate``: expr equals the given certificate (identity) and the certificate's sign is decided as
  above (sums of squares over positive denominators, products of nonnegative factors).
- ``squares``: lhs <= rhs for lhs, rhs >= 0, from rhs^2 - lhs^2 >= 0 (each part by ``sign``).
- ``linear certificate``: target = bound - (sum of slacks), an identity; each slack >= 0 is a fact checked
  in its own step (named in the detail) or a hypothesis of the result.
- ``exhaustive``: a finite statement checked at every point of a stated range.
- ``numeric grid``: a numeric check of a cited theorem on a stated grid (evidence, not a proof).
- ``cited``: an external theorem used as is (not counted as a failure, listed as cited).

When a ``sign`` or ``identity`` step is not proved, random admissible points are tried; a counterexample
found is reported in the detail.

Premises and conclusion.  A step's premises are its substitution (the hypotheses, parametrized) and the
symbols' assumptions; its conclusion is the identity or inequality it states.  A step that cannot fail is an
error of the checker, reported as FAILED with "checker error":

- the conclusion is true *as built*: sympy's automatic evaluation already made lhs - rhs the number 0 (e.g.
  M (delta'/M) = delta'), before any simplification or premise.  An identity whose left side is *computed*
  by the step (a callable: a toolkit value, a derivative, an integral, a limit) is exempt: the computation
  is what the step checks, and it can come out different;
- a premise is not used: with a substitution, the conclusion already holds without it (decided on the
  expression as built or expanded, before any simplification);
- the premise is the conclusion: after the substitution the expression whose sign is claimed is a single
  symbol (the parametrization restates the claim, e.g. t - d >= 0 with t = d + x).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

import sympy as sp

PROVED, CHECKED, CITED, FAILED = "proved", "checked", "cited", "FAILED"
#: the justification of a slack that is a hypothesis of the result (or a definition)
HYPOTHESIS = "hypothesis"


@dataclass(frozen=True)
class Outcome:
    status: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status != FAILED


@dataclass(frozen=True)
class Step:
    """One proof step of one result of docs/theory.md."""

    result: str
    name: str
    method: str
    run: Callable[[], Outcome]
    #: "RESULT / step name" of steps this one relies on (each must be present and pass in the same run)
    requires: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.result} / {self.name}"

    def outcome(self) -> Outcome:
        try:
            return self.run()
        except Exception as exc:  # a crash in a check is a failed check, shown with its message
            return Outcome(FAILED, f"{type(exc).__name__}: {exc}")


# ---- reductions -----------------------------------------------------------------------------------
def _forms(expr: sp.Expr) -> Iterable[sp.Expr]:
    yield expr
    yield sp.expand(expr)
    yield sp.simplify(expr)
    e = sp.expand_log(sp.expand_power_base(expr, force=True), force=True)
    yield sp.simplify(e)
    yield sp.simplify(sp.powsimp(sp.expand(e), force=True))
    yield sp.factor(sp.together(e))


def is_zero(expr: sp.Expr) -> bool:
    """True when sympy reduces ``expr`` to 0."""
    return any(f == 0 for f in _forms(sp.sympify(expr)))


def sign_decided(expr: sp.Expr, strict: bool = False) -> bool:
    """True when sympy decides ``expr > 0`` (strict) or ``expr >= 0`` from the symbols' assumptions."""
    for f in _forms(sp.sympify(expr)):
        if (f.is_positive if strict else f.is_nonnegative) is True:
            return True
        if sp.factor(f) != f and (sp.factor(f).is_positive if strict else sp.factor(f).is_nonnegative) is True:
            return True
    return False


def counterexample(expr: sp.Expr, bad: Callable[[float], bool], tries: int = 200) -> str:
    """Search random admissible points (by the symbols' assumptions) for ``bad(value)``; '' if none."""
    syms = sorted(expr.free_symbols, key=lambda x: x.name)
    func = sp.lambdify(syms, expr, modules="mpmath")
    rng = random.Random(0)
    for _ in range(tries):
        point = {x: _draw(x, rng) for x in syms}
        try:
            val = complex(func(*[sp.Float(v, 30) for v in point.values()]))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            continue
        if abs(val.imag) < 1e-12 and bad(val.real):
            shown = ", ".join(f"{x}={v}" for x, v in point.items())
            return f"counterexample: {shown} gives {val.real:.6g}"
    return ""


def _draw(x: sp.Symbol, rng: random.Random) -> sp.Expr:
    if x.is_integer:
        low = 1 if x.is_positive else (0 if x.is_nonnegative else -5)
        return sp.Integer(rng.randint(low, 12))
    if x.is_positive or x.is_nonnegative:
        return sp.Rational(rng.randint(1, 400), rng.randint(1, 40))
    return sp.Rational(rng.randint(-400, 400), rng.randint(1, 40))


def _sub(expr: sp.Expr, subs: Mapping[sp.Symbol, sp.Expr] | None) -> sp.Expr:
    return sp.sympify(expr).subs(subs) if subs else sp.sympify(expr)


def _true_as_built(diff: sp.Expr) -> bool:
    """lhs - rhs is already the number 0 after sympy's automatic evaluation (no simplification)."""
    return sp.sympify(diff) == 0


def _restates(expr: sp.Expr) -> bool:
    """After the substitution, the expression is a single symbol: its sign is the premise itself."""
    return isinstance(sp.sympify(expr), sp.Symbol)


def _quick_zero(expr: sp.Expr) -> bool:
    """expr is 0 as built or once expanded (a cheap test: used to spot premises a step does not need)."""
    e = sp.sympify(expr)
    return e == 0 or sp.expand(e) == 0


def _quick_sign(expr: sp.Expr, strict: bool) -> bool:
    """The sign of expr is decided from the assumptions as built or once expanded (cheap, as above)."""
    for f in (sp.sympify(expr), sp.expand(expr)):
        if (f.is_positive if strict else f.is_nonnegative) is True:
            return True
    return False


def checker_error(why: str) -> Outcome:
    return Outcome(FAILED, f"checker error: {why}")


def _subs_text(subs: Mapping[sp.Symbol, sp.Expr] | None) -> str:
    return "; ".join(f"{k} = {v}" for k, v in subs.items()) if subs else ""


# ---- step builders --------------------------------------------------------------------------------
def identity(
    result: str, name: str, lhs: sp.Expr | Callable[[], sp.Expr], rhs: sp.Expr, subs: Mapping | None = None
) -> Step:
    """Step: lhs == rhs (after ``subs``), by sympy simplification to 0.  ``lhs`` may be a callable that
    computes the left side (see the module docstring)."""

    def run() -> Outcome:
        left = lhs() if callable(lhs) else lhs
        if not callable(lhs) and _true_as_built(sp.sympify(left) - sp.sympify(rhs)):
            return checker_error("conclusion true as built (cannot fail)")
        if subs and _quick_zero(sp.sympify(left) - sp.sympify(rhs)):
            return checker_error("premise unused: the identity holds without the substitution")
        diff = _sub(left, subs) - _sub(rhs, subs)
        if is_zero(diff):
            return Outcome(PROVED, _subs_text(subs))
        return Outcome(FAILED, counterexample(diff, lambda v: abs(v) > 1e-9) or "not reduced to 0")

    return Step(result, name, "identity", run)


def sign(result: str, name: str, expr: sp.Expr, subs: Mapping | None = None, strict: bool = False) -> Step:
    """Step: expr >= 0 (> 0 if ``strict``) under the symbols' assumptions after ``subs``."""

    def run() -> Outcome:
        e = _sub(expr, subs)
        if subs and _restates(e):
            return checker_error(f"the premise is the conclusion (the expression becomes {e})")
        if subs and _quick_sign(expr, strict):
            return checker_error("premise unused: the sign is decided without the substitution")
        if sign_decided(e, strict):
            return Outcome(PROVED, _subs_text(subs))
        bad = (lambda v: v <= 0) if strict else (lambda v: v < -1e-12)
        return Outcome(FAILED, counterexample(e, bad) or "sign not decided")

    return Step(result, name, "sign", run)


def certificate(
    result: str, name: str, expr: sp.Expr, cert: sp.Expr, subs: Mapping | None = None, strict: bool = False
) -> Step:
    """Step: expr >= 0 because expr == cert (identity) and cert >= 0 (sign)."""

    def run() -> Outcome:
        e, c = _sub(expr, subs), _sub(cert, subs)
        if _restates(e):
            return checker_error(f"the premise is the conclusion (the expression becomes {e})")
        if subs and _quick_sign(expr, strict):
            return checker_error("premise unused: the sign is decided without the substitution")
        if not is_zero(e - c):
            return Outcome(FAILED, "expression != certificate; " + counterexample(e - c, lambda v: abs(v) > 1e-9))
        if not sign_decided(c, strict):
            return Outcome(FAILED, f"sign of certificate {c} not decided")
        return Outcome(PROVED, f"= {c}" + (f"; {_subs_text(subs)}" if subs else ""))

    return Step(result, name, "certificate", run)


def squares(result: str, name: str, lhs: sp.Expr, rhs: sp.Expr, subs: Mapping | None = None) -> Step:
    """Step: lhs <= rhs, from lhs >= 0, rhs >= 0 and rhs^2 - lhs^2 >= 0."""

    def run() -> Outcome:
        lo, hi = _sub(lhs, subs), _sub(rhs, subs)
        for part, e in (("lhs >= 0", lo), ("rhs >= 0", hi), ("rhs^2 - lhs^2 >= 0", sp.expand(hi**2 - lo**2))):
            if not sign_decided(e):
                return Outcome(FAILED, f"{part} not decided; " + counterexample(e, lambda v: v < -1e-12))
        return Outcome(PROVED, _subs_text(subs))

    return Step(result, name, "squares", run)


def linear_certificate(
    result: str,
    name: str,
    target: sp.Expr,
    bound: sp.Expr,
    slacks: Mapping[str, sp.Expr],
    subs: Mapping | None = None,
    requires: Mapping[str, str] | None = None,
) -> Step:
    """Step: target == bound - sum(slacks) (after ``subs``), so target <= bound once every slack is >= 0.

    ``requires`` maps each slack's label to what makes it >= 0: ``"hypothesis"`` (a hypothesis of the
    result, or the definition of a quantity), or ``"RESULT / step name"`` of a step that must exist and pass
    in the same run (checked by :func:`proofs_check.runner.run_steps`).  A slack without an entry is an error.
    """
    requires = dict(requires or {})

    def run() -> Outcome:
        missing = [label for label in slacks if label not in requires]
        if missing:
            return checker_error("no justification for the slack(s) " + "; ".join(missing))
        if is_zero(_sub(target - (bound - sum(slacks.values())), subs)):
            return Outcome(PROVED, "slacks >= 0: " + "; ".join(f"{k} [{v}]" for k, v in requires.items()))
        return Outcome(FAILED, "target != bound - sum of slacks")

    return Step(result, name, "linear certificate", run, requires=tuple(
        v for v in requires.values() if v != HYPOTHESIS))


def exhaustive(result: str, name: str, scope: str, check: Callable[[], tuple[bool, str]]) -> Step:
    """Step: a finite statement checked at every point of ``scope``."""

    def run() -> Outcome:
        ok, detail = check()
        return Outcome(CHECKED if ok else FAILED, f"{scope}; {detail}" if detail else scope)

    return Step(result, name, "exhaustive", run)


def numeric_grid(result: str, name: str, scope: str, check: Callable[[], tuple[bool, str]]) -> Step:
    """Step: numeric evidence for a cited theorem on ``scope`` (not a proof)."""

    def run() -> Outcome:
        ok, detail = check()
        return Outcome(CHECKED if ok else FAILED, f"{scope}; {detail}" if detail else scope)

    return Step(result, name, "numeric grid", run)


def cited(result: str, name: str, reference: str) -> Step:
    """Step: an external theorem, used as stated."""
    return Step(result, name, "cited", lambda: Outcome(CITED, reference))

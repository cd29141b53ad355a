"""The generalization results L1, A0, A and B of docs/theory.md section 2 as :class:`Result` objects, with the
tuning of lambda (A) and of t = a lambda^2 (B's t*)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import sympy as sp
from scipy import optimize

from qtheory.theory.numeric import names_of
from qtheory.theory.quantities import A_CONST, C0_CONST, C_Q, DENSE_RADIUS, GRID_RANGE, PI_MIN, radius
from qtheory.theory.result import Result
from qtheory.theory.symbols import U, Gamma, a, d, eps, k, lam, nu, p, s

#: the terms of T, by name (the budget of A and B before their sparsity term)
T_TERMS: dict[str, sp.Expr] = {
    "eps": eps, "Gamma": Gamma, "s a lam^2/2": s * a * lam**2 / 2, "D(s)": radius(s), "sqrt(C0)": sp.sqrt(C0_CONST),
}

#: T = eps + Gamma + s a lam^2/2 + D(s) + sqrt(C0), the part of A's and B's bounds before the sparsity term
T_EXPR = sp.Add(*T_TERMS.values())

#: t = a lam^2 (B's tuning variable)
T_TUNE = sp.Symbol("t", positive=True)

L2_HYPOTHESES: dict[str, sp.Basic] = {
    "a*U < 1": sp.Lt(a * U, 1),
    "d < a*lam": sp.Lt(d, a * lam),
    "a*lam <= R": sp.Le(a * lam, GRID_RANGE),
    "nu < (1/a - U)*d^2/2": sp.Lt(nu, (1 / a - U) * d**2 / 2),
}


L1 = Result(
    name="L1",
    title="sparsity-aware uniform deviation",
    statement=(
        "With probability >= 1 - delta', for all beta in Q^p at once: |L_n(beta) - L(beta)| <= D(||beta||_0), "
        "D(k) = B sqrt((k ln(p|Q|) + ln(2(p+1)/delta'))/(2n)), k = 0..p.  Needs 0 in Q."
    ),
    value_label="D(k)",
    value=radius(k),
    hypotheses={"k <= p": sp.Le(k, p)},
    budget={"sqrt(C0)": sp.sqrt(C0_CONST), "D(k) - D(0)": radius(k) - sp.sqrt(C0_CONST)},
)

A0 = Result(
    name="A0",
    title="quantized ERM, global or Gamma-suboptimal, no penalty",
    statement=(
        "If L_n(beta~) <= min_{Q^p} L_n + Gamma then with probability >= 1 - delta': "
        "L(beta~) - L*_Q <= Gamma + 2 D_dense, D_dense = B sqrt((p ln|Q| + ln(2/delta'))/(2n)).  "
        "At Gamma = 0 excess eps needs n >= 2 B^2 (p ln|Q| + ln(2/delta'))/eps^2."
    ),
    value_label=r"\Gamma + 2 D_{\mathrm{dense}}",
    value=Gamma + 2 * DENSE_RADIUS,
    budget={"Gamma": Gamma, "2 D_dense": 2 * DENSE_RADIUS},
)


class PenalizedBound(Result):
    """Theorem A: the bound with pi_min = P_lam(d), and the lambda that minimizes it."""

    def tune_lambda(self, **numbers: Any) -> dict[str, float]:
        """lambda* minimizing A's bound over lambda >= d/a (the hypothesis d <= a lam), a fixed.

        Only s a lam^2/2 + A/(4 pi_min(lam)) depends on lambda; both terms are convex in lambda where
        pi_min > 0, so the minimizer is the root of  s a lam - A d / (4 pi_min^2)  in (d/a, inf) when the
        derivative is negative at d/a, and d/a otherwise.  Returns lam, the bound there, and pi_min.
        """
        needed = tuple(x for x in self.value_symbols if x != "lam")
        scalars = {x: float(v) for x, v in self.numbers(numbers, needed).items() if x != "lam"}
        grad_expr = sp.diff(self.value, lam)

        def grad(x: float) -> float:
            return float(self.evaluate_expr(grad_expr, lam=x, **scalars))

        lo = scalars["d"] / scalars["a"]
        lam_star = lo
        if grad(lo) < 0:
            hi = 2 * lo
            while grad(hi) < 0:
                hi *= 2
            lam_star = optimize.brentq(grad, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)
        return {
            "lam": lam_star,
            "bound": float(self.evaluate(lam=lam_star, **scalars)),
            "pi_min": float(self.evaluate_extra("pi_min", lam=lam_star, **scalars)),
        }


A = PenalizedBound(
    name="A",
    title="penalized, global or Gamma-suboptimal (no smoothness)",
    statement=(
        "If d <= a lam and F(beta^) <= F(beta*_eps) + Gamma, then with probability >= 1 - delta': "
        "L(beta^) - L*_Q <= eps + Gamma + s a lam^2/2 + D(s) + sqrt(C0) + A/(4 pi_min), "
        "pi_min = P_lam(d) = lam d - d^2/(2a).  Needs 0 in Q."
    ),
    value_label=r"\varepsilon + \Gamma + \frac{s a \lambda^2}{2} + D(s) + \sqrt{C_0} + \frac{A}{4 \pi_{\min}}",
    value=T_EXPR + A_CONST / (4 * PI_MIN),
    hypotheses={"s <= p": sp.Le(s, p), "d <= a*lam": sp.Le(d, a * lam)},
    extras={"pi_min": PI_MIN},
    budget={**T_TERMS, "A/(4 pi_min)": A_CONST / (4 * PI_MIN)},
)


class LocalBound(Result):
    """Theorem B: the bound for nu-local solutions, its sparsity bound and the tuning t*."""

    #: s t/2 + 2A/(3t): B's bound after c_Q >= 3t/8 (valid when a lam >= 2d), minus the t-free part
    T_OBJECTIVE = s * T_TUNE / 2 + 2 * A_CONST / (3 * T_TUNE)

    def t_star_expr(self) -> sp.Expr:
        """t* = argmin_t s t/2 + 2A/(3t), solved symbolically: sqrt(4A/(3s))."""
        return _t_star()

    def tuned_bound_expr(self) -> sp.Expr:
        """eps + Gamma + s t*/2 + 2A/(3t*) + D(s) + sqrt(C0) = eps + Gamma + 2 sqrt(sA/3) + D(s) + sqrt(C0)."""
        return _tuned_bound()

    def tune(self, **numbers: Any) -> dict[str, float]:
        """t* = sqrt(4A/(3s)), lambda* = sqrt(t*/a), the tuned bound at t*, and whether a lam* >= 2d holds
        (the condition under which the tuned bound dominates B's bound at lambda*).  ``a`` and ``d`` are
        needed for lambda* and the condition only; ``lam`` is ignored."""
        given = {x: v for x, v in numbers.items() if x != "lam"}
        t_star = float(self.evaluate_expr(self.t_star_expr(), **_only(given, self.t_star_expr())))
        tuned = self.tuned_bound_expr()
        out = {"t": t_star, "bound": float(self.evaluate_expr(tuned, **_only(given, tuned)))}
        if "a" in given:
            a_val = float(given["a"])
            out["lam"] = float(np.sqrt(t_star / a_val))
            if "d" in given:
                out["a*lam >= 2d"] = bool(np.sqrt(a_val * t_star) >= 2 * float(given["d"]))
        return out


@functools.lru_cache(maxsize=None)
def _t_star() -> sp.Expr:
    (root,) = sp.solve(sp.diff(LocalBound.T_OBJECTIVE, T_TUNE), T_TUNE)
    return root


@functools.lru_cache(maxsize=None)
def _tuned_bound() -> sp.Expr:
    rest = T_EXPR - s * a * lam**2 / 2
    return sp.simplify(LocalBound.T_OBJECTIVE.subs(T_TUNE, _t_star())) + rest


def _only(numbers: dict[str, Any], expr: sp.Expr) -> dict[str, Any]:
    used = names_of([expr])
    return {x: v for x, v in numbers.items() if x in used}


B = LocalBound(
    name="B",
    title="tractable local solutions",
    statement=(
        "Under L2's conditions, if beta^ is a nu-local solution with F(beta^) <= F(beta*_eps) + Gamma, then with "
        "probability >= 1 - delta': L(beta^) - L*_Q <= T + A/(4 c_Q), T = eps + Gamma + s a lam^2/2 + D(s) + "
        "sqrt(C0), and ||beta^||_0 <= 2T/c_Q + A/c_Q^2.  With t = a lam^2 and a lam >= 2d the bound is at most "
        "eps + Gamma + s t/2 + 2A/(3t) + D(s) + sqrt(C0), minimized at t* = sqrt(4A/(3s)).  Needs 0 in Q."
    ),
    value_label=r"T + \frac{A}{4 c_Q}",
    value=T_EXPR + A_CONST / (4 * C_Q),
    hypotheses={"s <= p": sp.Le(s, p), **L2_HYPOTHESES},
    extras={"c_Q": C_Q, "sparsity_bound": 2 * T_EXPR / C_Q + A_CONST / C_Q**2, "T": T_EXPR},
    budget={**T_TERMS, "A/(4 c_Q)": A_CONST / (4 * C_Q)},
)

__all__ = ["A", "A0", "B", "L1", "L2_HYPOTHESES", "T_EXPR", "T_TERMS", "T_TUNE"]

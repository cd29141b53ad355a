"""Penalty rules of a sweep: how (a, lambda, nu) are chosen for one problem.

A rule is a table with one key from each row (docs/theory.md's symbols; d is the grid step, U = U_Q):

* ``a = value`` or ``a_over_U = c``  (a = c / U_Q; c < 1 meets L2's hypothesis a < 1/U);
* ``lam = value``, ``alam = value`` (a lambda = value) or ``alam_over_d = c`` (a lambda = c d);
* ``nu = value`` or ``nu_fraction = c`` (nu = c (1/a - U) d^2 / 2, a fraction of L2's limit); default nu = 0.

Choosing a and lambda from the sample (through U_Q) costs nothing in A and B: their proofs use only L1's
event, which does not involve the penalty, plus the deterministic L2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qtheory.problem import Penalty

A_KEYS = ("a", "a_over_U")
LAM_KEYS = ("lam", "alam", "alam_over_d")
NU_KEYS = ("nu", "nu_fraction")


@dataclass(frozen=True)
class ResolvedPenalty:
    """The numbers a rule gives for one problem."""

    penalty: Penalty
    nu: float
    nu_limit: float | None  # (1/a - U) d^2 / 2 when U and d are known


def check_rule(rule: dict[str, Any]) -> None:
    """Validate a penalty rule's keys and values (errors name the key)."""
    if not isinstance(rule, dict):
        raise ValueError("[penalty] must be a table")
    unknown = sorted(set(rule) - set(A_KEYS + LAM_KEYS + NU_KEYS))
    if unknown:
        raise ValueError(f"unknown key penalty.{unknown[0]}; accepted keys: {', '.join(A_KEYS + LAM_KEYS + NU_KEYS)}")
    for group, required in ((A_KEYS, True), (LAM_KEYS, True), (NU_KEYS, False)):
        given = [k for k in group if k in rule]
        if len(given) > 1 or (required and not given):
            raise ValueError(f"[penalty] needs exactly one of {', '.join(group)}" + ("" if required else " (or none)")
                             + f", got {', '.join(given) or 'none'}")
    for key, value in rule.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"penalty.{key} must be a number, got {value!r}")
        if key in ("nu", "nu_fraction"):
            if value < 0:
                raise ValueError(f"penalty.{key} == {value!r}, must be >= 0")
        elif value <= 0:
            raise ValueError(f"penalty.{key} == {value!r}, must be > 0")
    if "nu_fraction" in rule and rule["nu_fraction"] >= 1:
        raise ValueError(f"penalty.nu_fraction == {rule['nu_fraction']!r}, must be in [0, 1) (L2 needs nu below its limit)")


def resolve(rule: dict[str, Any], *, U: float | None, d: float | None) -> ResolvedPenalty:
    """(a, lambda, nu) for a problem with grid step ``d`` and smoothness constant ``U`` (None: unknown)."""
    from qtheory.theory import L2

    check_rule(rule)
    if "a_over_U" in rule:
        if U is None or not U > 0:
            raise ValueError(f"penalty.a_over_U needs U_Q > 0 (exact, by enumeration); got U = {U!r}")
        a = rule["a_over_U"] / U
    else:
        a = float(rule["a"])
    if "lam" in rule:
        lam = float(rule["lam"])
    else:
        if "alam_over_d" in rule and d is None:
            raise ValueError("penalty.alam_over_d needs a uniform grid (a step d)")
        alam = rule["alam"] if "alam" in rule else rule["alam_over_d"] * d
        lam = alam / a
    nu_limit = None
    if U is not None and d is not None:
        rel = L2.hypotheses["nu < (1/a - U)*d^2/2"]
        nu_limit = float(L2.evaluate_expr(rel.rhs, a=a, U=U, d=d))
    if "nu_fraction" in rule:
        if nu_limit is None or nu_limit <= 0:
            raise ValueError(f"penalty.nu_fraction needs L2's limit (1/a - U) d^2/2 > 0, got {nu_limit!r}")
        nu = rule["nu_fraction"] * nu_limit
    else:
        nu = float(rule.get("nu", 0.0))
    return ResolvedPenalty(Penalty(float(a), float(lam)), float(nu), nu_limit)

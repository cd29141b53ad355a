"""The toolkit's hypothesis objects (``L2_HYPOTHESES`` and ``RESULTS[*].hypotheses``) against the statements.

docs/theory.md's hypotheses are restated below, one sympy relation each, from the statements' text; every result of
``qtheory.theory.RESULTS`` must carry exactly these (each toolkit relation equivalent to one listed here:
the same strictness, and the same difference of its sides up to a positive factor), and ``L2_HYPOTHESES``
must be L2's.  A hypothesis dropped, added, weakened (< turned into <=) or rescaled fails the step.
"""

from __future__ import annotations

import sympy as sp

from proofs_check.core import Step, exhaustive
from qtheory.theory import RESULTS
from qtheory.theory.bounds import L2_HYPOTHESES
from qtheory.theory.symbols import U, a, d, k, lam, n, nu, p, s
from qtheory.theory.symbols import Qsize as Q

RESULT = "hypotheses"
_R = (Q - 1) * d / 2  # R = K d, |Q| = 2K + 1
_L2 = [sp.Lt(a * U, 1), sp.Lt(d, a * lam), sp.Le(a * lam, _R), sp.Lt(nu, (1 / a - U) * d**2 / 2)]
#: docs/theory.md section 2-3, result -> its hypotheses (relations between symbols; symbol domains aside)
STATED: dict[str, list[sp.Basic]] = {
    "L1": [sp.Le(k, p)],
    "A0": [],
    "A": [sp.Le(s, p), sp.Le(d, a * lam)],
    "L2": _L2,
    "B": [sp.Le(s, p), *_L2],
    "C": [sp.Gt(nu, 0)],
    "V1": [sp.Ge(n, 8), sp.Le(k, p)],
    "V4": [sp.Ge(n, 8), sp.Le(k, p)],
    "V2": [sp.Le(k, p)],
    "V3": [],
}


def _canonical(rel: sp.Basic) -> tuple[bool, sp.Expr]:
    """(strict, e) with the relation equivalent to e > 0 (strict) or e >= 0."""
    if isinstance(rel, (sp.StrictGreaterThan, sp.GreaterThan)):
        return isinstance(rel, sp.StrictGreaterThan), rel.lhs - rel.rhs
    if isinstance(rel, (sp.StrictLessThan, sp.LessThan)):
        return isinstance(rel, sp.StrictLessThan), rel.rhs - rel.lhs
    raise TypeError(f"not an inequality: {rel}")


def equivalent(r1: sp.Basic, r2: sp.Basic) -> bool:
    """Same strictness and e1 = c e2 with c a positive number."""
    (s1, e1), (s2, e2) = _canonical(r1), _canonical(r2)
    if s1 != s2:
        return False
    if sp.simplify(e1 - e2) == 0:
        return True
    ratio = sp.simplify(e1 / e2)
    return bool(ratio.is_number and ratio.is_positive)


def _match(name: str, got: list[sp.Basic], want: list[sp.Basic]) -> str:
    unmatched = list(want)
    for rel in got:
        hit = next((w for w in unmatched if equivalent(rel, w)), None)
        if hit is None:
            return f"{name}: {rel} is not among docs/theory.md's hypotheses"
        unmatched.remove(hit)
    return f"{name}: docs/theory.md's {', '.join(map(str, unmatched))} missing" if unmatched else ""


def _results() -> tuple[bool, str]:
    for name, result in RESULTS.items():
        if name not in STATED:
            return False, f"{name}: no hypotheses of docs/theory.md listed for it here"
        why = _match(name, list(result.hypotheses.values()), STATED[name])
        if why:
            return False, why
    return True, f"{len(RESULTS)} results: {', '.join(RESULTS)}"


def _l2_object() -> tuple[bool, str]:
    why = _match("L2_HYPOTHESES", list(L2_HYPOTHESES.values()), _L2)
    return not why, why or "a U < 1, d < a lam, a lam <= R, nu < (1/a - U) d^2/2"


STEPS: list[Step] = [
    exhaustive(RESULT, "L2_HYPOTHESES are L2's hypotheses", "4 relations", _l2_object),
    exhaustive(RESULT, "RESULTS[*].hypotheses are docs/theory.md's", "every result", _results),
]

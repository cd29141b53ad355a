"""V2 (selection among M configurations): a union over M costs ln M in every complexity term, and every
certificate the toolkit reports pays it."""

from __future__ import annotations

import ast
from pathlib import Path

import sympy as sp

from proofs_check.core import Step, exhaustive, identity
from qtheory.theory import A0, C0_CONST, DENSE_RADIUS, L1, V1, V2, radius
from qtheory.theory.symbols import B, M, delta, n, s

RESULT = "V2"
PACKAGE = Path(__file__).resolve().parents[1] / "qtheory"
#: results whose value is a certificate of a risk: every evaluation in the toolkit must pass M
CERTIFICATES = ("V1", "V4")
LN_M = B**2 * sp.log(M) / (2 * n)  # what ln M adds to a squared radius


def _certificate_calls() -> tuple[bool, str]:
    """Every call ``X.evaluate(...)`` / ``X.evaluate_extra(...)`` / ``RESULTS["X"].evaluate(...)`` of a
    certificate X in qtheory/ passes ``M`` (explicitly or through ``**numbers``): none relies on the default
    M = 1, which would leave out V2's ln M of a selection."""
    calls = 0
    for path in sorted(PACKAGE.rglob("*.py")):
        if "theory" in path.relative_to(PACKAGE).parts[:1]:
            continue  # the definitions themselves
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("evaluate", "evaluate_extra")):
                continue
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else (
                owner.slice.value if isinstance(owner, ast.Subscript) and isinstance(owner.slice, ast.Constant)
                else None)
            if name not in CERTIFICATES:
                continue
            calls += 1
            if not any(kw.arg == "M" or kw.arg is None for kw in node.keywords):
                return False, f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {name} evaluated without M"
    return calls > 0, f"{calls} certificate evaluations, each passes M"


STEPS: list[Step] = [
    identity(RESULT, "toolkit's V2 value is L1's radius at delta'/M", lambda: V2.value, L1.value.subs(delta, delta / M)),
    identity(RESULT, "V2's radius: D_M(k)^2 = D(k)^2 + B^2 ln M/(2n)", lambda: V2.value**2 - L1.value**2, LN_M),
    identity(RESULT, "toolkit's V1 with M is V1 (M = 1) at delta'/M", lambda: V1.value,
             V1.value.subs(M, 1).subs(delta, delta / M)),
    identity(RESULT, "A0 at delta'/M: D_dense^2 grows by B^2 ln M/(2n)",
             lambda: DENSE_RADIUS.subs(delta, delta / M) ** 2 - DENSE_RADIUS**2, LN_M),
    identity(RESULT, "A, B at delta'/M: D(s)^2 grows by B^2 ln M/(2n)",
             lambda: radius(s).subs(delta, delta / M) ** 2 - radius(s) ** 2, LN_M),
    identity(RESULT, "A, B at delta'/M: C0 grows by B^2 ln M/(2n)", lambda: C0_CONST.subs(delta, delta / M) - C0_CONST,
             LN_M),
    identity(RESULT, "A0's value depends on delta' only through D_dense", lambda: sp.diff(A0.value - 2 * DENSE_RADIUS, delta),
             0),
    exhaustive(RESULT, "every reported certificate pays V2's ln M", "calls of V1/V4 .evaluate in qtheory/",
               _certificate_calls),
]
